//! The world: every process, the network, one clock and one event queue.
//!
//! `step()` is the primitive: pop the earliest event (ties broken by insertion order),
//! hand it to its process, carry out the effects the handler recorded. `run_until()`
//! loops over it. Every user action enters through `apply()`, which dispatches it to one
//! small method per verb (`verbs.rs`). Building a world is `build.rs`; handing events to
//! actors and carrying out their effects is `interpret.rs`.

mod build;
mod interpret;
mod provision;
mod verbs;
mod workflow;

use crate::checker::Checker;
use crate::command::{Command, CommandError};
use crate::config::ClusterConfig;
use crate::effects::Effects;
use crate::history::History;
use crate::ids::{Addr, NodeId, ShardId, ShardMap};
use crate::manager::Manager;
use crate::message::MsgKind;
use crate::net::Network;
use crate::node::Node;
use crate::queue::{Event, EventQueue};
use crate::rng::SimRng;
use crate::router::Router;
use crate::time::{Duration, Instant, secs};
use crate::trace::{Trace, TraceKind, TraceLine};
use std::collections::VecDeque;
use std::sync::Arc;

pub use crate::config::{ConfigError, MAX_CLIENTS, MAX_NODES, MAX_RATE_PER_S, MAX_SHARDS};

/// How often the checker looks at the nodes.
const CHECK_EVERY: Duration = secs(1);
/// Entries kept in the world's event log (faults, failovers, findings).
const LOG_WINDOW: usize = 2_000;
/// Statements of automated steps kept (a recovery runs about ten).
const STATEMENT_WINDOW: usize = 1_000;
/// Seconds of lag samples kept.
const LAG_WINDOW: usize = 600;

/// A message on its way, as the UI draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InFlight {
    pub from: Addr,
    pub to: Addr,
    pub kind: MsgKind,
    pub sent_us: Instant,
    pub arrive_us: Instant,
}

/// Something a person would want on a timeline: a fault, a failover, a finding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogEntry {
    pub at_us: Instant,
    pub kind: LogKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    Fault,
    Operator,
    Failover,
    Finding,
    Replication,
    /// A statement an automated step ran (failover manager, proxy, resharding workflow).
    Statement,
}

#[derive(Clone, Debug)]
pub struct World {
    pub config: ClusterConfig,
    now: Instant,
    queue: EventQueue,
    pub nodes: Vec<Node>,
    pub router: Router,
    /// One failover manager per replication cluster: one, or one per shard.
    pub managers: Vec<Manager>,
    /// Which shard each node serves (all shard 0 when unsharded), shared with the router
    /// and the checker.
    pub shard_map: Arc<ShardMap>,
    /// The online resharding workflow, once created.
    pub reshard: Option<super::reshard::Reshard>,
    pub net: Network,
    rng_net: SimRng,
    pub trace: Trace,
    pub history: History,
    pub checker: Checker,
    pub log: VecDeque<LogEntry>,
    /// The statements behind the automated steps, oldest first, windowed (see `steps`).
    pub statements: VecDeque<crate::steps::StepStatement>,
    /// Once a simulated second: (time, Seconds_Behind_Source per node), windowed.
    pub lag_samples: VecDeque<(Instant, Vec<Option<Duration>>)>,
    next_check: Instant,
    /// Every moment each node lost power (drops what was still in its send buffers). All
    /// of them, not the last: a packet can wait for its retransmission longer than a
    /// host takes to come back and lose power again.
    power_lost_at: Vec<Vec<Instant>>,
    /// What the handler running now records; the interpreter carries it out after it.
    pub(crate) fx: Effects,
    /// Every node's MySQL console: the statements typed and the answers.
    pub console: crate::console::Console,
    /// Backups taken with `Command::Backup`, oldest first (`backup-1`, …).
    backups: Vec<crate::backup::Backup>,
}

impl World {
    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn events(&self) -> u64 {
        self.trace.count()
    }

    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// The shard a node serves (shard 0 when unsharded).
    pub fn shard_of(&self, n: NodeId) -> ShardId {
        self.shard_map.of(n)
    }

    /// The failover manager of a node's replication cluster.
    pub fn manager_of(&self, n: NodeId) -> &Manager {
        &self.managers[self.shard_of(n).index()]
    }

    /// The failover manager of the first (or only) replication cluster.
    pub fn manager(&self) -> &Manager {
        &self.managers[0]
    }

    /// Every recovery of every cluster's manager, in the order they started.
    pub fn recoveries(&self) -> Vec<&super::manager::Recovery> {
        let mut all: Vec<_> = self.managers.iter().flat_map(|m| &m.recoveries).collect();
        all.sort_by_key(|r| (r.started_us, r.id));
        all
    }

    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name() == name)
            .map(|i| NodeId(i as u32))
    }

    /// The console transcript of the node called `node`, oldest first (empty for a name
    /// no node has).
    pub fn console(&self, node: &str) -> Vec<&crate::console::ConsoleEntry> {
        self.node_id(node)
            .map(|id| self.console.entries(id).collect())
            .unwrap_or_default()
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    pub fn name(&self, a: Addr) -> String {
        match a {
            Addr::Node(n) => self
                .nodes
                .get(n.index())
                .map_or_else(|| a.to_string(), |x| x.name().to_string()),
            _ => a.to_string(),
        }
    }

    pub fn next_event_at(&self) -> Option<Instant> {
        self.queue.peek_at()
    }

    /// Queues an event; nothing is queued in the past.
    fn push(&mut self, at: Instant, event: Event) {
        self.queue.push(at.max(self.now), event);
    }

    /// Schedules a command for later (the scenario's timeline).
    pub fn schedule(&mut self, at: Instant, cmd: Command) {
        self.push(at, Event::Command(cmd));
    }

    /// Processes the next event. Returns false when nothing is left to do.
    pub fn step(&mut self) -> bool {
        let Some((at, seq, event)) = self.queue.pop() else {
            return false;
        };
        self.run_checks_until(at);
        self.now = at;
        match event {
            Event::Deliver {
                from,
                to,
                msg,
                cut_gen_at_send,
                sent_us,
                departs_us,
            } => self.deliver(seq, from, to, msg, cut_gen_at_send, (sent_us, departs_us)),
            Event::Timer { owner, timer } => self.fire(seq, owner, timer),
            Event::Command(cmd) => self.run_scheduled(seq, cmd),
        }
        self.carry_out();
        self.release_console_waiters(at);
        true
    }

    /// A timeline action whose time has come: traced, applied, and logged if refused.
    fn run_scheduled(&mut self, seq: u64, cmd: Command) {
        self.trace.record(TraceLine {
            at_us: self.now,
            seq,
            kind: TraceKind::Command,
            from: 0,
            to: 0,
            code: 0,
            detail: 0,
        });
        if let Err(e) = self.apply(cmd.clone()) {
            let text = format!("{} was not possible: {e}", cmd.label());
            self.log_entry(LogKind::Operator, text);
        }
    }

    /// Runs every event up to and including `until`, then sets the clock to it.
    pub fn run_until(&mut self, until: Instant) {
        while self.queue.peek_at().is_some_and(|at| at <= until) {
            self.step();
        }
        self.run_checks_until(until);
        self.now = self.now.max(until);
        // WAIT_FOR_EXECUTED_GTID_SET timeouts fall due with the clock.
        self.release_console_waiters(until);
    }

    /// Runs at most `max_events` events up to `until`; returns true if it reached `until`.
    /// The UI uses this to fast-forward in slices without freezing the page.
    pub fn run_until_bounded(&mut self, until: Instant, max_events: u64) -> bool {
        for _ in 0..max_events {
            if self.queue.peek_at().is_none_or(|at| at > until) {
                self.run_checks_until(until);
                self.now = self.now.max(until);
                self.release_console_waiters(until);
                return true;
            }
            self.step();
        }
        false
    }

    fn run_checks_until(&mut self, t: Instant) {
        while self.next_check <= t {
            let at = self.next_check;
            let before = self.checker.findings.len();
            self.checker.check_nodes(at, &self.nodes);
            self.log_new_findings(before, at);
            self.sample_lag(at);
            self.share_binlog_chunks();
            self.next_check += CHECK_EVERY;
        }
    }

    /// Lets each binlog use an earlier node's chunks where both hold the same entries (a
    /// replica logging its source's transactions in step), so nine binlogs of one stream
    /// take the memory of about one, in the live world and in every snapshot of it.
    /// Memory only: no reader can tell. Chunks already shared cost a pointer compare.
    fn share_binlog_chunks(&mut self) {
        for k in 1..self.nodes.len() {
            let (earlier, rest) = self.nodes.split_at_mut(k);
            for other in earlier.iter() {
                rest[0].binlog.share_chunks_with(&other.binlog);
            }
        }
    }

    /// Seconds_Behind_Source of every node, once a simulated second (for the lag chart).
    fn sample_lag(&mut self, at: Instant) {
        if self.lag_samples.len() == LAG_WINDOW {
            self.lag_samples.pop_front();
        }
        let lags = self
            .nodes
            .iter()
            .map(|n| {
                n.channel
                    .as_ref()
                    .and_then(|c| c.replication_lag(at, n.is_running()))
            })
            .collect();
        self.lag_samples.push_back((at, lags));
    }

    pub(crate) fn log_new_findings(&mut self, before: usize, at: Instant) {
        let new: Vec<String> = self.checker.findings[before..]
            .iter()
            .map(|f| format!("{}: {}", f.kind.name(), f.detail))
            .collect();
        for text in new {
            self.push_log(at, LogKind::Finding, text);
        }
    }

    fn push_log(&mut self, at_us: Instant, kind: LogKind, text: String) {
        if self.log.len() == LOG_WINDOW {
            self.log.pop_front();
        }
        self.log.push_back(LogEntry { at_us, kind, text });
    }

    pub(crate) fn log_entry(&mut self, kind: LogKind, text: String) {
        self.push_log(self.now, kind, text);
    }

    /// Keeps a statement an automated step ran and shows it in the event log.
    pub(crate) fn keep_statement(&mut self, s: crate::steps::StepStatement) {
        let text = self.statement_line(&s);
        self.push_log(s.at, LogKind::Statement, text);
        if self.statements.len() == STATEMENT_WINDOW {
            self.statements.pop_front();
        }
        self.statements.push_back(s);
    }

    /// A statement as a console shows it: `db2 mysql> STOP REPLICA;`,
    /// `ProxySQL Admin> LOAD MYSQL SERVERS TO RUNTIME;`, `$ vtctldclient …`.
    pub fn statement_line(&self, s: &crate::steps::StepStatement) -> String {
        let prompt = s.tool.prompt();
        match (s.tool, s.node) {
            (crate::steps::Tool::Mysql, Some(n)) => {
                format!("{} {prompt} {}", self.name(Addr::Node(n)), s.text)
            }
            (_, Some(n)) => format!("{prompt} {}: {}", self.name(Addr::Node(n)), s.text),
            (_, None) => format!("{prompt} {}", s.text),
        }
    }

    /// The statements a recovery of a shard's manager ran, in order.
    pub fn recovery_statements(
        &self,
        shard: ShardId,
        recovery: u64,
    ) -> impl Iterator<Item = &crate::steps::StepStatement> {
        self.statements.iter().filter(move |s| {
            s.recovery == Some(recovery) && s.actor == crate::steps::Actor::Manager { shard }
        })
    }

    /// Adds what this world holds in memory to `f` (chunks shared with worlds already
    /// added are not counted again): the playback's snapshot budget is counted with it.
    pub fn footprint(&self, f: &mut crate::footprint::Footprint) {
        for n in &self.nodes {
            n.footprint(f);
        }
        self.checker.footprint(f);
        self.history.footprint(f);
        // A backup's rows share chunks with the table it was taken of while both agree.
        for b in &self.backups {
            b.rows.footprint(f);
            f.add(size_of::<crate::backup::Backup>() + b.gtid_executed.heap_bytes());
        }
        self.trace.footprint(f);
        let log: usize = self.log.iter().map(|e| e.text.capacity()).sum::<usize>()
            + self.log.capacity() * size_of::<LogEntry>()
            + self
                .statements
                .iter()
                .map(|s| s.text.capacity())
                .sum::<usize>()
            + self.statements.capacity() * size_of::<crate::steps::StepStatement>();
        let lag = self.lag_samples.capacity() * size_of::<(Instant, Vec<Option<Duration>>)>()
            + self.lag_samples.len() * self.nodes.len() * size_of::<Option<Duration>>();
        let audit: usize = (self.managers.iter().flat_map(|m| &m.audit))
            .map(|a| size_of::<crate::manager::AuditEntry>() + a.text.capacity())
            .sum();
        let links = (self.net.addr_count() as usize).pow(2) * size_of::<crate::net::Link>();
        let pending = self
            .router
            .clients
            .iter()
            .map(|c| c.inflight as usize)
            .sum::<usize>();
        let queue = self.queue.heap_bytes();
        let console = self.console.footprint_bytes();
        f.add(size_of::<World>() + queue + log + lag + audit + links + pending * 256 + console);
    }

    /// Messages in flight, for drawing (no allocation in the engine's hot path: this walks the queue).
    pub fn in_flight(&self) -> impl Iterator<Item = InFlight> + '_ {
        self.queue.iter().filter_map(|(at, e)| match e {
            Event::Deliver {
                from,
                to,
                msg,
                departs_us,
                ..
            } => Some(InFlight {
                from: *from,
                to: *to,
                kind: msg.kind(),
                sent_us: *departs_us,
                arrive_us: at,
            }),
            _ => None,
        })
    }

    /// The one door for every action. On error nothing has changed.
    pub fn apply(&mut self, cmd: Command) -> Result<(), CommandError> {
        self.execute(&cmd)?;
        let kind = if cmd.is_fault() {
            LogKind::Fault
        } else {
            LogKind::Operator
        };
        self.log_entry(kind, cmd.label());
        self.carry_out();
        Ok(())
    }
}
