//! `rplay run … --history`: every client operation as one JSON object per line, in the
//! order the operations completed, then those still unanswered at the end (docs/rplay.md,
//! "The history format", is the contract; tests/rplay_cli.rs pins it).

use crate::{Exit, Out};
use replication_playground::engine::World;
use replication_playground::engine::history::{Op, OpKind, Outcome};
use replication_playground::engine::ids::Addr;
use serde::Serialize;
use std::io;

/// One line. Field order is part of the format; absent fields are left out, never null,
/// except `value` of a read that found no row.
#[derive(Serialize)]
struct Line<'a> {
    op: u64,
    client: u32,
    /// "invoke" (no answer by the end of the run), "ok", "fail" or "unknown".
    #[serde(rename = "type")]
    kind: &'static str,
    /// "write", "delete" or "read".
    f: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<u64>,
    /// Written, or read (null: no such row); absent for a delete and unanswered reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Option<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<String>,
    invoke_us: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    complete_us: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gtid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errno: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

fn line(world: &World, op: &Op, answered: bool) -> String {
    let (f, key, written) = match op.kind {
        OpKind::Write { key, value } => ("write", key, Some(Some(value))),
        OpKind::Delete { key } => ("delete", Some(key), None),
        OpKind::Read { key } => ("read", Some(key), None),
    };
    let mut l = Line {
        op: op.id,
        client: op.client,
        kind: "invoke",
        f,
        key,
        value: written,
        node: op.node.map(|n| world.name(Addr::Node(n))),
        invoke_us: op.invoke_us.as_micros(),
        complete_us: answered.then(|| op.complete_us.as_micros()),
        gtid: None,
        errno: None,
        error: None,
    };
    if answered {
        match &op.outcome {
            Outcome::Ok { gtid, value } => {
                l.kind = "ok";
                l.gtid = gtid.map(|g| g.to_string());
                if op.kind.is_read() {
                    l.value = Some(*value);
                }
            }
            Outcome::Fail { errno, message } => {
                l.kind = "fail";
                l.errno = Some(*errno);
                l.error = Some(message);
            }
            Outcome::Unknown { reason } => {
                l.kind = "unknown";
                l.error = Some(reason);
            }
        }
    }
    serde_json::to_string(&l).expect("a history line always serialises")
}

/// Follows a run step by step and writes each operation as it completes.
pub struct Writer {
    enabled: bool,
    /// Operations written so far (`History::recorded` counts them all).
    seen: u64,
    /// Completed operations the history's window dropped before they could be written.
    missed: u64,
    failed: Option<io::Error>,
}

impl Writer {
    pub fn new(enabled: bool) -> Writer {
        Writer {
            enabled,
            seen: 0,
            missed: 0,
            failed: None,
        }
    }

    /// Writes the operations completed since the last call; an error (the reader went
    /// away) is kept for `finish` and asks the run to stop.
    pub fn write_new(&mut self, world: &World, out: &mut Out) -> Result<(), ()> {
        if !self.enabled || self.failed.is_some() {
            return Ok(());
        }
        let recorded = world.history.recorded();
        let new = recorded - self.seen;
        let recent = world.history.recent();
        let kept = (new as usize).min(recent.len());
        self.missed += new - kept as u64;
        self.seen = recorded;
        let skip = recent.len() - kept;
        for op in world.history.recent().skip(skip) {
            if let Err(e) = out.line(&line(world, op, true)) {
                self.failed = Some(e);
                return Err(());
            }
        }
        Ok(())
    }

    /// The operations still waiting for an answer, then any error of the run.
    pub fn finish(mut self, world: &World, out: &mut Out) -> Result<(), Exit> {
        if let Some(e) = self.failed.take() {
            return Err(e.into());
        }
        if !self.enabled {
            return Ok(());
        }
        let mut pending: Vec<&Op> = world.router.inflight_ops().collect();
        pending.sort_by_key(|op| op.id);
        for op in pending {
            out.line(&line(world, op, false))?;
        }
        if self.missed > 0 {
            return Err(Exit::Io(format!(
                "{} operations completed too fast to be listed",
                self.missed
            )));
        }
        Ok(())
    }
}
