//! Online resharding, as Vitess's Reshard workflow does it (replication-model.md §8.2):
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
use super::ids::{Addr, NodeId};
use super::keyspace::{KeyRange, Vindex};
use super::net::Network;
use super::node::Node;
use super::router::Router;
use super::rows::Key;
use super::time::{Micros, fmt_secs};
use serde::{Deserialize, Serialize};
use stream::{caught_up, vdiff};

/// How often streams pump and the workflow checks its progress.
pub const TICK: Micros = 100_000;
/// Rows a stream copies per tick (250 rows per simulated second: slow enough to watch).
pub const COPY_BATCH: usize = 25;
/// Source transactions a running stream applies per tick at most.
pub const CATCH_UP_BATCH: usize = 2_000;
/// SwitchTraffic gives the streams this long to catch up, then gives up (Vitess: --timeout).
pub const SWITCH_TIMEOUT: Micros = 30_000_000;

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
    pub copy_started_us: Micros,
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
    fn new(from: usize, to: usize, range: KeyRange, now: Micros) -> Self {
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
    fn replicating(from: usize, to: usize, range: KeyRange, pos: GtidSet, now: Micros) -> Self {
        Stream {
            pos,
            copy: None,
            ..Stream::new(from, to, range, now)
        }
    }

    /// Copy progress (0…1) and the estimated time left, while copying.
    pub fn progress(&self, now: Micros) -> Option<(f64, Option<Micros>)> {
        self.copy?;
        let total = self.rows_to_copy.max(self.rows_copied).max(1);
        let done = self.rows_copied as f64 / total as f64;
        let elapsed = now.saturating_sub(self.copy_started_us);
        let eta = (self.rows_copied > 0).then(|| {
            let left = total - self.rows_copied.min(total);
            elapsed.saturating_mul(left) / self.rows_copied
        });
        Some((done, eta))
    }
}

/// A traffic switch under way: writes are stopped on the serving side until the streams
/// that feed the other side hold everything it executed.
#[derive(Clone, Debug)]
pub struct Switch {
    pub started_us: Micros,
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
    pub stalls: Vec<(Micros, Micros)>,
    /// The last VDiff: (when, rows compared, rows that differ).
    pub vdiff: Option<(Micros, u64, u64)>,
    pub log: Vec<(Micros, String)>,
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
    fn primary(&self, shard: usize) -> Option<NodeId> {
        self.primaries.get(shard).copied().flatten()
    }

    fn primary_node(&self, shard: usize) -> Option<&'a Node> {
        self.primary(shard).and_then(|p| self.nodes.get(p.index()))
    }

    /// The executed GTID set of a shard's current primary (empty if it has none).
    fn shard_position(&self, shard: usize) -> GtidSet {
        self.primary_node(shard)
            .map(|n| n.gtid_executed.clone())
            .unwrap_or_default()
    }
}

/// Carries out one step the operator (or the timeline) asked for. A refused step records
/// nothing and leaves the workflow as it was.
pub fn on_command(
    workflow: &mut Option<Reshard>,
    now: Micros,
    step: Step,
    cluster: &ClusterView,
    fx: &mut Effects,
) -> Result<(), String> {
    match (step, workflow.as_mut()) {
        (Step::Create, current) => {
            if current.is_some_and(|w| w.is_active()) {
                return Err("a resharding workflow is already running".into());
            }
            *workflow = Some(Reshard::create(now, cluster, fx)?);
            Ok(())
        }
        (_, Some(wf)) => wf.on_step(now, step, cluster, fx),
        (_, None) => Err("there is no resharding workflow: create one first".into()),
    }
}

impl Reshard {
    /// Streams from every serving shard to every provisioned shard that serves nothing
    /// yet (the targets), one per overlap of their key ranges.
    fn create(now: Micros, cluster: &ClusterView, fx: &mut Effects) -> Result<Reshard, String> {
        let shards = &cluster.router.shards;
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
        now: Micros,
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
    fn switch_reads(&mut self, now: Micros, fx: &mut Effects) {
        serve(&self.targets, Some(true), None, fx);
        serve(&self.sources, Some(false), None, fx);
        self.phase = Phase::ReadsSwitched;
        let text = "SwitchTraffic (replica): reads now go to the targets";
        self.note(now, text.into(), fx);
    }

    /// ReverseTraffic for replicas: reads go back to the sources.
    fn reverse_reads(&mut self, now: Micros, fx: &mut Effects) {
        serve(&self.sources, Some(true), None, fx);
        serve(&self.targets, Some(false), None, fx);
        self.phase = Phase::Running;
        let text = "ReverseTraffic (replica): reads are back on the sources";
        self.note(now, text.into(), fx);
    }

    fn complete(&mut self, now: Micros, cluster: &ClusterView, fx: &mut Effects) {
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

    fn cancel(&mut self, now: Micros, fx: &mut Effects) {
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
    fn begin_switch(&mut self, now: Micros, to_targets: bool, fx: &mut Effects) {
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
    pub fn on_timer(&mut self, now: Micros, cluster: &ClusterView, fx: &mut Effects) {
        if self.phase == Phase::Running
            && self.vdiff.is_none()
            && self
                .streams
                .iter()
                .all(|s| s.copy.is_none() && s.error.is_none())
            && let Some((rows, diff)) = vdiff(&self.streams, cluster)
        {
            self.vdiff = Some((now, rows, diff));
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
    fn advance_switch(&mut self, now: Micros, cluster: &ClusterView, fx: &mut Effects) {
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
        } else if now.saturating_sub(sw.started_us) >= SWITCH_TIMEOUT {
            self.abandon_switch(now, &sw, &stopped, fx);
        }
    }

    /// The other side serves reads and writes from now on; streams start the other way.
    fn finish_switch(
        &mut self,
        now: Micros,
        sw: &Switch,
        (stopped, other): (&[usize], &[usize]),
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
    fn abandon_switch(&mut self, now: Micros, sw: &Switch, stopped: &[usize], fx: &mut Effects) {
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
    fn note(&mut self, now: Micros, text: String, fx: &mut Effects) {
        fx.ask(Ask::Log(format!("reshard: {text}")));
        self.log.push((now, text));
    }
}

/// Sets the serving flags of these shards' routing rows.
fn serve(shards: &[usize], reads: Option<bool>, writes: Option<bool>, fx: &mut Effects) {
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
    new_side: &[usize],
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
