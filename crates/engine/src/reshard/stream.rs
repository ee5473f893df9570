//! A VReplication stream's work in one tick, and the checks the workflow makes on its
//! streams: whether they have caught up, and VDiff. All of it reads the cluster through
//! the `ClusterView`; the rows a stream writes on its target are asked for as effects.

use super::{CATCH_UP_BATCH, COPY_BATCH, ClusterView, Stream};
use crate::effects::{Ask, Effects};
use crate::gtid::GtidSet;
use crate::message::Statement;
use crate::node::Node;
use crate::rows::{Key, RowEvent};
use crate::time::Instant;
use std::collections::BTreeSet;

/// A row change a stream carries to its target: the key and its value after (None: deleted).
type RowWrite = (Key, Option<u64>);

impl Stream {
    /// One tick of one stream: pull from the source shard's primary, write on the target.
    pub(super) fn pump(&mut self, now: Instant, cluster: &ClusterView, fx: &mut Effects) {
        let Some((src, dst)) = self.connect(cluster) else {
            return;
        };
        self.restart_copy_if_needed(src, dst);
        let (vindex, range) = (cluster.vindex, self.range);
        let in_range = move |k: Key| range.contains(vindex.keyspace_id(k));
        let mut writes: Vec<RowWrite> = Vec::new();
        match self.copy {
            Some(last) => self.copy_batch(now, last, (src, dst), in_range, &mut writes),
            None => self.scan_binlog(src, CATCH_UP_BATCH, in_range, &mut writes),
        }
        self.behind = src.gtid_executed.subtract(&self.pos).count();
        for (key, value) in writes {
            let stmt = match value {
                Some(value) => Statement::Upsert { key, value },
                None => Statement::Delete { key },
            };
            fx.ask(Ask::VReplicationWrite { node: dst.id, stmt });
        }
    }

    /// The source and target primaries when the stream can run: both up, the link
    /// between them whole. Otherwise `error` says why not.
    fn connect<'a>(&mut self, cluster: &ClusterView<'a>) -> Option<(&'a Node, &'a Node)> {
        let (Some(src), Some(dst)) = (
            cluster.primary_node(self.from),
            cluster.primary_node(self.to),
        ) else {
            self.error = Some("a shard has no primary".into());
            return None;
        };
        let link_cut = |a: &Node, b: &Node| cluster.net.link(a.addr(), b.addr()).cut;
        self.error = if !src.is_running() {
            Some(format!("source primary {} is down", src.name()))
        } else if !dst.is_running() {
            Some(format!("target primary {} is down", dst.name()))
        } else if link_cut(src, dst) || link_cut(dst, src) {
            Some(format!("the link {} ↔ {} is cut", src.name(), dst.name()))
        } else {
            None
        };
        self.error.is_none().then_some((src, dst))
    }

    /// Starts the copy again when the target may lack rows the stream wrote, or the
    /// source no longer has the binlog the stream needs.
    fn restart_copy_if_needed(&mut self, src: &Node, dst: &Node) {
        // A new target primary (failover) or a restarted one may lack recent writes.
        let target = (dst.id, dst.epoch);
        if self.target.is_some_and(|t| t != target) {
            self.copy = Some(None);
            self.rows_copied = 0;
            self.pos = GtidSet::new();
            self.scan = None;
        }
        self.target = Some(target);
        // The source purged binlogs the stream still needs (error 1236): copy again.
        if self.copy.is_none() && !src.binlog.gtid_purged().is_subset_of(&self.pos) {
            self.copy = Some(None);
            self.rows_copied = 0;
            self.scan = None;
        }
    }

    /// One copy batch after `last`: catch up the binlog for keys already copied, then make
    /// the next interval of keys identical on the target.
    fn copy_batch(
        &mut self,
        now: Instant,
        last: Option<Key>,
        (src, dst): (&Node, &Node),
        in_range: impl Fn(Key) -> bool,
        writes: &mut Vec<RowWrite>,
    ) {
        if last.is_none() && self.rows_copied == 0 {
            self.rows_to_copy = src.data.iter().filter(|(k, _)| in_range(*k)).count() as u64;
            self.copy_started_us = now;
        }
        // Catch up first, but only for keys already copied.
        if let Some(last) = last {
            self.scan_binlog(src, usize::MAX, |k| k <= last && in_range(k), writes);
        }
        let from = last.map_or(0, |k| k + 1);
        let batch: Vec<(Key, u64)> = src
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
        for (k, _) in dst.data.iter_from(from).take_while(|(k, _)| *k <= upto) {
            if in_range(k) && src.data.get(k).is_none() {
                writes.push((k, None));
            }
        }
        writes.extend(batch.iter().map(|(k, v)| (*k, Some(*v))));
        self.rows_copied += batch.len() as u64;
        // The copy reads the source's current state: the stream is now there.
        self.pos = src.gtid_executed.clone();
        self.scan = None;
        self.copy = if done { None } else { Some(Some(upto)) };
    }

    /// Reads the source's binlog from where the stream's position says, collecting row
    /// changes that `keep` accepts, for at most `max` transactions.
    fn scan_binlog(
        &mut self,
        src: &Node,
        max: usize,
        keep: impl Fn(Key) -> bool,
        writes: &mut Vec<RowWrite>,
    ) {
        let binlog = &src.binlog;
        let base = binlog.next_idx() - binlog.entries().len() as u64;
        let mut idx = match self.scan {
            Some((n, epoch, next)) if n == src.id && epoch == src.epoch && next >= base => next,
            _ => binlog.gtid_start(&self.pos).max(base),
        };
        let mut taken = 0;
        while taken < max {
            // Everything in the binlog, as a dump thread reads it: with AFTER_SYNC a
            // transaction is there (and streamed) while its commit still waits for an ack.
            let Some(e) = binlog.get(idx) else { break };
            idx += 1;
            if self.pos.contains(e.trx.gtid) {
                continue;
            }
            for row in &e.trx.rows {
                let k = row.key();
                if keep(k) {
                    writes.push((k, row_after(row)));
                }
            }
            self.pos.insert(e.trx.gtid);
            taken += 1;
        }
        self.scan = Some((src.id, src.epoch, idx));
    }
}

/// Whether every stream's target holds all its source has executed, committed.
pub(super) fn caught_up(streams: &[Stream], cluster: &ClusterView) -> bool {
    streams.iter().all(|s| {
        let (Some(src), Some(dst)) = (cluster.primary_node(s.from), cluster.primary_node(s.to))
        else {
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

/// VDiff: rows compared and rows that differ between each stream's source and target
/// in its key range, as of the stream's position — keys changed by source transactions
/// the stream has not applied yet, or the source has not committed yet, are left out,
/// as Vitess compares at a position.
/// None while a target still has writes to commit.
pub(super) fn vdiff(streams: &[Stream], cluster: &ClusterView) -> Option<(u64, u64)> {
    let (mut rows, mut diff) = (0, 0);
    for s in streams {
        let src = cluster.primary_node(s.from)?;
        let dst = cluster.primary_node(s.to)?;
        if dst.pending_writes() > 0 {
            return None;
        }
        let in_flight = keys_in_flight(s, src);
        let compared =
            |k: Key| s.range.contains(cluster.vindex.keyspace_id(k)) && !in_flight.contains(&k);
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

/// Keys in the binlog's tail the stream has not applied, or the source has not committed
/// in its engine yet (AFTER_SYNC waits): both sides differ there now and agree later.
fn keys_in_flight(s: &Stream, src: &Node) -> BTreeSet<Key> {
    src.binlog
        .entries()
        .rev()
        .take_while(|e| !s.pos.contains(e.trx.gtid) || !src.gtid_executed.contains(e.trx.gtid))
        .flat_map(|e| e.trx.rows.iter().map(|r| r.key()))
        .collect()
}

fn row_after(row: &RowEvent) -> Option<u64> {
    match *row {
        RowEvent::Write { after, .. } | RowEvent::Update { after, .. } => Some(after),
        RowEvent::Delete { .. } => None,
    }
}
