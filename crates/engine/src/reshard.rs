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
//!
//! It is an actor like the others: `on_command` takes the operator's step and `on_timer`
//! its tick, each reading the cluster through a `ClusterView` and recording into `Effects`
//! what it asks of the router and the nodes (`Ask`: serve, stop or deny writes, write a
//! row). It changes no other actor's state; the world carries the asks out.

mod stream;

use super::effects::{Ask, Effects, Timer};
use super::gtid::GtidSet;
use super::ids::{Addr, NodeId, ShardId};
use super::keyspace::{KeyRange, Vindex};
use super::net::Network;
use super::node::Node;
use super::router::Router;
use super::rows::Key;
use super::steps::{self, Actor, StepStatement, Tool};
use crate::time::{Duration, Instant, fmt_secs, ms, secs};
use serde::{Deserialize, Serialize};
use stream::{caught_up, vdiff};

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
    /// The source shard it reads and the target shard it writes.
    pub from: ShardId,
    pub to: ShardId,
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
    fn new(from: ShardId, to: ShardId, range: KeyRange, now: Instant) -> Self {
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
    fn replicating(
        from: ShardId,
        to: ShardId,
        range: KeyRange,
        pos: GtidSet,
        now: Instant,
    ) -> Self {
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
    pub sources: Vec<ShardId>,
    pub targets: Vec<ShardId>,
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

/// What the workflow may read of the cluster, and nothing it may change: vtctld reads the
/// topology (shard primaries, the routing table), VReplication reads a source's binlog
/// and data over a link that must be up.
#[derive(Clone, Copy)]
pub struct ClusterView<'a> {
    pub nodes: &'a [Node],
    /// Each shard's primary as its failover manager last recorded it (the topology
    /// server's record, which a failover updates).
    pub primaries: &'a [Option<NodeId>],
    /// The routing table's serving flags, and the writes in flight to each shard.
    pub router: &'a Router,
    pub net: &'a Network,
    pub vindex: Vindex,
}

impl<'a> ClusterView<'a> {
    fn primary(&self, shard: ShardId) -> Option<NodeId> {
        self.primaries.get(shard.index()).copied().flatten()
    }

    fn primary_node(&self, shard: ShardId) -> Option<&'a Node> {
        self.primary(shard).and_then(|p| self.nodes.get(p.index()))
    }

    /// The executed GTID set of a shard's current primary (empty if it has none).
    fn shard_position(&self, shard: ShardId) -> GtidSet {
        self.primary_node(shard)
            .map(|n| n.gtid_executed.clone())
            .unwrap_or_default()
    }
}

/// Carries out one step the operator (or the timeline) asked for. A refused step records
/// nothing and leaves the workflow as it was.
pub fn on_command(
    workflow: &mut Option<Reshard>,
    now: Instant,
    step: Step,
    cluster: &ClusterView,
    fx: &mut Effects,
) -> Result<(), String> {
    // The phase before the step decides which tablet types a ReverseTraffic moves.
    let phase = workflow.as_ref().map(|w| w.phase);
    match (step, workflow.as_mut()) {
        (Step::Create, current) => {
            if current.is_some_and(|w| w.is_active()) {
                return Err("a resharding workflow is already running".into());
            }
            *workflow = Some(Reshard::create(now, cluster, fx)?);
        }
        (_, Some(wf)) => wf.on_step(now, step, cluster, fx)?,
        (_, None) => return Err("there is no resharding workflow: create one first".into()),
    }
    if let Some(wf) = workflow.as_ref() {
        let text = vtctldclient_line(step, phase, wf, cluster);
        fx.statement(StepStatement::new(
            now,
            Actor::Workflow,
            Tool::Vtctldclient,
            text,
        ));
    }
    Ok(())
}

/// The `vtctldclient` command an operator types for a step (Vitess's
/// `examples/local` README: `Reshard … create --source-shards '0' --target-shards
/// '-80,80-'`, `switchtraffic --tablet-types "rdonly,replica"`, `… primary`, `complete`).
fn vtctldclient_line(
    step: Step,
    phase: Option<Phase>,
    wf: &Reshard,
    cluster: &ClusterView,
) -> String {
    let ranges = |v: &[ShardId]| {
        v.iter()
            .filter_map(|&g| cluster.router.route(g))
            .map(|r| r.range.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let action = match step {
        Step::Create => format!(
            "create --source-shards '{}' --target-shards '{}'",
            ranges(&wf.sources),
            ranges(&wf.targets)
        ),
        Step::SwitchReads => "switchtraffic --tablet-types \"rdonly,replica\"".into(),
        Step::SwitchWrites => "switchtraffic --tablet-types primary".into(),
        Step::ReverseTraffic if phase == Some(Phase::ReadsSwitched) => {
            "reversetraffic --tablet-types \"rdonly,replica\"".into()
        }
        Step::ReverseTraffic => "reversetraffic --tablet-types primary".into(),
        Step::Complete => "complete".into(),
        Step::Cancel => "cancel".into(),
    };
    steps::vtctldclient_reshard(&action)
}

impl Reshard {
    /// Streams from every serving shard to every provisioned shard that serves nothing
    /// yet (the targets), one per overlap of their key ranges.
    fn create(now: Instant, cluster: &ClusterView, fx: &mut Effects) -> Result<Reshard, String> {
        let shards = &cluster.router.shards;
        let all = || ShardId::all(shards.len());
        let row = |g: ShardId| &shards[g.index()];
        let targets: Vec<ShardId> = all()
            .filter(|&g| !row(g).serving_writes && !row(g).serving_reads)
            .collect();
        if targets.is_empty() {
            return Err(
                "there are no target shards: a sharded topology names them in \"targets\"".into(),
            );
        }
        let sources: Vec<ShardId> = all()
            .filter(|&g| row(g).serving_writes)
            .filter(|&g| {
                targets
                    .iter()
                    .any(|&t| row(t).range.overlaps(&row(g).range))
            })
            .collect();
        let mut streams = Vec::new();
        for &t in &targets {
            for &s in &sources {
                if let Some(range) = row(t).range.intersect(&row(s).range) {
                    streams.push(Stream::new(s, t, range, now));
                }
            }
        }
        let names = |v: &[ShardId]| {
            v.iter()
                .map(|&g| row(g).range.to_string())
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
        wf.note(now, text, fx);
        fx.timer(now + TICK, Addr::Manager, Timer::Workflow);
        Ok(wf)
    }

    /// Whether it still runs (a finished workflow may be replaced by a new one).
    pub fn is_active(&self) -> bool {
        !matches!(self.phase, Phase::Completed | Phase::Cancelled)
    }

    fn on_step(
        &mut self,
        now: Instant,
        step: Step,
        cluster: &ClusterView,
        fx: &mut Effects,
    ) -> Result<(), String> {
        if self.switch.is_some() {
            return Err("a traffic switch is under way; wait for it to finish".into());
        }
        match (step, self.phase) {
            (Step::SwitchReads, Phase::Running) => self.switch_reads(now, fx),
            (Step::SwitchReads, Phase::Copying) => {
                return Err("the streams are still copying: reads can switch once they run".into());
            }
            (Step::SwitchWrites, Phase::Running | Phase::ReadsSwitched) => {
                self.begin_switch(now, true, fx);
            }
            (Step::SwitchWrites, Phase::Copying) => {
                return Err(
                    "the streams are still copying: writes can switch once they run".into(),
                );
            }
            (Step::ReverseTraffic, Phase::WritesSwitched) => self.begin_switch(now, false, fx),
            (Step::ReverseTraffic, Phase::ReadsSwitched) => self.reverse_reads(now, fx),
            (Step::Complete, Phase::WritesSwitched) => self.complete(now, cluster, fx),
            (Step::Complete, _) => {
                return Err("writes must be switched to the targets before completing".into());
            }
            (Step::Cancel, Phase::Copying | Phase::Running | Phase::ReadsSwitched) => {
                self.cancel(now, fx);
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

    /// SwitchTraffic for replicas: reads for the range go to the targets.
    fn switch_reads(&mut self, now: Instant, fx: &mut Effects) {
        serve(&self.targets, Some(true), None, fx);
        serve(&self.sources, Some(false), None, fx);
        self.phase = Phase::ReadsSwitched;
        let text = "SwitchTraffic (replica): reads now go to the targets";
        self.note(now, text.into(), fx);
    }

    /// ReverseTraffic for replicas: reads go back to the sources.
    fn reverse_reads(&mut self, now: Instant, fx: &mut Effects) {
        serve(&self.sources, Some(true), None, fx);
        serve(&self.targets, Some(false), None, fx);
        self.phase = Phase::Running;
        let text = "ReverseTraffic (replica): reads are back on the sources";
        self.note(now, text.into(), fx);
    }

    fn complete(&mut self, now: Instant, cluster: &ClusterView, fx: &mut Effects) {
        // A last VDiff through the reverse streams: the retired side must not hold
        // anything the serving side lacks.
        let last = caught_up(&self.reverse, cluster)
            .then(|| vdiff(&self.reverse, cluster))
            .flatten();
        if let Some((rows, diff)) = last {
            self.vdiff = Some((now, rows, diff));
            report_mismatch(rows, diff, &self.targets, cluster, fx);
            let text = format!("VDiff before completing: {rows} rows compared, {diff} differ");
            self.note(now, text, fx);
        }
        self.reverse.clear();
        self.phase = Phase::Completed;
        let text =
            "Complete: reverse streams dropped; the source shards serve nothing and can be retired";
        self.note(now, text.into(), fx);
    }

    fn cancel(&mut self, now: Instant, fx: &mut Effects) {
        if self.phase == Phase::ReadsSwitched {
            serve(&self.sources, Some(true), None, fx);
            serve(&self.targets, Some(false), None, fx);
        }
        self.streams.clear();
        self.phase = Phase::Cancelled;
        let text = "Cancel: streams stopped; the sources keep serving";
        self.note(now, text.into(), fx);
    }

    /// SwitchTraffic for writes (or its reverse): stop writes on the serving side, record
    /// its position, and wait for the streams to reach it (finished in `on_timer`).
    fn begin_switch(&mut self, now: Instant, to_targets: bool, fx: &mut Effects) {
        let stopping = if to_targets {
            &self.sources
        } else {
            &self.targets
        };
        for &shard in stopping {
            fx.ask(Ask::StopWrites {
                shard,
                stopped: true,
            });
        }
        for &shard in stopping {
            fx.ask(Ask::DenyWrites {
                shard,
                denied: true,
            });
        }
        self.switch = Some(Switch {
            started_us: now,
            to_targets,
        });
        let text = if to_targets {
            "SwitchTraffic (primary): writes stopped on the sources; waiting for the streams to catch up"
        } else {
            "ReverseTraffic (primary): writes stopped on the targets; waiting for the reverse streams"
        };
        self.note(now, text.into(), fx);
    }

    /// Every `TICK`: first judge the state the last tick left (its writes have committed
    /// by now): VDiff, a switch's progress; then pump the streams.
    pub fn on_timer(&mut self, now: Instant, cluster: &ClusterView, fx: &mut Effects) {
        if self.phase == Phase::Running
            && self.vdiff.is_none()
            && self
                .streams
                .iter()
                .all(|s| s.copy.is_none() && s.error.is_none())
            && let Some((rows, diff)) = vdiff(&self.streams, cluster)
        {
            self.vdiff = Some((now, rows, diff));
            // The workflow runs the VDiff an operator would start once the copy is done.
            let line = steps::vtctldclient_vdiff("create");
            fx.statement(StepStatement::new(
                now,
                Actor::Workflow,
                Tool::Vtctldclient,
                line,
            ));
            let text = format!("VDiff: {rows} rows compared, {diff} differ");
            self.note(now, text, fx);
        }
        self.advance_switch(now, cluster, fx);
        let forward = matches!(
            self.phase,
            Phase::Copying | Phase::Running | Phase::ReadsSwitched
        ) || self.switch.as_ref().is_some_and(|s| s.to_targets);
        if forward {
            for st in &mut self.streams {
                st.pump(now, cluster, fx);
            }
        }
        if self.phase == Phase::WritesSwitched {
            for st in &mut self.reverse {
                st.pump(now, cluster, fx);
            }
        }
        if self.phase == Phase::Copying && self.streams.iter().all(|s| s.copy.is_none()) {
            self.phase = Phase::Running;
            let text = "copy finished: every stream now replicates";
            self.note(now, text.into(), fx);
        }
        if self.is_active() {
            fx.timer(now + TICK, Addr::Manager, Timer::Workflow);
        }
    }

    /// A switch under way finishes once the stopped side has drained and the streams
    /// hold everything it executed, or is abandoned after `SWITCH_TIMEOUT`.
    fn advance_switch(&mut self, now: Instant, cluster: &ClusterView, fx: &mut Effects) {
        let Some(sw) = self.switch.clone() else {
            return;
        };
        let (stopped, other) = if sw.to_targets {
            (self.sources.clone(), self.targets.clone())
        } else {
            (self.targets.clone(), self.sources.clone())
        };
        // Writes sent before the stop must have been answered (and so committed, or
        // failed) before the position is final: the source drains, as Vitess's does.
        let drained = stopped.iter().all(|&g| {
            cluster.router.writes_in_flight(g) == 0
                && cluster
                    .primary_node(g)
                    .is_some_and(|n| n.pending_writes() == 0)
        });
        let feeding = if sw.to_targets {
            &self.streams
        } else {
            &self.reverse
        };
        if drained && caught_up(feeding, cluster) {
            self.finish_switch(now, &sw, (&stopped, &other), cluster, fx);
        } else if now - sw.started_us >= SWITCH_TIMEOUT {
            self.abandon_switch(now, &sw, &stopped, fx);
        }
    }

    /// The other side serves reads and writes from now on; streams start the other way.
    fn finish_switch(
        &mut self,
        now: Instant,
        sw: &Switch,
        (stopped, other): (&[ShardId], &[ShardId]),
        cluster: &ClusterView,
        fx: &mut Effects,
    ) {
        let feeding = if sw.to_targets {
            &self.streams
        } else {
            &self.reverse
        };
        let (rows, diff) = vdiff(feeding, cluster).unwrap_or((0, 0));
        report_mismatch(rows, diff, other, cluster, fx);
        // Reverse streams start where the new serving side is now.
        let fresh: Vec<Stream> = feeding
            .iter()
            .map(|s| {
                let pos = cluster.shard_position(s.to);
                Stream::replicating(s.to, s.from, s.range, pos, now)
            })
            .collect();
        serve(other, Some(true), Some(true), fx);
        serve(stopped, Some(false), Some(false), fx);
        for &shard in other {
            fx.ask(Ask::DenyWrites {
                shard,
                denied: false,
            });
        }
        for &shard in stopped {
            fx.ask(Ask::StopWrites {
                shard,
                stopped: false,
            });
        }
        self.stalls.push((sw.started_us, now));
        if sw.to_targets {
            self.reverse = fresh;
            self.phase = Phase::WritesSwitched;
        } else {
            self.streams = fresh;
            self.reverse.clear();
            self.phase = Phase::Running;
        }
        self.switch = None;
        self.vdiff = Some((now, rows, diff));
        let text = format!(
            "writes switched to {} after a write stall of {} (VDiff at the switch: {diff} of {rows} rows differ)",
            if sw.to_targets {
                "the targets"
            } else {
                "the sources"
            },
            fmt_secs(now - sw.started_us)
        );
        self.note(now, text, fx);
    }

    /// The streams did not catch up in time: writes resume on the side that had them.
    fn abandon_switch(&mut self, now: Instant, sw: &Switch, stopped: &[ShardId], fx: &mut Effects) {
        for &shard in stopped {
            fx.ask(Ask::StopWrites {
                shard,
                stopped: false,
            });
        }
        for &shard in stopped {
            fx.ask(Ask::DenyWrites {
                shard,
                denied: false,
            });
        }
        self.stalls.push((sw.started_us, now));
        self.switch = None;
        let text = format!(
            "switch abandoned: the streams did not catch up within {}; writes resume where they were",
            fmt_secs(SWITCH_TIMEOUT)
        );
        self.note(now, text, fx);
    }

    /// Into the workflow's own log, and the world's event log.
    fn note(&mut self, now: Instant, text: String, fx: &mut Effects) {
        fx.ask(Ask::Log(format!("reshard: {text}")));
        self.log.push((now, text));
    }
}

/// Sets the serving flags of these shards' routing rows.
fn serve(shards: &[ShardId], reads: Option<bool>, writes: Option<bool>, fx: &mut Effects) {
    for &shard in shards {
        fx.ask(Ask::Serve {
            shard,
            reads,
            writes,
        });
    }
}

/// At a traffic switch the checker compares both sides: a row the old side had that the
/// new side lacks is an acknowledged write lost; any other difference, divergence.
fn report_mismatch(
    rows: u64,
    diff: u64,
    new_side: &[ShardId],
    cluster: &ClusterView,
    fx: &mut Effects,
) {
    if diff == 0 {
        return;
    }
    let nodes = new_side
        .iter()
        .filter_map(|&g| cluster.primary(g))
        .collect();
    fx.ask(Ask::VDiffMismatch { nodes, rows, diff });
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

/// The workflow on its own, with no `World`: a hand-built cluster is the view, and a small
/// stand-in for the world's interpreter carries out what the workflow asks.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LinkConfig, NodeConfig, RouterConfig};
    use crate::gtid::Uuid;
    use crate::ids::ShardMap;
    use crate::message::{Msg, Statement};
    use crate::time::us;
    use std::sync::Arc;

    const SRC: ShardId = ShardId(1);
    const T1: ShardId = ShardId(2);
    const T2: ShardId = ShardId(3);
    const B1: NodeId = NodeId(1);
    const C1: NodeId = NodeId(2);
    const D1: NodeId = NodeId(3);
    /// A replica of target shard 80-c0, promoted in one story.
    const C2: NodeId = NodeId(4);

    /// Shards -80 (a1) and 80- (b1) serve; 80-c0 (c1, with c2 standing by) and c0- (d1)
    /// are provisioned and serve nothing: the targets of splitting 80-.
    struct Cluster {
        nodes: Vec<Node>,
        primaries: Vec<Option<NodeId>>,
        router: Router,
        net: Network,
        /// Each node's shard.
        shard_of: Vec<ShardId>,
    }

    impl Cluster {
        fn split() -> Cluster {
            Cluster::new(&[
                ("-80", true),
                ("80-", true),
                ("80-c0", false),
                ("c0-", false),
            ])
        }

        /// One primary per shard, named a1, b1, …, plus c2 in the third shard.
        fn new(shards: &[(&str, bool)]) -> Cluster {
            let mut shard_of: Vec<ShardId> = ShardId::all(shards.len()).collect();
            shard_of.push(ShardId(2));
            let mut names: Vec<String> = (0..shards.len())
                .map(|g| format!("{}1", char::from(b'a' + g as u8)))
                .collect();
            names.push("c2".into());
            let nodes: Vec<Node> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let cfg = NodeConfig {
                        name: name.clone(),
                        ..NodeConfig::default()
                    };
                    let uuid = Uuid::version4(i as u128 + 1);
                    Node::new(NodeId(i as u32), cfg, i as u32 + 1, uuid, None)
                })
                .collect();
            let members: Vec<Vec<NodeId>> = ShardId::all(shards.len())
                .map(|g| {
                    let of_g = shard_of.iter().enumerate().filter(|(_, s)| **s == g);
                    of_g.map(|(i, _)| NodeId(i as u32)).collect()
                })
                .collect();
            let shard_map = Arc::new(ShardMap::from_members(nodes.len(), &members));
            let table = shards
                .iter()
                .enumerate()
                .map(|(g, (range, serving))| {
                    let range = KeyRange::parse(range).unwrap();
                    (range, Some(NodeId(g as u32)), *serving)
                })
                .collect();
            let count = nodes.len() as u32;
            let router = Router::new(RouterConfig::default(), vec![], Some(NodeId(0)), count, 1)
                .sharded(Vindex::Hash, table, shard_map);
            Cluster {
                primaries: (0..shards.len()).map(|g| Some(NodeId(g as u32))).collect(),
                net: Network::new(count, LinkConfig::default()),
                nodes,
                router,
                shard_of,
            }
        }

        fn view(&self) -> ClusterView<'_> {
            ClusterView {
                nodes: &self.nodes,
                primaries: &self.primaries,
                router: &self.router,
                net: &self.net,
                vindex: Vindex::Hash,
            }
        }

        fn node(&mut self, id: NodeId) -> &mut Node {
            &mut self.nodes[id.index()]
        }

        /// Stands in for the world: the router and the nodes change as asked, and a
        /// VReplication row is committed on its target at once.
        fn carry_out(&mut self, fx: &Effects) {
            for ask in &fx.asks {
                match ask {
                    Ask::Serve {
                        shard,
                        reads,
                        writes,
                    } => self.router.set_serving(*shard, *reads, *writes),
                    Ask::StopWrites { shard, stopped } => {
                        self.router.set_writes_stopped(*shard, *stopped)
                    }
                    Ask::DenyWrites { shard, denied } => {
                        for (n, g) in self.nodes.iter_mut().zip(&self.shard_of) {
                            if g == shard {
                                n.set_writes_denied(*denied);
                            }
                        }
                    }
                    Ask::VReplicationWrite { node, stmt } => {
                        let (key, value) = match *stmt {
                            Statement::Upsert { key, value } => (key, Some(value)),
                            Statement::Delete { key } => (key, None),
                            ref other => panic!("VReplication wrote {other:?}"),
                        };
                        self.node(*node).data.put(key, value);
                    }
                    Ask::VDiffMismatch { .. } | Ask::Log(_) => {}
                }
            }
        }

        fn command(
            &mut self,
            wf: &mut Option<Reshard>,
            now: Instant,
            step: Step,
        ) -> Result<Effects, String> {
            let mut fx = Effects::default();
            let result = on_command(wf, now, step, &self.view(), &mut fx);
            if let Err(e) = result {
                assert!(fx.is_empty(), "refused {step:?} but recorded {fx:?}");
                return Err(e);
            }
            self.carry_out(&fx);
            Ok(fx)
        }

        fn tick(&mut self, wf: &mut Option<Reshard>, now: Instant) -> Effects {
            let mut fx = Effects::default();
            wf.as_mut().unwrap().on_timer(now, &self.view(), &mut fx);
            self.carry_out(&fx);
            fx
        }

        /// A client write committed on a node through its own commit pipeline (so it is
        /// in the binlog with a GTID, as a stream reads it).
        fn commit(&mut self, id: NodeId, now: Instant, key: Key, value: u64) {
            let node = self.node(id);
            let mut fx = Effects::default();
            let query = Msg::Query {
                req: 1,
                stmt: Statement::Upsert { key, value },
            };
            node.on_message(now, Addr::Router, query, &mut fx);
            while !fx
                .sends
                .iter()
                .any(|(_, _, m)| matches!(m, Msg::QueryOk { .. }))
            {
                let next = (0..fx.timers.len()).min_by_key(|&i| fx.timers[i].0);
                let (at, _, timer) = fx.timers.remove(next.expect("the commit goes on"));
                if let Timer::Node { timer, .. } = timer {
                    node.on_timer(at, timer, &mut fx);
                }
            }
            assert_eq!(node.pending_writes(), 0);
        }
    }

    /// The first `count` ids whose keyspace id falls in `range`.
    fn keys_in(range: &str, count: usize) -> Vec<Key> {
        let range = KeyRange::parse(range).unwrap();
        (1..)
            .filter(|&k| range.contains(Vindex::Hash.keyspace_id(k)))
            .take(count)
            .collect()
    }

    /// The source shard 80- holds `per_target` rows for each target.
    fn loaded(per_target: usize) -> Cluster {
        let mut c = Cluster::split();
        for k in keys_in("80-c0", per_target)
            .into_iter()
            .chain(keys_in("c0-", per_target))
        {
            c.node(B1).data.put(k, Some(k * 10));
        }
        c
    }

    fn log(text: &str) -> Ask {
        Ask::Log(format!("reshard: {text}"))
    }

    fn serve(shard: ShardId, reads: Option<bool>, writes: Option<bool>) -> Ask {
        Ask::Serve {
            shard,
            reads,
            writes,
        }
    }

    /// `n` ticks after the start.
    fn ticks(n: u64) -> Instant {
        Instant::ZERO + TICK * n
    }

    fn next_tick(now: Instant) -> Vec<(Instant, Addr, Timer)> {
        vec![(now + TICK, Addr::Manager, Timer::Workflow)]
    }

    /// Created, copied in one tick (10 rows per target), running.
    fn running(c: &mut Cluster) -> Option<Reshard> {
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        c.tick(&mut wf, ticks(1));
        assert_eq!(wf.as_ref().unwrap().phase, Phase::Running);
        wf
    }

    /// Running, then SwitchTraffic for writes asked at 1 s and finished at the next tick.
    fn writes_switched(c: &mut Cluster) -> Option<Reshard> {
        let mut wf = running(c);
        c.command(&mut wf, Instant::from_secs(1), Step::SwitchWrites)
            .unwrap();
        c.tick(&mut wf, Instant::from_secs(1) + TICK);
        assert_eq!(wf.as_ref().unwrap().phase, Phase::WritesSwitched);
        wf
    }

    #[test]
    fn create_streams_the_source_into_each_overlapping_target() {
        let mut c = Cluster::split();
        let mut wf = None;
        let fx = c
            .command(&mut wf, Instant::from_micros(5), Step::Create)
            .unwrap();
        assert_eq!(
            fx.asks,
            [log(
                "Reshard created: 80- → 80-c0, c0-; 2 streams start copying"
            )]
        );
        assert_eq!(fx.timers, next_tick(Instant::from_micros(5)));
        let typed: Vec<_> = (fx.statements.iter())
            .map(|s| (s.actor, s.tool, s.node, s.text.as_str()))
            .collect();
        let create = "vtctldclient Reshard --workflow reshard --target-keyspace playground create --source-shards '80-' --target-shards '80-c0,c0-'";
        assert_eq!(typed, [(Actor::Workflow, Tool::Vtctldclient, None, create)]);
        let wf = wf.unwrap();
        assert_eq!(
            (wf.sources.as_slice(), wf.phase),
            (&[SRC][..], Phase::Copying)
        );
        assert_eq!(wf.targets, [T1, T2]);
        let streams: Vec<_> = wf
            .streams
            .iter()
            .map(|s| (s.from, s.to, s.range.to_string()))
            .collect();
        assert_eq!(
            streams,
            [(SRC, T1, "80-c0".into()), (SRC, T2, "c0-".into())]
        );
    }

    #[test]
    fn create_is_refused_while_a_workflow_runs_and_allowed_once_it_ended() {
        let mut c = Cluster::split();
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        assert_eq!(
            c.command(&mut wf, Instant::from_micros(1), Step::Create)
                .unwrap_err(),
            "a resharding workflow is already running"
        );
        c.command(&mut wf, Instant::from_micros(2), Step::Cancel)
            .unwrap();
        c.command(&mut wf, Instant::from_micros(3), Step::Create)
            .unwrap();
        assert_eq!(wf.unwrap().phase, Phase::Copying);
    }

    #[test]
    fn create_needs_target_shards() {
        let mut c = Cluster::new(&[("-80", true), ("80-", true)]);
        let mut wf = None;
        let err = c.command(&mut wf, Instant::ZERO, Step::Create).unwrap_err();
        assert!(err.starts_with("there are no target shards"), "{err}");
        assert!(wf.is_none());
    }

    #[test]
    fn every_other_step_needs_a_workflow() {
        let mut c = Cluster::split();
        for step in [
            Step::SwitchReads,
            Step::SwitchWrites,
            Step::ReverseTraffic,
            Step::Complete,
            Step::Cancel,
        ] {
            assert_eq!(
                c.command(&mut None, Instant::ZERO, step).unwrap_err(),
                "there is no resharding workflow: create one first"
            );
        }
    }

    #[test]
    fn the_copy_makes_each_target_hold_its_range_then_the_streams_run() {
        let mut c = loaded(10);
        // A row on the target the source does not have: the copy deletes it.
        let stray = keys_in("80-c0", 11)[10];
        c.node(C1).data.put(stray, Some(1));
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        let fx = c.tick(&mut wf, ticks(1));
        let mut expected = vec![Ask::VReplicationWrite {
            node: C1,
            stmt: Statement::Delete { key: stray },
        }];
        for (node, range) in [(C1, "80-c0"), (D1, "c0-")] {
            let mut keys = keys_in(range, 10);
            keys.sort_unstable();
            expected.extend(keys.into_iter().map(|key| Ask::VReplicationWrite {
                node,
                stmt: Statement::Upsert {
                    key,
                    value: key * 10,
                },
            }));
        }
        expected.push(log("copy finished: every stream now replicates"));
        assert_eq!(fx.asks, expected);
        assert_eq!(fx.timers, next_tick(ticks(1)));
        let wf = wf.unwrap();
        assert_eq!(wf.phase, Phase::Running);
        for s in &wf.streams {
            assert_eq!((s.copy, s.rows_copied, s.rows_to_copy), (None, 10, 10));
        }
    }

    #[test]
    fn a_copy_larger_than_a_batch_takes_several_ticks() {
        let mut c = loaded(COPY_BATCH + 5);
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        let fx = c.tick(&mut wf, ticks(1));
        assert!(
            !fx.asks
                .contains(&log("copy finished: every stream now replicates"))
        );
        let w = wf.as_ref().unwrap();
        assert_eq!(w.phase, Phase::Copying);
        let first = &w.streams[0];
        assert_eq!(first.rows_copied, COPY_BATCH as u64);
        let (done, _) = first.progress(ticks(1)).unwrap();
        assert!((done - 25.0 / 30.0).abs() < 1e-9, "{done}");
        c.tick(&mut wf, ticks(2));
        let w = wf.as_ref().unwrap();
        assert_eq!(w.phase, Phase::Running);
        assert_eq!(w.streams[0].progress(ticks(2)), None);
    }

    #[test]
    fn vdiff_runs_once_when_the_streams_run() {
        let mut c = loaded(10);
        let mut wf = running(&mut c);
        let fx = c.tick(&mut wf, ticks(2));
        assert_eq!(fx.asks, [log("VDiff: 20 rows compared, 0 differ")]);
        assert_eq!(wf.as_ref().unwrap().vdiff, Some((ticks(2), 20, 0)));
        assert!(c.tick(&mut wf, ticks(3)).asks.is_empty());
    }

    #[test]
    fn a_source_binlog_change_streams_to_the_target_that_owns_its_key() {
        let mut c = loaded(3);
        let mut wf = running(&mut c);
        let key = keys_in("c0-", 4)[3];
        c.commit(B1, Instant::from_millis(150), key, 77);
        let fx = c.tick(&mut wf, ticks(2));
        let upsert = Ask::VReplicationWrite {
            node: D1,
            stmt: Statement::Upsert { key, value: 77 },
        };
        assert_eq!(fx.asks.iter().filter(|a| **a == upsert).count(), 1);
        let writes = |n: NodeId| {
            fx.asks
                .iter()
                .filter(|a| matches!(a, Ask::VReplicationWrite { node, .. } if *node == n))
                .count()
        };
        assert_eq!((writes(C1), writes(D1)), (0, 1));
        let executed = c.nodes[B1.index()].gtid_executed.clone();
        for s in &wf.unwrap().streams {
            assert!(executed.is_subset_of(&s.pos));
            assert_eq!(s.behind, 0);
        }
    }

    #[test]
    fn reads_switch_to_the_targets_only_once_the_streams_run() {
        let mut c = loaded(3);
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        assert_eq!(
            c.command(&mut wf, Instant::from_micros(1), Step::SwitchReads)
                .unwrap_err(),
            "the streams are still copying: reads can switch once they run"
        );
        c.tick(&mut wf, ticks(1));
        let fx = c.command(&mut wf, ticks(2), Step::SwitchReads).unwrap();
        assert_eq!(
            fx.asks,
            [
                serve(T1, Some(true), None),
                serve(T2, Some(true), None),
                serve(SRC, Some(false), None),
                log("SwitchTraffic (replica): reads now go to the targets"),
            ]
        );
        assert_eq!(wf.as_ref().unwrap().phase, Phase::ReadsSwitched);
        assert_eq!(
            c.command(&mut wf, ticks(3), Step::SwitchReads).unwrap_err(),
            "switch_reads is not possible while the workflow is reads switched"
        );
    }

    #[test]
    fn writes_switch_once_the_sources_stop_and_the_streams_hold_everything() {
        let mut c = loaded(3);
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        assert_eq!(
            c.command(&mut wf, Instant::from_micros(1), Step::SwitchWrites)
                .unwrap_err(),
            "the streams are still copying: writes can switch once they run"
        );
        c.tick(&mut wf, ticks(1));
        let start = Instant::from_secs(1);
        let fx = c.command(&mut wf, start, Step::SwitchWrites).unwrap();
        assert_eq!(
            fx.asks,
            [
                Ask::StopWrites {
                    shard: SRC,
                    stopped: true
                },
                Ask::DenyWrites {
                    shard: SRC,
                    denied: true
                },
                log(
                    "SwitchTraffic (primary): writes stopped on the sources; waiting for the streams to catch up"
                ),
            ]
        );
        assert!(c.nodes[B1.index()].writes_denied && c.router.shards[SRC.index()].writes_stopped);
        assert_eq!(
            c.command(&mut wf, start + us(1), Step::Cancel).unwrap_err(),
            "a traffic switch is under way; wait for it to finish"
        );
        // The first tick since the streams run also makes the first VDiff.
        let fx = c.tick(&mut wf, start + TICK);
        assert_eq!(
            fx.asks,
            [
                log("VDiff: 6 rows compared, 0 differ"),
                serve(T1, Some(true), Some(true)),
                serve(T2, Some(true), Some(true)),
                serve(SRC, Some(false), Some(false)),
                Ask::DenyWrites {
                    shard: T1,
                    denied: false
                },
                Ask::DenyWrites {
                    shard: T2,
                    denied: false
                },
                Ask::StopWrites {
                    shard: SRC,
                    stopped: false
                },
                log(
                    "writes switched to the targets after a write stall of 0.10 s (VDiff at the switch: 0 of 6 rows differ)"
                ),
            ]
        );
        assert_eq!(fx.timers, next_tick(start + TICK));
        let wf = wf.unwrap();
        assert_eq!(wf.phase, Phase::WritesSwitched);
        assert_eq!(wf.stalls, [(start, start + TICK)]);
        let reverse: Vec<_> = wf.reverse.iter().map(|s| (s.from, s.to)).collect();
        assert_eq!(reverse, [(T1, SRC), (T2, SRC)]);
        // DeniedTables stays on the retired side.
        assert!(c.nodes[B1.index()].writes_denied);
    }

    #[test]
    fn a_mismatch_at_the_switch_is_a_finding_against_the_new_primaries() {
        let mut c = loaded(3);
        let mut wf = running(&mut c);
        // Someone writes on a target behind the workflow's back.
        let key = keys_in("80-c0", 1)[0];
        c.node(C1).data.put(key, Some(999));
        c.command(&mut wf, Instant::from_secs(1), Step::SwitchWrites)
            .unwrap();
        let fx = c.tick(&mut wf, Instant::from_secs(1) + TICK);
        assert_eq!(
            fx.asks[..2],
            [
                log("VDiff: 6 rows compared, 1 differ"),
                Ask::VDiffMismatch {
                    nodes: vec![C1, D1],
                    rows: 6,
                    diff: 1
                }
            ]
        );
        // The switch goes ahead: VDiff reports, it does not block.
        assert_eq!(wf.unwrap().phase, Phase::WritesSwitched);
    }

    #[test]
    fn a_switch_that_cannot_catch_up_is_abandoned_after_the_timeout() {
        let mut c = loaded(3);
        let mut wf = running(&mut c);
        for (a, b) in [(B1, C1), (C1, B1)] {
            c.net.set_cut(a.into(), b.into(), true);
        }
        // A write the stream into c1 cannot fetch over the cut link.
        c.commit(B1, Instant::from_millis(500), keys_in("80-c0", 4)[3], 5);
        let start = Instant::from_secs(1);
        c.command(&mut wf, start, Step::SwitchWrites).unwrap();
        let fx = c.tick(&mut wf, start + TICK);
        assert!(fx.asks.iter().all(|a| !matches!(a, Ask::Serve { .. })));
        let error = wf.as_ref().unwrap().streams[0].error.clone();
        assert_eq!(error.as_deref(), Some("the link b1 ↔ c1 is cut"));
        let fx = c.tick(&mut wf, start + SWITCH_TIMEOUT);
        assert_eq!(
            fx.asks[..3],
            [
                Ask::StopWrites {
                    shard: SRC,
                    stopped: false
                },
                Ask::DenyWrites {
                    shard: SRC,
                    denied: false
                },
                log(
                    "switch abandoned: the streams did not catch up within 30.00 s; writes resume where they were"
                ),
            ]
        );
        let wf = wf.unwrap();
        assert_eq!((wf.phase, wf.switch.is_none()), (Phase::Running, true));
        assert_eq!(wf.stalls, [(start, start + SWITCH_TIMEOUT)]);
    }

    #[test]
    fn cancel_and_complete_are_refused_in_the_wrong_phase() {
        let mut c = loaded(3);
        let mut wf = running(&mut c);
        assert_eq!(
            c.command(&mut wf, Instant::from_micros(1), Step::Complete)
                .unwrap_err(),
            "writes must be switched to the targets before completing"
        );
        let mut wf = writes_switched(&mut c);
        assert_eq!(
            c.command(&mut wf, Instant::from_secs(2), Step::Cancel)
                .unwrap_err(),
            "writes have been switched: use reverse_traffic, not cancel"
        );
        assert_eq!(
            c.command(&mut wf, Instant::from_secs(2), Step::SwitchWrites)
                .unwrap_err(),
            "switch_writes is not possible while the workflow is writes switched"
        );
    }

    #[test]
    fn complete_drops_the_reverse_streams_after_a_last_vdiff() {
        let mut c = loaded(3);
        let mut wf = writes_switched(&mut c);
        let fx = c
            .command(&mut wf, Instant::from_secs(2), Step::Complete)
            .unwrap();
        assert_eq!(
            fx.asks,
            [
                log("VDiff before completing: 6 rows compared, 0 differ"),
                log(
                    "Complete: reverse streams dropped; the source shards serve nothing and can be retired"
                ),
            ]
        );
        let w = wf.as_ref().unwrap();
        assert_eq!((w.phase, w.reverse.len()), (Phase::Completed, 0));
        // A finished workflow does nothing more and schedules no tick.
        assert!(c.tick(&mut wf, Instant::from_secs(2) + TICK).is_empty());
        assert_eq!(
            c.command(&mut wf, Instant::from_secs(3), Step::ReverseTraffic)
                .unwrap_err(),
            "reverse_traffic is not possible while the workflow is completed"
        );
    }

    #[test]
    fn reverse_traffic_brings_writes_back_to_the_sources() {
        let mut c = loaded(3);
        let mut wf = writes_switched(&mut c);
        let start = Instant::from_secs(2);
        let fx = c.command(&mut wf, start, Step::ReverseTraffic).unwrap();
        let stop = |shard| Ask::StopWrites {
            shard,
            stopped: true,
        };
        let deny = |shard| Ask::DenyWrites {
            shard,
            denied: true,
        };
        assert_eq!(
            fx.asks,
            [
                stop(T1),
                stop(T2),
                deny(T1),
                deny(T2),
                log(
                    "ReverseTraffic (primary): writes stopped on the targets; waiting for the reverse streams"
                ),
            ]
        );
        let fx = c.tick(&mut wf, start + TICK);
        assert_eq!(
            fx.asks,
            [
                serve(SRC, Some(true), Some(true)),
                serve(T1, Some(false), Some(false)),
                serve(T2, Some(false), Some(false)),
                Ask::DenyWrites {
                    shard: SRC,
                    denied: false
                },
                Ask::StopWrites {
                    shard: T1,
                    stopped: false
                },
                Ask::StopWrites {
                    shard: T2,
                    stopped: false
                },
                log(
                    "writes switched to the sources after a write stall of 0.10 s (VDiff at the switch: 0 of 6 rows differ)"
                ),
            ]
        );
        let wf = wf.unwrap();
        assert_eq!((wf.phase, wf.reverse.len()), (Phase::Running, 0));
        let forward: Vec<_> = wf.streams.iter().map(|s| (s.from, s.to, s.copy)).collect();
        assert_eq!(forward, [(SRC, T1, None), (SRC, T2, None)]);
    }

    #[test]
    fn reverse_traffic_after_reads_switched_moves_reads_back() {
        let mut c = loaded(3);
        let mut wf = running(&mut c);
        c.command(&mut wf, Instant::from_micros(1), Step::SwitchReads)
            .unwrap();
        let fx = c
            .command(&mut wf, Instant::from_micros(2), Step::ReverseTraffic)
            .unwrap();
        assert_eq!(
            fx.asks,
            [
                serve(SRC, Some(true), None),
                serve(T1, Some(false), None),
                serve(T2, Some(false), None),
                log("ReverseTraffic (replica): reads are back on the sources"),
            ]
        );
        assert_eq!(wf.unwrap().phase, Phase::Running);
    }

    #[test]
    fn cancel_stops_the_streams_and_gives_reads_back_to_the_sources() {
        let mut c = loaded(3);
        let mut wf = running(&mut c);
        c.command(&mut wf, Instant::from_micros(1), Step::SwitchReads)
            .unwrap();
        let fx = c
            .command(&mut wf, Instant::from_micros(2), Step::Cancel)
            .unwrap();
        assert_eq!(
            fx.asks,
            [
                serve(SRC, Some(true), None),
                serve(T1, Some(false), None),
                serve(T2, Some(false), None),
                log("Cancel: streams stopped; the sources keep serving"),
            ]
        );
        let w = wf.as_ref().unwrap();
        assert_eq!((w.phase, w.streams.len()), (Phase::Cancelled, 0));
        assert!(c.tick(&mut wf, ticks(1)).is_empty());
    }

    #[test]
    fn reverse_traffic_needs_something_switched() {
        let mut c = loaded(3);
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        for (now, phase) in [(ticks(0), "copying"), (ticks(1), "running")] {
            if now > Instant::ZERO {
                c.tick(&mut wf, now);
            }
            assert_eq!(
                c.command(&mut wf, now, Step::ReverseTraffic).unwrap_err(),
                format!("reverse_traffic is not possible while the workflow is {phase}")
            );
        }
    }

    #[test]
    fn cancel_while_copying_only_stops_the_streams() {
        let mut c = loaded(3);
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        let fx = c.command(&mut wf, ticks(0), Step::Cancel).unwrap();
        assert_eq!(
            fx.asks,
            [log("Cancel: streams stopped; the sources keep serving")]
        );
        assert!(fx.timers.is_empty());
        assert_eq!(wf.unwrap().phase, Phase::Cancelled);
    }

    #[test]
    fn a_new_target_primary_makes_its_stream_copy_again() {
        let mut c = loaded(3);
        let mut wf = running(&mut c);
        c.primaries[T1.index()] = Some(C2);
        let fx = c.tick(&mut wf, ticks(2));
        let to_c2 = fx
            .asks
            .iter()
            .filter(|a| matches!(a, Ask::VReplicationWrite { node: C2, .. }))
            .count();
        assert_eq!(to_c2, 3);
        let s = &wf.unwrap().streams[0];
        assert_eq!((s.target, s.rows_copied, s.copy), (Some((C2, 0)), 3, None));
    }

    #[test]
    fn a_stream_waits_while_its_source_primary_is_down() {
        let mut c = loaded(3);
        let mut wf = None;
        c.command(&mut wf, Instant::ZERO, Step::Create).unwrap();
        c.node(B1)
            .crash(Instant::ZERO, false, &mut Effects::default());
        let fx = c.tick(&mut wf, ticks(1));
        assert!(fx.asks.is_empty(), "{:?}", fx.asks);
        assert_eq!(fx.timers, next_tick(ticks(1)));
        for s in &wf.unwrap().streams {
            assert_eq!(s.error.as_deref(), Some("source primary b1 is down"));
        }
    }
}
