//! The checker: reads the history and the nodes and reports what went wrong, in words a
//! student understands. It works incrementally — each completed operation and each
//! engine note is consumed once — so an hour-long run needs no full history.

use super::chunked::ChunkedVec;
use super::footprint::{Footprint, btree_bytes};
use super::gtid::{Gtid, GtidSet, Uuid};
use super::history::{Op, OpKind, Outcome};
use super::ids::{NodeId, ShardMap};
use super::keymap::KeyMap;
use super::node::Node;
use super::rows::{Key, Value};
use crate::time::{Duration, Instant, fmt_secs, secs};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

mod phantom;

/// Findings kept in full; beyond this only the counts grow.
const MAX_FINDINGS: usize = 500;
/// Acknowledged writes remembered with their values (for explanations).
const ACKED_WINDOW: usize = 50_000;
/// Writes remembered per key for stale-read judgement.
const WRITES_PER_KEY: usize = 4;
/// Two writable nodes taking client writes within this much of each other overlap.
const SPLIT_BRAIN_WINDOW: Duration = secs(5);
/// Repeated stale reads from one node are summarised at most this often.
const READ_FINDING_EVERY: Duration = secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    LostWrite,
    Divergence,
    ErrantGtid,
    SplitBrain,
    StaleRead,
    ReadYourWrites,
    ReplicationError,
    PhantomRead,
    BinlogMismatch,
}

impl FindingKind {
    pub const ALL: [FindingKind; 9] = [
        FindingKind::LostWrite,
        FindingKind::Divergence,
        FindingKind::ErrantGtid,
        FindingKind::SplitBrain,
        FindingKind::StaleRead,
        FindingKind::ReadYourWrites,
        FindingKind::ReplicationError,
        FindingKind::PhantomRead,
        FindingKind::BinlogMismatch,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FindingKind::LostWrite => "lost_write",
            FindingKind::Divergence => "divergence",
            FindingKind::ErrantGtid => "errant_gtid",
            FindingKind::SplitBrain => "split_brain",
            FindingKind::StaleRead => "stale_read",
            FindingKind::ReadYourWrites => "read_your_writes",
            FindingKind::ReplicationError => "replication_error",
            FindingKind::PhantomRead => "phantom_read",
            FindingKind::BinlogMismatch => "binlog_mismatch",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub at_us: Instant,
    pub nodes: Vec<NodeId>,
    pub detail: String,
    /// How many individual cases this finding stands for (stale reads are summarised).
    pub count: u64,
}

#[derive(Clone, Copy, Debug)]
struct AckedWrite {
    key: Key,
    value: Value,
    ack_us: Instant,
    node: Option<NodeId>,
}

/// The last `cap` acknowledged writes by GTID, in acknowledgement order and in chunks
/// that snapshots of the world share. It answers like a map from GTID to write from which
/// the oldest entry is removed when a new one comes: a GTID acknowledged twice (a re-used
/// GTID after a lost tail) is forgotten once its older entry leaves the window.
#[derive(Clone, Debug)]
struct AckedWindow {
    entries: ChunkedVec<AckedEntry>,
    /// Entries ever pushed (the number of the next one).
    pushed: u64,
    cap: usize,
}

#[derive(Clone, Copy, Debug)]
struct AckedEntry {
    gtid: Gtid,
    write: AckedWrite,
    /// The number of the oldest earlier entry for the same GTID in the window when this
    /// one came: once that leaves, the GTID is forgotten.
    shadows_from: Option<u64>,
}

impl AckedWindow {
    fn new(cap: usize) -> Self {
        AckedWindow {
            entries: ChunkedVec::new(),
            pushed: 0,
            cap,
        }
    }

    fn base(&self) -> u64 {
        self.pushed - self.entries.len() as u64
    }

    /// `again`: the GTID was acknowledged before (only then is the window searched).
    fn push(&mut self, gtid: Gtid, write: AckedWrite, again: bool) {
        let base = self.base();
        let shadows_from = again
            .then(|| self.entries.iter().position(|e| e.gtid == gtid))
            .flatten()
            .map(|i| base + i as u64);
        self.entries.push_back(AckedEntry {
            gtid,
            write,
            shadows_from,
        });
        self.pushed += 1;
        if self.entries.len() > self.cap {
            self.entries.drop_front(1);
        }
    }

    fn get(&self, gtid: Gtid) -> Option<AckedWrite> {
        let base = self.base();
        let e = self.entries.iter().rev().find(|e| e.gtid == gtid)?;
        e.shadows_from.is_none_or(|j| j >= base).then_some(e.write)
    }
}

#[derive(Clone, Copy, Debug)]
struct KeyWrite {
    value: Option<Value>,
    invoke_us: Instant,
    ack_us: Instant,
}

/// The last few writes of a key, oldest first, in a fixed array (no allocation per key).
#[derive(Clone, Copy, Debug)]
struct KeyWrites {
    items: [KeyWrite; WRITES_PER_KEY],
    len: u8,
}

impl Default for KeyWrites {
    fn default() -> Self {
        KeyWrites {
            items: [KeyWrite {
                value: None,
                invoke_us: Instant::ZERO,
                ack_us: Instant::ZERO,
            }; WRITES_PER_KEY],
            len: 0,
        }
    }
}

impl KeyWrites {
    fn push(&mut self, w: KeyWrite) {
        if usize::from(self.len) == WRITES_PER_KEY {
            self.items.copy_within(1.., 0);
            self.items[WRITES_PER_KEY - 1] = w;
        } else {
            self.items[usize::from(self.len)] = w;
            self.len += 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = &KeyWrite> {
        self.items[..usize::from(self.len)].iter()
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct ReadTally {
    last_report_us: Option<Instant>,
    since_report: u64,
}

#[derive(Clone, Debug)]
pub struct Checker {
    names: Vec<String>,
    active_active: Vec<NodeId>,
    /// Which shard each node serves (the world's map): writable primaries of different
    /// shards are not a split brain.
    shard_map: Arc<ShardMap>,
    pub findings: Vec<Finding>,
    pub counts: BTreeMap<FindingKind, u64>,
    /// When each kind was first reported: `findings` keeps only the first 500, and a
    /// lesson step waits for the first of a kind (`scenario::lesson::Anchor`).
    first_at: BTreeMap<FindingKind, Instant>,
    acked: GtidSet,
    acked_writes: AckedWindow,
    key_writes: KeyMap<KeyWrites>,
    /// Per client: its own last acknowledged write of each key.
    session_writes: Vec<KeyMap<Option<KeyWrite>>>,
    reported_lost: GtidSet,
    /// Each node's last crash recovery: what it rolled back and why, for an OK that
    /// reaches its client only afterwards (`on_late_ack`).
    last_rollback: BTreeMap<NodeId, (GtidSet, String)>,
    diverged: BTreeSet<(NodeId, NodeId)>,
    errant_reported: BTreeMap<NodeId, GtidSet>,
    last_client_commit: BTreeMap<NodeId, Instant>,
    split_reported: BTreeMap<(NodeId, NodeId), Instant>,
    stale: BTreeMap<(FindingKind, NodeId), ReadTally>,
    /// Reads that returned a value no acknowledged write had produced yet, by value, until
    /// its write is acknowledged or a promotion judges them (`phantom.rs`).
    unacked_reads: BTreeMap<Value, phantom::UnackedRead>,
}

impl Checker {
    pub fn new(names: Vec<String>, active_active: Vec<NodeId>) -> Self {
        Checker {
            shard_map: Arc::new(ShardMap::unsharded(names.len())),
            names,
            active_active,
            findings: Vec::new(),
            counts: BTreeMap::new(),
            first_at: BTreeMap::new(),
            acked: GtidSet::new(),
            acked_writes: AckedWindow::new(ACKED_WINDOW),
            key_writes: KeyMap::default(),
            session_writes: Vec::new(),
            reported_lost: GtidSet::new(),
            last_rollback: BTreeMap::new(),
            diverged: BTreeSet::new(),
            errant_reported: BTreeMap::new(),
            last_client_commit: BTreeMap::new(),
            split_reported: BTreeMap::new(),
            stale: BTreeMap::new(),
            unacked_reads: BTreeMap::new(),
        }
    }

    /// A server added at run time.
    pub fn add_node(&mut self, name: String) {
        self.names.push(name);
    }

    /// Sharded: which shard each node serves.
    pub fn with_shard_map(mut self, shard_map: Arc<ShardMap>) -> Self {
        self.shard_map = shard_map;
        self
    }

    fn name(&self, n: NodeId) -> &str {
        self.names.get(n.index()).map_or("?", |s| s.as_str())
    }

    fn report(
        &mut self,
        kind: FindingKind,
        at_us: Instant,
        nodes: Vec<NodeId>,
        detail: String,
        count: u64,
    ) {
        *self.counts.entry(kind).or_default() += count.max(1);
        let first = self.first_at.entry(kind).or_insert(at_us);
        *first = (*first).min(at_us);
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(Finding {
                kind,
                at_us,
                nodes,
                detail,
                count: count.max(1),
            });
        }
    }

    /// Adds what the checker holds to `f`: per-key write memory, the acknowledged-write
    /// window, the GTID sets and the findings kept in full.
    pub fn footprint(&self, f: &mut Footprint) {
        self.key_writes.footprint(f);
        for m in &self.session_writes {
            m.footprint(f);
        }
        f.add_chunked(&self.acked_writes.entries, |_| 0);
        let findings: usize = (self.findings.iter())
            .map(|x| size_of::<Finding>() + x.detail.capacity() + x.nodes.capacity() * 4)
            .sum();
        let errant: usize = self.errant_reported.values().map(GtidSet::heap_bytes).sum();
        f.add(findings + errant + self.acked.heap_bytes() + self.reported_lost.heap_bytes());
        let entries = self.diverged.len() + self.last_client_commit.len() + self.stale.len();
        f.add(btree_bytes(self.unacked_reads.len(), 48));
        f.add(btree_bytes(entries + self.split_reported.len(), 48));
    }

    pub fn count(&self, kind: FindingKind) -> u64 {
        self.counts.get(&kind).copied().unwrap_or(0)
    }

    /// When the first finding of this kind was reported, if one was.
    pub fn first_at(&self, kind: FindingKind) -> Option<Instant> {
        self.first_at.get(&kind).copied()
    }

    /// Acknowledged GTIDs (every write a client was told OK for).
    pub fn acked(&self) -> &GtidSet {
        &self.acked
    }

    /// Acknowledged GTIDs already reported as lost.
    pub fn reported_lost(&self) -> &GtidSet {
        &self.reported_lost
    }

    /// Consumes one completed client operation.
    pub fn on_op(&mut self, op: &Op) {
        let Outcome::Ok { gtid, value } = &op.outcome else {
            return;
        };
        self.track_unacked_read(op, *value);
        match op.kind {
            OpKind::Write {
                key: Some(key),
                value: v,
            } => {
                let w = KeyWrite {
                    value: Some(v),
                    invoke_us: op.invoke_us,
                    ack_us: op.complete_us,
                };
                self.remember_write(op.client, key, w);
                if let Some(g) = gtid {
                    self.remember_ack(
                        *g,
                        AckedWrite {
                            key,
                            value: v,
                            ack_us: op.complete_us,
                            node: op.node,
                        },
                    );
                }
            }
            OpKind::Delete { key } => {
                if gtid.is_some() {
                    let w = KeyWrite {
                        value: None,
                        invoke_us: op.invoke_us,
                        ack_us: op.complete_us,
                    };
                    self.remember_write(op.client, key, w);
                }
            }
            OpKind::Read { key } => self.judge_read(op, key, *value),
            OpKind::Write { key: None, .. } => {}
        }
    }

    fn remember_write(&mut self, client: u32, key: Key, w: KeyWrite) {
        self.key_writes.get_mut(key).push(w);
        let c = client as usize;
        if c >= self.session_writes.len() {
            self.session_writes.resize_with(c + 1, KeyMap::default);
        }
        *self.session_writes[c].get_mut(key) = Some(w);
    }

    fn remember_ack(&mut self, g: Gtid, w: AckedWrite) {
        let again = !self.acked.insert(g);
        self.acked_writes.push(g, w, again);
    }

    /// The acknowledged write of `g`, if it is still remembered.
    fn acked_write(&self, g: Gtid) -> Option<AckedWrite> {
        self.acked_writes.get(g)
    }

    /// A read is stale if some write to its key was acknowledged before the read began and
    /// the value returned is older than that write (it was acknowledged before that write
    /// was even invoked), or the row is missing although it was written.
    fn judge_read(&mut self, op: &Op, key: Key, got: Option<Value>) {
        let Some(node) = op.node else { return };
        let writes = self.key_writes.get(key);
        let before: Vec<KeyWrite> = writes
            .iter()
            .filter(|w| w.ack_us < op.invoke_us)
            .copied()
            .collect();
        let Some(latest) = before.last().copied() else {
            return;
        };
        let returned = writes
            .iter()
            .find(|w| w.value == got && got.is_some())
            .copied();
        let stale = match (got, returned) {
            (None, _) => latest.value.is_some() && before.iter().all(|w| w.value.is_some()),
            (Some(_), Some(w)) => before.iter().any(|b| w.ack_us < b.invoke_us),
            (Some(_), None) => false,
        };
        let deletes: Vec<Instant> = writes
            .iter()
            .filter(|w| w.value.is_none())
            .map(|w| w.invoke_us)
            .collect();
        let older_than = |mine: KeyWrite| match (got, returned) {
            (Some(_), Some(w)) => w.ack_us < mine.invoke_us,
            // A value no known write produced cannot be judged.
            (Some(_), None) => false,
            // Missing although this session wrote it, and nobody deleted it since.
            (None, _) => !deletes.iter().any(|&t| t >= mine.invoke_us),
        };
        let ryw = self
            .session_writes
            .get(op.client as usize)
            .and_then(|m| m.get(key))
            .filter(|mine| mine.ack_us < op.invoke_us && mine.value != got && older_than(*mine));
        if stale {
            self.tally_read(FindingKind::StaleRead, op, node, key, latest);
        }
        if let Some(mine) = ryw {
            self.tally_read(FindingKind::ReadYourWrites, op, node, key, mine);
        }
    }

    fn tally_read(
        &mut self,
        kind: FindingKind,
        op: &Op,
        node: NodeId,
        key: Key,
        expected: KeyWrite,
    ) {
        let now = op.complete_us;
        let tally = self.stale.entry((kind, node)).or_default();
        tally.since_report += 1;
        let due = tally
            .last_report_us
            .is_none_or(|t| now >= t + READ_FINDING_EVERY);
        if !due {
            return;
        }
        let count = tally.since_report;
        tally.since_report = 0;
        tally.last_report_us = Some(now);
        let name = self.name(node).to_string();
        let detail = match kind {
            FindingKind::ReadYourWrites => format!(
                "client {} wrote key {key} (acknowledged at {}) and then read it from {name}, which did not have the write yet ({count} such reads)",
                op.client + 1,
                fmt_secs(expected.ack_us)
            ),
            _ => format!(
                "{name} returned an old value of key {key} at {}, although a newer write was acknowledged at {} ({count} stale reads since the last report)",
                fmt_secs(now),
                fmt_secs(expected.ack_us)
            ),
        };
        self.report(kind, now, vec![node], detail, count);
    }

    /// Acknowledged writes the given node does not have, at the moment it becomes the
    /// primary: they are lost to the cluster from now on. Sharded, only writes that were
    /// committed in the promoted node's own shard (by the `shard_uuids` servers) count.
    pub fn on_promotion(&mut self, now: Instant, promoted: &Node, shard_uuids: Option<&[Uuid]>) {
        let acked = match shard_uuids {
            Some(uuids) => self.acked.retain_uuids(|u| uuids.contains(&u)),
            None => self.acked.clone(),
        };
        let missing = acked
            .subtract(&promoted.gtid_executed)
            .subtract(&self.reported_lost);
        if missing.is_empty() {
            return;
        }
        self.reported_lost.union_with(&missing);
        let why = format!(
            "{} was promoted at {} without them",
            promoted.name(),
            fmt_secs(now)
        );
        self.report_lost(now, &missing, promoted.id, &why);
    }

    /// At a resharding traffic switch the new side does not hold exactly the old side's
    /// rows in the moved range: keys went missing or differ.
    pub fn on_reshard_mismatch(&mut self, now: Instant, nodes: Vec<NodeId>, rows: u64, diff: u64) {
        let detail = format!(
            "resharding switched traffic while {diff} of {rows} rows in the moved range differ between source and target shards"
        );
        self.report(FindingKind::Divergence, now, nodes, detail, diff);
    }

    /// Crash recovery rolled transactions back; those a client was told OK for are lost on
    /// a source. A replica's recovery undoing what another server still has loses nothing:
    /// the replica fetches it again (relay_log_recovery, auto-positioning), and if a later
    /// promotion leaves it behind, `on_promotion` reports it then.
    /// Every rollback is remembered: an OK may still be on its way to its client.
    pub fn on_rolled_back(&mut self, now: Instant, node: &Node, gtids: &GtidSet, nodes: &[Node]) {
        let why = format!(
            "{} crashed at {} and its recovery rolled them back (sync_binlog={}, innodb_flush_log_at_trx_commit={})",
            node.name(),
            fmt_secs(now),
            node.cfg.sync_binlog,
            node.cfg.innodb_flush_log_at_trx_commit
        );
        self.last_rollback
            .insert(node.id, (gtids.clone(), why.clone()));
        let mut missing = gtids
            .intersection(&self.acked)
            .subtract(&self.reported_lost);
        if node.channel.is_some() {
            for other in nodes.iter().filter(|n| n.id != node.id) {
                missing = missing.subtract(&other.gtid_executed);
            }
        }
        if missing.is_empty() {
            return;
        }
        self.reported_lost.union_with(&missing);
        self.report_lost(now, &missing, node.id, &why);
    }

    /// An OK that reaches its client when no server has the transaction any more: the
    /// server sent it and then lost power, and crash recovery rolled the transaction back
    /// before the client read the OK (a packet already on the wire outlives its sender).
    /// The client was told OK, so the write is lost — reported now, because at the
    /// rollback it was not acknowledged yet and `on_rolled_back` could not count it.
    pub fn on_late_ack(&mut self, now: Instant, op: &Op, nodes: &[Node]) {
        let (OpKind::Write { key: Some(_), .. }, Outcome::Ok { gtid: Some(g), .. }, Some(by)) =
            (op.kind, &op.outcome, op.node)
        else {
            return;
        };
        let g = *g;
        if self.reported_lost.contains(g) || nodes.iter().any(|n| n.gtid_executed.contains(g)) {
            return;
        }
        let rollback = self
            .last_rollback
            .iter()
            .find(|(_, (set, _))| set.contains(g));
        let (at, why) = match rollback {
            Some((n, (_, why))) => (
                *n,
                format!("{why}, while its OK was still on its way to the client"),
            ),
            None => (
                by,
                "no server had it any more when its OK reached the client".to_string(),
            ),
        };
        let mut missing = GtidSet::new();
        missing.insert(g);
        self.reported_lost.insert(g);
        self.report_lost(now, &missing, at, &why);
    }

    /// Crash recovery left a node whose data and binary log disagree (docs/semantics.md
    /// §5.1): what its replicas, and anyone replaying its binlogs, get is not its data.
    pub fn on_binlog_mismatch(
        &mut self,
        now: Instant,
        node: &Node,
        data_only: &GtidSet,
        binlog_only: &GtidSet,
    ) {
        let name = node.name();
        let mut parts = Vec::new();
        if !data_only.is_empty() {
            parts.push(format!(
                "{} ({data_only}) are in its tables but not in its binary log: with sync_binlog={} the binlog had not reached the disk, the redo log had. They now count as gtid_purged: a replica that had not received them can never get them from {name} (error 1236), and a restore from its binlogs would miss them",
                transactions(data_only.count(), "committed transaction"),
                node.cfg.sync_binlog
            ));
        }
        if !binlog_only.is_empty() {
            parts.push(format!(
                "{} ({binlog_only}) are in its binary log and gtid_executed, and so on its replicas, but recovery undid them in its tables: with innodb_flush_log_at_trx_commit={} their redo had not reached the disk",
                transactions(binlog_only.count(), "transaction"),
                node.cfg.innodb_flush_log_at_trx_commit
            ));
        }
        let detail = format!(
            "{name}'s data and its binary log disagree after its crash at {}: {}",
            fmt_secs(now),
            parts.join("; ")
        );
        let count = data_only.count() + binlog_only.count();
        self.report(
            FindingKind::BinlogMismatch,
            now,
            vec![node.id],
            detail,
            count,
        );
    }

    fn report_lost(&mut self, now: Instant, missing: &GtidSet, at: NodeId, why: &str) {
        let total = missing.count();
        for g in missing.iter().take(20) {
            let acked = self.acked_write(g);
            let detail = match acked {
                Some(w) => {
                    let by = w.node.map_or("?".to_string(), |n| self.name(n).to_string());
                    format!(
                        "write #{} to key {}, acknowledged at {} by {by}, is missing: {why}",
                        w.value & 0xFF_FFFF_FFFF,
                        w.key,
                        fmt_secs(w.ack_us)
                    )
                }
                None => format!("acknowledged transaction {g} is missing: {why}"),
            };
            let mut nodes = vec![at];
            if let Some(n) = acked.and_then(|w| w.node)
                && n != at
            {
                nodes.insert(0, n);
            }
            self.report(FindingKind::LostWrite, now, nodes, detail, 1);
        }
        if total > 20 {
            let detail = format!(
                "… and {} more acknowledged writes lost the same way",
                total - 20
            );
            self.report(FindingKind::LostWrite, now, vec![at], detail, total - 20);
        }
    }

    pub fn on_replication_error(
        &mut self,
        now: Instant,
        node: NodeId,
        sql: bool,
        errno: u16,
        message: &str,
    ) {
        let fatal_io = !sql && matches!(errno, 1236 | 1593);
        if !sql && !fatal_io {
            return;
        }
        let thread = if sql {
            "applier (SQL thread)"
        } else {
            "receiver (IO thread)"
        };
        let detail = format!(
            "{}'s {thread} stopped with error {errno}: {message}. It stays stopped until an operator acts.",
            self.name(node)
        );
        self.report(FindingKind::ReplicationError, now, vec![node], detail, 1);
    }

    /// A client transaction committed on `node`: two writable primaries taking writes
    /// within the same few seconds is a split brain.
    pub fn on_client_commit(&mut self, now: Instant, node: NodeId, nodes: &[Node]) {
        // A DBA's write on a read-only replica is an errant transaction, not a second primary.
        if nodes.get(node.index()).is_none_or(|n| n.read_only) {
            return;
        }
        self.last_client_commit.insert(node, now);
        let both_active = |a: NodeId, b: NodeId| {
            self.active_active.contains(&a) && self.active_active.contains(&b)
        };
        let others: Vec<NodeId> = self
            .last_client_commit
            .iter()
            .filter(|(other, t)| **other != node && now - **t <= SPLIT_BRAIN_WINDOW)
            .map(|(o, _)| *o)
            .filter(|o| {
                nodes
                    .get(o.index())
                    .is_some_and(|n| n.is_running() && !n.read_only)
            })
            .filter(|o| !both_active(node, *o))
            .filter(|o| self.shard_map.of(*o) == self.shard_map.of(node))
            .collect();
        for other in others {
            let pair = if node < other {
                (node, other)
            } else {
                (other, node)
            };
            if self
                .split_reported
                .get(&pair)
                .is_some_and(|&t| now < t + secs(30))
            {
                continue;
            }
            self.split_reported.insert(pair, now);
            let detail = format!(
                "split brain: both {} and {} are writable and accepted client writes within {} of each other; each has writes the other lacks",
                self.name(pair.0),
                self.name(pair.1),
                fmt_secs(SPLIT_BRAIN_WINDOW)
            );
            self.report(
                FindingKind::SplitBrain,
                now,
                vec![pair.0, pair.1],
                detail,
                1,
            );
        }
    }

    /// Periodic state checks: errant GTIDs and divergence between a replica and its source.
    pub fn check_nodes(&mut self, now: Instant, nodes: &[Node]) {
        for r in nodes {
            let Some(src) = r.channel.as_ref().and_then(|c| nodes.get(c.source.index())) else {
                continue;
            };
            if !r.is_running() || !src.is_running() {
                continue;
            }
            self.check_errant(now, r, src, nodes);
            self.check_divergence(now, r, src);
        }
    }

    fn check_errant(&mut self, now: Instant, r: &Node, src: &Node, nodes: &[Node]) {
        let ancestors = ancestors(src, nodes);
        // Co-primaries: a node's own writes are not errant on the other side of the ring.
        let co_primary = src.channel.as_ref().is_some_and(|c| c.source == r.id);
        let errant = r
            .gtid_executed
            .retain_uuids(|u| !(ancestors.contains(&u) || (co_primary && u == r.uuid)))
            .subtract(&src.gtid_executed);
        let seen = self.errant_reported.entry(r.id).or_default();
        let new = errant.subtract(seen);
        if new.is_empty() {
            return;
        }
        seen.union_with(&new);
        let detail = format!(
            "{} has transactions its source {} never executed: {}. If {} is promoted they are shipped to every replica (or break replication if purged)",
            r.name(),
            src.name(),
            crate::mariadb::set_text(&new),
            r.name()
        );
        self.report(
            FindingKind::ErrantGtid,
            now,
            vec![r.id, src.id],
            detail,
            new.count(),
        );
    }

    fn check_divergence(&mut self, now: Instant, r: &Node, src: &Node) {
        let pair = (r.id, src.id);
        let same_trx = r.gtid_executed == src.gtid_executed;
        let differs = same_trx && r.data.checksum() != src.data.checksum();
        if !differs {
            if same_trx {
                self.diverged.remove(&pair);
            }
            return;
        }
        if !self.diverged.insert(pair) {
            return;
        }
        let sample = src
            .data
            .iter()
            .find(|(k, v)| r.data.get(*k) != Some(*v))
            .map(|(k, _)| k)
            .or_else(|| {
                r.data
                    .iter()
                    .find(|(k, _)| src.data.get(*k).is_none())
                    .map(|(k, _)| k)
            });
        let detail = format!(
            "{} and its source {} executed the same transactions but hold different data{}",
            r.name(),
            src.name(),
            sample
                .map(|k| format!(" (first difference at key {k})"))
                .unwrap_or_default()
        );
        self.report(FindingKind::Divergence, now, vec![r.id, src.id], detail, 1);
    }
}

/// "1 transaction", "3 transactions".
fn transactions(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// UUIDs of a node and every node up its chain of sources.
fn ancestors(start: &Node, nodes: &[Node]) -> Vec<super::gtid::Uuid> {
    let mut out = vec![start.uuid];
    let mut cur = start;
    for _ in 0..nodes.len() {
        let Some(next) = cur
            .channel
            .as_ref()
            .and_then(|c| nodes.get(c.source.index()))
        else {
            break;
        };
        if out.contains(&next.uuid) {
            break;
        }
        out.push(next.uuid);
        cur = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;
    use crate::testkit::{at_ms, gtid, gtids, node, uuid};

    const DB1: NodeId = NodeId(0);
    const DB2: NodeId = NodeId(1);
    const KEY: Key = 1;
    /// The two writes of `KEY` every stale-read test starts from, acknowledged by db1.
    const OLD: Value = 101;
    const NEW: Value = 102;

    fn checker() -> Checker {
        let names = ["db1", "db2", "db3"].map(String::from).to_vec();
        Checker::new(names, Vec::new())
    }

    /// Client `client`'s write of `value` to `key`, invoked and acknowledged (by db1, as
    /// db1's transaction `gno`) at these milliseconds.
    fn write(client: u32, key: Key, value: Value, ms: (u64, u64), gno: u64) -> Op {
        Op {
            id: gno,
            client,
            kind: OpKind::Write {
                key: Some(key),
                value,
            },
            node: Some(DB1),
            invoke_us: at_ms(ms.0),
            complete_us: at_ms(ms.1),
            outcome: Outcome::Ok {
                gtid: Some(gtid(1, gno)),
                value: None,
            },
        }
    }

    /// Client `client`'s read of `KEY` from db2, invoked and answered with `got` at these ms.
    fn read(client: u32, ms: (u64, u64), got: Option<Value>) -> Op {
        Op {
            id: 100 + ms.0,
            client,
            kind: OpKind::Read { key: KEY },
            node: Some(DB2),
            invoke_us: at_ms(ms.0),
            complete_us: at_ms(ms.1),
            outcome: Outcome::Ok {
                gtid: None,
                value: got,
            },
        }
    }

    /// The first client ("client 1" in findings) wrote OLD, acknowledged at 1.1 s, then NEW,
    /// invoked at 2 s and acknowledged at 2.1 s.
    fn after_two_writes() -> Checker {
        let mut c = checker();
        c.on_op(&write(0, KEY, OLD, (1_000, 1_100), 1));
        c.on_op(&write(0, KEY, NEW, (2_000, 2_100), 2));
        c
    }

    #[test]
    fn a_read_is_stale_if_it_misses_a_write_acknowledged_before_it_began() {
        let table = [
            (
                "the old value after the new write's ack",
                (3_000, 3_010),
                Some(OLD),
                1,
            ),
            ("the new value", (3_000, 3_010), Some(NEW), 0),
            (
                "concurrent with the new write",
                (2_050, 2_200),
                Some(OLD),
                0,
            ),
            ("no row although it was written", (3_000, 3_010), None, 1),
            (
                "a value no known write produced",
                (3_000, 3_010),
                Some(999),
                0,
            ),
        ];
        for (story, ms, got, stale) in table {
            let mut c = after_two_writes();
            c.on_op(&read(1, ms, got));
            assert_eq!(c.count(FindingKind::StaleRead), stale, "{story}");
        }
    }

    #[test]
    fn a_stale_read_is_reported_with_when_the_newer_write_was_acknowledged() {
        let mut c = after_two_writes();
        c.on_op(&read(1, (3_000, 3_010), Some(OLD)));
        let finding = Finding {
            kind: FindingKind::StaleRead,
            at_us: at_ms(3_010),
            nodes: vec![DB2],
            detail: "db2 returned an old value of key 1 at 3.01 s, although a newer write was acknowledged at 2.10 s (1 stale reads since the last report)".into(),
            count: 1,
        };
        assert_eq!(c.findings, [finding]);
        assert_eq!(
            c.count(FindingKind::ReadYourWrites),
            0,
            "another client read it"
        );
    }

    #[test]
    fn repeated_stale_reads_from_one_node_are_summarised_every_ten_seconds() {
        let mut c = after_two_writes();
        for t in [3_000, 4_000, 5_000, 12_000, 13_000] {
            c.on_op(&read(1, (t, t + 10), Some(OLD)));
        }
        let details: Vec<(Instant, u64, &str)> = c
            .findings
            .iter()
            .map(|f| (f.at_us, f.count, f.detail.as_str()))
            .collect();
        assert_eq!(
            details,
            [
                (
                    at_ms(3_010),
                    1,
                    "db2 returned an old value of key 1 at 3.01 s, although a newer write was acknowledged at 2.10 s (1 stale reads since the last report)"
                ),
                (
                    at_ms(13_010),
                    4,
                    "db2 returned an old value of key 1 at 13.01 s, although a newer write was acknowledged at 2.10 s (4 stale reads since the last report)"
                ),
            ]
        );
        assert_eq!(c.count(FindingKind::StaleRead), 5);
    }

    #[test]
    fn a_client_missing_its_own_write_breaks_read_your_writes() {
        let mut c = after_two_writes();
        c.on_op(&read(0, (3_000, 3_010), Some(OLD)));
        let kinds: Vec<FindingKind> = c.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FindingKind::StaleRead, FindingKind::ReadYourWrites]);
        assert_eq!(
            c.findings[1].detail,
            "client 1 wrote key 1 (acknowledged at 2.10 s) and then read it from db2, which did not have the write yet (1 such reads)"
        );
    }

    /// db1 acknowledged client 1's writes #1..=#n (db1's transactions 1..=n, key = number).
    fn acknowledged_by_db1(n: u64) -> Checker {
        let mut c = checker();
        for i in 1..=n {
            let t = 1_000 * i;
            c.on_op(&write(0, i, 1 << 40 | i, (t, t + 100), i));
        }
        c
    }

    #[test]
    fn an_acknowledged_write_the_promoted_replica_lacks_is_lost() {
        let mut c = acknowledged_by_db1(3);
        // A write whose outcome the client never learned does not count.
        let mut unknown = write(0, 9, 9, (3_500, 3_600), 4);
        unknown.outcome = Outcome::Unknown {
            reason: "timeout".into(),
        };
        c.on_op(&unknown);
        let mut db2 = node(1, NodeConfig::default(), Some(0));
        db2.gtid_executed = gtids(1, 1, 1);

        c.on_promotion(at_ms(5_000), &db2, None);
        let lost: Vec<(Vec<NodeId>, &str)> = c
            .findings
            .iter()
            .map(|f| (f.nodes.clone(), f.detail.as_str()))
            .collect();
        assert_eq!(
            lost,
            [
                (
                    vec![DB1, DB2],
                    "write #2 to key 2, acknowledged at 2.10 s by db1, is missing: db2 was promoted at 5.00 s without them"
                ),
                (
                    vec![DB1, DB2],
                    "write #3 to key 3, acknowledged at 3.10 s by db1, is missing: db2 was promoted at 5.00 s without them"
                ),
            ]
        );
        assert_eq!(c.reported_lost(), &gtids(1, 2, 3));
        // Promoting it again reports nothing new.
        c.on_promotion(at_ms(9_000), &db2, None);
        assert_eq!(c.count(FindingKind::LostWrite), 2);
    }

    #[test]
    fn a_crash_that_rolls_back_acknowledged_writes_loses_them() {
        let mut c = acknowledged_by_db1(2);
        let cfg = NodeConfig {
            sync_binlog: 0,
            innodb_flush_log_at_trx_commit: 2,
            ..NodeConfig::default()
        };
        let db1 = node(0, cfg, None);
        // Transaction 3 was never acknowledged: rolling it back loses nothing.
        c.on_rolled_back(at_ms(6_000), &db1, &gtids(1, 2, 3), &[]);
        let finding = Finding {
            kind: FindingKind::LostWrite,
            at_us: at_ms(6_000),
            nodes: vec![DB1],
            detail: "write #2 to key 2, acknowledged at 2.10 s by db1, is missing: db1 crashed at 6.00 s and its recovery rolled them back (sync_binlog=0, innodb_flush_log_at_trx_commit=2)".into(),
            count: 1,
        };
        assert_eq!(c.findings, [finding]);
    }

    #[test]
    fn a_replica_whose_recovery_undoes_what_its_source_has_loses_nothing() {
        // Found by the random-fault sweep (seed 120): db2's power loss rolled back writes
        // it had applied, and each was reported lost although db1 still had it.
        let mut c = acknowledged_by_db1(3);
        let mut db1 = node(0, NodeConfig::default(), None);
        db1.gtid_executed = gtids(1, 1, 2);
        let cfg = NodeConfig {
            innodb_flush_log_at_trx_commit: 2,
            ..NodeConfig::default()
        };
        let db2 = node(1, cfg, Some(0));
        let nodes = [db1, db2.clone()];
        c.on_rolled_back(at_ms(6_000), &db2, &gtids(1, 1, 3), &nodes);
        // Only write #3 is on no other server.
        assert_eq!(c.reported_lost(), &gtids(1, 3, 3));
        assert_eq!(c.count(FindingKind::LostWrite), 1);
    }

    #[test]
    fn an_ok_read_after_its_commit_was_rolled_back_is_a_lost_write() {
        let mut c = acknowledged_by_db1(1);
        let cfg = NodeConfig {
            sync_binlog: 0,
            innodb_flush_log_at_trx_commit: 0,
            ..NodeConfig::default()
        };
        let db1 = node(0, cfg, None);
        let mut db2 = node(1, NodeConfig::default(), Some(0));
        db2.gtid_executed = gtids(1, 1, 2);
        // At the rollback only transaction 1 is acknowledged; the OKs of 2 and 3 are
        // still on the wire.
        c.on_rolled_back(at_ms(6_000), &db1, &gtids(1, 1, 3), &[]);
        let nodes = [db1, db2];
        for gno in [2, 3] {
            let op = write(0, gno, 1 << 40 | gno, (5_900, 6_000 + gno), gno);
            c.on_op(&op);
            c.on_late_ack(op.complete_us, &op, &nodes);
        }
        // 2 survives on db2; 3 is on no server: lost, reported when its OK arrives.
        let mut lost = gtids(1, 1, 1);
        lost.insert(gtid(1, 3));
        assert_eq!(c.reported_lost(), &lost);
        let last = c.findings.last().unwrap();
        assert_eq!(
            (last.kind, last.at_us, last.detail.as_str()),
            (
                FindingKind::LostWrite,
                at_ms(6_003),
                "write #3 to key 3, acknowledged at 6.00 s by db1, is missing: db1 crashed at 6.00 s and its recovery rolled them back (sync_binlog=0, innodb_flush_log_at_trx_commit=0), while its OK was still on its way to the client"
            )
        );
        assert_eq!(c.count(FindingKind::LostWrite), 2);
    }

    #[test]
    fn a_source_whose_data_and_binlog_disagree_is_reported_in_words() {
        let mut c = checker();
        let cfg = NodeConfig {
            sync_binlog: 0,
            ..NodeConfig::default()
        };
        let db1 = node(0, cfg, None);
        c.on_binlog_mismatch(at_ms(4_000), &db1, &gtids(1, 1, 3), &GtidSet::new());
        assert_eq!(c.count(FindingKind::BinlogMismatch), 3);
        let f = &c.findings[0];
        assert_eq!(
            (f.kind, f.nodes.clone()),
            (FindingKind::BinlogMismatch, vec![DB1])
        );
        let lead = "db1's data and its binary log disagree after its crash at 4.00 s: 3 committed transactions";
        assert!(f.detail.starts_with(lead), "{}", f.detail);
        for words in [
            "with sync_binlog=0",
            "gtid_purged",
            "can never get them from db1",
        ] {
            assert!(f.detail.contains(words), "{words:?} in {}", f.detail);
        }

        // The other way round: in the binlog (and on the replicas), undone in the tables.
        let db1 = node(0, NodeConfig::default(), None);
        c.on_binlog_mismatch(at_ms(9_000), &db1, &GtidSet::new(), &gtids(1, 7, 7));
        let f = &c.findings[1];
        assert!(f.detail.contains(": 1 transaction ("), "{}", f.detail);
        assert!(f.detail.contains("recovery undid them in its tables"));
        assert_eq!(c.count(FindingKind::BinlogMismatch), 4);
    }

    #[test]
    fn beyond_twenty_lost_writes_the_rest_are_summed_up() {
        let mut c = acknowledged_by_db1(25);
        let db2 = node(1, NodeConfig::default(), Some(0));
        c.on_promotion(at_ms(30_000), &db2, None);
        assert_eq!(c.findings.len(), 21);
        let last = c.findings.last().expect("a summary");
        let summary = "… and 5 more acknowledged writes lost the same way";
        assert_eq!((last.detail.as_str(), last.count), (summary, 5));
        assert_eq!(c.count(FindingKind::LostWrite), 25);
    }

    #[test]
    fn sharded_only_the_promoted_nodes_own_shard_counts() {
        let mut c = acknowledged_by_db1(2);
        let db2 = node(1, NodeConfig::default(), Some(0));
        // db2 is in the shard whose primary is server 5: db1's writes are another shard's.
        c.on_promotion(at_ms(5_000), &db2, Some(&[uuid(5)]));
        assert!(c.findings.is_empty());
        c.on_promotion(at_ms(5_000), &db2, Some(&[uuid(1), uuid(2)]));
        assert_eq!(c.count(FindingKind::LostWrite), 2);
    }

    /// The window answers exactly as the map it replaced (insert; past the cap, remove
    /// the oldest entry's GTID), re-used GTIDs included.
    #[test]
    fn the_acked_window_answers_like_a_map_with_fifo_removal() {
        let uuid = Uuid::from_u128(9);
        let gtid = |gno| Gtid { uuid, gno };
        let (cap, mut seen) = (16, GtidSet::new());
        let mut window = AckedWindow::new(cap);
        let mut map: BTreeMap<Gtid, AckedWrite> = BTreeMap::new();
        let mut order = std::collections::VecDeque::new();
        let mut x: u64 = 12345;
        for step in 0..5_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let g = gtid(1 + x % 40);
            let w = AckedWrite {
                key: step,
                value: x,
                ack_us: Instant::from_micros(step),
                node: None,
            };
            window.push(g, w, !seen.insert(g));
            map.insert(g, w);
            order.push_back(g);
            if order.len() > cap {
                map.remove(&order.pop_front().unwrap());
            }
            for gno in 1..=40 {
                let (a, b) = (window.get(gtid(gno)), map.get(&gtid(gno)));
                assert_eq!(a.map(|w| w.key), b.map(|w| w.key), "step {step} gno {gno}");
            }
        }
    }
}
