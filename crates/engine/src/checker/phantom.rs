//! Phantom reads: a session read a value whose write was never acknowledged, and the
//! failover then promoted a node without that write — the value it saw no longer exists.
//!
//! Under `rpl_semi_sync_source_wait_point=AFTER_COMMIT` the source commits to the storage
//! engine before it waits for a replica's ack (`semisync_source_plugin.cc`: the wait is the
//! after-commit hook `repl_semi_report_commit`), so other sessions read the row while the
//! writing client still waits; if the source dies then and the replica never received the
//! transaction, those sessions saw data the new primary does not have (manual 19.4.10.2,
//! Configuring Semisynchronous Replication). Under AFTER_SYNC (`repl_semi_report_binlog_sync`,
//! before the engine commit) nobody sees the row before a replica has it.
//!
//! When it fires (docs/semantics.md §9): only at a promotion, only for a read whose value
//! no acknowledged write had produced when the read completed, only if the transaction that
//! wrote the value (found by its value in a binlog) is missing from the promoted node's
//! `gtid_executed` — the lineage every client reads from now on — and from every other
//! running server of the shard, and was never acknowledged (an acknowledged one is a lost
//! write). While a running server still has it, the read waits for the next promotion. A value merely not yet replicated is
//! never judged: without a promotion nothing fires, and a write acknowledged later clears
//! the read.

use super::{Checker, FindingKind};
use crate::config::WaitPoint;
use crate::gtid::Gtid;
use crate::history::{Op, OpKind};
use crate::ids::NodeId;
use crate::node::Node;
use crate::rows::{Key, RowEvent, Value};
use crate::time::{Instant, fmt_secs};
use std::collections::{BTreeMap, BTreeSet};

/// Reads waiting for a verdict; beyond this the oldest is forgotten (never judged).
const UNACKED_READS: usize = 1_000;
/// Binlog transactions searched back per node for the writes those reads returned.
const SCAN_TRX_PER_NODE: usize = 100_000;
/// Phantom reads detailed per promotion; the rest are summed up in one finding.
const DETAILED: usize = 20;

/// The first read of a value no acknowledged write had produced yet.
#[derive(Clone, Copy, Debug)]
pub(super) struct UnackedRead {
    client: u32,
    key: Key,
    node: NodeId,
    read_us: Instant,
    /// Reads of this value since (by any client).
    reads: u64,
}

/// A phantom read found at a promotion, ready to be worded.
struct Phantom {
    value: Value,
    read: UnackedRead,
    gtid: Gtid,
}

/// Values the workload writes carry their client (plus one) above bit 40 (router.rs);
/// a value without one is a DBA's, whose acknowledgement the checker never sees.
fn writer_client(value: Value) -> Option<u64> {
    let client = value >> 40;
    (client > 0).then_some(client)
}

impl Checker {
    /// Called for every acknowledged operation before it is judged: an acknowledged write
    /// clears the reads of its value; a read of a value no acknowledged write produced is
    /// remembered until a promotion judges it.
    pub(super) fn track_unacked_read(&mut self, op: &Op, got: Option<Value>) {
        let key = match op.kind {
            OpKind::Write { value, .. } => {
                self.unacked_reads.remove(&value);
                return;
            }
            OpKind::Read { key } => key,
            OpKind::Delete { .. } => return,
        };
        let (Some(value), Some(node)) = (got, op.node) else {
            return;
        };
        let acked = (self.key_writes.get(key).iter()).any(|w| w.value == Some(value));
        if acked || writer_client(value).is_none() {
            return;
        }
        if let Some(r) = self.unacked_reads.get_mut(&value) {
            r.reads += 1;
            return;
        }
        if self.unacked_reads.len() >= UNACKED_READS {
            let oldest = (self.unacked_reads.iter())
                .min_by_key(|(_, r)| r.read_us)
                .map(|(v, _)| *v);
            oldest.map(|v| self.unacked_reads.remove(&v));
        }
        let read = UnackedRead {
            client: op.client,
            key,
            node,
            read_us: op.complete_us,
            reads: 1,
        };
        self.unacked_reads.insert(value, read);
    }

    /// At a promotion: every remembered read served in the promoted node's shard is judged
    /// and forgotten. It is a phantom read if the transaction that wrote its value is
    /// neither on the promoted node nor acknowledged.
    pub fn on_promotion_reads(&mut self, now: Instant, promoted: &Node, nodes: &[Node]) {
        let shard = self.shard_map.of(promoted.id);
        let judged: Vec<(Value, UnackedRead)> = (self.unacked_reads.iter())
            .filter(|(_, r)| self.shard_map.of(r.node) == shard)
            .map(|(v, r)| (*v, *r))
            .collect();
        if judged.is_empty() {
            return;
        }
        let wanted: BTreeSet<Value> = judged.iter().map(|(v, _)| *v).collect();
        let in_shard: Vec<&Node> = (nodes.iter())
            .filter(|n| self.shard_map.of(n.id) == shard)
            .collect();
        let writes = writes_of(&wanted, &in_shard);
        let mut phantoms = Vec::new();
        for (value, read) in judged {
            let Some(&gtid) = writes.get(&value) else {
                self.unacked_reads.remove(&value); // no binlog holds the write: not judged
                continue;
            };
            let kept = promoted.gtid_executed.contains(gtid) || self.acked.contains(gtid);
            // A running server still has it (the old primary alive beside a hand-promoted
            // one): not gone yet, judged again at the next promotion.
            let elsewhere =
                (in_shard.iter()).any(|n| n.is_running() && n.gtid_executed.contains(gtid));
            if !kept && elsewhere {
                continue;
            }
            self.unacked_reads.remove(&value);
            if !kept {
                phantoms.push(Phantom { value, read, gtid });
            }
        }
        self.report_phantoms(now, promoted, nodes, &phantoms);
    }

    fn report_phantoms(&mut self, now: Instant, promoted: &Node, nodes: &[Node], ps: &[Phantom]) {
        for p in ps.iter().take(DETAILED) {
            let server = nodes.get(p.read.node.index());
            let after_commit = server.is_some_and(|n| {
                n.cfg.rpl_semi_sync_source_enabled
                    && n.cfg.rpl_semi_sync_source_wait_point == WaitPoint::AfterCommit
            });
            let why = if after_commit {
                " (AFTER_COMMIT: other sessions see a commit while it still waits for a replica's ack)"
            } else {
                ""
            };
            let more = match p.read.reads {
                1 => String::new(),
                n => format!(", as did {} later reads", n - 1),
            };
            let detail = format!(
                "client {} read val={} for key {} from {} at {}{more}; that write (client {}'s write #{}, {}) was never acknowledged and {} was promoted at {} without it: the read saw a value that no longer exists{why}",
                p.read.client + 1,
                p.value,
                p.read.key,
                self.name(p.read.node),
                fmt_secs(p.read.read_us),
                writer_client(p.value).unwrap_or(0),
                p.value & 0xFF_FFFF_FFFF,
                p.gtid,
                promoted.name(),
                fmt_secs(now),
            );
            let mut at = vec![p.read.node];
            if p.read.node != promoted.id {
                at.push(promoted.id);
            }
            self.report(FindingKind::PhantomRead, now, at, detail, p.read.reads);
        }
        let rest: u64 = ps.iter().skip(DETAILED).map(|p| p.read.reads).sum();
        if rest > 0 {
            let detail = format!("… and {rest} more reads of values that no longer exist");
            self.report(
                FindingKind::PhantomRead,
                now,
                vec![promoted.id],
                detail,
                rest,
            );
        }
    }
}

/// The GTID of the transaction that wrote each wanted value, from the newest end of the
/// nodes' binlogs (values are unique per write, and a replica logs the same GTID).
fn writes_of(wanted: &BTreeSet<Value>, nodes: &[&Node]) -> BTreeMap<Value, Gtid> {
    let mut found = BTreeMap::new();
    for n in nodes {
        let newest = n.binlog.entries().rev().take(SCAN_TRX_PER_NODE);
        for e in newest {
            if found.len() == wanted.len() {
                return found;
            }
            for row in &e.trx.rows {
                let after = match *row {
                    RowEvent::Write { after, .. } | RowEvent::Update { after, .. } => after,
                    RowEvent::Delete { .. } => continue,
                };
                if wanted.contains(&after) {
                    found.entry(after).or_insert(e.trx.gtid);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;
    use crate::history::Outcome;
    use crate::node::Process;
    use crate::testkit::{at_ms, gtid, gtids, node, trx};

    const KEY: Key = 5;
    /// Client 1's write #17.
    const VALUE: Value = 1 << 40 | 17;

    fn checker() -> Checker {
        let names = ["db1", "db2", "db3"].map(String::from).to_vec();
        Checker::new(names, Vec::new())
    }

    /// db1 (server 1) committed VALUE as its transaction 7 and died; db2 replicated 1..=6.
    fn servers() -> Vec<Node> {
        let mut db1 = node(0, NodeConfig::default(), None);
        let row = RowEvent::Write {
            key: KEY,
            after: VALUE,
        };
        db1.binlog
            .append(trx(1, 7, row, at_ms(9_000)), at_ms(9_000));
        db1.gtid_executed = gtids(1, 1, 7);
        db1.process = Process::Crashed { power_loss: false };
        let mut db2 = node(1, NodeConfig::default(), Some(0));
        db2.gtid_executed = gtids(1, 1, 6);
        vec![db1, db2]
    }

    /// Client 3 reads VALUE from db1 at 9.2 s.
    fn read() -> Op {
        Op {
            id: 40,
            client: 2,
            kind: OpKind::Read { key: KEY },
            node: Some(NodeId(0)),
            invoke_us: at_ms(9_190),
            complete_us: at_ms(9_200),
            outcome: Outcome::Ok {
                gtid: None,
                value: Some(VALUE),
            },
        }
    }

    /// Client 1's write of VALUE, acknowledged at `ms`.
    fn ack(ms: u64) -> Op {
        Op {
            id: 17,
            client: 0,
            kind: OpKind::Write {
                key: Some(KEY),
                value: VALUE,
            },
            node: Some(NodeId(0)),
            invoke_us: at_ms(8_990),
            complete_us: at_ms(ms),
            outcome: Outcome::Ok {
                gtid: Some(gtid(1, 7)),
                value: None,
            },
        }
    }

    #[test]
    fn a_read_of_an_unacknowledged_write_the_promoted_node_lacks_is_a_phantom_read() {
        let (mut c, nodes) = (checker(), servers());
        c.on_op(&read());
        c.on_promotion_reads(at_ms(13_000), &nodes[1], &nodes);
        let detail = "client 3 read val=1099511627793 for key 5 from db1 at 9.20 s; that write (client 1's write #17, 00000000-0000-0000-0000-000000000001:7) was never acknowledged and db2 was promoted at 13.00 s without it: the read saw a value that no longer exists";
        let kinds: Vec<(FindingKind, Vec<NodeId>, &str)> = (c.findings.iter())
            .map(|f| (f.kind, f.nodes.clone(), f.detail.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [(FindingKind::PhantomRead, vec![NodeId(0), NodeId(1)], detail)]
        );
        // Judged once: a second promotion reports nothing more.
        c.on_promotion_reads(at_ms(20_000), &nodes[1], &nodes);
        assert_eq!(c.count(FindingKind::PhantomRead), 1);
    }

    #[test]
    fn no_phantom_read_if_the_write_was_acknowledged_or_survived() {
        let cases: [(&str, Option<u64>, u64); 3] = [
            ("acknowledged after the read", Some(9_500), 6),
            ("acknowledged before the read", Some(9_100), 6),
            ("the promoted node has it", None, 7),
        ];
        for (story, ack_ms, promoted_has) in cases {
            let (mut c, mut nodes) = (checker(), servers());
            nodes[1].gtid_executed = gtids(1, 1, promoted_has);
            match ack_ms {
                Some(ms) if ms < 9_200 => {
                    c.on_op(&ack(ms));
                    c.on_op(&read());
                }
                Some(ms) => {
                    c.on_op(&read());
                    c.on_op(&ack(ms));
                }
                None => c.on_op(&read()),
            }
            c.on_promotion_reads(at_ms(13_000), &nodes[1], &nodes);
            assert_eq!(c.count(FindingKind::PhantomRead), 0, "{story}");
        }
    }

    /// db2 promoted by hand while db1 still runs with the write: the value still exists, so
    /// nothing is reported until a promotion after db1 is gone.
    #[test]
    fn a_value_a_running_server_still_has_is_judged_at_a_later_promotion() {
        let (mut c, mut nodes) = (checker(), servers());
        nodes[0].process = Process::Running;
        c.on_op(&read());
        c.on_promotion_reads(at_ms(13_000), &nodes[1], &nodes);
        assert_eq!(c.count(FindingKind::PhantomRead), 0);
        nodes[0].process = Process::Crashed { power_loss: false };
        c.on_promotion_reads(at_ms(20_000), &nodes[1], &nodes);
        assert_eq!(c.count(FindingKind::PhantomRead), 1);
    }

    #[test]
    fn reads_waiting_for_a_verdict_are_bounded() {
        let mut c = checker();
        for i in 0..(UNACKED_READS as u64 + 10) {
            let mut op = read();
            op.complete_us = at_ms(10_000 + i);
            op.outcome = Outcome::Ok {
                gtid: None,
                value: Some(1 << 40 | (100 + i)),
            };
            c.on_op(&op);
        }
        assert_eq!(c.unacked_reads.len(), UNACKED_READS);
        assert!(
            !c.unacked_reads.contains_key(&(1 << 40 | 100)),
            "the oldest went"
        );
    }
}
