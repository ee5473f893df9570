//! The source side of a commit (docs/semantics.md §2.3): flush to the binlog, sync, the
//! semi-sync wait at AFTER_SYNC or AFTER_COMMIT, the engine commit, then OK to the client.
//!
//! Transactions that arrive while a group is in flight queue up and form the next group
//! (group commit). An AFTER_SYNC wait holds the commit stage, so it stalls every writer.

use super::Node;
use crate::binlog::{BinlogPos, Trx};
use crate::config::WaitPoint;
use crate::effects::{Effects, NodeTimer, Note};
use crate::gtid::Gtid;
use crate::ids::Addr;
use crate::message::{Msg, QueryResult, Statement};
use crate::rows::{Key, RowEvent};
use crate::time::{Instant, ms, us};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Largest commit group; more waiting transactions go into the next one.
const MAX_GROUP: usize = 256;

#[derive(Clone, Debug)]
struct PendingWrite {
    req: u64,
    from: Addr,
    stmt: Statement,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Flushing,
    AwaitingAck { wait: u64, pos: BinlogPos },
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
    group: Option<Group>,
    after_commit: Vec<AfterCommitWait>,
    next_wait: u64,
    auto_increment: u64,
}

impl Pipeline {
    pub(super) fn waiting(&self) -> u64 {
        (self.queue.len()
            + self.group.as_ref().map_or(0, |g| g.trxs.len())
            + self.after_commit.len()) as u64
    }

    /// Transactions that were flushed to the binlog but not committed in the engine when
    /// the server died: InnoDB holds them PREPARED. Clears the pipeline.
    pub(super) fn take_prepared(&mut self) -> Vec<(Arc<Trx>, u64, u64)> {
        let prepared = match self.group.take() {
            Some(g) if g.stage != Stage::Flushing => g
                .trxs
                .into_iter()
                .map(|t| (t.trx, t.binlog_idx, t.redo_lsn))
                .collect(),
            _ => Vec::new(),
        };
        self.queue.clear();
        self.after_commit.clear();
        prepared
    }
}

/// Rpl_semi_sync_source_status and its counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemiSyncState {
    pub enabled: bool,
    pub on: bool,
    /// Rpl_semi_sync_source_yes_tx / _no_tx.
    pub yes_tx: u64,
    pub no_tx: u64,
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
        stmt: Statement,
        fx: &mut Effects,
    ) {
        self.pipeline
            .queue
            .push_back(PendingWrite { req, from, stmt });
        if self.pipeline.group.is_none() {
            self.start_group(now, fx);
        }
    }

    fn next_gno(&self) -> u64 {
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

    fn start_group(&mut self, now: Instant, fx: &mut Effects) {
        let mut overlay: BTreeMap<Key, Option<u64>> = BTreeMap::new();
        let mut trxs = Vec::new();
        let mut gno = self.next_gno();
        let mut group_max_key = self.data.max_key();
        while trxs.len() < MAX_GROUP {
            let Some(w) = self.pipeline.queue.pop_front() else {
                break;
            };
            let (key, row) = match w.stmt {
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
                    (key, Some(row))
                }
                Statement::InsertAuto { value } => {
                    let key = self.next_auto_increment(group_max_key);
                    group_max_key = group_max_key.max(key);
                    overlay.insert(key, Some(value));
                    (key, Some(RowEvent::Write { key, after: value }))
                }
                Statement::Delete { key } => {
                    let before = overlay
                        .get(&key)
                        .copied()
                        .unwrap_or_else(|| self.data.get(key));
                    overlay.insert(key, None);
                    (key, before.map(|b| RowEvent::Delete { key, before: b }))
                }
                Statement::Read { .. } => continue,
            };
            let Some(row) = row else {
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
            let gtid = Gtid {
                uuid: self.uuid,
                gno,
            };
            gno += 1;
            let trx = Arc::new(Trx {
                gtid,
                server_id: self.server_id,
                timestamp: now,
                rows: smallvec::smallvec![row],
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
        if trxs.is_empty() {
            return;
        }
        let sync = self.durability.group_syncs(self.cfg.sync_binlog);
        let mut delay = us(self.cfg.binlog_write_us);
        if sync {
            delay += us(self.cfg.fsync_us);
        }
        if self.cfg.innodb_flush_log_at_trx_commit == 1 {
            delay += us(self.cfg.fsync_us);
        }
        self.pipeline.group = Some(Group {
            trxs,
            stage: Stage::Flushing,
        });
        self.timer(fx, now + delay.max(us(1)), NodeTimer::FlushDone);
    }

    pub(super) fn on_flush_done(&mut self, now: Instant, fx: &mut Effects) {
        let Some(mut group) = self.pipeline.group.take() else {
            return;
        };
        if group.stage != Stage::Flushing {
            self.pipeline.group = Some(group);
            return;
        }
        for t in &mut group.trxs {
            t.redo_lsn = self
                .durability
                .next_redo_lsn(self.cfg.innodb_flush_log_at_trx_commit);
            t.binlog_idx = self.append_binlog(now, t.trx.clone());
            t.end = self.binlog.end_of(t.binlog_idx);
        }
        self.durability
            .after_group_flush(self.cfg.sync_binlog, self.binlog.next_idx());
        self.pump_all_dumps(now, fx);
        let last = group.trxs.last().map(|t| t.end).unwrap_or_default();
        let wait_after_sync = self.cfg.rpl_semi_sync_source_wait_point == WaitPoint::AfterSync;
        group.stage = match self.semi_sync_wait(now, wait_after_sync, last, fx) {
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
        self.pipeline.group = Some(group);
        self.check_semi_sync_waits(now, fx);
    }

    /// Starts a semi-sync wait for `pos` if this is the wait point and semi-sync is on.
    fn semi_sync_wait(
        &mut self,
        now: Instant,
        at_this_point: bool,
        pos: BinlogPos,
        fx: &mut Effects,
    ) -> Option<u64> {
        if !at_this_point || !self.semi_sync.enabled || !self.semi_sync.on {
            return None;
        }
        if !self.cfg.rpl_semi_sync_source_wait_no_replica && self.semi_sync_replicas() == 0 {
            self.semi_sync.switch_on_at = pos;
            self.set_semi_sync_on(false, fx);
            return None;
        }
        if self.acks_at_least(pos) >= self.cfg.rpl_semi_sync_source_wait_for_replica_count.max(1) {
            self.semi_sync.yes_tx += 1;
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
            self.commit_in_engine(&t.trx, Some(t.binlog_idx), t.redo_lsn, None);
            self.client_commits += 1;
            fx.note(Note::ClientCommit {
                node: self.id,
                gtid: t.trx.gtid,
            });
        }
        let wait = self.semi_sync_wait(now, wait_after_commit, last, fx);
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
        if !self.pipeline.queue.is_empty() {
            self.start_group(now, fx);
        }
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

    fn semi_sync_replicas(&self) -> u32 {
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
            self.begin_commit_stage(now, fx);
        }
        if self.pipeline.after_commit.is_empty() {
            return;
        }
        let waits = std::mem::take(&mut self.pipeline.after_commit);
        for w in waits {
            if self.acks_at_least(w.pos) >= need {
                self.semi_sync.yes_tx += 1;
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
            self.semi_sync.no_tx += self
                .pipeline
                .group
                .as_ref()
                .map_or(0, |g| g.trxs.len() as u64);
            self.begin_commit_stage(now, fx);
        }
        for w in std::mem::take(&mut self.pipeline.after_commit) {
            self.semi_sync.no_tx += 1;
            self.reply_written(w.from, w.req, w.gtid, w.key, fx);
        }
        self.release_read_only_waiters(fx);
    }

    fn set_semi_sync_on(&mut self, on: bool, fx: &mut Effects) {
        if self.semi_sync.on != on {
            self.semi_sync.on = on;
            fx.note(Note::SemiSyncStatus { node: self.id, on });
        }
    }
}
