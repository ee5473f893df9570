//! The application host: workload clients and the proxy they send through (ProxySQL-like).
//!
//! Writes go to the current writer; reads go round-robin to replicas whose lag, as the
//! proxy's own monitor last saw it, is within the limit — otherwise to the writer. With
//! read-your-writes, a read waits on the replica for the session's last GTID. The proxy
//! knows the cluster only through its monitor probes and what the failover manager tells
//! it, so a partition between it and the nodes changes what it does.
//!
//! Sharded, it is also Vitess's vtgate: a row's id goes through the vindex to a keyspace
//! id, the key range holding it names the shard, and the operation goes to that shard's
//! writer or one of that shard's replicas. Each shard's writer is set by its own manager.

use super::config::{ClientConfig, InsertMode, RouterConfig, WriterSource};
use super::effects::{Effects, RouterTimer, Timer};
use super::gtid::Gtid;
use super::history::{Op, OpKind, Outcome, Totals};
use super::ids::{Addr, NodeId, ShardId, ShardMap};
use super::keyspace::{KeyRange, Vindex};
use super::message::{Msg, QueryResult, Statement};
use super::rng::{SimRng, Stream};
use super::status::NodeStatus;
use super::steps::{Actor, READER_HOSTGROUP, StepStatement, Tool, WRITER_HOSTGROUP};
use crate::time::{Duration, Instant, ms, secs, us};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct Client {
    pub cfg: ClientConfig,
    pub inflight: u32,
    /// The session's last acknowledged write, for read-your-writes.
    pub last_write: Option<Gtid>,
    pin_writes: Option<NodeId>,
    next_seq: u64,
    /// A ClientOp timer of this client is pending. A client has one chain of ticks: a pause
    /// leaves its pending tick to end the chain, and a resume starts a chain only if none is
    /// pending (two chains would double the rate).
    ticking: bool,
}

/// What the proxy's monitor knows of a backend.
#[derive(Clone, Debug, Default)]
pub struct Backend {
    pub reachable: bool,
    pub read_only: bool,
    /// Seconds_Behind_Source as last seen (None = NULL or not a replica).
    pub lag: Option<Duration>,
    pub is_replica: bool,
    probe_outstanding: Option<u64>,
    /// With read_only hostgroups: whether the monitor last put it in the writer hostgroup
    /// (unknown until its first probe answers).
    in_writer_hostgroup: Option<bool>,
}

#[derive(Clone, Debug)]
struct Pending {
    op: Op,
    node: NodeId,
}

/// A row of the routing table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteShard {
    pub range: KeyRange,
    pub writer: Option<NodeId>,
    /// Operations routed to this shard (the per-shard load).
    pub ops: u64,
    /// Vitess's SrvKeyspace partitions: which shards serve reads and writes for their
    /// range (a resharding target serves nothing until traffic is switched to it).
    pub serving_reads: bool,
    pub serving_writes: bool,
    /// SwitchTraffic has stopped writes here while the streams catch up.
    pub writes_stopped: bool,
}

impl RouteShard {
    fn new(range: KeyRange, writer: Option<NodeId>, serving: bool) -> Self {
        RouteShard {
            range,
            writer,
            ops: 0,
            serving_reads: serving,
            serving_writes: serving,
            writes_stopped: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Router {
    pub cfg: RouterConfig,
    pub clients: Vec<Client>,
    /// The routing table: each shard's key range and where its writes go (one entry,
    /// covering every key, when unsharded).
    pub shards: Vec<RouteShard>,
    vindex: Vindex,
    /// Each backend's shard.
    shard_map: Arc<ShardMap>,
    pub backends: Vec<Backend>,
    pending: BTreeMap<u64, Pending>,
    next_req: u64,
    next_op: u64,
    rr: u64,
    rng: SimRng,
    pub totals: Totals,
}

impl Router {
    pub fn new(
        cfg: RouterConfig,
        clients: Vec<(ClientConfig, Option<NodeId>)>,
        writer: Option<NodeId>,
        nodes: u32,
        seed: u64,
    ) -> Self {
        let clients = clients
            .into_iter()
            .map(|(cfg, pin_writes)| Client {
                cfg,
                inflight: 0,
                last_write: None,
                pin_writes,
                next_seq: 0,
                ticking: false,
            })
            .collect();
        // Until the first monitor round the proxy trusts its configuration: all backends up.
        let backends = (0..nodes)
            .map(|_| Backend {
                reachable: true,
                ..Backend::default()
            })
            .collect();
        Router {
            cfg,
            clients,
            shards: vec![RouteShard::new(KeyRange::FULL, writer, true)],
            vindex: Vindex::Hash,
            shard_map: Arc::new(ShardMap::unsharded(nodes as usize)),
            backends,
            pending: BTreeMap::new(),
            next_req: 1,
            next_op: 1,
            rr: 0,
            rng: SimRng::new(seed, Stream::Workload),
            totals: Totals::default(),
        }
    }

    /// Routes by key range: `shards` with their first writers; `shard_map` says which shard
    /// each node serves (the world's own map, shared).
    pub fn sharded(
        mut self,
        vindex: Vindex,
        shards: Vec<(KeyRange, Option<NodeId>, bool)>,
        shard_map: Arc<ShardMap>,
    ) -> Self {
        self.vindex = vindex;
        self.shards = shards
            .into_iter()
            .map(|(range, writer, serving)| RouteShard::new(range, writer, serving))
            .collect();
        self.shard_map = shard_map;
        self
    }

    /// Where writes go (the first shard's writer when sharded).
    pub fn writer(&self) -> Option<NodeId> {
        self.shards.first().and_then(|s| s.writer)
    }

    /// The node becomes its shard's writer.
    pub fn set_writer(&mut self, node: NodeId) {
        let shard = self.shard_map.of(node);
        if let Some(s) = self.shards.get_mut(shard.index()) {
            s.writer = Some(node);
        }
    }

    /// SwitchTraffic's change to a routing row: whether the shard serves reads and writes
    /// for its range (`None` leaves that side as it is).
    pub fn set_serving(&mut self, shard: ShardId, reads: Option<bool>, writes: Option<bool>) {
        if let Some(s) = self.shards.get_mut(shard.index()) {
            if let Some(r) = reads {
                s.serving_reads = r;
            }
            if let Some(w) = writes {
                s.serving_writes = w;
            }
        }
    }

    /// Refuses writes to a shard while traffic switches (or lets them through again).
    pub fn set_writes_stopped(&mut self, shard: ShardId, stopped: bool) {
        if let Some(s) = self.shards.get_mut(shard.index()) {
            s.writes_stopped = stopped;
        }
    }

    /// The shard serving `key`, for a write or a read.
    pub fn shard_of(&self, key: u64, write: bool) -> ShardId {
        if !self.shard_map.is_sharded() {
            return ShardId(0);
        }
        let id = self.vindex.keyspace_id(key);
        let serving = |s: &RouteShard| {
            if write {
                s.serving_writes
            } else {
                s.serving_reads
            }
        };
        ShardId::all(self.shards.len())
            .zip(&self.shards)
            .find(|(_, s)| serving(s) && s.range.contains(id))
            .map_or(ShardId(0), |(shard, _)| shard)
    }

    /// The routing row of `shard`.
    pub fn route(&self, shard: ShardId) -> Option<&RouteShard> {
        self.shards.get(shard.index())
    }

    pub fn start(&mut self, now: Instant, fx: &mut Effects) {
        fx.timer(now, Addr::Router, Timer::Router(RouterTimer::Monitor));
        for i in 0..self.clients.len() {
            self.schedule_client(now, i as u32, fx);
        }
    }

    /// Writes sent to a node of `shard` and not answered yet: a traffic switch waits
    /// for these, or a write acknowledged after the switch would land on the old side.
    pub fn writes_in_flight(&self, shard: ShardId) -> usize {
        self.pending
            .values()
            .filter(|p| !p.op.kind.is_read() && self.shard_map.of(p.node) == shard)
            .count()
    }

    /// Operations invoked and not yet answered, in invocation order.
    pub fn inflight_ops(&self) -> impl Iterator<Item = &Op> {
        self.pending.values().map(|p| &p.op)
    }

    pub fn inflight(&self) -> usize {
        self.pending.len()
    }

    /// A server added at run time joins the backends (ProxySQL's mysql_servers, loaded to
    /// runtime) but gets no traffic until a monitor round has seen it.
    pub fn add_backend(&mut self) {
        self.backends.push(Backend::default());
    }

    /// Changes a client's rates. True when the client was idle with no tick pending: the
    /// caller starts its chain of ticks (a pending tick carries on at the new rate).
    pub fn set_rates(&mut self, client: u32, writes_per_s: u32, reads_per_s: u32) -> bool {
        let Some(c) = self.clients.get_mut(client as usize) else {
            return false;
        };
        c.cfg.writes_per_s = writes_per_s;
        c.cfg.reads_per_s = reads_per_s;
        let start = !c.ticking && writes_per_s + reads_per_s > 0;
        c.ticking |= start;
        start
    }

    fn schedule_client(&mut self, now: Instant, client: u32, fx: &mut Effects) {
        let c = &mut self.clients[client as usize];
        let rate = u64::from(c.cfg.writes_per_s) + u64::from(c.cfg.reads_per_s);
        c.ticking = rate > 0;
        if rate == 0 {
            return;
        }
        let mean = (secs(1) / rate).max(us(1)).as_micros();
        // ±25 % jitter so clients do not march in lock step.
        let gap = us(self.rng.between(mean - mean / 4, mean + mean / 4).max(1));
        fx.timer(
            now + gap,
            Addr::Router,
            Timer::Router(RouterTimer::ClientOp { client }),
        );
    }

    pub fn on_timer(&mut self, now: Instant, t: RouterTimer, fx: &mut Effects) {
        match t {
            RouterTimer::Monitor => self.monitor(now, fx),
            RouterTimer::ClientOp { client } => {
                let Some(c) = self.clients.get(client as usize) else {
                    return;
                };
                // Paused (0/0) since this tick was set: it ends the chain and sends nothing.
                if c.cfg.writes_per_s + c.cfg.reads_per_s > 0 {
                    self.client_op(now, client, fx);
                }
                self.schedule_client(now, client, fx);
            }
            RouterTimer::QueryTimeout { req } => {
                self.connection_lost(now, req, "no answer within the query timeout", fx);
            }
        }
    }

    fn client_op(&mut self, now: Instant, client: u32, fx: &mut Effects) {
        let c = &self.clients[client as usize];
        if c.inflight >= c.cfg.max_inflight {
            self.totals.throttled += 1;
            return;
        }
        let (w, r) = (u64::from(c.cfg.writes_per_s), u64::from(c.cfg.reads_per_s));
        let key_space = c.cfg.key_space.max(1);
        let is_write = self.rng.chance(w, w + r);
        let hot = c.cfg.hot_permille > 0 && self.rng.chance(u64::from(c.cfg.hot_permille), 1_000);
        let key = if hot {
            self.rng.between(1, c.cfg.hot_keys.clamp(1, key_space))
        } else {
            self.rng.between(1, key_space)
        };
        let c = &mut self.clients[client as usize];
        c.next_seq += 1;
        // Every written value is unique: client number in the high bits, sequence below.
        let value = (u64::from(client) + 1) << 40 | c.next_seq;
        let (kind, stmt) = if !is_write {
            (OpKind::Read { key }, Statement::Read { key, after: None })
        } else if self.rng.chance(u64::from(c.cfg.delete_permille), 1_000) {
            (OpKind::Delete { key }, Statement::Delete { key })
        } else if c.cfg.insert_mode == InsertMode::AutoIncrement {
            (
                OpKind::Write { key: None, value },
                Statement::InsertAuto { value },
            )
        } else {
            (
                OpKind::Write {
                    key: Some(key),
                    value,
                },
                Statement::Upsert { key, value },
            )
        };
        let op = Op {
            id: self.next_op,
            client,
            kind,
            node: None,
            invoke_us: now,
            complete_us: now,
            outcome: Outcome::Unknown {
                reason: String::new(),
            },
        };
        self.next_op += 1;
        self.totals.invoked += 1;
        self.dispatch(now, op, stmt, fx);
    }

    /// Sends an operation to a backend chosen by the routing rules.
    fn dispatch(&mut self, now: Instant, mut op: Op, mut stmt: Statement, fx: &mut Effects) {
        let client = &self.clients[op.client as usize];
        let shard = match stmt {
            Statement::Read { key, .. } => self.shard_of(key, false),
            Statement::Upsert { key, .. } | Statement::Delete { key } => self.shard_of(key, true),
            // Sharded clusters refuse auto-increment inserts (they need a Vitess sequence).
            _ => ShardId(0),
        };
        if let Some(s) = self.shards.get_mut(shard.index()) {
            s.ops += 1;
            if s.writes_stopped && !matches!(stmt, Statement::Read { .. }) {
                let message = format!(
                    "writes to shard {} are stopped while traffic switches",
                    s.range
                );
                return self.refuse(now, op, 1105, message, fx);
            }
        }
        let target = if let Statement::Read { key, .. } = stmt {
            if self.cfg.read_your_writes {
                stmt = Statement::Read {
                    key,
                    after: client.last_write,
                };
            }
            self.pick_reader(shard).or_else(|| self.pick_writer(shard))
        } else {
            client.pin_writes.or_else(|| self.pick_writer(shard))
        };
        let Some(node) = target else {
            let message = "no healthy writer in the hostgroup".to_string();
            return self.refuse(now, op, 9001, message, fx);
        };
        op.node = Some(node);
        let req = self.next_req;
        self.next_req += 1;
        self.clients[op.client as usize].inflight += 1;
        self.pending.insert(req, Pending { op, node });
        fx.send(Addr::Router, Addr::Node(node), Msg::Query { req, stmt });
        let timeout = ms(self.cfg.query_timeout_ms).max(us(1));
        fx.timer(
            now + timeout,
            Addr::Router,
            Timer::Router(RouterTimer::QueryTimeout { req }),
        );
    }

    /// The proxy answers the client itself: the operation never reached a backend.
    fn refuse(&mut self, now: Instant, op: Op, errno: u16, message: String, fx: &mut Effects) {
        let p = Pending {
            op,
            node: NodeId(u32::MAX),
        };
        self.complete(now, p, Outcome::Fail { errno, message }, fx);
    }

    fn pick_writer(&mut self, shard: ShardId) -> Option<NodeId> {
        match self.cfg.writer_source {
            WriterSource::Manager => self.route(shard).and_then(|s| s.writer),
            WriterSource::ReadOnlyFlag => {
                let writers: Vec<NodeId> = (0..self.backends.len() as u32)
                    .filter(|&i| {
                        self.backends[i as usize].reachable
                            && !self.backends[i as usize].read_only
                            && self.shard_map.of(NodeId(i)) == shard
                    })
                    .map(NodeId)
                    .collect();
                if writers.is_empty() {
                    return None;
                }
                self.rr += 1;
                Some(writers[(self.rr % writers.len() as u64) as usize])
            }
        }
    }

    /// Round robin over the replicas whose lag is within the limit (no allocation: this
    /// runs for every read).
    fn pick_reader(&mut self, shard: ShardId) -> Option<NodeId> {
        let max_lag = secs(self.cfg.max_replication_lag_s);
        let null_lag = secs(self.cfg.lag_when_null_s);
        let writer = self.route(shard).and_then(|s| s.writer);
        let shard_map = &self.shard_map;
        let eligible = |i: usize, b: &Backend| {
            shard_map.of(NodeId(i as u32)) == shard
                && b.reachable
                && b.is_replica
                && b.read_only
                && Some(NodeId(i as u32)) != writer
                && b.lag.unwrap_or(null_lag) <= max_lag
        };
        let count = self
            .backends
            .iter()
            .enumerate()
            .filter(|(i, b)| eligible(*i, b))
            .count() as u64;
        if count == 0 {
            return None;
        }
        self.rr += 1;
        let nth = (self.rr % count) as usize;
        self.backends
            .iter()
            .enumerate()
            .filter(|(i, b)| eligible(*i, b))
            .nth(nth)
            .map(|(i, _)| NodeId(i as u32))
    }

    /// No answer will come for `req`: a read certainly failed, but a write may or may not
    /// have committed, so its outcome is unknown.
    fn connection_lost(&mut self, now: Instant, req: u64, reason: &str, fx: &mut Effects) {
        let Some(p) = self.pending.remove(&req) else {
            return;
        };
        let reason = reason.to_string();
        let outcome = if p.op.kind.is_read() {
            Outcome::Fail {
                errno: 2013,
                message: reason,
            }
        } else {
            Outcome::Unknown { reason }
        };
        self.complete(now, p, outcome, fx);
    }

    fn complete(&mut self, now: Instant, p: Pending, outcome: Outcome, fx: &mut Effects) {
        let mut op = p.op;
        if let Some(c) = self.clients.get_mut(op.client as usize) {
            if op.node.is_some() {
                c.inflight = c.inflight.saturating_sub(1);
            }
            if let Outcome::Ok { gtid: Some(g), .. } = outcome {
                c.last_write = Some(g);
            }
        }
        op.complete_us = now;
        op.outcome = outcome;
        match op.outcome {
            Outcome::Ok { .. } => self.totals.ok += 1,
            Outcome::Fail { .. } => self.totals.failed += 1,
            Outcome::Unknown { .. } => self.totals.unknown += 1,
        }
        fx.op_done(op);
    }

    pub fn on_message(&mut self, now: Instant, from: Addr, msg: Msg, fx: &mut Effects) {
        match msg {
            Msg::QueryOk { req, result } => {
                let Some(mut p) = self.pending.remove(&req) else {
                    return;
                };
                let outcome = match result {
                    QueryResult::Written { gtid, key } => {
                        if let OpKind::Write { key: k @ None, .. } = &mut p.op.kind {
                            *k = Some(key);
                        }
                        Outcome::Ok {
                            gtid: Some(gtid),
                            value: None,
                        }
                    }
                    QueryResult::Read { value } => Outcome::Ok { gtid: None, value },
                    QueryResult::Unchanged { .. } => Outcome::Ok {
                        gtid: None,
                        value: None,
                    },
                };
                self.complete(now, p, outcome, fx);
            }
            Msg::QueryErr {
                req,
                errno,
                message,
            } => {
                if let Some(p) = self.pending.remove(&req) {
                    self.complete(now, p, Outcome::Fail { errno, message }, fx);
                }
            }
            Msg::Refused { req } => {
                if let Some(p) = self.pending.remove(&req) {
                    let message =
                        format!("Can't connect to MySQL server on '{from}' (connection refused)");
                    self.complete(
                        now,
                        p,
                        Outcome::Fail {
                            errno: 2003,
                            message,
                        },
                        fx,
                    );
                }
                if let Some(b) = from.node().and_then(|n| self.backends.get_mut(n.index())) {
                    b.reachable = false;
                }
            }
            Msg::ConnReset => self.on_conn_reset(now, from, fx),
            Msg::ProbeReply { req, status } => self.on_probe_reply(now, req, &status, fx),
            Msg::SetWriter { node } => self.set_writer(node),
            _ => {}
        }
    }

    /// The node's mysqld died: every query in flight on it is lost. A write may or may
    /// not have committed, so its outcome is unknown; a read simply failed.
    fn on_conn_reset(&mut self, now: Instant, from: Addr, fx: &mut Effects) {
        let Some(node) = from.node() else { return };
        let lost: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| p.node == node)
            .map(|(r, _)| *r)
            .collect();
        for req in lost {
            self.connection_lost(now, req, "Lost connection to MySQL server during query", fx);
        }
        if let Some(b) = self.backends.get_mut(node.index()) {
            b.reachable = false;
        }
    }

    /// One monitor round: a probe whose answer has not come back since the last round
    /// marks the backend unreachable; every backend is probed again.
    fn monitor(&mut self, now: Instant, fx: &mut Effects) {
        for i in 0..self.backends.len() {
            if self.backends[i].probe_outstanding.is_some() {
                self.backends[i].reachable = false;
                self.note_writer_hostgroup(now, i, fx);
            }
            let b = &mut self.backends[i];
            let req = self.next_req;
            self.next_req += 1;
            b.probe_outstanding = Some(req);
            fx.send(
                Addr::Router,
                Addr::Node(NodeId(i as u32)),
                Msg::Probe { req },
            );
        }
        let every = ms(self.cfg.monitor_interval_ms).max(ms(1));
        fx.timer(
            now + every,
            Addr::Router,
            Timer::Router(RouterTimer::Monitor),
        );
    }

    fn on_probe_reply(&mut self, now: Instant, req: u64, s: &NodeStatus, fx: &mut Effects) {
        let i = s.node.index();
        let Some(b) = self.backends.get_mut(i) else {
            return;
        };
        if b.probe_outstanding != Some(req) {
            return;
        }
        b.probe_outstanding = None;
        b.reachable = true;
        b.read_only = s.read_only;
        b.is_replica = s.replica.is_some();
        b.lag = s.replica.as_ref().and_then(|r| r.replication_lag);
        if b.in_writer_hostgroup.is_none() {
            b.in_writer_hostgroup = Some(!b.read_only);
        }
        self.note_writer_hostgroup(now, i, fx);
    }

    /// With `writer_source: read_only_flag`, ProxySQL's monitor keeps every reachable
    /// `read_only=0` backend in the writer hostgroup (mysql_replication_hostgroups): a
    /// backend moving in or out of it is recorded as the monitor's action (once per change,
    /// never per probe).
    fn note_writer_hostgroup(&mut self, now: Instant, i: usize, fx: &mut Effects) {
        if self.cfg.writer_source != WriterSource::ReadOnlyFlag {
            return;
        }
        let b = &mut self.backends[i];
        let writer = b.reachable && !b.read_only;
        if b.in_writer_hostgroup.is_none_or(|was| was == writer) {
            return;
        }
        b.in_writer_hostgroup = Some(writer);
        let text = if writer {
            format!("read_only=0: moved to writer hostgroup {WRITER_HOSTGROUP}")
        } else if !b.reachable {
            format!("no answer to the monitor: SHUNNED in writer hostgroup {WRITER_HOSTGROUP}")
        } else {
            format!("read_only=1: moved to reader hostgroup {READER_HOSTGROUP}")
        };
        let s = StepStatement::new(now, Actor::Router, Tool::ProxysqlMonitor, text);
        fx.statement(s.on(NodeId(i as u32)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{effects, gtid, primary_status, replica_status, sent};

    fn readers() -> ClientConfig {
        ClientConfig {
            writes_per_s: 0,
            reads_per_s: 100,
            key_space: 1,
            max_inflight: 1_000,
            ..ClientConfig::default()
        }
    }

    fn writers() -> ClientConfig {
        ClientConfig {
            writes_per_s: 100,
            reads_per_s: 0,
            ..readers()
        }
    }

    /// A proxy in front of `nodes` nodes, one client, writes going to `writer`.
    fn proxy(cfg: RouterConfig, client: ClientConfig, writer: Option<u32>, nodes: u32) -> Router {
        Router::new(cfg, vec![(client, None)], writer.map(NodeId), nodes, 1)
    }

    /// db1 the primary; db2, db3, … replicas of it lagging `lags_s` (None: NULL).
    fn cluster(lags_s: &[Option<u64>]) -> Vec<Option<NodeStatus>> {
        let replicas = lags_s
            .iter()
            .enumerate()
            .map(|(i, lag)| Some(replica_status(i as u32 + 1, 0, lag.map(secs))));
        std::iter::once(Some(primary_status(0, Default::default())))
            .chain(replicas)
            .collect()
    }

    /// One monitor round: every backend is probed, those with a status answer. Returns
    /// what the monitor recorded it did, as (backend, text).
    fn monitor(
        r: &mut Router,
        now: Instant,
        statuses: &[Option<NodeStatus>],
    ) -> Vec<(NodeId, String)> {
        let fx = effects(|fx| r.on_timer(now, RouterTimer::Monitor, fx));
        let mut done: Vec<StepStatement> = fx.statements.clone();
        for (to, m) in sent(&fx) {
            let (Msg::Probe { req }, Some(n)) = (m, to.node()) else {
                continue;
            };
            if let Some(status) = statuses[n.index()].clone() {
                let reply = Msg::ProbeReply {
                    req: *req,
                    status: Box::new(status),
                };
                done.extend(effects(|fx| r.on_message(now, to, reply, fx)).statements);
            }
        }
        for s in &done {
            assert_eq!((s.actor, s.tool), (Actor::Router, Tool::ProxysqlMonitor));
        }
        (done.into_iter())
            .map(|s| (s.node.unwrap(), s.text))
            .collect()
    }

    /// The client's next operation.
    fn client_op(r: &mut Router, now: Instant) -> Effects {
        effects(|fx| r.on_timer(now, RouterTimer::ClientOp { client: 0 }, fx))
    }

    /// Where the next `n` operations are sent.
    fn targets(r: &mut Router, n: usize) -> Vec<NodeId> {
        (0..n)
            .flat_map(|_| queries(&client_op(r, Instant::from_secs(1))))
            .map(|(node, _, _)| node)
            .collect()
    }

    fn queries(fx: &Effects) -> Vec<(NodeId, u64, Statement)> {
        sent(fx)
            .into_iter()
            .filter_map(|(to, m)| match m {
                Msg::Query { req, stmt } => Some((to.node()?, *req, *stmt)),
                _ => None,
            })
            .collect()
    }

    fn outcomes(fx: &Effects) -> Vec<Outcome> {
        fx.ops.iter().map(|op| op.outcome.clone()).collect()
    }

    const DB1: NodeId = NodeId(0);
    const DB2: NodeId = NodeId(1);
    const DB3: NodeId = NodeId(2);
    const DB4: NodeId = NodeId(3);

    #[test]
    fn reads_go_round_robin_to_the_replicas_within_the_lag_limit() {
        let mut r = proxy(RouterConfig::default(), readers(), Some(0), 4);
        // max_replication_lag 10 s: db3, 30 s behind, is shunned.
        monitor(
            &mut r,
            Instant::ZERO,
            &cluster(&[Some(2), Some(30), Some(5)]),
        );
        assert_eq!(targets(&mut r, 4), [DB4, DB2, DB4, DB2]);
        // It catches up: back in the rotation, which goes on where it was.
        monitor(
            &mut r,
            Instant::from_secs(2),
            &cluster(&[Some(2), Some(3), Some(5)]),
        );
        assert_eq!(targets(&mut r, 3), [DB4, DB2, DB3]);
    }

    #[test]
    fn a_null_lag_counts_as_lag_when_null() {
        let statuses = cluster(&[None, Some(1)]);
        let mut r = proxy(RouterConfig::default(), readers(), Some(0), 3);
        monitor(&mut r, Instant::ZERO, &statuses);
        assert_eq!(targets(&mut r, 2), [DB3, DB3], "NULL counts as 60 s");

        let cfg = RouterConfig {
            lag_when_null_s: 0,
            ..RouterConfig::default()
        };
        let mut r = proxy(cfg, readers(), Some(0), 3);
        monitor(&mut r, Instant::ZERO, &statuses);
        assert_eq!(targets(&mut r, 2), [DB3, DB2], "NULL counts as 0 s");
    }

    #[test]
    fn with_every_replica_lagging_reads_fall_back_to_the_writer() {
        let mut r = proxy(RouterConfig::default(), readers(), Some(0), 3);
        monitor(&mut r, Instant::ZERO, &cluster(&[Some(11), Some(30)]));
        assert_eq!(targets(&mut r, 2), [DB1, DB1]);
    }

    #[test]
    fn a_replica_that_misses_a_monitor_round_gets_no_reads() {
        let mut r = proxy(RouterConfig::default(), readers(), Some(0), 3);
        monitor(&mut r, Instant::ZERO, &cluster(&[Some(0), Some(0)]));
        let mut silent = cluster(&[Some(0), Some(0)]);
        silent[1] = None;
        monitor(&mut r, Instant::from_secs(1), &silent);
        // Its probe is still unanswered when the next round starts: unreachable.
        monitor(&mut r, Instant::from_secs(2), &silent);
        assert!(!r.backends[1].reachable);
        assert_eq!(targets(&mut r, 2), [DB3, DB3]);
    }

    #[test]
    fn writes_go_to_the_writer_the_manager_names() {
        let mut r = proxy(RouterConfig::default(), writers(), Some(0), 3);
        let fx = client_op(&mut r, Instant::ZERO);
        // The value names the client (high bits) and its operation number.
        let upsert = Statement::Upsert {
            key: 1,
            value: 1 << 40 | 1,
        };
        assert_eq!(queries(&fx), [(DB1, 1, upsert)]);
        let timeout = Timer::Router(RouterTimer::QueryTimeout { req: 1 });
        assert!(
            fx.timers
                .contains(&(Instant::from_secs(5), Addr::Router, timeout))
        );

        let failover = Msg::SetWriter { node: DB3 };
        effects(|fx| r.on_message(Instant::ZERO, Addr::Manager, failover, fx));
        assert_eq!(targets(&mut r, 2), [DB3, DB3]);
    }

    #[test]
    fn with_read_only_flags_the_writable_node_is_the_writer() {
        let cfg = RouterConfig {
            writer_source: WriterSource::ReadOnlyFlag,
            ..RouterConfig::default()
        };
        let mut r = proxy(cfg, writers(), Some(0), 3);
        // After a failover by hand: db1 is read-only, db3 writable.
        let mut statuses = cluster(&[Some(0), None]);
        statuses[0].as_mut().unwrap().read_only = true;
        statuses[2].as_mut().unwrap().read_only = false;
        monitor(&mut r, Instant::ZERO, &statuses);
        assert_eq!(targets(&mut r, 2), [DB3, DB3]);
    }

    #[test]
    fn with_read_only_flags_the_monitor_records_each_move_between_hostgroups_once() {
        let cfg = RouterConfig {
            writer_source: WriterSource::ReadOnlyFlag,
            ..RouterConfig::default()
        };
        let mut r = proxy(cfg, writers(), Some(0), 3);
        let mut statuses = cluster(&[Some(0), Some(0)]);
        let t = |s: u64| Instant::from_secs(s);
        assert_eq!(
            monitor(&mut r, t(0), &statuses),
            [],
            "first sight is no move"
        );
        assert_eq!(monitor(&mut r, t(1), &statuses), [], "nothing changed");
        // db1 stops answering; db3 is made writable (a promotion by hand).
        statuses[0] = None;
        statuses[2].as_mut().unwrap().read_only = false;
        let moved = [(DB3, "read_only=0: moved to writer hostgroup 10".to_string())];
        assert_eq!(monitor(&mut r, t(2), &statuses), moved);
        let shunned = (
            NodeId(0),
            "no answer to the monitor: SHUNNED in writer hostgroup 10".to_string(),
        );
        assert_eq!(monitor(&mut r, t(3), &statuses), [shunned]);
        assert_eq!(monitor(&mut r, t(4), &statuses), []);
        // Manager-driven writers: the monitor moves nothing (the failover hook does).
        let mut r = proxy(RouterConfig::default(), writers(), Some(0), 3);
        monitor(&mut r, t(0), &cluster(&[Some(0), Some(0)]));
        assert_eq!(monitor(&mut r, t(1), &statuses), []);
    }

    #[test]
    fn without_a_writer_the_proxy_refuses_the_write_itself() {
        let mut r = proxy(RouterConfig::default(), writers(), None, 3);
        let t = Instant::from_secs(1);
        let fx = client_op(&mut r, t);
        assert!(queries(&fx).is_empty());
        let refused = Op {
            id: 1,
            client: 0,
            kind: OpKind::Write {
                key: Some(1),
                value: 1 << 40 | 1,
            },
            node: None,
            invoke_us: t,
            complete_us: t,
            outcome: Outcome::Fail {
                errno: 9001,
                message: "no healthy writer in the hostgroup".into(),
            },
        };
        assert_eq!(fx.ops, [refused]);
        assert_eq!((r.totals.invoked, r.totals.failed), (1, 1));
        assert_eq!((r.clients[0].inflight, r.inflight()), (0, 0));
    }

    #[test]
    fn an_acknowledged_write_is_what_a_read_your_writes_read_waits_for() {
        let cfg = RouterConfig {
            read_your_writes: true,
            ..RouterConfig::default()
        };
        let mut r = proxy(cfg, writers(), Some(0), 2);
        monitor(&mut r, Instant::ZERO, &cluster(&[Some(0)]));
        let t1 = Instant::from_secs(1);
        let (_, req, _) = queries(&client_op(&mut r, t1))[0];
        let result = QueryResult::Written {
            gtid: gtid(1, 7),
            key: 1,
        };
        let fx = effects(|fx| r.on_message(t1, Addr::Node(DB1), Msg::QueryOk { req, result }, fx));
        let ok = Outcome::Ok {
            gtid: Some(gtid(1, 7)),
            value: None,
        };
        assert_eq!(outcomes(&fx), [ok]);

        r.clients[0].cfg = readers();
        let read = Statement::Read {
            key: 1,
            after: Some(gtid(1, 7)),
        };
        let sent_read = queries(&client_op(&mut r, t1)).first().map(|q| (q.0, q.2));
        assert_eq!(sent_read, Some((DB2, read)));
    }

    #[test]
    fn an_unanswered_write_has_an_unknown_outcome_and_an_unanswered_read_failed() {
        let mut r = proxy(RouterConfig::default(), writers(), Some(0), 2);
        monitor(&mut r, Instant::ZERO, &cluster(&[Some(0)]));
        let (_, write_req, _) = queries(&client_op(&mut r, Instant::ZERO))[0];
        r.clients[0].cfg = readers();
        let (_, read_req, _) = queries(&client_op(&mut r, Instant::ZERO))[0];

        let t = Instant::from_secs(5);
        let expire = |r: &mut Router, req| {
            effects(|fx| r.on_timer(t, RouterTimer::QueryTimeout { req }, fx))
        };
        let unknown = Outcome::Unknown {
            reason: "no answer within the query timeout".into(),
        };
        assert_eq!(outcomes(&expire(&mut r, write_req)), [unknown]);
        let failed = Outcome::Fail {
            errno: 2013,
            message: "no answer within the query timeout".into(),
        };
        assert_eq!(outcomes(&expire(&mut r, read_req)), [failed]);
        assert!(expire(&mut r, read_req).is_empty(), "answered once only");
        assert_eq!((r.totals.unknown, r.totals.failed), (1, 1));
    }

    /// The client's ticks set in `fx`.
    fn ticks(fx: &Effects) -> usize {
        let tick = Timer::Router(RouterTimer::ClientOp { client: 0 });
        fx.timers.iter().filter(|(_, _, t)| *t == tick).count()
    }

    #[test]
    fn a_client_paused_before_its_pending_tick_sends_nothing_and_stops_ticking() {
        let mut r = proxy(RouterConfig::default(), readers(), Some(0), 2);
        monitor(&mut r, Instant::ZERO, &cluster(&[Some(0)]));
        assert_eq!(ticks(&effects(|fx| r.start(Instant::ZERO, fx))), 1);
        assert!(!r.set_rates(0, 0, 0), "a pause starts nothing");
        // The tick set before the pause fires: no read, no next tick.
        let fx = client_op(&mut r, Instant::from_secs(1));
        assert_eq!((queries(&fx).len(), ticks(&fx)), (0, 0));
        assert_eq!(r.totals.invoked, 0);
        // Resumed after the chain ended: the caller starts a new one.
        assert!(r.set_rates(0, 0, 100));
    }

    #[test]
    fn a_client_resumed_while_its_tick_is_pending_keeps_one_chain_of_ticks() {
        let mut r = proxy(RouterConfig::default(), readers(), Some(0), 2);
        monitor(&mut r, Instant::ZERO, &cluster(&[Some(0)]));
        effects(|fx| r.start(Instant::ZERO, fx));
        assert!(!r.set_rates(0, 0, 0));
        // Resumed before the pending tick fired: that tick carries the chain on, at the new rate.
        assert!(
            !r.set_rates(0, 0, 100),
            "a second chain would double the rate"
        );
        let fx = client_op(&mut r, Instant::from_secs(1));
        assert_eq!((queries(&fx).len(), ticks(&fx)), (1, 1));
        // A rate change of a running client keeps its chain too.
        assert!(!r.set_rates(0, 0, 50));
    }
}
