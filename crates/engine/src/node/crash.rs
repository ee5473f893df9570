//! Durability and crash recovery (docs/semantics.md §5).
//!
//! The node keeps an undo image of every committed transaction until its commit record is
//! durable in the redo log. A crash then decides, per transaction, as InnoDB + binlog
//! recovery would: a transaction whose commit record survived stays committed, whether or
//! not its binlog events survived (with `sync_binlog=0` they may not: data without binlog);
//! one whose commit record was lost but whose prepare record survived is PREPARED, and
//! recovery commits it iff its XID is in the part of the binlog that survived. The rest is
//! undone. PREPARED transactions still in the pipeline follow the same rule — even if no
//! client was ever told OK.

use super::{Node, Process};
use crate::binlog::Trx;
use crate::effects::{Effects, NodeTimer, Note};
use crate::gtid::{Gtid, GtidSet};
use crate::mariadb::MariaGtid;
use crate::rows::{ApplyError, Key, RowEvent, Value};
use crate::status::IoRunning;
use crate::time::{Duration, Instant, ms, secs, us};
use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Clone, Debug)]
struct EngineTrx {
    gtid: Gtid,
    undo: Vec<(Key, Option<Value>)>,
    /// The prepare record (two-phase commit with the binlog) or, for a transaction not
    /// binlogged (one-phase), its only record.
    redo_lsn: u64,
    /// The commit record: written in the commit stage with durability ignored, on disk
    /// once the log flusher (or a later group's prepare fsync) has carried it.
    commit_lsn: u64,
    /// When the commit record was written (the log flusher's next fsync covers it).
    committed_at: Instant,
    binlog_idx: Option<u64>,
    /// MariaDB: the mysql.gtid_slave_pos row this applied transaction replaced (domain,
    /// previous GTID). The table is InnoDB and `rpl_slave_state::record_gtid` writes it in
    /// the applied transaction itself, so a crash that loses the transaction loses the row.
    slave_pos_before: Option<(u32, Option<MariaGtid>)>,
}

impl EngineTrx {
    /// Whether crash recovery keeps this transaction when the redo log survives up to
    /// `redo_keep` and the binlog below index `binlog_keep` (docs/semantics.md §5.1).
    fn survives(&self, redo_keep: u64, binlog_keep: u64) -> bool {
        let committed = self.commit_lsn <= redo_keep;
        let prepared_and_logged =
            self.redo_lsn <= redo_keep && self.binlog_idx.is_some_and(|i| i < binlog_keep);
        committed || prepared_and_logged
    }
}

#[derive(Clone, Debug, Default)]
pub(super) struct Durability {
    redo_lsn: u64,
    /// Redo handed to the OS (survives a mysqld crash).
    redo_written: u64,
    /// Redo fsynced (survives power loss).
    redo_durable: u64,
    /// Binlog entries below this index are fsynced.
    binlog_durable: u64,
    groups_since_sync: u32,
    tail: VecDeque<EngineTrx>,
    /// The log flusher's fsync in progress: the LSN it makes durable and when it ends
    /// (None: the flusher is idle).
    flusher: Option<(u64, Instant)>,
}

impl Durability {
    /// RESET BINARY LOGS AND GTIDS: the binlog starts over at index 0; what was waiting
    /// to become durable is kept by the redo log alone.
    pub(super) fn binlog_reset(&mut self) {
        self.binlog_durable = 0;
        for t in &mut self.tail {
            t.binlog_idx = None;
        }
        self.trim();
    }

    /// Whether this commit group fsyncs the binlog (sync_binlog counts groups).
    pub(super) fn group_syncs(&self, sync_binlog: u32) -> bool {
        sync_binlog != 0 && self.groups_since_sync + 1 >= sync_binlog
    }

    /// Assigns a redo LSN at prepare; with innodb_flush_log_at_trx_commit=1 it is fsynced
    /// in the flush stage, with 2 only written, with 0 left to the once-a-second thread.
    pub(super) fn next_redo_lsn(&mut self, flush_log: u8) -> u64 {
        self.redo_lsn += 1;
        match flush_log {
            1 => {
                self.redo_written = self.redo_lsn;
                self.redo_durable = self.redo_lsn;
            }
            2 => self.redo_written = self.redo_lsn,
            _ => {}
        }
        self.redo_lsn
    }

    /// Assigns the commit record's LSN. InnoDB commits in the commit stage with
    /// HA_IGNORE_DURABILITY (set by `MYSQL_BIN_LOG::prepare`): the committing thread does
    /// not flush, but the log writer thread writes the record to the OS at once (1 and 2);
    /// with 0 it waits for the once-a-second thread like everything else.
    fn next_commit_lsn(&mut self, flush_log: u8) -> u64 {
        self.redo_lsn += 1;
        if matches!(flush_log, 1 | 2) {
            self.redo_written = self.redo_lsn;
        }
        self.redo_lsn
    }

    pub(super) fn after_group_flush(&mut self, sync_binlog: u32, binlog_next: u64) {
        if self.group_syncs(sync_binlog) {
            self.binlog_durable = binlog_next;
            self.groups_since_sync = 0;
        } else {
            self.groups_since_sync += 1;
        }
        self.trim();
    }

    /// Plays InnoDB's log flusher up to `now`: with innodb_flush_log_at_trx_commit=1 it
    /// fsyncs whenever the log writer has written past the last fsync (`log_flusher` in
    /// storage/innobase/log/log0write.cc), one fsync after another, each covering the
    /// commit records written before it began. Computed when asked rather than by a timer:
    /// only a crash and the undo memory care.
    fn settle_flusher(&mut self, now: Instant, fsync: Duration) {
        while let Some((lsn, end)) = self.flusher.filter(|&(_, end)| end <= now) {
            self.redo_durable = self.redo_durable.max(lsn);
            let next = (self.tail.iter().rev())
                .find(|t| t.committed_at <= end && t.commit_lsn > self.redo_durable);
            self.flusher = next.map(|t| (t.commit_lsn, end + fsync));
        }
        self.trim();
    }

    /// A commit record was written at `now`: an idle flusher starts an fsync for it.
    fn wake_flusher(&mut self, now: Instant, fsync: Duration) {
        self.settle_flusher(now, fsync);
        if self.flusher.is_none() && self.redo_written > self.redo_durable {
            self.flusher = Some((self.redo_written, now + fsync));
        }
    }

    /// A transaction whose commit record is on disk survives every crash: no undo needed.
    fn durable(&self, t: &EngineTrx) -> bool {
        t.commit_lsn <= self.redo_durable
    }

    fn trim(&mut self) {
        while self
            .tail
            .front()
            .is_some_and(|t| t.commit_lsn <= self.redo_durable)
        {
            self.tail.pop_front();
        }
    }

    /// How far the redo log survives a crash of this kind: a `mysqld` crash keeps what the
    /// log writer handed to the OS, a power loss only what was fsynced.
    fn surviving_redo(&self, power_loss: bool) -> u64 {
        if power_loss {
            self.redo_durable
        } else {
            self.redo_written
        }
    }
}

impl Node {
    /// Applies a committed transaction to the table and remembers how to undo it until durable.
    pub(super) fn commit_in_engine(
        &mut self,
        now: Instant,
        trx: &Trx,
        binlog_idx: Option<u64>,
        redo_lsn: u64,
        undo: Option<Vec<(Key, Option<Value>)>>,
    ) {
        let undo = undo.unwrap_or_else(|| {
            trx.rows
                .iter()
                .map(|r| (r.key(), self.data.put(r.key(), after_image(r))))
                .collect()
        });
        self.gtid_executed.insert(trx.gtid);
        if binlog_idx.is_none() {
            self.gtid_table.insert(trx.gtid);
        }
        // Without the binlog there is no two-phase commit (ha_commit_trans uses it only
        // with two participants): the one record is the commit.
        let commit_lsn = match binlog_idx {
            Some(_) => (self.durability).next_commit_lsn(self.cfg.innodb_flush_log_at_trx_commit),
            None => redo_lsn,
        };
        let t = EngineTrx {
            gtid: trx.gtid,
            undo,
            redo_lsn,
            commit_lsn,
            committed_at: now,
            binlog_idx,
            slave_pos_before: None,
        };
        if !self.durability.durable(&t) {
            self.durability.tail.push_back(t);
        }
        // The commit stage ran with HA_IGNORE_DURABILITY: the commit record is fsynced by
        // the log flusher thread (1), or by the once-a-second thread (0 and 2).
        if self.cfg.innodb_flush_log_at_trx_commit == 1 {
            let fsync = us(self.cfg.fsync_us.max(1));
            self.durability.wake_flusher(now, fsync);
        }
    }

    /// Keeps the mysql.gtid_slave_pos row an applied transaction replaced with that
    /// transaction, until it is durable (see `EngineTrx::slave_pos_before`).
    pub(super) fn remember_slave_pos(
        &mut self,
        gtid: Gtid,
        before: Option<(u32, Option<MariaGtid>)>,
    ) {
        if let Some(t) = self.durability.tail.back_mut().filter(|t| t.gtid == gtid) {
            t.slave_pos_before = before;
        }
    }

    /// Applies a replicated transaction's rows (STRICT mode), all or nothing.
    pub(super) fn apply_rows(&mut self, trx: &Trx) -> Result<(), (ApplyError, &'static str)> {
        let mut undo = Vec::with_capacity(trx.rows.len());
        for r in &trx.rows {
            match self.data.apply(r) {
                Ok(old) => undo.push((r.key(), old)),
                Err(e) => {
                    for (k, old) in undo.into_iter().rev() {
                        self.data.put(k, old);
                    }
                    return Err((e, r.event_name()));
                }
            }
        }
        self.pending_undo = Some(undo);
        Ok(())
    }

    /// Commits a transaction the applier just applied: binlog (log_replica_updates), redo,
    /// gtid_executed, and on to this node's own replicas.
    pub(super) fn commit_applied(&mut self, now: Instant, trx: Arc<Trx>, fx: &mut Effects) {
        let undo = self.pending_undo.take();
        let redo_lsn = self
            .durability
            .next_redo_lsn(self.cfg.innodb_flush_log_at_trx_commit);
        let binlog_idx = if self.cfg.log_replica_updates {
            let idx = self.append_binlog(now, trx.clone());
            self.durability
                .after_group_flush(self.cfg.sync_binlog, self.binlog.next_idx());
            Some(idx)
        } else {
            None
        };
        self.commit_in_engine(now, &trx, binlog_idx, redo_lsn, undo);
        if binlog_idx.is_some() {
            self.pump_all_dumps(now, fx);
        }
    }

    pub(super) fn on_redo_flush(&mut self, now: Instant, fx: &mut Effects) {
        self.durability.redo_written = self.durability.redo_lsn;
        self.durability.redo_durable = self.durability.redo_lsn;
        self.durability.trim();
        // Set back to 1 at run time, the commit flushes itself: this thread stops.
        if self.cfg.innodb_flush_log_at_trx_commit != 1 {
            self.timer(fx, now + secs(1), NodeTimer::RedoFlush);
        }
    }

    pub(super) fn on_os_writeback(&mut self, now: Instant, fx: &mut Effects) {
        self.durability.binlog_durable = self.binlog.next_idx();
        self.durability.trim();
        if self.cfg.sync_binlog != 1 {
            self.timer(
                fx,
                now + ms(self.cfg.os_writeback_ms.max(1)),
                NodeTimer::OsWriteback,
            );
        }
    }

    /// Kills `mysqld` (and with `power_loss` the host). Recovery is decided now — nothing can
    /// change while the node is down — and the node stays down until restarted.
    /// A clean shutdown first syncs the binlog and the redo log (InnoDB's shutdown flush):
    /// what committed survives, and a crash-stop after it loses nothing.
    pub fn flush_for_shutdown(&mut self, now: Instant) {
        self.binlog.stop(now);
        self.durability.redo_written = self.durability.redo_lsn;
        self.durability.redo_durable = self.durability.redo_lsn;
        self.durability.binlog_durable = self.binlog.next_idx();
        self.durability.flusher = None;
        self.durability.trim();
    }

    pub fn crash(&mut self, now: Instant, power_loss: bool, fx: &mut Effects) {
        if !self.is_running() && self.process != Process::Booting {
            return;
        }
        let fsync = us(self.cfg.fsync_us.max(1));
        self.durability.settle_flusher(now, fsync);
        let binlog_keep = if power_loss {
            self.durability.binlog_durable
        } else {
            self.binlog.next_idx()
        };
        let redo_keep = self.durability.surviving_redo(power_loss);
        let logged_before = self.binlog.logged().clone();
        self.binlog.truncate_from(binlog_keep);
        let survives = |redo_lsn: u64, binlog_idx: Option<u64>| {
            redo_lsn <= redo_keep && binlog_idx.is_none_or(|i| i < binlog_keep)
        };
        let lost = self.undo_lost_commits(redo_keep, binlog_keep);
        // PREPARED transactions: commit those whose XID survived in the binlog.
        for (trx, binlog_idx, redo_lsn) in self.pipeline.take_prepared() {
            if survives(redo_lsn, Some(binlog_idx)) {
                for r in &trx.rows {
                    self.data.put(r.key(), after_image(r));
                }
                self.gtid_table.insert(trx.gtid);
            }
        }
        let mismatch = self.recover_gtid_state(&lost, &logged_before);
        self.durability = Durability {
            redo_lsn: redo_keep,
            redo_written: redo_keep,
            redo_durable: redo_keep,
            binlog_durable: self.binlog.next_idx(),
            ..Durability::default()
        };
        self.pending_undo = None;
        self.dumps.clear();
        self.waiting_reads.clear();
        self.read_only_waiters.clear();
        if let Some(ch) = &mut self.channel {
            // relay_log_recovery: the unapplied relay log is discarded and fetched again.
            ch.relay_log.clear();
            ch.retrieved_gtid_set = GtidSet::new();
            ch.read_source_pos = ch.exec_source_pos;
            ch.io = IoRunning::No;
            ch.sql_running = false;
        }
        self.process = Process::Crashed { power_loss };
        self.epoch += 1;
        if !lost.is_empty() {
            fx.note(Note::RolledBack {
                node: self.id,
                gtids: lost,
            });
        }
        if let Some(note) = mismatch {
            fx.note(note);
        }
    }

    /// Undoes, newest first, the committed transactions crash recovery does not keep
    /// (`EngineTrx::survives`), and returns their GTIDs.
    fn undo_lost_commits(&mut self, redo_keep: u64, binlog_keep: u64) -> GtidSet {
        let mut lost = GtidSet::new();
        let tail = std::mem::take(&mut self.durability.tail);
        for t in tail.into_iter().rev() {
            if t.survives(redo_keep, binlog_keep) {
                continue;
            }
            for (k, old) in t.undo.into_iter().rev() {
                self.data.put(k, old);
            }
            match t.slave_pos_before {
                Some((domain, Some(g))) => _ = self.slave_pos.insert(domain, g),
                Some((domain, None)) => _ = self.slave_pos.remove(&domain),
                None => {}
            }
            lost.insert(t.gtid);
        }
        lost
    }

    /// gtid_executed and gtid_purged as the restarting server computes them (sql/mysqld.cc,
    /// after `init_gtid_sets`): the mysql.gtid_executed table — where InnoDB recorded the
    /// GTID of every transaction it committed (8.0.17+, in the undo log with the commit) —
    /// plus the binlog; what is only in the table is purged (`lost_gtids =
    /// gtids_only_in_table + purged_gtids_from_binlog`). A note when data and binlog
    /// disagree: committed transactions whose binlog events were lost, or binlogged
    /// transactions whose redo was lost.
    fn recover_gtid_state(&mut self, lost: &GtidSet, logged_before: &GtidSet) -> Option<Note> {
        let committed = self.gtid_executed.union(&self.gtid_table).subtract(lost);
        let logged = self.binlog.logged();
        let data_only = logged_before.subtract(logged).intersection(&committed);
        let binlog_only = lost.intersection(logged);
        self.gtid_executed = committed.union(logged);
        self.gtid_table = self.gtid_executed.subtract(logged);
        (!data_only.is_empty() || !binlog_only.is_empty()).then_some(Note::BinlogMismatch {
            node: self.id,
            data_only,
            binlog_only,
        })
    }

    /// Starts `mysqld` again: crash recovery takes `recovery_ms`, then it serves.
    pub fn restart(&mut self, now: Instant, fx: &mut Effects) -> bool {
        if !matches!(self.process, Process::Crashed { .. }) {
            return false;
        }
        self.process = Process::Booting;
        self.timer(
            fx,
            now + ms(self.cfg.recovery_ms.max(1)),
            NodeTimer::BootDone,
        );
        true
    }

    pub(super) fn on_boot_done(&mut self, now: Instant, fx: &mut Effects) {
        if self.process != Process::Booting {
            return;
        }
        self.process = Process::Running;
        if let Some(boot) = self.boot_cfg.take() {
            // SET GLOBAL lasted until the restart; the configuration files are read again.
            self.cfg = *boot;
            self.server_id = self.cfg.server_id.unwrap_or(self.server_id);
            self.semi_sync.enabled = self.cfg.rpl_semi_sync_source_enabled;
            self.binlog.set_max_file_size(self.cfg.max_binlog_size);
        }
        // read_only is not persisted: it comes back as configured (my.cnf).
        // MariaDB has no super_read_only: read_only with the READ ONLY ADMIN privilege.
        self.super_read_only = self.cfg.super_read_only && !self.cfg.flavor.is_mariadb();
        self.read_only = self.cfg.read_only || self.cfg.super_read_only;
        self.semi_sync.on = self.semi_sync.enabled;
        // A new file at every start. After a crash the old one was last written now
        // (recovery clears its in-use flag: `truncate_update_log_file`); after a clean
        // shutdown, at the shutdown (its Stop event). Then the startup expiry
        // (`auto_purge_at_server_startup`), before any replica can connect.
        self.binlog.rotate(now);
        self.auto_purge(now);
        self.start_background(now, fx);
        if let Some(ch) = &mut self.channel {
            ch.io = IoRunning::No;
            ch.sql_running = false;
        }
        if self.channel.is_some() {
            let _ = self.start_replica(now, fx);
        }
        fx.note(Note::Recovered { node: self.id });
    }
}

fn after_image(r: &RowEvent) -> Option<Value> {
    match *r {
        RowEvent::Write { after, .. } | RowEvent::Update { after, .. } => Some(after),
        RowEvent::Delete { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;
    use crate::ids::{Addr, NodeId};
    use crate::message::Statement;
    use crate::testkit::{effects, gtid, gtids, node};

    const FLUSH: crate::time::Duration = us(100 + 200);
    const COMMIT: crate::time::Duration = us(50);
    const FSYNC: crate::time::Duration = us(200);

    /// A primary with the given durability settings; its OS never writes the binlog back
    /// during a test.
    fn primary(sync_binlog: u32, flush_log: u8) -> Node {
        let cfg = NodeConfig {
            sync_binlog,
            innodb_flush_log_at_trx_commit: flush_log,
            binlog_write_us: 100,
            fsync_us: 200,
            engine_commit_us: 50,
            os_writeback_ms: 60_000,
            ..NodeConfig::default()
        };
        node(0, cfg, None)
    }

    /// One client write of key 1, taken through flush and commit (which ends at the
    /// returned instant).
    fn commit_one(db: &mut Node, t0: Instant) -> Instant {
        let stmt = Statement::Upsert { key: 1, value: 7 };
        effects(|fx| db.on_query(t0, Addr::Router, 1, stmt, false, fx));
        effects(|fx| db.on_timer(t0 + FLUSH, NodeTimer::FlushDone, fx));
        effects(|fx| db.on_timer(t0 + FLUSH + COMMIT, NodeTimer::CommitDone, fx));
        t0 + FLUSH + COMMIT
    }

    fn power_loss(db: &mut Node, at: Instant) -> Vec<Note> {
        effects(|fx| db.crash(at, true, fx)).notes
    }

    #[test]
    fn sync_binlog_0_keeps_a_committed_transaction_whose_binlog_events_were_lost() {
        let mut db1 = primary(0, 1);
        let t1 = commit_one(&mut db1, Instant::ZERO);
        // The log flusher's fsync of the commit record has ended.
        let notes = power_loss(&mut db1, t1 + FSYNC);
        // The redo log had the commit record; the page cache had the binlog.
        assert_eq!(db1.data.get(1), Some(7));
        assert!(db1.binlog.logged().is_empty());
        assert_eq!(db1.gtid_executed, gtids(1, 1, 1));
        assert_eq!(db1.gtid_purged(), gtids(1, 1, 1));
        let mismatch = Note::BinlogMismatch {
            node: NodeId(0),
            data_only: gtids(1, 1, 1),
            binlog_only: GtidSet::new(),
        };
        assert_eq!(notes, vec![mismatch]);
    }

    #[test]
    fn a_commit_record_not_yet_fsynced_leaves_the_transaction_prepared() {
        // sync_binlog=0: the XID is not in the binlog that survived → rolled back.
        let mut db1 = primary(0, 1);
        let t1 = commit_one(&mut db1, Instant::ZERO);
        let notes = power_loss(&mut db1, t1 + FSYNC - us(1));
        assert_eq!(db1.data.get(1), None);
        assert!(db1.gtid_executed.is_empty());
        let rolled_back = Note::RolledBack {
            node: NodeId(0),
            gtids: gtids(1, 1, 1),
        };
        assert_eq!(notes, vec![rolled_back]);

        // sync_binlog=1: the XID is in the fsynced binlog → recovery commits it.
        let mut db1 = primary(1, 1);
        let t1 = commit_one(&mut db1, Instant::ZERO);
        assert_eq!(power_loss(&mut db1, t1), vec![]);
        assert_eq!(db1.data.get(1), Some(7));
        assert_eq!(db1.gtid_executed, gtids(1, 1, 1));
        assert!(db1.gtid_purged().is_empty());
    }

    #[test]
    fn the_flusher_fsyncs_commits_written_during_its_fsync_with_the_next_one() {
        let mut d = Durability::default();
        let t0 = Instant::ZERO;
        // Two commit records 50 µs apart: the second is written during the first's fsync.
        for at in [t0, t0 + us(50)] {
            let lsn = d.next_commit_lsn(1);
            d.tail.push_back(EngineTrx {
                gtid: gtid(1, lsn),
                undo: Vec::new(),
                redo_lsn: 0,
                commit_lsn: lsn,
                committed_at: at,
                binlog_idx: Some(lsn),
                slave_pos_before: None,
            });
            d.wake_flusher(at, FSYNC);
        }
        d.settle_flusher(t0 + FSYNC, FSYNC);
        assert_eq!(
            (d.redo_durable, d.tail.len()),
            (1, 1),
            "the first fsync: the first only"
        );
        d.settle_flusher(t0 + FSYNC * 2 - us(1), FSYNC);
        assert_eq!(d.redo_durable, 1);
        d.settle_flusher(t0 + FSYNC * 2, FSYNC);
        assert_eq!((d.redo_durable, d.tail.len(), d.flusher), (2, 0, None));
    }

    #[test]
    fn redo_lost_under_a_synced_binlog_leaves_the_binlog_ahead_of_the_data() {
        let mut db1 = primary(1, 2);
        let t1 = commit_one(&mut db1, Instant::ZERO);
        let notes = power_loss(&mut db1, t1 + ms(500));
        assert_eq!(db1.data.get(1), None);
        assert_eq!(db1.gtid_executed, gtids(1, 1, 1), "the binlog still has it");
        let mismatch = Note::BinlogMismatch {
            node: NodeId(0),
            data_only: GtidSet::new(),
            binlog_only: gtids(1, 1, 1),
        };
        assert_eq!(notes.last(), Some(&mismatch));
    }

    #[test]
    fn a_mysqld_crash_keeps_what_the_log_writer_handed_to_the_os() {
        let mut db1 = primary(0, 1);
        let t1 = commit_one(&mut db1, Instant::ZERO);
        let notes = effects(|fx| db1.crash(t1, false, fx)).notes;
        assert_eq!(notes, vec![]);
        assert_eq!(db1.data.get(1), Some(7));
        assert_eq!(db1.binlog.logged(), &gtids(1, 1, 1));
    }
}
