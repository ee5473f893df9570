//! The history of client operations, Jepsen style: every operation is invoked, then
//! completes ok, fails (certainly not done) or unknown (may or may not have happened).
//!
//! The full history of an hour at 1,000 writes/s does not fit a browser tab, so only a
//! window of recent operations is kept; the checker consumes each operation as it
//! completes (incrementally) and the per-second series keep the totals for the charts.

use super::chunked::ChunkedVec;
use super::footprint::Footprint;
use super::gtid::Gtid;
use super::ids::NodeId;
use super::rows::{Key, Value};
use crate::time::Instant;
use serde::Serialize;
use std::collections::VecDeque;

/// Completed operations kept for the UI and the report.
pub const HISTORY_WINDOW: usize = 10_000;
/// Seconds of per-second series kept for the charts.
pub const SERIES_WINDOW: usize = 3_600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum OpKind {
    /// `key` is None for an AUTO_INCREMENT insert until the server picks it.
    Write {
        key: Option<Key>,
        value: Value,
    },
    Delete {
        key: Key,
    },
    Read {
        key: Key,
    },
}

impl OpKind {
    pub fn is_read(&self) -> bool {
        matches!(self, OpKind::Read { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Outcome {
    /// Acknowledged. For writes `gtid` is the transaction; for reads `value` what was read.
    Ok {
        gtid: Option<Gtid>,
        value: Option<Value>,
    },
    Fail {
        errno: u16,
        message: String,
    },
    Unknown {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Op {
    pub id: u64,
    pub client: u32,
    pub kind: OpKind,
    pub node: Option<NodeId>,
    pub invoke_us: Instant,
    pub complete_us: Instant,
    pub outcome: Outcome,
}

impl Op {
    pub fn acknowledged(&self) -> bool {
        matches!(self.outcome, Outcome::Ok { .. })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SecondStats {
    pub second: u64,
    pub writes_ok: u32,
    pub reads_ok: u32,
    pub failed: u32,
    pub unknown: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub invoked: u64,
    pub ok: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Operations the workload wanted to send but its connection pool was full.
    pub throttled: u64,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    /// In chunks that snapshots of the world share (see `chunked`).
    recent: ChunkedVec<Op>,
    series: VecDeque<SecondStats>,
    pub totals: Totals,
}

impl History {
    pub fn record(&mut self, op: Op) {
        self.totals.ok += u64::from(op.acknowledged());
        let second = op.complete_us.as_secs();
        if self.series.back().is_none_or(|s| s.second != second) {
            if self.series.len() == SERIES_WINDOW {
                self.series.pop_front();
            }
            self.series.push_back(SecondStats {
                second,
                ..SecondStats::default()
            });
        }
        if let Some(s) = self.series.back_mut() {
            match (&op.outcome, op.kind.is_read()) {
                (Outcome::Ok { .. }, false) => s.writes_ok += 1,
                (Outcome::Ok { .. }, true) => s.reads_ok += 1,
                (Outcome::Fail { .. }, _) => s.failed += 1,
                (Outcome::Unknown { .. }, _) => s.unknown += 1,
            }
        }
        match op.outcome {
            Outcome::Fail { .. } => self.totals.failed += 1,
            Outcome::Unknown { .. } => self.totals.unknown += 1,
            Outcome::Ok { .. } => {}
        }
        if self.recent.len() == HISTORY_WINDOW {
            self.recent.drop_front(1);
        }
        self.recent.push_back(op);
    }

    /// Adds what this history holds to `f`: the window of operations (with the text of
    /// failures) and the per-second series.
    pub fn footprint(&self, f: &mut Footprint) {
        f.add_chunked(&self.recent, |ops| {
            ops.iter()
                .map(|op| match &op.outcome {
                    Outcome::Fail { message: s, .. } | Outcome::Unknown { reason: s } => {
                        s.capacity()
                    }
                    Outcome::Ok { .. } => 0,
                })
                .sum()
        });
        f.add(self.series.capacity() * size_of::<SecondStats>());
    }

    /// The totals with the router's own counts (invoked, throttled) merged in.
    pub fn totals_with(&self, router: Totals) -> Totals {
        Totals {
            invoked: router.invoked,
            throttled: router.throttled,
            ..self.totals
        }
    }

    pub fn recent(&self) -> impl DoubleEndedIterator<Item = &Op> + ExactSizeIterator {
        self.recent.iter()
    }

    pub fn series(&self) -> impl DoubleEndedIterator<Item = &SecondStats> + ExactSizeIterator {
        self.series.iter()
    }
}
