//! The world: every process, the network, one clock and one event queue.
//!
//! `step()` is the primitive: pop the earliest event (ties broken by insertion order),
//! hand it to its process, carry out the effects the handler recorded. `run_until()`
//! loops over it. Every user action enters through `apply()`.

use super::checker::Checker;
use super::command::{Command, CommandError};
use super::config::ClusterConfig;
use super::effects::{Effects, Note, ReplThread, Timer};
use super::gtid::Uuid;
use super::history::{History, Op};
use super::ids::{Addr, NodeId, ShardGroups};
use super::manager::Manager;
use super::message::{AdminCmd, Msg, MsgKind, Statement};
use super::net::Network;
use super::node::{Node, Process};
use super::rng::{SimRng, Stream};
use super::router::Router;
use super::time::Micros;
use super::trace::{Trace, TraceKind, TraceLine};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// Limits that keep a run — and a page — bounded whatever a scenario or link asks for.
pub const MAX_NODES: usize = 64;
pub const MAX_CLIENTS: usize = 64;
pub const MAX_RATE_PER_S: u32 = 100_000;
/// How often the checker looks at the nodes.
const CHECK_EVERY: Micros = 1_000_000;
/// Entries kept in the world's event log (faults, failovers, findings).
const LOG_WINDOW: usize = 2_000;
/// Seconds of lag samples kept.
const LAG_WINDOW: usize = 600;
/// Shards a sharded cluster may have.
pub const MAX_SHARDS: usize = 16;

#[derive(Clone, Debug)]
enum Event {
    Deliver {
        from: Addr,
        to: Addr,
        msg: Msg,
        cut_gen_at_send: u32,
        sent_us: Micros,
        departs_us: Micros,
    },
    Timer {
        owner: Addr,
        timer: Timer,
    },
    Command(Command),
}

/// A queue entry: small, so the heap moves 24 bytes, not whole events; the event waits
/// in a slab slot.
#[derive(Clone, Copy, Debug)]
struct Queued {
    at: Micros,
    seq: u64,
    slot: u32,
}

/// The event queue: a binary heap ordered by (time, insertion sequence) over a slab.
#[derive(Clone, Debug, Default)]
struct EventQueue {
    heap: BinaryHeap<Queued>,
    slab: Vec<Option<Event>>,
    free: Vec<u32>,
}

impl EventQueue {
    fn push(&mut self, at: Micros, seq: u64, event: Event) {
        let slot = match self.free.pop() {
            Some(s) => {
                self.slab[s as usize] = Some(event);
                s
            }
            None => {
                self.slab.push(Some(event));
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Queued { at, seq, slot });
    }

    fn peek_at(&self) -> Option<Micros> {
        self.heap.peek().map(|q| q.at)
    }

    fn pop(&mut self) -> Option<(Micros, u64, Event)> {
        let q = self.heap.pop()?;
        let event = self.slab[q.slot as usize].take()?;
        self.free.push(q.slot);
        Some((q.at, q.seq, event))
    }

    fn iter(&self) -> impl Iterator<Item = (Micros, &Event)> + '_ {
        self.heap
            .iter()
            .filter_map(|q| self.slab[q.slot as usize].as_ref().map(|e| (q.at, e)))
    }
}

impl PartialEq for Queued {
    fn eq(&self, o: &Self) -> bool {
        self.at == o.at && self.seq == o.seq
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Queued {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

/// A message on its way, as the UI draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InFlight {
    pub from: Addr,
    pub to: Addr,
    pub kind: MsgKind,
    pub sent_us: Micros,
    pub arrive_us: Micros,
}

/// Something a person would want on a timeline: a fault, a failover, a finding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LogEntry {
    pub at_us: Micros,
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
}

#[derive(Clone, Debug)]
pub struct World {
    pub config: ClusterConfig,
    now: Micros,
    seq: u64,
    queue: EventQueue,
    pub nodes: Vec<Node>,
    pub router: Router,
    /// One failover manager per replication cluster: one, or one per shard.
    pub managers: Vec<Manager>,
    /// Each node's shard group (all 0 when unsharded).
    pub groups: ShardGroups,
    /// The online resharding workflow, once created.
    pub reshard: Option<super::reshard::Reshard>,
    pub net: Network,
    rng_net: SimRng,
    pub trace: Trace,
    pub history: History,
    pub checker: Checker,
    pub log: VecDeque<LogEntry>,
    /// Once a simulated second: (time, Seconds_Behind_Source per node), windowed.
    pub lag_samples: VecDeque<(Micros, Vec<Option<u64>>)>,
    next_check: Micros,
    /// When each node last lost power (drops what was still in its send buffers).
    power_lost_at: Vec<Option<Micros>>,
    pub(crate) fx: Effects,
    done: Vec<Op>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl World {
    pub fn new(config: ClusterConfig) -> Result<World, ConfigError> {
        validate(&config)?;
        let seed = config.seed;
        let mut setup = SimRng::new(seed, Stream::Setup);
        let ids = |name: &str| {
            config
                .nodes
                .iter()
                .position(|n| n.name == name)
                .map(|i| NodeId(i as u32))
        };
        let mut nodes = Vec::with_capacity(config.nodes.len());
        for (i, cfg) in config.nodes.iter().enumerate() {
            let server_id = cfg.server_id.unwrap_or(i as u32 + 1);
            let uuid = Uuid::from_u128(version4(setup.next_u128()));
            let source = cfg.source.as_deref().and_then(ids);
            nodes.push(Node::new(
                NodeId(i as u32),
                cfg.clone(),
                server_id,
                uuid,
                source,
            ));
        }
        let names: Vec<String> = config.nodes.iter().map(|n| n.name.clone()).collect();
        let primary = ids(&config.primary);
        let clients = config
            .clients
            .iter()
            .map(|c| (c.clone(), c.pin_writes_to.as_deref().and_then(ids)))
            .collect();
        let mut router = Router::new(
            config.router.clone(),
            clients,
            primary,
            nodes.len() as u32,
            seed,
        );
        let rules: Vec<_> = config.nodes.iter().map(|n| n.promotion_rule).collect();
        let mut groups = ShardGroups::unsharded(config.nodes.len());
        let managers = if config.shards.is_empty() {
            vec![Manager::new(
                config.failover.clone(),
                names.clone(),
                rules,
                primary,
            )]
        } else {
            let mut managers = Vec::with_capacity(config.shards.len());
            for (g, shard) in config.shards.iter().enumerate() {
                let members: Vec<NodeId> = shard.nodes.iter().filter_map(|n| ids(n)).collect();
                for m in &members {
                    groups.set(*m, g as u16);
                }
                let manager = Manager::new(
                    config.failover.clone(),
                    names.clone(),
                    rules.clone(),
                    ids(&shard.primary),
                );
                managers.push(manager.for_group(g as u16, members));
            }
            let table = config
                .shards
                .iter()
                .map(|s| (s.range, ids(&s.primary), s.serving))
                .collect();
            router = router.sharded(config.vindex, table, groups.clone());
            managers
        };
        let active_active = config.active_active.iter().filter_map(|n| ids(n)).collect();
        let net = Network::new(nodes.len() as u32, config.network);
        let checker = Checker::new(names, active_active).with_groups(groups.clone());
        let mut world = World {
            now: 0,
            seq: 0,
            queue: EventQueue::default(),
            nodes,
            router,
            managers,
            groups,
            reshard: None,
            net,
            rng_net: SimRng::new(seed, Stream::Network),
            trace: Trace::default(),
            history: History::default(),
            checker,
            log: VecDeque::new(),
            lag_samples: VecDeque::new(),
            next_check: CHECK_EVERY,
            power_lost_at: vec![None; config.nodes.len()],
            fx: Effects::default(),
            done: Vec::new(),
            config,
        };
        world.start();
        Ok(world)
    }

    fn start(&mut self) {
        let mut fx = std::mem::take(&mut self.fx);
        for n in &mut self.nodes {
            n.start(0, &mut fx);
        }
        self.router.start(0, &mut fx);
        for m in &mut self.managers {
            m.start(0, &mut fx);
        }
        self.fx = fx;
        self.carry_out();
    }

    pub fn now(&self) -> Micros {
        self.now
    }

    pub fn events(&self) -> u64 {
        self.trace.count()
    }

    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// The shard group a node belongs to (0 when unsharded).
    pub fn group_of(&self, n: NodeId) -> usize {
        self.groups.of(n)
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

    /// Adds what this world holds in memory to `f` (chunks shared with worlds already
    /// added are not counted again): the playback's snapshot budget is counted with it.
    pub fn footprint(&self, f: &mut super::footprint::Footprint) {
        for n in &self.nodes {
            n.footprint(f);
        }
        self.checker.footprint(f);
        self.history.footprint(f);
        self.trace.footprint(f);
        let q = &self.queue;
        let queue = q.slab.capacity() * size_of::<Option<Event>>()
            + q.heap.capacity() * size_of::<Queued>()
            + q.free.capacity() * size_of::<u32>();
        let log: usize = self.log.iter().map(|e| e.text.capacity()).sum::<usize>()
            + self.log.capacity() * size_of::<LogEntry>();
        let lag = self.lag_samples.capacity() * size_of::<(Micros, Vec<Option<u64>>)>()
            + self.lag_samples.len() * self.nodes.len() * size_of::<Option<u64>>();
        let audit: usize = (self.managers.iter().flat_map(|m| &m.audit))
            .map(|a| size_of::<super::manager::AuditEntry>() + a.text.capacity())
            .sum();
        let links = (self.net.addr_count() as usize).pow(2) * size_of::<super::net::Link>();
        let pending = self
            .router
            .clients
            .iter()
            .map(|c| c.inflight as usize)
            .sum::<usize>();
        f.add(size_of::<World>() + queue + log + lag + audit + links + pending * 256);
    }

    pub fn next_event_at(&self) -> Option<Micros> {
        self.queue.peek_at()
    }

    fn push(&mut self, at: Micros, event: Event) {
        self.seq += 1;
        self.queue.push(at.max(self.now), self.seq, event);
    }

    /// Schedules a command for later (the scenario's timeline).
    pub fn schedule(&mut self, at: Micros, cmd: Command) {
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
            Event::Command(cmd) => {
                let code = 0;
                self.trace.record(TraceLine {
                    at_us: self.now,
                    seq,
                    kind: TraceKind::Command,
                    from: 0,
                    to: 0,
                    code,
                    detail: 0,
                });
                if let Err(e) = self.apply(cmd.clone()) {
                    self.log_entry(
                        LogKind::Operator,
                        format!("{} was not possible: {e}", cmd.label()),
                    );
                }
            }
        }
        self.carry_out();
        true
    }

    /// Runs every event up to and including `until`, then sets the clock to it.
    pub fn run_until(&mut self, until: Micros) {
        while self.queue.peek_at().is_some_and(|at| at <= until) {
            self.step();
        }
        self.run_checks_until(until);
        self.now = self.now.max(until);
    }

    /// Runs at most `max_events` events up to `until`; returns true if it reached `until`.
    /// The UI uses this to fast-forward in slices without freezing the page.
    pub fn run_until_bounded(&mut self, until: Micros, max_events: u64) -> bool {
        for _ in 0..max_events {
            if self.queue.peek_at().is_none_or(|at| at > until) {
                self.run_checks_until(until);
                self.now = self.now.max(until);
                return true;
            }
            self.step();
        }
        false
    }

    fn run_checks_until(&mut self, t: Micros) {
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
    fn sample_lag(&mut self, at: Micros) {
        if self.lag_samples.len() == LAG_WINDOW {
            self.lag_samples.pop_front();
        }
        let lags = self
            .nodes
            .iter()
            .map(|n| {
                n.channel
                    .as_ref()
                    .and_then(|c| c.seconds_behind_source(at, n.is_running()))
            })
            .collect();
        self.lag_samples.push_back((at, lags));
    }

    pub(crate) fn schedule_workflow(&mut self, at: Micros) {
        self.push(
            at,
            Event::Timer {
                owner: Addr::Manager,
                timer: Timer::Workflow,
            },
        );
    }

    pub(crate) fn log_new_findings(&mut self, before: usize, at: Micros) {
        let new: Vec<String> = self.checker.findings[before..]
            .iter()
            .map(|f| format!("{}: {}", f.kind.name(), f.detail))
            .collect();
        for text in new {
            self.push_log(at, LogKind::Finding, text);
        }
    }

    fn push_log(&mut self, at_us: Micros, kind: LogKind, text: String) {
        if self.log.len() == LOG_WINDOW {
            self.log.pop_front();
        }
        self.log.push_back(LogEntry { at_us, kind, text });
    }

    pub(crate) fn log_entry(&mut self, kind: LogKind, text: String) {
        self.push_log(self.now, kind, text);
    }

    fn deliver(
        &mut self,
        seq: u64,
        from: Addr,
        to: Addr,
        msg: Msg,
        cut_gen_at_send: u32,
        (sent, departs): (Micros, Micros),
    ) {
        // A packet still in the sender's buffer when its host lost power never left.
        let never_left = from
            .node()
            .and_then(|n| self.power_lost_at[n.index()])
            .is_some_and(|t| sent <= t && t < departs);
        let arrives = !never_left && self.net.arrives(from, to, cut_gen_at_send);
        let kind = if arrives {
            TraceKind::Deliver
        } else {
            TraceKind::Drop
        };
        let detail = match &msg {
            Msg::BinlogTrx { trx, .. } => trx.gtid.gno,
            Msg::Query { req, .. }
            | Msg::QueryOk { req, .. }
            | Msg::Probe { req }
            | Msg::ProbeReply { req, .. } => *req,
            _ => 0,
        };
        self.trace.record(TraceLine {
            at_us: self.now,
            seq,
            kind,
            from: from.code(),
            to: to.code(),
            code: msg.code(),
            detail,
        });
        if !arrives {
            return;
        }
        let now = self.now;
        let mut fx = std::mem::take(&mut self.fx);
        match to {
            Addr::Node(n) => {
                let node = &mut self.nodes[n.index()];
                match node.process {
                    Process::Running => node.on_message(now, from, msg, &mut fx),
                    // The host is up but nothing listens: connection attempts are refused.
                    Process::Crashed { power_loss: false } | Process::Booting => {
                        if let Some(req) = msg.request_id() {
                            fx.send(to, from, Msg::Refused { req });
                        }
                    }
                    Process::Crashed { power_loss: true } => {}
                }
            }
            Addr::Router => {
                let mut done = std::mem::take(&mut self.done);
                self.router.on_message(now, from, msg, &mut done);
                self.done = done;
            }
            Addr::Manager => {
                // Replies reach the manager of the sender's cluster.
                let g = from.node().map_or(0, |n| self.group_of(n));
                let before = self.managers[g].recoveries.len();
                self.managers[g].on_message(now, from, msg, &mut fx);
                self.after_manager(g, before);
            }
        }
        self.fx = fx;
    }

    fn fire(&mut self, seq: u64, owner: Addr, timer: Timer) {
        self.trace.record(TraceLine {
            at_us: self.now,
            seq,
            kind: TraceKind::Timer,
            from: owner.code(),
            to: owner.code(),
            code: timer_code(&timer),
            // Which shard's manager (0 when unsharded, as before sharding existed).
            detail: match timer {
                Timer::Manager { group, .. } => u64::from(group),
                _ => 0,
            },
        });
        if timer == Timer::Workflow {
            return self.workflow_tick();
        }
        let now = self.now;
        let mut fx = std::mem::take(&mut self.fx);
        match (owner, timer) {
            (Addr::Node(n), Timer::Node { epoch, timer }) => {
                let node = &mut self.nodes[n.index()];
                let live = node.epoch == epoch
                    && (node.is_running() || matches!(timer, super::effects::NodeTimer::BootDone));
                if live {
                    node.on_timer(now, timer, &mut fx);
                }
            }
            (Addr::Router, Timer::Router(t)) => {
                let mut done = std::mem::take(&mut self.done);
                self.router.on_timer(now, t, &mut fx, &mut done);
                self.done = done;
            }
            (Addr::Manager, Timer::Manager { group, timer }) => {
                let g = usize::from(group);
                if let Some(m) = self.managers.get_mut(g) {
                    let before = m.recoveries.len();
                    m.on_timer(now, timer, &mut fx);
                    self.after_manager(g, before);
                }
            }
            _ => {}
        }
        self.fx = fx;
    }

    /// A recovery finished: log it and check what the promoted node lacks.
    fn after_manager(&mut self, group: usize, before: usize) {
        let new: Vec<_> = self.managers[group].recoveries[before..].to_vec();
        for r in new {
            let text = match r.promoted {
                Some(p) if r.success => format!(
                    "{} promoted: {}",
                    self.name(Addr::Node(p)),
                    r.steps.first().cloned().unwrap_or_default()
                ),
                _ => r.steps.last().cloned().unwrap_or_default(),
            };
            self.log_entry(LogKind::Failover, text);
            if let Some(p) = r.promoted.filter(|_| r.success) {
                self.check_promotion(p);
            }
        }
    }

    fn check_promotion(&mut self, p: NodeId) {
        let before = self.checker.findings.len();
        let shard_uuids: Option<Vec<Uuid>> = (self.managers.len() > 1).then(|| {
            let g = self.group_of(p);
            self.nodes
                .iter()
                .filter(|n| self.group_of(n.id) == g)
                .map(|n| n.uuid)
                .collect()
        });
        self.checker
            .on_promotion(self.now, &self.nodes[p.index()], shard_uuids.as_deref());
        self.log_new_findings(before, self.now);
    }

    /// Carries out what the last handler asked for: sends, timers, notes.
    fn carry_out(&mut self) {
        let mut fx = std::mem::take(&mut self.fx);
        for (from, to, msg) in fx.sends.drain(..) {
            if from == to || !self.net.contains(to) {
                continue;
            }
            match self.net.transmit(self.now, from, to, &mut self.rng_net) {
                Some(t) => {
                    let ev = Event::Deliver {
                        from,
                        to,
                        msg,
                        cut_gen_at_send: t.cut_gen,
                        sent_us: self.now,
                        departs_us: t.departs,
                    };
                    self.push(t.arrive, ev)
                }
                None => {
                    let line = TraceLine {
                        at_us: self.now,
                        seq: self.seq,
                        kind: TraceKind::Drop,
                        from: from.code(),
                        to: to.code(),
                        code: msg.code(),
                        detail: 1,
                    };
                    self.trace.record(line);
                }
            }
        }
        for (at, owner, timer) in fx.timers.drain(..) {
            self.push(at, Event::Timer { owner, timer });
        }
        let notes: Vec<Note> = fx.notes.drain(..).collect();
        self.fx = fx;
        for note in notes {
            self.on_note(note);
        }
        let done = std::mem::take(&mut self.done);
        for op in &done {
            self.checker.on_op(op);
        }
        let before = self.checker.findings.len();
        for op in done {
            self.history.record(op);
        }
        self.log_new_findings(before, self.now);
    }

    fn on_note(&mut self, note: Note) {
        let now = self.now;
        let before = self.checker.findings.len();
        match note {
            Note::ClientCommit { node, .. } => {
                self.checker.on_client_commit(now, node, &self.nodes)
            }
            Note::ReplicationError {
                node,
                thread,
                errno,
                message,
            } => {
                let sql = thread == ReplThread::Sql;
                if sql || matches!(errno, 1236 | 1593) {
                    let text = format!(
                        "{}: replication error {errno}: {message}",
                        self.name(Addr::Node(node))
                    );
                    self.log_entry(LogKind::Replication, text);
                }
                self.checker
                    .on_replication_error(now, node, sql, errno, &message);
            }
            Note::RolledBack { node, gtids } => {
                let text = format!(
                    "{}: crash recovery rolled back {}",
                    self.name(Addr::Node(node)),
                    gtids
                );
                self.log_entry(LogKind::Replication, text);
                self.checker
                    .on_rolled_back(now, &self.nodes[node.index()], &gtids);
            }
            Note::SemiSyncStatus { node, on } => {
                let text = if on {
                    "semi-sync is ON again (a replica caught up)"
                } else {
                    "semi-sync timed out: now asynchronous (Rpl_semi_sync_source_status=OFF)"
                };
                self.log_entry(
                    LogKind::Replication,
                    format!("{}: {text}", self.name(Addr::Node(node))),
                );
            }
            Note::Recovered { node } => {
                self.log_entry(
                    LogKind::Operator,
                    format!(
                        "{} finished crash recovery and is up",
                        self.name(Addr::Node(node))
                    ),
                );
            }
            Note::Promoted { node } => self.check_promotion(node),
        }
        self.log_new_findings(before, now);
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

    fn resolve(&self, name: &str) -> Result<NodeId, CommandError> {
        self.node_id(name)
            .ok_or_else(|| CommandError(format!("there is no node called '{name}'")))
    }

    fn endpoint(&self, name: &str) -> Result<Addr, CommandError> {
        match name {
            "router" | "app" => Ok(Addr::Router),
            "manager" | "orchestrator" => Ok(Addr::Manager),
            _ => self.resolve(name).map(Addr::Node),
        }
    }

    fn running(&self, name: &str) -> Result<NodeId, CommandError> {
        let id = self.resolve(name)?;
        if !self.nodes[id.index()].is_running() {
            return Err(CommandError(format!("{name} is down")));
        }
        Ok(id)
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

    fn execute(&mut self, cmd: &Command) -> Result<(), CommandError> {
        let now = self.now;
        match cmd {
            Command::Crash { node, power_loss } => {
                let id = self.resolve(node)?;
                if matches!(self.nodes[id.index()].process, Process::Crashed { .. }) {
                    return Err(CommandError(format!("{node} is already down")));
                }
                let mut fx = std::mem::take(&mut self.fx);
                self.nodes[id.index()].crash(*power_loss, &mut fx);
                if *power_loss {
                    self.power_lost_at[id.index()] = Some(now);
                } else {
                    // The host's kernel answers for the dead process: every peer sees a reset.
                    let me = Addr::Node(id);
                    for i in 0..self.net.addr_count() {
                        let to = self.net.addr(i);
                        if to != me {
                            fx.send(me, to, Msg::ConnReset);
                        }
                    }
                }
                self.fx = fx;
            }
            Command::Restart { node } => {
                let id = self.resolve(node)?;
                let mut fx = std::mem::take(&mut self.fx);
                let ok = self.nodes[id.index()].restart(now, &mut fx);
                self.fx = fx;
                if !ok {
                    return Err(CommandError(format!("{node} is not down")));
                }
            }
            Command::CutLink {
                from,
                to,
                both_ways,
            }
            | Command::HealLink {
                from,
                to,
                both_ways,
            } => {
                let (a, b) = (self.endpoint(from)?, self.endpoint(to)?);
                if a == b {
                    return Err(CommandError(format!("{from} has no link to itself")));
                }
                let cut = matches!(cmd, Command::CutLink { .. });
                self.net.set_cut(a, b, cut);
                if *both_ways {
                    self.net.set_cut(b, a, cut);
                }
            }
            Command::Partition { nodes } => self.partition(nodes)?,
            Command::HealAll => self.net.heal_all(),
            Command::SetLink {
                from,
                to,
                latency_us,
                jitter_us,
                loss_permille,
                both_ways,
            } => {
                let (a, b) = (self.endpoint(from)?, self.endpoint(to)?);
                if a == b {
                    return Err(CommandError(format!("{from} has no link to itself")));
                }
                if *latency_us > 60_000_000 || *jitter_us > 60_000_000 || *loss_permille > 1_000 {
                    return Err(CommandError(
                        "latency and jitter must be at most 60 s, loss at most 1000‰".into(),
                    ));
                }
                let cfg = super::config::LinkConfig {
                    latency_us: *latency_us,
                    jitter_us: *jitter_us,
                    loss_permille: *loss_permille,
                };
                self.net.link_mut(a, b).cfg = cfg;
                if *both_ways {
                    self.net.link_mut(b, a).cfg = cfg;
                }
            }
            Command::StopReplica { node } => self.operator(node, AdminCmd::StopReplica)?,
            Command::StartReplica { node } => self.operator(node, AdminCmd::StartReplica)?,
            Command::SkipTransaction { node } => {
                self.operator(node, AdminCmd::SkipFailedTransaction)?
            }
            Command::SetReadOnly {
                node,
                read_only,
                super_read_only,
            } => self.operator(
                node,
                AdminCmd::SetReadOnly {
                    read_only: *read_only,
                    super_read_only: *super_read_only,
                },
            )?,
            Command::ChangeSource { node, source } => {
                let src = self.resolve(source)?;
                self.operator(
                    node,
                    AdminCmd::ChangeSource {
                        source: src,
                        auto_position: true,
                    },
                )?
            }
            Command::SlowApplier { node, factor } => {
                let id = self.resolve(node)?;
                if *factor == 0 || *factor > 10_000 {
                    return Err(CommandError(
                        "the slow-down factor must be between 1 and 10000".into(),
                    ));
                }
                self.nodes[id.index()].apply_slowdown = *factor;
            }
            Command::DirectWrite { node, key, value } => {
                let id = self.running(node)?;
                let me = Addr::Node(id);
                let mut fx = std::mem::take(&mut self.fx);
                let n = &mut self.nodes[id.index()];
                if n.super_read_only {
                    self.fx = fx;
                    return Err(CommandError(format!(
                        "{node} runs with super_read_only: even SUPER cannot write (error 1290)"
                    )));
                }
                n.on_query(
                    now,
                    me,
                    0,
                    Statement::Upsert {
                        key: *key,
                        value: *value,
                    },
                    true,
                    &mut fx,
                );
                self.fx = fx;
            }
            Command::Switchover { to } => {
                let id = self.resolve(to)?;
                let mut fx = std::mem::take(&mut self.fx);
                let g = self.group_of(id);
                let r = self.managers[g].switchover(now, id, &mut fx);
                self.fx = fx;
                r.map_err(CommandError)?;
            }
            Command::Promote { node } => self.promote(node)?,
            Command::SetPromotionRule { node, rule } => {
                let id = self.resolve(node)?;
                for m in &mut self.managers {
                    m.promotion_rules[id.index()] = *rule;
                }
            }
            Command::SetAutomaticFailover { enabled } => {
                for m in &mut self.managers {
                    m.cfg.automatic = *enabled;
                }
            }
            Command::AcknowledgeRecoveries => {
                for m in &mut self.managers {
                    m.acknowledge(now);
                }
            }
            Command::Reshard { step } => self.reshard_step(*step).map_err(CommandError)?,
            Command::SetWorkload {
                client,
                writes_per_s,
                reads_per_s,
            } => {
                let c = self
                    .router
                    .clients
                    .get_mut(*client as usize)
                    .ok_or_else(|| CommandError(format!("there is no client {client}")))?;
                if *writes_per_s > MAX_RATE_PER_S || *reads_per_s > MAX_RATE_PER_S {
                    return Err(CommandError(format!(
                        "rates are limited to {MAX_RATE_PER_S} per second"
                    )));
                }
                let was_idle = c.cfg.writes_per_s + c.cfg.reads_per_s == 0;
                c.cfg.writes_per_s = *writes_per_s;
                c.cfg.reads_per_s = *reads_per_s;
                if was_idle && writes_per_s + reads_per_s > 0 {
                    self.push(
                        now + 1,
                        Event::Timer {
                            owner: Addr::Router,
                            timer: Timer::Router(super::effects::RouterTimer::ClientOp {
                                client: *client,
                            }),
                        },
                    );
                }
            }
        }
        Ok(())
    }

    fn partition(&mut self, names: &[String]) -> Result<(), CommandError> {
        let side: Vec<Addr> = names
            .iter()
            .map(|n| self.endpoint(n))
            .collect::<Result<_, _>>()?;
        let all: Vec<Addr> = (0..self.net.addr_count())
            .map(|i| self.net.addr(i))
            .collect();
        if side.is_empty() || all.iter().all(|a| side.contains(a)) {
            return Err(CommandError(
                "a partition needs at least one endpoint on each side".into(),
            ));
        }
        for a in &side {
            for b in all.iter().filter(|b| !side.contains(b)) {
                self.net.set_cut(*a, *b, true);
                self.net.set_cut(*b, *a, true);
            }
        }
        Ok(())
    }

    /// An operator's command typed at the node's console (not over the network).
    fn operator(&mut self, node: &str, cmd: AdminCmd) -> Result<(), CommandError> {
        let id = self.running(node)?;
        let mut fx = std::mem::take(&mut self.fx);
        let r = self.nodes[id.index()].operator(self.now, cmd, &mut fx);
        self.fx = fx;
        r.map_err(|e| CommandError(format!("{node}: {e}")))
    }

    fn promote(&mut self, node: &str) -> Result<(), CommandError> {
        let id = self.running(node)?;
        let has_channel = self.nodes[id.index()].channel.is_some();
        if has_channel {
            self.operator(node, AdminCmd::StopReplica)?;
            self.operator(node, AdminCmd::ResetReplicaAll)?;
        }
        self.operator(
            node,
            AdminCmd::SetReadOnly {
                read_only: false,
                super_read_only: false,
            },
        )?;
        self.router.set_writer(id);
        let g = self.group_of(id);
        self.managers[g].set_primary(self.now, id);
        self.check_promotion(id);
        Ok(())
    }
}

fn timer_code(t: &Timer) -> u8 {
    use super::effects::{ManagerTimer as M, NodeTimer as N, RouterTimer as R};
    match t {
        Timer::Node { timer, .. } => match timer {
            N::FlushDone => 1,
            N::CommitDone => 2,
            N::SemiSyncTimeout { .. } => 3,
            N::ApplyDone { .. } => 4,
            N::DumpPump { .. } => 5,
            N::Heartbeat { .. } => 6,
            N::NetTimeout { .. } => 7,
            N::Reconnect { .. } => 8,
            N::RedoFlush => 9,
            N::OsWriteback => 10,
            N::BootDone => 11,
            N::ReadWaitTimeout { .. } => 12,
        },
        Timer::Router(r) => match r {
            R::Monitor => 20,
            R::ClientOp { .. } => 21,
            R::QueryTimeout { .. } => 22,
        },
        Timer::Workflow => 40,
        Timer::Manager { timer: m, .. } => match m {
            M::Poll => 30,
            M::ProbeTimeout { .. } => 31,
            M::Analysis => 32,
            M::RecoveryStep { .. } => 33,
        },
    }
}

/// Makes 128 random bits look like a version-4 UUID, as `auto.cnf` would hold.
fn version4(bits: u128) -> u128 {
    (bits & !(0xF000u128 << 64) | (0x4000u128 << 64)) & !(0xC000u128 << 48) | (0x8000u128 << 48)
}

fn validate(c: &ClusterConfig) -> Result<(), ConfigError> {
    let err = |s: String| Err(ConfigError(s));
    if c.nodes.is_empty() {
        return err("nodes: a cluster needs at least one node".into());
    }
    if c.nodes.len() > MAX_NODES {
        return err(format!(
            "nodes: at most {MAX_NODES} nodes (got {})",
            c.nodes.len()
        ));
    }
    if c.clients.len() > MAX_CLIENTS {
        return err(format!("workload.clients: at most {MAX_CLIENTS} clients"));
    }
    for (i, n) in c.nodes.iter().enumerate() {
        if n.name.is_empty()
            || n.name.len() > 32
            || !n
                .name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            return err(format!(
                "nodes[{i}].name: '{}' must be 1–32 letters, digits, '-' or '_'",
                n.name
            ));
        }
        if matches!(
            n.name.as_str(),
            "router" | "manager" | "app" | "orchestrator"
        ) {
            return err(format!("nodes[{i}].name: '{}' is reserved", n.name));
        }
        if c.nodes[..i].iter().any(|m| m.name == n.name) {
            return err(format!("nodes[{i}].name: '{}' is used twice", n.name));
        }
        if let Some(s) = &n.source {
            if s == &n.name {
                return err(format!(
                    "nodes[{i}].source: {} cannot replicate from itself",
                    n.name
                ));
            }
            if !c.nodes.iter().any(|m| &m.name == s) {
                return err(format!("nodes[{i}].source: there is no node called '{s}'"));
            }
        }
        if n.innodb_flush_log_at_trx_commit > 2 {
            return err(format!(
                "nodes[{i}].innodb_flush_log_at_trx_commit: must be 0, 1 or 2"
            ));
        }
        if !(4_096..=1 << 30).contains(&n.max_binlog_size) {
            return err(format!(
                "nodes[{i}].max_binlog_size: must be between 4096 and 1073741824 (1 GiB, MySQL's limit)"
            ));
        }
        if n.server_id == Some(0) {
            return err(format!("nodes[{i}].server_id: must be at least 1"));
        }
    }
    if !c.primary.is_empty() && !c.nodes.iter().any(|m| m.name == c.primary) {
        return err(format!("primary: there is no node called '{}'", c.primary));
    }
    for (i, cl) in c.clients.iter().enumerate() {
        if cl.writes_per_s > MAX_RATE_PER_S || cl.reads_per_s > MAX_RATE_PER_S {
            return err(format!(
                "workload.clients[{i}].writes_per_s/reads_per_s: rates are limited to {MAX_RATE_PER_S} per second"
            ));
        }
        if cl.hot_permille > 1_000 {
            return err(format!(
                "workload.clients[{i}].hot_permille: at most 1000 (every operation)"
            ));
        }
        if cl.key_space == 0 {
            return err(format!(
                "workload.clients[{i}].key_space: must be at least 1"
            ));
        }
        if let Some(p) = &cl.pin_writes_to
            && !c.nodes.iter().any(|m| &m.name == p)
        {
            return err(format!(
                "workload.clients[{i}].pin_writes_to: there is no node called '{p}'"
            ));
        }
    }
    validate_shards(c)
}

/// Shards tile the keyspace, and every node serves exactly one of them.
fn validate_shards(c: &ClusterConfig) -> Result<(), ConfigError> {
    let err = |s: String| Err(ConfigError(s));
    if c.shards.is_empty() {
        return Ok(());
    }
    if c.shards.len() > MAX_SHARDS {
        return err(format!("shards: at most {MAX_SHARDS} shards"));
    }
    let serving: Vec<_> = c
        .shards
        .iter()
        .filter(|s| s.serving)
        .map(|s| s.range)
        .collect();
    super::keyspace::tiling(&serving).or_else(|e| err(format!("shards: {e}")))?;
    let targets: Vec<_> = c
        .shards
        .iter()
        .filter(|s| !s.serving)
        .map(|s| s.range)
        .collect();
    if !targets.is_empty() {
        let sources: Vec<_> = serving
            .iter()
            .filter(|s| targets.iter().any(|t| t.overlaps(s)))
            .copied()
            .collect();
        if !super::keyspace::same_span(&sources, &targets) {
            return err(
                "targets: the new shards must cover exactly the shards they replace (split -80 into -40 and 40-80, or merge -40 and 40-80 into -80)".into(),
            );
        }
    }
    for n in &c.nodes {
        let owners = c
            .shards
            .iter()
            .filter(|s| s.nodes.contains(&n.name))
            .count();
        if owners != 1 {
            return err(format!(
                "shards: node '{}' must belong to exactly one shard (it belongs to {owners})",
                n.name
            ));
        }
    }
    for s in &c.shards {
        if let Some(bad) = s
            .nodes
            .iter()
            .find(|m| !c.nodes.iter().any(|n| &n.name == *m))
        {
            return err(format!(
                "shards.{}: there is no node called '{bad}'",
                s.range
            ));
        }
        if !s.nodes.contains(&s.primary) {
            return err(format!(
                "shards.{}: its primary '{}' is not one of its nodes",
                s.range, s.primary
            ));
        }
        // A replica replicates inside its own shard.
        for m in &s.nodes {
            let src = c
                .nodes
                .iter()
                .find(|n| &n.name == m)
                .and_then(|n| n.source.as_ref());
            if let Some(src) = src.filter(|src| !s.nodes.contains(src)) {
                return err(format!(
                    "shards.{}: {m} replicates from {src}, which serves another shard",
                    s.range
                ));
            }
        }
    }
    if let Some(i) = c
        .clients
        .iter()
        .position(|cl| cl.insert_mode == super::config::InsertMode::AutoIncrement)
    {
        return err(format!(
            "workload.clients[{i}].insert_mode: a sharded cluster cannot hand out auto-increment ids (Vitess needs a sequence); use \"upsert\""
        ));
    }
    Ok(())
}
