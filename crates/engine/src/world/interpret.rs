//! The interpreter: hands each event to the actor it is for, then carries out what the
//! handler recorded in `Effects` — sends through the network, timers into the queue, notes
//! to the checker and the event log, completed client operations to the history, and
//! changes asked of the router and the nodes (`world/workflow.rs`).

use super::{LogKind, World};
use crate::effects::{NodeTimer, Note, ReplThread, Timer};
use crate::gtid::Uuid;
use crate::ids::{Addr, NodeId, ShardId};
use crate::message::Msg;
use crate::node::Process;
use crate::queue::Event;
use crate::time::Instant;
use crate::trace::{TraceKind, TraceLine};

impl World {
    pub(super) fn deliver(
        &mut self,
        seq: u64,
        from: Addr,
        to: Addr,
        msg: Msg,
        cut_gen_at_send: u32,
        (sent, departs): (Instant, Instant),
    ) {
        // A packet still in the sender's buffer when its host lost power never left, nor
        // reached the peer's reader if one sent before it had not (see `Network::transmit`).
        let never_left = from.node().is_some_and(|n| {
            self.power_lost_at[n.index()]
                .iter()
                .any(|&t| sent <= t && t < departs)
        });
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
        let fx = &mut self.fx;
        match to {
            Addr::Node(n) => {
                let node = &mut self.nodes[n.index()];
                match node.process {
                    Process::Running => node.on_message(now, from, msg, fx),
                    // The host is up but nothing listens: connection attempts are refused.
                    Process::Crashed { power_loss: false } | Process::Booting => {
                        if let Some(req) = msg.request_id() {
                            fx.send(to, from, Msg::Refused { req });
                        }
                    }
                    Process::Crashed { power_loss: true } => {}
                }
            }
            Addr::Router => self.router.on_message(now, from, msg, fx),
            Addr::Manager => {
                // Replies reach the manager of the sender's cluster.
                let shard = from.node().map_or(ShardId(0), |n| self.shard_map.of(n));
                let manager = &mut self.managers[shard.index()];
                let before = manager.recoveries.len();
                manager.on_message(now, from, msg, fx);
                self.after_manager(shard, before);
            }
        }
    }

    pub(super) fn fire(&mut self, seq: u64, owner: Addr, timer: Timer) {
        self.trace.record(TraceLine {
            at_us: self.now,
            seq,
            kind: TraceKind::Timer,
            from: owner.code(),
            to: owner.code(),
            code: timer.code(),
            // Which shard's manager (0 when unsharded, as before sharding existed).
            detail: match timer {
                Timer::Manager { shard, .. } => u64::from(shard.0),
                _ => 0,
            },
        });
        if timer == Timer::Workflow {
            return self.workflow_tick();
        }
        let now = self.now;
        let fx = &mut self.fx;
        match (owner, timer) {
            (Addr::Node(n), Timer::Node { epoch, timer }) => {
                let node = &mut self.nodes[n.index()];
                let live = node.epoch == epoch
                    && (node.is_running() || matches!(timer, NodeTimer::BootDone));
                if live {
                    node.on_timer(now, timer, fx);
                }
            }
            (Addr::Router, Timer::Router(t)) => self.router.on_timer(now, t, fx),
            (Addr::Manager, Timer::Manager { shard, timer }) => {
                if let Some(m) = self.managers.get_mut(shard.index()) {
                    let before = m.recoveries.len();
                    m.on_timer(now, timer, fx);
                    self.after_manager(shard, before);
                }
            }
            _ => {}
        }
    }

    /// A recovery finished: log it and check what the promoted node lacks.
    fn after_manager(&mut self, shard: ShardId, before: usize) {
        let new: Vec<_> = self.managers[shard.index()].recoveries[before..].to_vec();
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

    pub(super) fn check_promotion(&mut self, p: NodeId) {
        let before = self.checker.findings.len();
        let shard_uuids: Option<Vec<Uuid>> = self.shard_map.is_sharded().then(|| {
            let shard = self.shard_of(p);
            let members = self.shard_map.members(shard);
            members.map(|n| self.nodes[n.index()].uuid).collect()
        });
        self.checker
            .on_promotion(self.now, &self.nodes[p.index()], shard_uuids.as_deref());
        self.checker
            .on_promotion_reads(self.now, &self.nodes[p.index()], &self.nodes);
        self.log_new_findings(before, self.now);
    }

    /// Carries out what the last handler asked for: sends, timers, notes.
    pub(crate) fn carry_out(&mut self) {
        // Taken out while the queue and the network act on it; handed back, capacity and all.
        let mut fx = std::mem::take(&mut self.fx);
        for (from, to, msg) in fx.sends.drain(..) {
            if from == to {
                // A node's answer to its own console (a local socket, not the network).
                self.console_reply(from, msg);
            } else {
                self.transmit(from, to, msg);
            }
        }
        for (at, owner, timer) in fx.timers.drain(..) {
            self.push(at, Event::Timer { owner, timer });
        }
        let notes = std::mem::take(&mut fx.notes);
        let ops = std::mem::take(&mut fx.ops);
        let statements = std::mem::take(&mut fx.statements);
        self.fx = fx;
        for s in statements {
            self.keep_statement(s);
        }
        for note in notes {
            self.on_note(note);
        }
        for op in &ops {
            self.checker.on_op(op);
            self.checker.on_late_ack(self.now, op, &self.nodes);
        }
        let before = self.checker.findings.len();
        for op in ops {
            self.history.record(op);
        }
        self.log_new_findings(before, self.now);
        // Last, the changes an actor asked of others: after its own timers, so the
        // workflow's next tick is queued before anything its VReplication writes cause
        // (the order the trace pins). A write records the target node's effects, which
        // one more pass carries out.
        let asks = std::mem::take(&mut self.fx.asks);
        if !asks.is_empty() {
            for ask in asks {
                self.carry_out_ask(ask);
            }
            self.carry_out();
        }
        // A console statement answered above lets its session run the next one.
        if self.console.has_ready() {
            self.drain_ready_consoles();
            self.carry_out();
        }
    }

    /// Puts a message on the network: it arrives later, or is dropped at once (a cut link).
    fn transmit(&mut self, from: Addr, to: Addr, msg: Msg) {
        if from == to || !self.net.contains(to) {
            return;
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
                    seq: self.queue.last_seq(),
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
}
