//! Online resharding, as Vitess's Reshard workflow does it (docs/semantics.md §8.2):
//! copy, catch up by streaming the sources' binlogs filtered by key range, VDiff, switch
//! reads, switch writes (a short write stall), reverse replication so the switch can be
//! undone, complete.
//!
//! The workflow is the control plane (vtctld); each *stream* is what VReplication runs in a
//! target primary: it pulls row events from the source shard's current primary — only while
//! that node runs and the link between them is up — keeps those in its key range, and
//! writes them as the target's own transactions. Its position is a GTID set of source
//! transactions, so it survives a source failover. Copying goes in primary-key order; each
//! batch makes an interval of keys identical on the target (upsert what the source has,
//! delete what it lacks) after catching up the binlog for keys already copied, so starting
//! the copy again after a target crash or target failover is safe.

use super::World;
use super::gtid::GtidSet;
use super::ids::NodeId;
use super::keyspace::KeyRange;
use super::message::Statement;
use super::rows::Key;
use crate::time::{Duration, Instant, fmt_secs, ms, secs};
use serde::{Deserialize, Serialize};

/// How often streams pump and the workflow checks its progress.
pub const TICK: Duration = ms(100);
/// Rows a stream copies per tick (250 rows per simulated second: slow enough to watch).
pub const COPY_BATCH: usize = 25;
/// Source transactions a running stream applies per tick at most.
pub const CATCH_UP_BATCH: usize = 2_000;
/// SwitchTraffic gives the streams this long to catch up, then gives up (Vitess: --timeout).
pub const SWITCH_TIMEOUT: Duration = secs(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Create,
    SwitchReads,
    SwitchWrites,
    ReverseTraffic,
    Complete,
    Cancel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Streams copy rows (and catch up for rows already copied).
    Copying,
    /// Every stream replicates: the targets follow the sources.
    Running,
    /// Reads for the range go to the targets.
    ReadsSwitched,
    /// Writes too; reverse streams keep the sources current.
    WritesSwitched,
    Completed,
    Cancelled,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Copying => "copying",
            Phase::Running => "running",
            Phase::ReadsSwitched => "reads switched",
            Phase::WritesSwitched => "writes switched",
            Phase::Completed => "completed",
            Phase::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Stream {
    /// Shard groups.
    pub from: usize,
    pub to: usize,
    /// The keys this stream carries.
    pub range: KeyRange,
    /// Source transactions already reflected on the target.
    pub pos: GtidSet,
    /// While copying: the last primary key copied (None: nothing yet).
    pub copy: Option<Option<Key>>,
    pub rows_copied: u64,
    /// Rows of the range on the source when the copy (re)started, for progress and ETA.
    pub rows_to_copy: u64,
    pub copy_started_us: Instant,
    /// The target primary it writes to, and that node's restart epoch: if either
    /// changes, the target may have lost recent writes and the copy starts again.
    target: Option<(NodeId, u64)>,
    /// Where the last scan of the source binlog stopped: (node, epoch, next index).
    scan: Option<(NodeId, u64, u64)>,
    /// Why it is not moving, in words.
    pub error: Option<String>,
    /// Source transactions not yet on the target (at the last tick).
    pub behind: u64,
}

impl Stream {
    fn new(from: usize, to: usize, range: KeyRange, now: Instant) -> Self {
        Stream {
            from,
            to,
            range,
            pos: GtidSet::new(),
            copy: Some(None),
            rows_copied: 0,
            rows_to_copy: 0,
            copy_started_us: now,
            target: None,
            scan: None,
            error: None,
            behind: 0,
        }
    }

    /// A stream that starts replicating from `pos` without copying (reverse streams).
    fn replicating(from: usize, to: usize, range: KeyRange, pos: GtidSet, now: Instant) -> Self {
        Stream {
            pos,
            copy: None,
            ..Stream::new(from, to, range, now)
        }
    }

    /// Copy progress (0…1) and the estimated time left, while copying.
    pub fn progress(&self, now: Instant) -> Option<(f64, Option<Duration>)> {
        self.copy?;
        let total = self.rows_to_copy.max(self.rows_copied).max(1);
        let done = self.rows_copied as f64 / total as f64;
        let elapsed = now - self.copy_started_us;
        let eta = (self.rows_copied > 0).then(|| {
            let left = total - self.rows_copied.min(total);
            elapsed * left / self.rows_copied
        });
        Some((done, eta))
    }
}

/// A traffic switch under way: writes are stopped on the serving side until the streams
/// that feed the other side hold everything it executed.
#[derive(Clone, Debug)]
pub struct Switch {
    pub started_us: Instant,
    /// Towards the targets (SwitchTraffic) or back to the sources (ReverseTraffic).
    pub to_targets: bool,
}

#[derive(Clone, Debug)]
pub struct Reshard {
    pub sources: Vec<usize>,
    pub targets: Vec<usize>,
    pub phase: Phase,
    pub streams: Vec<Stream>,
    /// Target → source streams, created when writes switch to the targets.
    pub reverse: Vec<Stream>,
    pub switch: Option<Switch>,
    /// Measured write stalls: (stopped, resumed).
    pub stalls: Vec<(Instant, Instant)>,
    /// The last VDiff: (when, rows compared, rows that differ).
    pub vdiff: Option<(Instant, u64, u64)>,
    pub log: Vec<(Instant, String)>,
}

impl Reshard {
    fn note(&mut self, now: Instant, text: String) {
        self.log.push((now, text));
    }
}

impl World {
    /// Carries out one step of the workflow the operator (or the timeline) asked for.
    pub(crate) fn reshard_step(&mut self, step: Step) -> Result<(), String> {
        let now = self.now();
        if step == Step::Create {
            return self.reshard_create();
        }
        let Some(mut wf) = self.reshard.take() else {
            return Err("there is no resharding workflow: create one first".into());
        };
        let r = self.reshard_step_on(&mut wf, step, now);
        self.reshard = Some(wf);
        r
    }

    fn reshard_create(&mut self) -> Result<(), String> {
        if self
            .reshard
            .as_ref()
            .is_some_and(|w| !matches!(w.phase, Phase::Completed | Phase::Cancelled))
        {
            return Err("a resharding workflow is already running".into());
        }
        let shards = &self.router.shards;
        // Targets: shards provisioned but serving nothing; sources: those they overlap.
        let targets: Vec<usize> = (0..shards.len())
            .filter(|&g| !shards[g].serving_writes && !shards[g].serving_reads)
            .collect();
        if targets.is_empty() {
            return Err(
                "there are no target shards: a sharded topology names them in \"targets\"".into(),
            );
        }
        let sources: Vec<usize> = (0..shards.len())
            .filter(|&g| shards[g].serving_writes)
            .filter(|&g| {
                targets
                    .iter()
                    .any(|&t| shards[t].range.overlaps(&shards[g].range))
            })
            .collect();
        let now = self.now();
        let mut streams = Vec::new();
        for &t in &targets {
            for &s in &sources {
                if let Some(range) = shards[t].range.intersect(&shards[s].range) {
                    streams.push(Stream::new(s, t, range, now));
                }
            }
        }
        let names = |v: &[usize]| {
            v.iter()
                .map(|&g| shards[g].range.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let text = format!(
            "Reshard created: {} → {}; {} streams start copying",
            names(&sources),
            names(&targets),
            streams.len()
        );
        let mut wf = Reshard {
            sources,
            targets,
            phase: Phase::Copying,
            streams,
            reverse: Vec::new(),
            switch: None,
            stalls: Vec::new(),
            vdiff: None,
            log: Vec::new(),
        };
        wf.note(now, text.clone());
        self.log_reshard(text);
        self.reshard = Some(wf);
        self.schedule_workflow(now + TICK);
        Ok(())
    }

    fn reshard_step_on(
        &mut self,
        wf: &mut Reshard,
        step: Step,
        now: Instant,
    ) -> Result<(), String> {
        if wf.switch.is_some() {
            return Err("a traffic switch is under way; wait for it to finish".into());
        }
        match (step, wf.phase) {
            (Step::SwitchReads, Phase::Running) => {
                self.set_serving(&wf.targets, Some(true), None);
                self.set_serving(&wf.sources, Some(false), None);
                wf.phase = Phase::ReadsSwitched;
                self.reshard_note(
                    wf,
                    now,
                    "SwitchTraffic (replica): reads now go to the targets".into(),
                );
            }
            (Step::SwitchReads, Phase::Copying) => {
                return Err("the streams are still copying: reads can switch once they run".into());
            }
            (Step::SwitchWrites, Phase::Running | Phase::ReadsSwitched) => {
                self.begin_switch(wf, now, true);
            }
            (Step::SwitchWrites, Phase::Copying) => {
                return Err(
                    "the streams are still copying: writes can switch once they run".into(),
                );
            }
            (Step::ReverseTraffic, Phase::WritesSwitched) => self.begin_switch(wf, now, false),
            (Step::ReverseTraffic, Phase::ReadsSwitched) => {
                self.set_serving(&wf.sources, Some(true), None);
                self.set_serving(&wf.targets, Some(false), None);
                wf.phase = Phase::Running;
                self.reshard_note(
                    wf,
                    now,
                    "ReverseTraffic (replica): reads are back on the sources".into(),
                );
            }
            (Step::Complete, Phase::WritesSwitched) => {
                // A last VDiff through the reverse streams: the retired side must not hold
                // anything the serving side lacks.
                let last = self
                    .caught_up(&wf.reverse)
                    .then(|| self.vdiff(&wf.reverse))
                    .flatten();
                if let Some((rows, diff)) = last {
                    wf.vdiff = Some((now, rows, diff));
                    let targets = wf.targets.clone();
                    self.checker_on_switch(now, rows, diff, &targets);
                    self.reshard_note(
                        wf,
                        now,
                        format!("VDiff before completing: {rows} rows compared, {diff} differ"),
                    );
                }
                wf.reverse.clear();
                wf.phase = Phase::Completed;
                self.reshard_note(
                    wf,
                    now,
                    "Complete: reverse streams dropped; the source shards serve nothing and can be retired".into(),
                );
            }
            (Step::Complete, _) => {
                return Err("writes must be switched to the targets before completing".into());
            }
            (Step::Cancel, Phase::Copying | Phase::Running | Phase::ReadsSwitched) => {
                if wf.phase == Phase::ReadsSwitched {
                    self.set_serving(&wf.sources, Some(true), None);
                    self.set_serving(&wf.targets, Some(false), None);
                }
                wf.streams.clear();
                wf.phase = Phase::Cancelled;
                self.reshard_note(
                    wf,
                    now,
                    "Cancel: streams stopped; the sources keep serving".into(),
                );
            }
            (Step::Cancel, _) => {
                return Err("writes have been switched: use reverse_traffic, not cancel".into());
            }
            (step, phase) => {
                return Err(format!(
                    "{} is not possible while the workflow is {}",
                    step_name(step),
                    phase.name()
                ));
            }
        }
        Ok(())
    }

    /// SwitchTraffic for writes (or its reverse): stop writes on the serving side, record
    /// its position, and wait for the streams to reach it (finished in `workflow_tick`).
    fn begin_switch(&mut self, wf: &mut Reshard, now: Instant, to_targets: bool) {
        let stopping = if to_targets {
            wf.sources.clone()
        } else {
            wf.targets.clone()
        };
        for &g in &stopping {
            if let Some(s) = self.router.shards.get_mut(g) {
                s.writes_stopped = true;
            }
        }
        self.deny_writes(&stopping, true);
        wf.switch = Some(Switch {
            started_us: now,
            to_targets,
        });
        let text = if to_targets {
            "SwitchTraffic (primary): writes stopped on the sources; waiting for the streams to catch up"
        } else {
            "ReverseTraffic (primary): writes stopped on the targets; waiting for the reverse streams"
        };
        self.reshard_note(wf, now, text.into());
    }

    /// The executed GTID set of a shard's current primary (empty if it is down).
    fn shard_position(&self, group: usize) -> GtidSet {
        self.shard_primary(group)
            .and_then(|p| self.node(p))
            .map(|n| n.gtid_executed.clone())
            .unwrap_or_default()
    }

    /// Sets DeniedTables on every node of these shards (a later failover inherits it).
    fn deny_writes(&mut self, groups: &[usize], denied: bool) {
        for n in &mut self.nodes {
            if groups.contains(&self.groups.of(n.id)) {
                n.writes_denied = denied;
            }
        }
    }

    fn shard_primary(&self, group: usize) -> Option<NodeId> {
        self.managers.get(group).and_then(|m| m.primary)
    }

    fn set_serving(&mut self, groups: &[usize], reads: Option<bool>, writes: Option<bool>) {
        for &g in groups {
            if let Some(s) = self.router.shards.get_mut(g) {
                if let Some(r) = reads {
                    s.serving_reads = r;
                }
                if let Some(w) = writes {
                    s.serving_writes = w;
                }
            }
        }
    }

    fn reshard_note(&mut self, wf: &mut Reshard, now: Instant, text: String) {
        wf.note(now, text.clone());
        self.log_reshard(text);
    }

    /// Every `TICK`: first judge the state the last tick left (its writes have committed
    /// by now): VDiff, a switch's progress; then pump the streams.
    pub(crate) fn workflow_tick(&mut self) {
        let Some(mut wf) = self.reshard.take() else {
            return;
        };
        let now = self.now();
        if wf.phase == Phase::Running
            && wf.vdiff.is_none()
            && wf
                .streams
                .iter()
                .all(|s| s.copy.is_none() && s.error.is_none())
            && let Some((rows, diff)) = self.vdiff(&wf.streams)
        {
            wf.vdiff = Some((now, rows, diff));
            self.reshard_note(
                &mut wf,
                now,
                format!("VDiff: {rows} rows compared, {diff} differ"),
            );
        }
        self.advance_switch(&mut wf, now);
        let forward = matches!(
            wf.phase,
            Phase::Copying | Phase::Running | Phase::ReadsSwitched
        ) || wf.switch.as_ref().is_some_and(|s| s.to_targets);
        if forward {
            for st in &mut wf.streams {
                self.pump(st, now);
            }
        }
        if wf.phase == Phase::WritesSwitched {
            for st in &mut wf.reverse {
                self.pump(st, now);
            }
        }
        if wf.phase == Phase::Copying && wf.streams.iter().all(|s| s.copy.is_none()) {
            wf.phase = Phase::Running;
            self.reshard_note(
                &mut wf,
                now,
                "copy finished: every stream now replicates".into(),
            );
        }
        let active = !matches!(wf.phase, Phase::Completed | Phase::Cancelled);
        self.reshard = Some(wf);
        if active {
            self.schedule_workflow(now + TICK);
        }
    }

    /// Whether every stream's target holds all its source has executed, committed.
    fn caught_up(&self, streams: &[Stream]) -> bool {
        streams.iter().all(|s| {
            let (Some(src), Some(dst)) = (
                self.shard_primary(s.from).and_then(|p| self.node(p)),
                self.shard_primary(s.to).and_then(|p| self.node(p)),
            ) else {
                return false;
            };
            // The stream must have written to this very primary (a new one, after a
            // failover or a restart, may lack its writes until it is copied again).
            s.target == Some((dst.id, dst.epoch))
                && s.copy.is_none()
                && src.is_running()
                && dst.is_running()
                && src.gtid_executed.is_subset_of(&s.pos)
                && src.binlog.logged().is_subset_of(&s.pos)
                && dst.pending_writes() == 0
        })
    }

    fn advance_switch(&mut self, wf: &mut Reshard, now: Instant) {
        let Some(sw) = wf.switch.clone() else { return };
        let feeding = if sw.to_targets {
            &wf.streams
        } else {
            &wf.reverse
        };
        let (stopped, other) = if sw.to_targets {
            (wf.sources.clone(), wf.targets.clone())
        } else {
            (wf.targets.clone(), wf.sources.clone())
        };
        // Writes sent before the stop must have been answered (and so committed, or
        // failed) before the position is final: the source drains, as Vitess's does.
        let drained = stopped.iter().all(|&g| {
            self.router.writes_in_flight(g) == 0
                && self
                    .shard_primary(g)
                    .and_then(|p| self.node(p))
                    .is_some_and(|n| n.pending_writes() == 0)
        });
        let reached = drained && self.caught_up(feeding);
        if reached {
            let (rows, diff) = self.vdiff(feeding).unwrap_or((0, 0));
            self.checker_on_switch(now, rows, diff, &other);
            // Reverse streams start where the new serving side is now.
            let fresh: Vec<Stream> = feeding
                .iter()
                .map(|s| {
                    let pos = self.shard_position(s.to);
                    Stream::replicating(s.to, s.from, s.range, pos, now)
                })
                .collect();
            self.set_serving(&other, Some(true), Some(true));
            self.set_serving(&stopped, Some(false), Some(false));
            self.deny_writes(&other, false);
            for &g in &stopped {
                if let Some(s) = self.router.shards.get_mut(g) {
                    s.writes_stopped = false;
                }
            }
            wf.stalls.push((sw.started_us, now));
            if sw.to_targets {
                wf.reverse = fresh;
                wf.phase = Phase::WritesSwitched;
            } else {
                wf.streams = fresh;
                wf.reverse.clear();
                wf.phase = Phase::Running;
            }
            wf.switch = None;
            wf.vdiff = Some((now, rows, diff));
            let text = format!(
                "writes switched to {} after a write stall of {} (VDiff at the switch: {diff} of {rows} rows differ)",
                if sw.to_targets {
                    "the targets"
                } else {
                    "the sources"
                },
                fmt_secs(now - sw.started_us)
            );
            self.reshard_note(wf, now, text);
        } else if now - sw.started_us >= SWITCH_TIMEOUT {
            for &g in &stopped {
                if let Some(s) = self.router.shards.get_mut(g) {
                    s.writes_stopped = false;
                }
            }
            self.deny_writes(&stopped, false);
            wf.stalls.push((sw.started_us, now));
            wf.switch = None;
            let text = format!(
                "switch abandoned: the streams did not catch up within {}; writes resume where they were",
                fmt_secs(SWITCH_TIMEOUT)
            );
            self.reshard_note(wf, now, text);
        }
    }

    /// VDiff: rows compared and rows that differ between each stream's source and target
    /// in its key range, as of the stream's position — keys changed by source transactions
    /// the stream has not applied yet, or the source has not committed yet, are left out,
    /// as Vitess compares at a position.
    /// None while a target still has writes to commit.
    fn vdiff(&self, streams: &[Stream]) -> Option<(u64, u64)> {
        let (mut rows, mut diff) = (0, 0);
        let vindex = self.config.vindex;
        for s in streams {
            let src = self.shard_primary(s.from).and_then(|p| self.node(p))?;
            let dst = self.shard_primary(s.to).and_then(|p| self.node(p))?;
            if dst.pending_writes() > 0 {
                return None;
            }
            // The binlog's tail the stream has not applied, and the tail the source has not
            // committed in its engine yet (AFTER_SYNC waits): both sides differ there now
            // and agree later.
            let in_flight: std::collections::BTreeSet<Key> = src
                .binlog
                .entries()
                .rev()
                .take_while(|e| {
                    !s.pos.contains(e.trx.gtid) || !src.gtid_executed.contains(e.trx.gtid)
                })
                .flat_map(|e| e.trx.rows.iter().map(|r| r.key()))
                .collect();
            let compared =
                |k: Key| s.range.contains(vindex.keyspace_id(k)) && !in_flight.contains(&k);
            for (k, v) in src.data.iter().filter(|(k, _)| compared(*k)) {
                rows += 1;
                diff += u64::from(dst.data.get(k) != Some(v));
            }
            diff += dst
                .data
                .iter()
                .filter(|(k, _)| compared(*k) && src.data.get(*k).is_none())
                .count() as u64;
        }
        Some((rows, diff))
    }

    /// One tick of one stream: pull from the source shard's primary, write on the target.
    fn pump(&mut self, st: &mut Stream, now: Instant) {
        let (Some(src), Some(dst)) = (self.shard_primary(st.from), self.shard_primary(st.to))
        else {
            st.error = Some("a shard has no primary".into());
            return;
        };
        let (src_node, dst_node) = (&self.nodes[src.index()], &self.nodes[dst.index()]);
        let reason = if !src_node.is_running() {
            Some(format!("source primary {} is down", src_node.name()))
        } else if !dst_node.is_running() {
            Some(format!("target primary {} is down", dst_node.name()))
        } else if self.net.link(src.into(), dst.into()).cut
            || self.net.link(dst.into(), src.into()).cut
        {
            Some(format!(
                "the link {} ↔ {} is cut",
                src_node.name(),
                dst_node.name()
            ))
        } else {
            None
        };
        st.error = reason;
        if st.error.is_some() {
            return;
        }
        // A new target primary (failover) or a restarted one may lack recent writes.
        let target = (dst, dst_node.epoch);
        if st.target.is_some_and(|t| t != target) {
            st.copy = Some(None);
            st.rows_copied = 0;
            st.pos = GtidSet::new();
            st.scan = None;
        }
        st.target = Some(target);
        // The source purged binlogs the stream still needs (error 1236): copy again.
        if st.copy.is_none() && !src_node.binlog.gtid_purged().is_subset_of(&st.pos) {
            st.copy = Some(None);
            st.rows_copied = 0;
            st.scan = None;
        }
        let vindex = self.config.vindex;
        let range = st.range;
        let in_range = |k: Key| range.contains(vindex.keyspace_id(k));
        let mut writes: Vec<(Key, Option<u64>)> = Vec::new();
        match st.copy {
            Some(last) => {
                if last.is_none() && st.rows_copied == 0 {
                    st.rows_to_copy =
                        src_node.data.iter().filter(|(k, _)| in_range(*k)).count() as u64;
                    st.copy_started_us = now;
                }
                // Catch up first, but only for keys already copied.
                if let Some(last) = last {
                    self.scan_binlog(
                        st,
                        src,
                        usize::MAX,
                        |k| k <= last && in_range(k),
                        &mut writes,
                    );
                }
                let src_node = &self.nodes[src.index()];
                let dst_node = &self.nodes[dst.index()];
                let from = last.map_or(0, |k| k + 1);
                let batch: Vec<(Key, u64)> = src_node
                    .data
                    .iter_from(from)
                    .filter(|(k, _)| in_range(*k))
                    .take(COPY_BATCH)
                    .collect();
                let done = batch.len() < COPY_BATCH;
                let upto = if done {
                    Key::MAX
                } else {
                    batch.last().map_or(from, |(k, _)| *k)
                };
                // Rows the target has in this interval that the source does not.
                for (k, _) in dst_node
                    .data
                    .iter_from(from)
                    .take_while(|(k, _)| *k <= upto)
                {
                    if in_range(k) && src_node.data.get(k).is_none() {
                        writes.push((k, None));
                    }
                }
                writes.extend(batch.iter().map(|(k, v)| (*k, Some(*v))));
                st.rows_copied += batch.len() as u64;
                // The copy reads the source's current state: the stream is now there.
                st.pos = src_node.gtid_executed.clone();
                st.scan = None;
                st.copy = if done { None } else { Some(Some(upto)) };
            }
            None => {
                self.scan_binlog(st, src, CATCH_UP_BATCH, in_range, &mut writes);
            }
        }
        let src_exec = &self.nodes[src.index()].gtid_executed;
        st.behind = src_exec.subtract(&st.pos).count();
        let mut fx = std::mem::take(&mut self.fx);
        let target = &mut self.nodes[dst.index()];
        for (key, value) in writes {
            let stmt = match value {
                Some(value) => Statement::Upsert { key, value },
                None => Statement::Delete { key },
            };
            target.vreplication_write(now, stmt, &mut fx);
        }
        self.fx = fx;
    }

    /// Reads the source's binlog from where the stream's position says, collecting row
    /// changes that `keep` accepts, for at most `max` transactions.
    fn scan_binlog(
        &self,
        st: &mut Stream,
        src: NodeId,
        max: usize,
        keep: impl Fn(Key) -> bool,
        writes: &mut Vec<(Key, Option<u64>)>,
    ) {
        let node = &self.nodes[src.index()];
        let binlog = &node.binlog;
        let base = binlog.next_idx() - binlog.entries().len() as u64;
        let mut idx = match st.scan {
            Some((n, epoch, next)) if n == src && epoch == node.epoch && next >= base => next,
            _ => binlog.gtid_start(&st.pos).max(base),
        };
        let mut taken = 0;
        while taken < max {
            // Everything in the binlog, as a dump thread reads it: with AFTER_SYNC a
            // transaction is there (and streamed) while its commit still waits for an ack.
            let Some(e) = binlog.get(idx) else { break };
            idx += 1;
            if st.pos.contains(e.trx.gtid) {
                continue;
            }
            for row in &e.trx.rows {
                let k = row.key();
                if keep(k) {
                    writes.push((k, row_after(row)));
                }
            }
            st.pos.insert(e.trx.gtid);
            taken += 1;
        }
        st.scan = Some((src, node.epoch, idx));
    }

    fn log_reshard(&mut self, text: String) {
        self.log_entry(super::world::LogKind::Operator, format!("reshard: {text}"));
    }

    /// At a traffic switch the checker compares both sides: a row the old side had that
    /// the new side lacks is an acknowledged write lost; any other difference, divergence.
    fn checker_on_switch(&mut self, now: Instant, rows: u64, diff: u64, new_side: &[usize]) {
        if diff == 0 {
            return;
        }
        let nodes: Vec<NodeId> = new_side
            .iter()
            .filter_map(|&g| self.shard_primary(g))
            .collect();
        let before = self.checker.findings.len();
        self.checker.on_reshard_mismatch(now, nodes, rows, diff);
        self.log_new_findings(before, now);
    }
}

fn row_after(row: &super::rows::RowEvent) -> Option<u64> {
    use super::rows::RowEvent;
    match *row {
        RowEvent::Write { after, .. } | RowEvent::Update { after, .. } => Some(after),
        RowEvent::Delete { .. } => None,
    }
}

pub fn step_name(step: Step) -> &'static str {
    match step {
        Step::Create => "create",
        Step::SwitchReads => "switch_reads",
        Step::SwitchWrites => "switch_writes",
        Step::ReverseTraffic => "reverse_traffic",
        Step::Complete => "complete",
        Step::Cancel => "cancel",
    }
}
