//! Durability and crash recovery (docs/semantics.md §5).
//!
//! The node keeps an undo image of every committed transaction until it is durable in both
//! the redo log and (if logged) the binlog. A crash then decides, per transaction, exactly
//! as InnoDB + binlog recovery would: a transaction survives iff its redo record survived
//! and, when it is binlogged, its XID is in the part of the binlog that survived. What does
//! not survive is undone. PREPARED transactions (flushed, not yet committed) are committed
//! on recovery iff they survive by the same rule — even if no client was ever told OK.

use super::{Node, Process};
use crate::binlog::Trx;
use crate::effects::{Effects, NodeTimer, Note};
use crate::gtid::{Gtid, GtidSet};
use crate::rows::{ApplyError, Key, RowEvent, Value};
use crate::status::IoRunning;
use crate::time::{Instant, ms, secs};
use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Clone, Debug)]
struct EngineTrx {
    gtid: Gtid,
    undo: Vec<(Key, Option<Value>)>,
    redo_lsn: u64,
    binlog_idx: Option<u64>,
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

    pub(super) fn after_group_flush(&mut self, sync_binlog: u32, binlog_next: u64) {
        if self.group_syncs(sync_binlog) {
            self.binlog_durable = binlog_next;
            self.groups_since_sync = 0;
        } else {
            self.groups_since_sync += 1;
        }
        self.trim();
    }

    fn durable(&self, t: &EngineTrx) -> bool {
        t.redo_lsn <= self.redo_durable && t.binlog_idx.is_none_or(|i| i < self.binlog_durable)
    }

    fn trim(&mut self) {
        while self.tail.front().is_some_and(|t| {
            t.redo_lsn <= self.redo_durable && t.binlog_idx.is_none_or(|i| i < self.binlog_durable)
        }) {
            self.tail.pop_front();
        }
    }

    /// How far the redo log survives a crash of this kind.
    fn surviving_redo(&self, flush_log: u8, power_loss: bool) -> u64 {
        match (flush_log, power_loss) {
            (1, _) => self.redo_lsn,
            (2, false) => self.redo_written,
            (_, true) | (0, false) => self.redo_durable,
            _ => self.redo_durable,
        }
    }
}

impl Node {
    /// Applies a committed transaction to the table and remembers how to undo it until durable.
    pub(super) fn commit_in_engine(
        &mut self,
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
        let t = EngineTrx {
            gtid: trx.gtid,
            undo,
            redo_lsn,
            binlog_idx,
        };
        if !self.durability.durable(&t) {
            self.durability.tail.push_back(t);
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
        self.commit_in_engine(&trx, binlog_idx, redo_lsn, undo);
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
        self.durability.trim();
    }

    pub fn crash(&mut self, power_loss: bool, fx: &mut Effects) {
        if !self.is_running() && self.process != Process::Booting {
            return;
        }
        let flush_log = self.cfg.innodb_flush_log_at_trx_commit;
        let binlog_keep = if power_loss {
            self.durability.binlog_durable
        } else {
            self.binlog.next_idx()
        };
        let redo_keep = self.durability.surviving_redo(flush_log, power_loss);
        self.binlog.truncate_from(binlog_keep);
        let survives = |redo_lsn: u64, binlog_idx: Option<u64>| {
            redo_lsn <= redo_keep && binlog_idx.is_none_or(|i| i < binlog_keep)
        };
        let mut lost = GtidSet::new();
        while let Some(t) = self.durability.tail.pop_back() {
            if survives(t.redo_lsn, t.binlog_idx) {
                self.durability.tail.push_back(t);
                break;
            }
            for (k, old) in t.undo.into_iter().rev() {
                self.data.put(k, old);
            }
            lost.insert(t.gtid);
        }
        // PREPARED transactions: commit those whose XID survived in the binlog.
        for (trx, binlog_idx, redo_lsn) in self.pipeline.take_prepared() {
            if survives(redo_lsn, Some(binlog_idx)) {
                for r in &trx.rows {
                    self.data.put(r.key(), after_image(r));
                }
                self.gtid_table.insert(trx.gtid);
            }
        }
        self.gtid_table = self.gtid_table.subtract(&lost);
        // On restart gtid_executed is rebuilt from the binlog (and the mysql.gtid_executed table).
        self.gtid_executed = self
            .binlog
            .logged()
            .union(&self.gtid_table.subtract(self.binlog.logged()));
        self.gtid_table = self.gtid_table.subtract(self.binlog.logged());
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
        self.super_read_only = self.cfg.super_read_only;
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
