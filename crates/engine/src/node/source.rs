//! The source side of replication: one Binlog Dump thread per connected replica
//! (docs/semantics.md §3.1). Replication is pull: nothing is sent to a replica that has not asked.

use super::Node;
use crate::binlog::{BinlogPos, DumpStartError, Trx};
use crate::effects::{Effects, NodeTimer};
use crate::gtid::{GtidSet, Uuid};
use crate::ids::Addr;
use crate::message::{DumpStart, Msg};
use crate::time::{Instant, ms, secs};
use std::sync::Arc;

/// Transactions a dump thread sends in one go before yielding (a catching-up replica
/// streams at about this many per millisecond).
const DUMP_BATCH: u64 = 64;

#[derive(Clone, Debug)]
pub struct DumpThread {
    pub replica: Addr,
    pub server_id: u32,
    pub conn: u64,
    /// Next binlog entry to send.
    pub next_idx: u64,
    /// GTIDs the replica said it has when it connected: skipped, never sent.
    skip: Option<GtidSet>,
    seq: u64,
    last_sent: Instant,
    pumping: bool,
    pub semi_sync: bool,
    /// Last position the replica acknowledged (semi-sync).
    pub acked: BinlogPos,
}

impl Node {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_dump_request(
        &mut self,
        now: Instant,
        from: Addr,
        conn: u64,
        server_id: u32,
        uuid: Uuid,
        start: DumpStart,
        semi_sync: bool,
        fx: &mut Effects,
    ) {
        // A replica reconnecting with the same server_id replaces its old (zombie) dump thread.
        self.dumps.retain(|d| d.server_id != server_id);
        let start = match self.check_dump_start(server_id, uuid, start) {
            Ok(s) => s,
            Err((errno, message)) => {
                fx.send(
                    self.addr(),
                    from,
                    Msg::DumpError {
                        conn,
                        errno,
                        message,
                    },
                );
                return;
            }
        };
        let (next_idx, skip) = start;
        let semi_sync = semi_sync && self.semi_sync.enabled;
        self.dumps.push(DumpThread {
            replica: from,
            server_id,
            conn,
            next_idx,
            skip,
            seq: 0,
            last_sent: now,
            pumping: false,
            semi_sync,
            acked: BinlogPos::default(),
        });
        fx.send(self.addr(), from, Msg::DumpAccepted { conn });
        self.pump_dump(now, server_id, conn, fx);
        let period = self.cfg.heartbeat_period();
        self.timer(fx, now + period, NodeTimer::Heartbeat { server_id, conn });
    }

    /// The checks of `rpl_binlog_sender.cc`, in order (docs/semantics.md §3.1).
    fn check_dump_start(
        &self,
        server_id: u32,
        uuid: Uuid,
        start: DumpStart,
    ) -> Result<(u64, Option<GtidSet>), (u16, String)> {
        if server_id == self.server_id || uuid == self.uuid {
            let msg = "Fatal error: The replica I/O thread stops because source and replica have equal MySQL server ids";
            return Err((1593, msg.to_string()));
        }
        match start {
            DumpStart::Gtids(have) => {
                let mine = have.retain_uuids(|u| u == self.uuid);
                if !mine.is_subset_of(&self.gtid_executed) {
                    let extra = mine.subtract(&self.gtid_executed);
                    let msg = format!(
                        "Slave has more GTIDs than the master has, using the master's SERVER_UUID. \
                         This may indicate that the end of the binary log was truncated or that the last \
                         binary log file was lost, e.g., after a power or disk failure. Extra: {extra}"
                    );
                    return Err((1236, msg));
                }
                let purged = self.binlog.gtid_purged().union(&self.gtid_table_purged());
                if !purged.is_subset_of(&have) {
                    let missing = purged.subtract(&have);
                    // ER_SOURCE_HAS_PURGED_REQUIRED_GTIDS, MySQL 8.0.26+ wording.
                    let msg = format!(
                        "Cannot replicate because the source purged required binary logs. Replicate the \
                         missing transactions from elsewhere, or provision a new replica from backup. \
                         Consider increasing the source's binary log expiration period. The GTID set \
                         sent by the replica is '{have}', and the missing transactions are '{missing}'"
                    );
                    return Err((1236, msg));
                }
                Ok((self.binlog.gtid_start(&have), Some(have)))
            }
            DumpStart::Position(at) => match self.binlog.position_start(at) {
                Ok(idx) => Ok((idx, None)),
                Err(DumpStartError::NoSuchFile(f)) => Err((
                    1236,
                    format!(
                        "Could not find first log file name in binary log index file (binlog.{f:06})"
                    ),
                )),
                Err(DumpStartError::BadPosition(p)) => Err((
                    1236,
                    format!(
                        "Client requested master to start replication from impossible position ({p})"
                    ),
                )),
            },
        }
    }

    /// Appends to this node's binlog, purges expired files, and returns the entry's index.
    pub(super) fn append_binlog(&mut self, now: Instant, trx: Arc<Trx>) -> u64 {
        let files = self.binlog.file_count();
        let idx = self.binlog.append(trx, now);
        if self.binlog.file_count() != files {
            let in_use = self
                .dumps
                .iter()
                .map(|d| d.next_idx)
                .min()
                .unwrap_or(u64::MAX);
            let expire = secs(self.cfg.binlog_expire_logs_seconds);
            self.binlog.purge_older_than(now, expire, in_use);
        }
        idx
    }

    pub(super) fn pump_all_dumps(&mut self, now: Instant, fx: &mut Effects) {
        for i in 0..self.dumps.len() {
            if !self.dumps[i].pumping {
                let (server_id, conn) = (self.dumps[i].server_id, self.dumps[i].conn);
                self.pump_dump(now, server_id, conn, fx);
            }
        }
    }

    /// Sends the next batch of binlog to one replica; schedules itself again if more is due.
    pub(super) fn pump_dump(&mut self, now: Instant, server_id: u32, conn: u64, fx: &mut Effects) {
        let me = self.addr();
        let end = self.binlog.next_idx();
        let Some(d) = dump_mut(&mut self.dumps, server_id, conn) else {
            return;
        };
        let mut sent = 0;
        while d.next_idx < end && sent < DUMP_BATCH {
            let Some(e) = self.binlog.get(d.next_idx) else {
                d.next_idx = end;
                break;
            };
            d.next_idx += 1;
            if d.skip.as_ref().is_some_and(|s| s.contains(e.trx.gtid)) {
                continue;
            }
            fx.send(
                me,
                d.replica,
                Msg::BinlogTrx {
                    conn,
                    seq: d.seq,
                    trx: e.trx.clone(),
                    end: e.end(),
                },
            );
            d.seq += 1;
            sent += 1;
        }
        if sent > 0 {
            d.last_sent = now;
        }
        d.pumping = d.next_idx < end;
        if d.pumping {
            self.timer(fx, now + ms(1), NodeTimer::DumpPump { server_id, conn });
        }
    }

    pub(super) fn on_heartbeat_timer(
        &mut self,
        now: Instant,
        server_id: u32,
        conn: u64,
        fx: &mut Effects,
    ) {
        let me = self.addr();
        let period = self.cfg.heartbeat_period();
        let pos = self.binlog.last_end();
        let Some(d) = dump_mut(&mut self.dumps, server_id, conn) else {
            return;
        };
        if now - d.last_sent >= period {
            fx.send(
                me,
                d.replica,
                Msg::Heartbeat {
                    conn,
                    seq: d.seq,
                    pos,
                },
            );
            d.seq += 1;
            d.last_sent = now;
        }
        let at = d.last_sent + period;
        self.timer(fx, at, NodeTimer::Heartbeat { server_id, conn });
    }

    /// Executed GTIDs that are in no binlog here (applied with log_replica_updates=OFF):
    /// a replica asking for them cannot be served, exactly like purged ones.
    pub(super) fn gtid_table_purged(&self) -> GtidSet {
        self.gtid_table.subtract(self.binlog.logged())
    }
}

/// The dump thread serving `server_id` on connection `conn`, if it still exists.
fn dump_mut(dumps: &mut [DumpThread], server_id: u32, conn: u64) -> Option<&mut DumpThread> {
    dumps
        .iter_mut()
        .find(|d| d.server_id == server_id && d.conn == conn)
}
