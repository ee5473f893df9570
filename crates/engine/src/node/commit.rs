//! The source side of a commit (docs/semantics.md §2.3): flush to the binlog, sync, the
//! semi-sync wait at AFTER_SYNC or AFTER_COMMIT, the engine commit, then OK to the client.
//!
//! Transactions that arrive while a group is flushing queue up and form the next group
//! (group commit). The stages overlap as in `MYSQL_BIN_LOG::ordered_commit`: once a group
//! has left the flush and sync stages the next one flushes, even while the first waits for
//! its AFTER_SYNC ack; only the commit stage is taken one group at a time, in binlog order.

use super::Node;
use crate::binlog::{BinlogPos, Trx};
use crate::config::WaitPoint;
use crate::effects::{Effects, NodeTimer, Note};
use crate::gtid::Gtid;
use crate::ids::Addr;
use crate::mariadb;
use crate::message::{Msg, QueryResult, Statement};
use crate::rows::{Key, RowEvent, Value};
use crate::time::{Duration, Instant, ms, us};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

/// Largest commit group; more waiting transactions go into the next one.
const MAX_GROUP: usize = 256;

#[derive(Clone, Debug)]
struct PendingWrite {
    req: u64,
    from: Addr,
    write: Write,
}

/// What a queued write changes.
#[derive(Clone, Debug)]
pub(crate) enum Write {
    /// One statement of the workload (or VReplication), one row, autocommit.
    Client(Statement),
    /// A console session's transaction: the rows it changed (the new value, or deleted) in
    /// statement order, and its GTID when `GTID_NEXT` named one (none: the next of this
    /// server's). No rows and a named GTID is the empty transaction that skips it.
    Session {
        rows: Vec<(Key, Option<Value>)>,
        gtid: Option<Gtid>,
    },
}

#[derive(Clone, Debug)]
struct GroupTrx {
    req: u64,
    from: Addr,
    trx: Arc<Trx>,
    key: Key,
    binlog_idx: u64,
    end: BinlogPos,
    redo_lsn: u64,
}

/// Where the group holding the commit stage (`LOCK_commit`) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// The `after_sync` hook: waiting for semi-sync acks of the group's last position.
    AwaitingAck { wait: u64, pos: BinlogPos },
    /// The engine commit, `engine_commit_us` long.
    Committing,
}

#[derive(Clone, Debug)]
struct Group {
    trxs: Vec<GroupTrx>,
    stage: Stage,
}

/// A committed transaction whose client waits for an ack (AFTER_COMMIT).
#[derive(Clone, Debug)]
struct AfterCommitWait {
    wait: u64,
    pos: BinlogPos,
    req: u64,
    from: Addr,
    gtid: Gtid,
    key: Key,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Pipeline {
    queue: VecDeque<PendingWrite>,
    /// The group in the flush and sync stages (`LOCK_log`, `LOCK_sync`): not yet in the binlog.
    flushing: Option<Vec<GroupTrx>>,
    /// Flushed and synced, in binlog order, queued for the commit stage: the groups that
    /// arrive there while another holds it commit together as its next queue.
    flushed: Vec<GroupTrx>,
    /// The group holding the commit stage.
    group: Option<Group>,
    after_commit: Vec<AfterCommitWait>,
    next_wait: u64,
    auto_increment: u64,
}

impl Pipeline {
    pub(super) fn waiting(&self) -> u64 {
        (self.queue.len()
            + self.flushing.as_ref().map_or(0, Vec::len)
            + self.flushed.len()
            + self.group.as_ref().map_or(0, |g| g.trxs.len())
            + self.after_commit.len()) as u64
    }

    /// Transactions that were flushed to the binlog but not committed in the engine when
    /// the server died: InnoDB holds them PREPARED — the group holding the commit stage and
    /// every group flushed behind it. A group still flushing never reached the binlog.
    /// Clears the pipeline.
    pub(super) fn take_prepared(&mut self) -> Vec<(Arc<Trx>, u64, u64)> {
        let committing = self.group.take().map(|g| g.trxs).unwrap_or_default();
        let prepared = committing
            .into_iter()
            .chain(std::mem::take(&mut self.flushed))
            .map(|t| (t.trx, t.binlog_idx, t.redo_lsn))
            .collect();
        self.flushing = None;
        self.queue.clear();
        self.after_commit.clear();
        prepared
    }

    /// Rows of transactions in the binlog or on their way there but not committed in the
    /// engine: InnoDB holds their row locks until the engine commit.
    fn locked_keys(&self) -> BTreeSet<Key> {
        let committing = self.group.iter().flat_map(|g| &g.trxs);
        let flushing = self.flushing.iter().flatten();
        committing
            .chain(&self.flushed)
            .chain(flushing)
            .flat_map(|t| t.trx.rows.iter().map(RowEvent::key))
            .collect()
    }
}

/// The rows a queued write locks before it can log anything (none known yet for an
/// auto-increment insert, which takes a fresh key).
fn write_keys(write: &Write) -> Vec<Key> {
    match write {
        Write::Client(Statement::Upsert { key, .. } | Statement::Delete { key }) => vec![*key],
        Write::Client(_) => Vec::new(),
        Write::Session { rows, .. } => rows.iter().map(|r| r.0).collect(),
    }
}

/// The row events of a session's transaction, each row's before image read from the rows
/// as the group's earlier transactions left them (the `overlay`), then the table.
fn session_rows(
    data: &crate::rows::Table,
    rows: &[(Key, Option<Value>)],
    overlay: &mut BTreeMap<Key, Option<Value>>,
) -> smallvec::SmallVec<[RowEvent; 1]> {
    let mut events = smallvec::SmallVec::new();
    for &(key, after) in rows {
        let before = overlay.get(&key).copied().unwrap_or_else(|| data.get(key));
        overlay.insert(key, after);
        let event = match (before, after) {
            (None, Some(after)) => RowEvent::Write { key, after },
            (Some(before), Some(after)) => RowEvent::Update { key, before, after },
            (Some(before), None) => RowEvent::Delete { key, before },
            (None, None) => continue,
        };
        events.push(event);
    }
    events
}

/// Rpl_semi_sync_source_status and its counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemiSyncState {
    pub enabled: bool,
    pub on: bool,
    /// Rpl_semi_sync_source_yes_tx / _no_tx: commits acknowledged, and not (their wait
    /// timed out, or semi-sync was OFF when they reached the wait point).
    pub yes_tx: u64,
    pub no_tx: u64,
    /// Rpl_semi_sync_source_tx_waits, per transaction here: commits that waited for an
    /// ack and got it (MySQL counts a wait that timed out only in `wait_timeouts`' sense).
    pub tx_waits: u64,
    /// Commits whose wait ended at rpl_semi_sync_source_timeout (no MySQL variable).
    pub wait_timeouts: u64,
    /// Rpl_semi_sync_source_no_times: how often the source fell back to asynchronous.
    pub no_times: u64,
    /// The position of the last transaction that waited for an ack: once a semi-sync
    /// replica acknowledges it (has caught up to it), the source switches back ON.
    pub switch_on_at: BinlogPos,
}

impl SemiSyncState {
    pub fn new(enabled: bool) -> Self {
        SemiSyncState {
            enabled,
            on: enabled,
            yes_tx: 0,
            no_tx: 0,
            tx_waits: 0,
            wait_timeouts: 0,
            no_times: 0,
            switch_on_at: BinlogPos::default(),
        }
    }
}

impl Node {
    pub(super) fn enqueue_write(
        &mut self,
        now: Instant,
        from: Addr,
        req: u64,
        write: Write,
        fx: &mut Effects,
    ) {
        self.pipeline
            .queue
            .push_back(PendingWrite { req, from, write });
        if self.pipeline.flushing.is_none() {
            self.start_group(now, fx);
        }
    }

    fn next_gno(&self) -> u64 {
        if self.cfg.flavor.is_mariadb() {
            // MariaDB numbers per domain: the domain's seq_no_counter + 1, whichever server
            // logged the last one (`update_with_next_gtid`, sql/rpl_gtid.cc).
            let logged = self.binlog.logged();
            return mariadb::domain_counter(&self.gtid_executed, logged, self.cfg.gtid_domain_id)
                + 1;
        }
        self.gtid_executed
            .last_gno(self.uuid)
            .max(self.binlog.logged().last_gno(self.uuid))
            + 1
    }

    /// The next AUTO_INCREMENT value: offset + k × increment above the largest key
    /// (an offset larger than the increment is ignored, as MySQL does).
    fn next_auto_increment(&mut self, max_key: Key) -> Key {
        let inc = self.cfg.auto_increment_increment.max(1);
        let offset = if self.cfg.auto_increment_offset > inc {
            1
        } else {
            self.cfg.auto_increment_offset.max(1)
        };
        let floor = max_key.max(self.pipeline.auto_increment);
        let k = if floor < offset {
            0
        } else {
            (floor - offset) / inc + 1
        };
        let key = offset.saturating_add(k.saturating_mul(inc));
        self.pipeline.auto_increment = key;
        key
    }

    /// Starts the flush stage for the queued writes, if the flush stage is free.
    fn start_group(&mut self, now: Instant, fx: &mut Effects) {
        if self.pipeline.flushing.is_some() || self.pipeline.queue.is_empty() {
            return;
        }
        let trxs = self.form_group(now, fx);
        if trxs.is_empty() {
            return;
        }
        let delay = self.flush_delay();
        self.pipeline.flushing = Some(trxs);
        self.timer(fx, now + delay.max(us(1)), NodeTimer::FlushDone);
    }

    /// Takes up to `MAX_GROUP` queued writes, in arrival order, and makes each a transaction
    /// with the next GTID. A DELETE that matches no row is answered at once: it logs nothing.
    /// A write to a row an earlier, not yet committed transaction changed waits for its row
    /// lock (InnoDB releases it at the engine commit) and stays queued.
    fn form_group(&mut self, now: Instant, fx: &mut Effects) -> Vec<GroupTrx> {
        // Rows as the group's earlier transactions left them: a later one's before image.
        let mut overlay: BTreeMap<Key, Option<u64>> = BTreeMap::new();
        let mut trxs = Vec::new();
        let mut gno = self.next_gno();
        let mut group_max_key = self.data.max_key();
        let mut locked = self.pipeline.locked_keys();
        let mut blocked = VecDeque::new();
        while trxs.len() < MAX_GROUP {
            let Some(w) = self.pipeline.queue.pop_front() else {
                break;
            };
            let keys = write_keys(&w.write);
            if keys.iter().any(|k| locked.contains(k)) {
                // It keeps the locks it already took: later writes to them wait behind it.
                locked.extend(keys);
                blocked.push_back(w);
                continue;
            }
            let Some((key, rows, named)) =
                self.queued_rows(w.write, &mut overlay, &mut group_max_key)
            else {
                continue;
            };
            if rows.is_empty() && named.is_none() {
                // DELETE of a missing row: nothing changes, nothing is logged.
                fx.send(
                    self.addr(),
                    w.from,
                    Msg::QueryOk {
                        req: w.req,
                        result: QueryResult::Unchanged { key },
                    },
                );
                continue;
            };
            let gtid = named.unwrap_or_else(|| {
                gno += 1;
                Gtid {
                    uuid: self.uuid,
                    gno: gno - 1,
                }
            });
            let trx = Arc::new(Trx {
                gtid,
                server_id: self.server_id,
                timestamp: now,
                rows,
            });
            let end = BinlogPos::default();
            trxs.push(GroupTrx {
                req: w.req,
                from: w.from,
                trx,
                key,
                binlog_idx: 0,
                end,
                redo_lsn: 0,
            });
        }
        blocked.append(&mut self.pipeline.queue);
        self.pipeline.queue = blocked;
        trxs
    }

    /// The key, row events and named GTID of a queued write (None for one that writes
    /// nothing, a read).
    fn queued_rows(
        &mut self,
        write: Write,
        overlay: &mut BTreeMap<Key, Option<u64>>,
        group_max_key: &mut Key,
    ) -> Option<(Key, smallvec::SmallVec<[RowEvent; 1]>, Option<Gtid>)> {
        match write {
            Write::Client(stmt) => {
                let (key, row) = self.row_change(stmt, overlay, group_max_key)?;
                Some((key, row.into_iter().collect(), None))
            }
            Write::Session { rows, gtid } => {
                let key = rows.first().map_or(0, |r| r.0);
                Some((key, session_rows(&self.data, &rows, overlay), gtid))
            }
        }
    }

    /// The row key a write statement touches and the row event it logs (None when a DELETE
    /// finds no row), or None for a statement that writes nothing.
    fn row_change(
        &mut self,
        stmt: Statement,
        overlay: &mut BTreeMap<Key, Option<u64>>,
        group_max_key: &mut Key,
    ) -> Option<(Key, Option<RowEvent>)> {
        match stmt {
            Statement::Upsert { key, value } => {
                let before = overlay
                    .get(&key)
                    .copied()
                    .unwrap_or_else(|| self.data.get(key));
                let row = match before {
                    Some(b) => RowEvent::Update {
                        key,
                        before: b,
                        after: value,
                    },
                    None => RowEvent::Write { key, after: value },
                };
                overlay.insert(key, Some(value));
                Some((key, Some(row)))
            }
            Statement::InsertAuto { value } => {
                let key = self.next_auto_increment(*group_max_key);
                *group_max_key = (*group_max_key).max(key);
                overlay.insert(key, Some(value));
                Some((key, Some(RowEvent::Write { key, after: value })))
            }
            Statement::Delete { key } => {
                let before = overlay
                    .get(&key)
                    .copied()
                    .unwrap_or_else(|| self.data.get(key));
                overlay.insert(key, None);
                Some((key, before.map(|b| RowEvent::Delete { key, before: b })))
            }
            Statement::Read { .. } => None,
        }
    }

    /// How long the flush stage takes: the binlog write, plus an fsync of the binlog if this
    /// group syncs it (sync_binlog) and of the redo log (innodb_flush_log_at_trx_commit=1).
    fn flush_delay(&self) -> Duration {
        let sync = self.durability.group_syncs(self.cfg.sync_binlog);
        let mut delay = us(self.cfg.binlog_write_us);
        if sync {
            delay += us(self.cfg.fsync_us);
        }
        if self.cfg.innodb_flush_log_at_trx_commit == 1 {
            delay += us(self.cfg.fsync_us);
        }
        delay
    }

    /// The group is in the binlog (synced if this group syncs) and prepared in the redo
    /// log: the dump threads send it, it queues for the commit stage, and the flush stage
    /// is free for the next group — whether or not an earlier group still waits for its ack
    /// (`ordered_commit` leaves `LOCK_sync` on entering the commit stage's queue).
    pub(super) fn on_flush_done(&mut self, now: Instant, fx: &mut Effects) {
        let Some(mut trxs) = self.pipeline.flushing.take() else {
            return;
        };
        for t in &mut trxs {
            t.redo_lsn = self
                .durability
                .next_redo_lsn(self.cfg.innodb_flush_log_at_trx_commit);
            t.binlog_idx = self.append_binlog(now, t.trx.clone());
            t.end = self.binlog.end_of(t.binlog_idx);
        }
        self.durability
            .after_group_flush(self.cfg.sync_binlog, self.binlog.next_idx());
        self.pump_all_dumps(now, fx);
        self.pipeline.flushed.append(&mut trxs);
        self.enter_commit_stage(now, fx);
        self.start_group(now, fx);
        self.check_semi_sync_waits(now, fx);
    }

    /// When the commit stage is free, every flushed transaction queued for it enters as one
    /// group: at AFTER_SYNC it first waits for the acks of its last position
    /// (`call_after_sync_hook` takes the last position in the queue), then commits in the
    /// engine.
    fn enter_commit_stage(&mut self, now: Instant, fx: &mut Effects) {
        if self.pipeline.group.is_some() || self.pipeline.flushed.is_empty() {
            return;
        }
        let trxs = std::mem::take(&mut self.pipeline.flushed);
        let last = trxs.last().map(|t| t.end).unwrap_or_default();
        let wait_after_sync = self.cfg.rpl_semi_sync_source_wait_point == WaitPoint::AfterSync;
        let stage = match self.semi_sync_wait(now, wait_after_sync, last, trxs.len(), fx) {
            Some(wait) => Stage::AwaitingAck { wait, pos: last },
            None => {
                self.timer(
                    fx,
                    now + us(self.cfg.engine_commit_us.max(1)),
                    NodeTimer::CommitDone,
                );
                Stage::Committing
            }
        };
        self.pipeline.group = Some(Group { trxs, stage });
    }

    /// Starts a semi-sync wait for `pos` if this is the wait point and semi-sync is on.
    fn semi_sync_wait(
        &mut self,
        now: Instant,
        at_this_point: bool,
        pos: BinlogPos,
        trxs: usize,
        fx: &mut Effects,
    ) -> Option<u64> {
        if !at_this_point || !self.semi_sync.enabled {
            return None;
        }
        // semisync_source.cc, commitTrx: a commit that does not wait because the status is
        // OFF still counts, in Rpl_semi_sync_source_no_tx.
        if !self.semi_sync.on {
            self.semi_sync.no_tx += trxs as u64;
            return None;
        }
        if !self.cfg.rpl_semi_sync_source_wait_no_replica && self.semi_sync_replicas() == 0 {
            self.semi_sync.switch_on_at = pos;
            self.set_semi_sync_on(false, fx);
            self.semi_sync.no_tx += trxs as u64;
            return None;
        }
        if self.acks_at_least(pos) >= self.cfg.rpl_semi_sync_source_wait_for_replica_count.max(1) {
            // Already acknowledged (a group flushed during an earlier group's wait): commitTrx
            // returns without waiting, counted in yes_tx but not in tx_waits.
            self.semi_sync.yes_tx += trxs as u64;
            return None;
        }
        self.pipeline.next_wait += 1;
        let wait = self.pipeline.next_wait;
        let timeout = ms(self.cfg.rpl_semi_sync_source_timeout_ms);
        self.timer(fx, now + timeout, NodeTimer::SemiSyncTimeout { wait });
        Some(wait)
    }

    pub(super) fn on_commit_done(&mut self, now: Instant, fx: &mut Effects) {
        let Some(group) = self.pipeline.group.take() else {
            return;
        };
        if group.stage != Stage::Committing {
            self.pipeline.group = Some(group);
            return;
        }
        let wait_after_commit = self.cfg.rpl_semi_sync_source_wait_point == WaitPoint::AfterCommit;
        let last = group.trxs.last().map(|t| t.end).unwrap_or_default();
        for t in &group.trxs {
            self.commit_in_engine(now, &t.trx, Some(t.binlog_idx), t.redo_lsn, None);
            self.client_commits += 1;
            fx.note(Note::ClientCommit {
                node: self.id,
                gtid: t.trx.gtid,
            });
        }
        let wait = self.semi_sync_wait(now, wait_after_commit, last, group.trxs.len(), fx);
        for t in group.trxs {
            match wait {
                Some(wait) => self.pipeline.after_commit.push(AfterCommitWait {
                    wait,
                    pos: t.end,
                    req: t.req,
                    from: t.from,
                    gtid: t.trx.gtid,
                    key: t.key,
                }),
                None => self.reply_written(t.from, t.req, t.trx.gtid, t.key, fx),
            }
        }
        self.release_waiting_reads(fx);
        // The commit stage is free for the groups flushed meanwhile, and the row locks are
        // released for the writes that waited for them.
        self.enter_commit_stage(now, fx);
        self.start_group(now, fx);
        self.release_read_only_waiters(fx);
    }

    fn reply_written(&self, to: Addr, req: u64, gtid: Gtid, key: Key, fx: &mut Effects) {
        fx.send(
            self.addr(),
            to,
            Msg::QueryOk {
                req,
                result: QueryResult::Written { gtid, key },
            },
        );
    }

    /// Rpl_semi_sync_source_clients: connected replicas that acknowledge.
    pub fn semi_sync_replicas(&self) -> u32 {
        self.dumps.iter().filter(|d| d.semi_sync).count() as u32
    }

    fn acks_at_least(&self, pos: BinlogPos) -> u32 {
        self.dumps
            .iter()
            .filter(|d| d.semi_sync && d.acked >= pos)
            .count() as u32
    }

    pub(super) fn on_semi_sync_ack(
        &mut self,
        now: Instant,
        from: Addr,
        conn: u64,
        pos: BinlogPos,
        fx: &mut Effects,
    ) {
        let Some(d) = self
            .dumps
            .iter_mut()
            .find(|d| d.replica == from && d.conn == conn)
        else {
            return;
        };
        d.acked = d.acked.max(pos);
        if self.semi_sync.enabled && !self.semi_sync.on && pos >= self.semi_sync.switch_on_at {
            // A semi-sync replica caught up with the current binlog position: back ON.
            self.set_semi_sync_on(true, fx);
        }
        self.check_semi_sync_waits(now, fx);
    }

    fn check_semi_sync_waits(&mut self, now: Instant, fx: &mut Effects) {
        let need = self.cfg.rpl_semi_sync_source_wait_for_replica_count.max(1);
        if let Some(Group {
            stage: Stage::AwaitingAck { pos, .. },
            trxs,
        }) = &self.pipeline.group
            && self.acks_at_least(*pos) >= need
        {
            self.semi_sync.yes_tx += trxs.len() as u64;
            self.semi_sync.tx_waits += trxs.len() as u64;
            self.begin_commit_stage(now, fx);
        }
        if self.pipeline.after_commit.is_empty() {
            return;
        }
        let waits = std::mem::take(&mut self.pipeline.after_commit);
        for w in waits {
            if self.acks_at_least(w.pos) >= need {
                self.semi_sync.yes_tx += 1;
                self.semi_sync.tx_waits += 1;
                self.reply_written(w.from, w.req, w.gtid, w.key, fx);
            } else {
                self.pipeline.after_commit.push(w);
            }
        }
        self.release_read_only_waiters(fx);
    }

    fn begin_commit_stage(&mut self, now: Instant, fx: &mut Effects) {
        if let Some(g) = &mut self.pipeline.group {
            g.stage = Stage::Committing;
            let at = now + us(self.cfg.engine_commit_us.max(1));
            self.timer(fx, at, NodeTimer::CommitDone);
        }
    }

    pub(super) fn on_semi_sync_timeout(&mut self, now: Instant, wait: u64, fx: &mut Effects) {
        let group_waits = matches!(&self.pipeline.group, Some(Group { stage: Stage::AwaitingAck { wait: w, .. }, .. }) if *w == wait);
        let commit_waits = self.pipeline.after_commit.iter().any(|w| w.wait == wait);
        if !group_waits && !commit_waits {
            return;
        }
        // No ack in time: fall back to asynchronous replication; the waiting commits return OK.
        let waited =
            self.pipeline
                .after_commit
                .iter()
                .map(|w| w.pos)
                .chain(match &self.pipeline.group {
                    Some(Group {
                        stage: Stage::AwaitingAck { pos, .. },
                        ..
                    }) => Some(*pos),
                    _ => None,
                });
        self.semi_sync.switch_on_at = waited.max().unwrap_or_else(|| self.binlog.last_end());
        self.set_semi_sync_on(false, fx);
        if group_waits {
            let n = self
                .pipeline
                .group
                .as_ref()
                .map_or(0, |g| g.trxs.len() as u64);
            self.semi_sync.no_tx += n;
            self.semi_sync.wait_timeouts += n;
            self.begin_commit_stage(now, fx);
        }
        for w in std::mem::take(&mut self.pipeline.after_commit) {
            self.semi_sync.no_tx += 1;
            self.semi_sync.wait_timeouts += 1;
            self.reply_written(w.from, w.req, w.gtid, w.key, fx);
        }
        self.release_read_only_waiters(fx);
    }

    /// SET GLOBAL rpl_semi_sync_source_enabled: on, the source waits again from the next
    /// commit; off, the commits waiting for an ack return at once (semisync_source.cc
    /// `disable_source` wakes every waiting session).
    pub(super) fn set_semi_sync_enabled(&mut self, now: Instant, fx: &mut Effects) {
        let enabled = self.cfg.rpl_semi_sync_source_enabled;
        if enabled == self.semi_sync.enabled {
            return;
        }
        if !enabled {
            let waits: Vec<u64> = (self.pipeline.after_commit.iter().map(|w| w.wait))
                .chain(match &self.pipeline.group {
                    Some(Group {
                        stage: Stage::AwaitingAck { wait, .. },
                        ..
                    }) => Some(*wait),
                    _ => None,
                })
                .collect();
            for wait in waits {
                self.on_semi_sync_timeout(now, wait, fx);
            }
        }
        self.semi_sync.enabled = enabled;
        self.set_semi_sync_on(enabled, fx);
    }

    fn set_semi_sync_on(&mut self, on: bool, fx: &mut Effects) {
        if self.semi_sync.on != on {
            self.semi_sync.on = on;
            self.semi_sync.no_times += u64::from(!on);
            fx.note(Note::SemiSyncStatus { node: self.id, on });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;
    use crate::gtid::GtidSet;
    use crate::ids::NodeId;
    use crate::message::DumpStart;
    use crate::testkit::{effects, gtid, gtids, node, node_timers, pos, sent, uuid};

    /// Binlog write, binlog fsync (sync_binlog=1), redo fsync (innodb_flush_log_at_trx_commit=1).
    const FLUSH: Duration = us(100 + 200 + 200);
    const COMMIT: Duration = us(50);
    const APP: Addr = Addr::Router;
    const REPLICA: Addr = Addr::Node(NodeId(1));
    /// The semi-sync replica's connection to the primary.
    const CONN: u64 = 7;
    /// Every one-row transaction takes 282 bytes of binlog after the file header (157).
    const END_1: BinlogPos = BinlogPos { file: 1, pos: 439 };
    const END_2: BinlogPos = BinlogPos { file: 1, pos: 721 };
    const END_3: BinlogPos = BinlogPos {
        file: 1,
        pos: 1_003,
    };

    fn primary_cfg() -> NodeConfig {
        NodeConfig {
            binlog_write_us: 100,
            fsync_us: 200,
            engine_commit_us: 50,
            ..NodeConfig::default()
        }
    }

    fn semi_sync_primary(wait_point: WaitPoint) -> Node {
        let cfg = NodeConfig {
            rpl_semi_sync_source_enabled: true,
            rpl_semi_sync_source_timeout_ms: 1_000,
            rpl_semi_sync_source_wait_point: wait_point,
            ..primary_cfg()
        };
        node(0, cfg, None)
    }

    fn query(db: &mut Node, now: Instant, req: u64, stmt: Statement) -> Effects {
        effects(|fx| db.on_query(now, APP, req, stmt, false, fx))
    }

    fn upsert(db: &mut Node, now: Instant, req: u64, key: Key, value: u64) -> Effects {
        query(db, now, req, Statement::Upsert { key, value })
    }

    fn fire(db: &mut Node, now: Instant, timer: NodeTimer) -> Effects {
        effects(|fx| db.on_timer(now, timer, fx))
    }

    /// A semi-sync replica (server_id 2) connects and asks for everything.
    fn connect_semi_sync_replica(db: &mut Node, now: Instant) {
        let request = Msg::DumpRequest {
            conn: CONN,
            server_id: 2,
            uuid: uuid(2),
            start: DumpStart::Gtids(GtidSet::new()),
            semi_sync: true,
            heartbeat_ms: None,
        };
        effects(|fx| db.on_message(now, REPLICA, request, fx));
    }

    fn ack(db: &mut Node, now: Instant, pos: BinlogPos) -> Effects {
        effects(|fx| db.on_message(now, REPLICA, Msg::SemiSyncAck { conn: CONN, pos }, fx))
    }

    /// The answers the application got: (request, result).
    fn replies(fx: &Effects) -> Vec<(u64, QueryResult)> {
        sent(fx)
            .into_iter()
            .filter_map(|(to, m)| match m {
                Msg::QueryOk { req, result } if to == APP => Some((*req, *result)),
                _ => None,
            })
            .collect()
    }

    fn written(req: u64, gno: u64, key: Key) -> (u64, QueryResult) {
        let gtid = gtid(1, gno);
        (req, QueryResult::Written { gtid, key })
    }

    fn binlog(db: &Node) -> Vec<(Gtid, BinlogPos)> {
        db.binlog.entries().map(|e| (e.trx.gtid, e.end())).collect()
    }

    fn binlog_rows(db: &Node) -> Vec<RowEvent> {
        db.binlog
            .entries()
            .flat_map(|e| e.trx.rows.clone())
            .collect()
    }

    #[test]
    fn writes_arriving_during_a_flush_commit_together_as_the_next_group() {
        let mut db1 = node(0, primary_cfg(), None);
        let t0 = Instant::ZERO;
        let fx = upsert(&mut db1, t0, 1, 1, 100);
        assert_eq!(node_timers(&fx), vec![(t0 + FLUSH, NodeTimer::FlushDone)]);

        // Two more arrive while the first group is flushing: they queue, nothing starts.
        assert!(upsert(&mut db1, t0 + us(10), 2, 2, 200).is_empty());
        assert!(upsert(&mut db1, t0 + us(20), 3, 3, 300).is_empty());
        assert_eq!(db1.pending_writes(), 3);

        let t1 = t0 + FLUSH;
        let fx = fire(&mut db1, t1, NodeTimer::FlushDone);
        // The first group enters the commit stage and the queued writes form one group that
        // flushes at once: ordered_commit leaves the flush and sync locks on entering the
        // commit stage, so the stages of consecutive groups overlap (sql/binlog.cc).
        let timers = vec![
            (t1 + COMMIT, NodeTimer::CommitDone),
            (t1 + FLUSH, NodeTimer::FlushDone),
        ];
        assert_eq!(node_timers(&fx), timers);
        assert_eq!(binlog(&db1), vec![(gtid(1, 1), END_1)]);
        // In the binlog but not yet committed in InnoDB: no session can read it yet.
        assert_eq!(db1.data.get(1), None);

        let t2 = t1 + COMMIT;
        let fx = fire(&mut db1, t2, NodeTimer::CommitDone);
        assert_eq!(replies(&fx), vec![written(1, 1, 1)]);
        let commit = Note::ClientCommit {
            node: NodeId(0),
            gtid: gtid(1, 1),
        };
        assert_eq!(fx.notes, vec![commit]);
        assert!(
            node_timers(&fx).is_empty(),
            "the next group is already flushing"
        );

        // One flush, one commit, for both.
        let t3 = t1 + FLUSH;
        let fx = fire(&mut db1, t3, NodeTimer::FlushDone);
        assert_eq!(node_timers(&fx), vec![(t3 + COMMIT, NodeTimer::CommitDone)]);
        let expected = vec![
            (gtid(1, 1), END_1),
            (gtid(1, 2), END_2),
            (gtid(1, 3), END_3),
        ];
        assert_eq!(binlog(&db1), expected);

        let fx = fire(&mut db1, t3 + COMMIT, NodeTimer::CommitDone);
        assert_eq!(replies(&fx), vec![written(2, 2, 2), written(3, 3, 3)]);
        assert!(node_timers(&fx).is_empty(), "nothing left to flush");
        assert_eq!(db1.gtid_executed, gtids(1, 1, 3));
        assert_eq!((db1.data.get(2), db1.data.get(3)), (Some(200), Some(300)));
        assert_eq!((db1.pending_writes(), db1.client_commits), (0, 3));
    }

    #[test]
    fn transactions_of_one_group_see_each_others_rows() {
        let mut db1 = node(0, primary_cfg(), None);
        let t0 = Instant::ZERO;
        upsert(&mut db1, t0, 1, 1, 100);
        upsert(&mut db1, t0, 2, 5, 1);
        upsert(&mut db1, t0, 3, 5, 2);
        query(&mut db1, t0, 4, Statement::Delete { key: 5 });
        query(&mut db1, t0, 5, Statement::Delete { key: 9 });
        // The second group forms when the first leaves the flush stage: its row images build
        // on one another. The DELETE of a missing row is answered as the group forms.
        let fx = fire(&mut db1, t0 + FLUSH, NodeTimer::FlushDone);
        let unchanged = (5, QueryResult::Unchanged { key: 9 });
        assert_eq!(replies(&fx), vec![unchanged]);
        let fx = fire(&mut db1, t0 + FLUSH + COMMIT, NodeTimer::CommitDone);
        assert_eq!(replies(&fx), vec![written(1, 1, 1)]);
        fire(&mut db1, t0 + FLUSH * 2, NodeTimer::FlushDone);
        let rows = vec![
            RowEvent::Write { key: 1, after: 100 },
            RowEvent::Write { key: 5, after: 1 },
            RowEvent::Update {
                key: 5,
                before: 1,
                after: 2,
            },
            RowEvent::Delete { key: 5, before: 2 },
        ];
        assert_eq!(binlog_rows(&db1), rows);
        // The DELETE of a missing row is logged nowhere and takes no GTID.
        assert_eq!(db1.binlog.logged(), &gtids(1, 1, 4));
    }

    #[test]
    fn auto_increment_keys_step_by_the_increment_from_the_offset() {
        let cfg = NodeConfig {
            auto_increment_increment: 10,
            auto_increment_offset: 3,
            ..primary_cfg()
        };
        let mut db1 = node(0, cfg, None);
        let t0 = Instant::ZERO;
        for req in 1..=3 {
            query(&mut db1, t0, req, Statement::InsertAuto { value: req });
        }
        fire(&mut db1, t0 + FLUSH, NodeTimer::FlushDone);
        let first = fire(&mut db1, t0 + FLUSH + COMMIT, NodeTimer::CommitDone);
        fire(&mut db1, t0 + FLUSH * 2 + COMMIT, NodeTimer::FlushDone);
        let rest = fire(&mut db1, t0 + (FLUSH + COMMIT) * 2, NodeTimer::CommitDone);
        assert_eq!(replies(&first), vec![written(1, 1, 3)]);
        assert_eq!(replies(&rest), vec![written(2, 2, 13), written(3, 3, 23)]);
    }

    #[test]
    fn after_sync_holds_the_commit_and_the_client_until_a_replica_acks() {
        let mut db1 = semi_sync_primary(WaitPoint::AfterSync);
        let t0 = Instant::ZERO;
        connect_semi_sync_replica(&mut db1, t0);
        upsert(&mut db1, t0, 1, 1, 100);

        let t1 = t0 + FLUSH;
        let fx = fire(&mut db1, t1, NodeTimer::FlushDone);
        // The transaction goes to the replica; the commit waits for its ack.
        let shipped = sent(&fx).into_iter().find_map(|(to, m)| match m {
            Msg::BinlogTrx {
                conn,
                seq,
                trx,
                end,
            } if to == REPLICA => Some((*conn, *seq, trx.gtid, *end)),
            _ => None,
        });
        assert_eq!(shipped, Some((CONN, 0, gtid(1, 1), END_1)));
        let timeout = NodeTimer::SemiSyncTimeout { wait: 1 };
        assert_eq!(node_timers(&fx), vec![(t1 + ms(1_000), timeout)]);
        assert_eq!(replies(&fx), vec![]);
        // AFTER_SYNC: nobody reads the transaction before a replica has it.
        assert_eq!(db1.data.get(1), None);
        // A second writer does not stall: the waiting group holds only the commit stage, so
        // the next group flushes and goes to the replica during the wait (ordered_commit
        // calls call_after_sync_hook after leaving LOCK_sync, sql/binlog.cc).
        let t_second = t1 + us(10);
        let fx = upsert(&mut db1, t_second, 2, 2, 200);
        assert_eq!(
            node_timers(&fx),
            vec![(t_second + FLUSH, NodeTimer::FlushDone)]
        );
        let fx = fire(&mut db1, t_second + FLUSH, NodeTimer::FlushDone);
        let shipped: Vec<Gtid> = sent(&fx)
            .into_iter()
            .filter_map(|(to, m)| match m {
                Msg::BinlogTrx { trx, .. } if to == REPLICA => Some(trx.gtid),
                _ => None,
            })
            .collect();
        assert_eq!(shipped, vec![gtid(1, 2)]);
        // Its commit queues behind the waiting group's: no timer, no OK, no row.
        assert!(node_timers(&fx).is_empty());
        assert_eq!((replies(&fx), db1.data.get(2)), (vec![], None));

        // One ack covers both: the first group commits, then the second, already
        // acknowledged, enters the commit stage without a wait of its own.
        let t2 = t1 + ms(3);
        let fx = ack(&mut db1, t2, END_2);
        assert_eq!(node_timers(&fx), vec![(t2 + COMMIT, NodeTimer::CommitDone)]);
        assert_eq!((db1.semi_sync.yes_tx, db1.semi_sync.no_tx), (1, 0));
        assert_eq!((db1.semi_sync.tx_waits, db1.semi_sync.no_times), (1, 0));
        let fx = fire(&mut db1, t2 + COMMIT, NodeTimer::CommitDone);
        assert_eq!(replies(&fx), vec![written(1, 1, 1)]);
        let t3 = t2 + COMMIT * 2;
        assert_eq!(node_timers(&fx), vec![(t3, NodeTimer::CommitDone)]);
        let fx = fire(&mut db1, t3, NodeTimer::CommitDone);
        assert_eq!(replies(&fx), vec![written(2, 2, 2)]);
        // commitTrx found the position acknowledged: yes_tx, but no wait.
        assert_eq!((db1.semi_sync.yes_tx, db1.semi_sync.tx_waits), (2, 1));

        // The timeout of a wait that was answered changes nothing.
        assert!(fire(&mut db1, t1 + ms(1_000), timeout).is_empty());
        assert!(db1.semi_sync.on);
    }

    #[test]
    fn a_write_to_a_row_of_a_waiting_commit_waits_for_its_row_lock() {
        let mut db1 = semi_sync_primary(WaitPoint::AfterSync);
        let t0 = Instant::ZERO;
        connect_semi_sync_replica(&mut db1, t0);
        upsert(&mut db1, t0, 1, 1, 100);
        let t1 = t0 + FLUSH;
        fire(&mut db1, t1, NodeTimer::FlushDone);

        // Key 1 is locked by the prepared transaction until its engine commit (InnoDB
        // releases row locks at commit); key 2 is free and flushes during the wait.
        assert!(upsert(&mut db1, t1, 2, 1, 111).is_empty());
        let fx = upsert(&mut db1, t1, 3, 2, 200);
        assert_eq!(node_timers(&fx), vec![(t1 + FLUSH, NodeTimer::FlushDone)]);
        fire(&mut db1, t1 + FLUSH, NodeTimer::FlushDone);
        assert_eq!(binlog(&db1), vec![(gtid(1, 1), END_1), (gtid(1, 2), END_2)]);
        assert_eq!(db1.pending_writes(), 3);

        // The commit releases the lock: the blocked write flushes now, its before image the
        // committed row.
        let t2 = t1 + ms(2);
        ack(&mut db1, t2, END_2);
        let fx = fire(&mut db1, t2 + COMMIT, NodeTimer::CommitDone);
        let flush = (t2 + COMMIT + FLUSH, NodeTimer::FlushDone);
        assert!(node_timers(&fx).contains(&flush));
        fire(&mut db1, t2 + COMMIT + FLUSH, NodeTimer::FlushDone);
        let update = RowEvent::Update {
            key: 1,
            before: 100,
            after: 111,
        };
        assert_eq!(binlog_rows(&db1).last(), Some(&update));
        assert_eq!(db1.binlog.logged(), &gtids(1, 1, 3));
    }

    #[test]
    fn a_semi_sync_timeout_falls_back_to_async_until_a_replica_catches_up() {
        let mut db1 = semi_sync_primary(WaitPoint::AfterSync);
        let t0 = Instant::ZERO;
        connect_semi_sync_replica(&mut db1, t0);
        upsert(&mut db1, t0, 1, 1, 100);
        fire(&mut db1, t0 + FLUSH, NodeTimer::FlushDone);

        // No ack within rpl_semi_sync_source_timeout: OFF, and the waiting commit proceeds.
        let t1 = t0 + FLUSH + ms(1_000);
        let fx = fire(&mut db1, t1, NodeTimer::SemiSyncTimeout { wait: 1 });
        let off = Note::SemiSyncStatus {
            node: NodeId(0),
            on: false,
        };
        assert_eq!(fx.notes, vec![off]);
        assert_eq!(node_timers(&fx), vec![(t1 + COMMIT, NodeTimer::CommitDone)]);
        assert_eq!((db1.semi_sync.yes_tx, db1.semi_sync.no_tx), (0, 1));
        assert_eq!(
            (db1.semi_sync.tx_waits, db1.semi_sync.wait_timeouts),
            (0, 1)
        );
        assert_eq!(db1.semi_sync.no_times, 1);
        assert_eq!(db1.semi_sync.switch_on_at, END_1);
        assert!(!db1.status(t1).semi_sync_source_on);
        let fx = fire(&mut db1, t1 + COMMIT, NodeTimer::CommitDone);
        assert_eq!(replies(&fx), vec![written(1, 1, 1)]);

        // Asynchronous now: the next write commits without waiting for anyone.
        let t2 = t1 + ms(10);
        upsert(&mut db1, t2, 2, 2, 200);
        let fx = fire(&mut db1, t2 + FLUSH, NodeTimer::FlushDone);
        assert_eq!(
            node_timers(&fx),
            vec![(t2 + FLUSH + COMMIT, NodeTimer::CommitDone)]
        );
        let fx = fire(&mut db1, t2 + FLUSH + COMMIT, NodeTimer::CommitDone);
        assert_eq!(replies(&fx), vec![written(2, 2, 2)]);

        // An ack short of the position the source gave up on leaves it OFF ...
        let fx = ack(&mut db1, t2 + ms(5), pos(1, 157));
        assert_eq!((fx.notes, db1.semi_sync.on), (vec![], false));
        // ... the ack of a later transaction means the replica caught up: back ON.
        let fx = ack(&mut db1, t2 + ms(6), END_2);
        let on = Note::SemiSyncStatus {
            node: NodeId(0),
            on: true,
        };
        assert_eq!((fx.notes, db1.semi_sync.on), (vec![on], true));
        // The commit made while OFF waited for nobody and counts as not acknowledged.
        assert_eq!((db1.semi_sync.yes_tx, db1.semi_sync.no_tx), (0, 2));
        assert_eq!(
            (db1.semi_sync.tx_waits, db1.semi_sync.wait_timeouts),
            (0, 1)
        );
        assert_eq!(db1.semi_sync.no_times, 1);
    }

    #[test]
    fn after_commit_makes_the_row_visible_before_the_client_hears_ok() {
        let mut db1 = semi_sync_primary(WaitPoint::AfterCommit);
        let t0 = Instant::ZERO;
        connect_semi_sync_replica(&mut db1, t0);
        upsert(&mut db1, t0, 1, 1, 100);
        let fx = fire(&mut db1, t0 + FLUSH, NodeTimer::FlushDone);
        let t1 = t0 + FLUSH + COMMIT;
        assert_eq!(node_timers(&fx), vec![(t1, NodeTimer::CommitDone)]);

        let fx = fire(&mut db1, t1, NodeTimer::CommitDone);
        assert_eq!(db1.data.get(1), Some(100), "other sessions already see it");
        assert_eq!(replies(&fx), vec![], "the client still waits");
        let timeout = NodeTimer::SemiSyncTimeout { wait: 1 };
        assert_eq!(node_timers(&fx), vec![(t1 + ms(1_000), timeout)]);

        let fx = ack(&mut db1, t1 + ms(2), END_1);
        assert_eq!(replies(&fx), vec![written(1, 1, 1)]);
        assert_eq!(db1.semi_sync.yes_tx, 1);
    }

    #[test]
    fn without_a_semi_sync_replica_and_wait_no_replica_off_the_source_goes_async_at_once() {
        let cfg = NodeConfig {
            rpl_semi_sync_source_enabled: true,
            rpl_semi_sync_source_wait_no_replica: false,
            ..primary_cfg()
        };
        let mut db1 = node(0, cfg, None);
        upsert(&mut db1, Instant::ZERO, 1, 1, 100);
        let t1 = Instant::ZERO + FLUSH;
        let fx = fire(&mut db1, t1, NodeTimer::FlushDone);
        let off = Note::SemiSyncStatus {
            node: NodeId(0),
            on: false,
        };
        assert_eq!(fx.notes, vec![off]);
        assert_eq!(node_timers(&fx), vec![(t1 + COMMIT, NodeTimer::CommitDone)]);
        assert_eq!(db1.semi_sync.switch_on_at, END_1);
        assert_eq!((db1.semi_sync.no_tx, db1.semi_sync.no_times), (1, 1));
    }
}
