//! The source side of replication: one Binlog Dump thread per connected replica
//! (docs/semantics.md §3.1). Replication is pull: nothing is sent to a replica that has not asked.

use super::Node;
use crate::binlog::{BinlogPos, DumpStartError, Trx};
use crate::effects::{Effects, NodeTimer};
use crate::gtid::{GtidSet, Uuid};
use crate::ids::Addr;
use crate::message::{DumpStart, Msg};
use crate::time::{Duration, Instant, ms, secs};
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
    /// The heartbeat period the replica asked for (SOURCE_HEARTBEAT_PERIOD), if it did.
    pub heartbeat: Option<Duration>,
}

impl Node {
    /// A replica's COM_BINLOG_DUMP(_GTID): `replica` is its connection, server id, UUID,
    /// whether it acks (semi-sync) and the heartbeat period it asked for.
    pub(super) fn on_dump_request(
        &mut self,
        now: Instant,
        from: Addr,
        replica: (u64, u32, Uuid, bool, Option<u64>),
        start: DumpStart,
        fx: &mut Effects,
    ) {
        let (conn, server_id, uuid, semi_sync, heartbeat_ms) = replica;
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
            heartbeat: heartbeat_ms.map(ms),
        });
        fx.send(self.addr(), from, Msg::DumpAccepted { conn });
        self.pump_dump(now, server_id, conn, fx);
        let period = heartbeat_ms.map_or_else(|| self.cfg.heartbeat_period(), ms);
        // SOURCE_HEARTBEAT_PERIOD = 0 turns the heartbeat off.
        if !period.is_zero() {
            self.timer(fx, now + period, NodeTimer::Heartbeat { server_id, conn });
        }
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
            DumpStart::Gtids(asked) if self.cfg.flavor.is_mariadb() => {
                self.mariadb_dump_start(&asked)
            }
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
                    return Err((1236, purged_required_message(&have, &missing)));
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

    /// Appends to this node's binlog and returns the entry's index. When the file grew
    /// past max_binlog_size it rotates, and expired files go: `ordered_commit` in MySQL's
    /// `sql/binlog.cc` calls `rotate()` after the group commits and `auto_purge()` when
    /// it opened a new file.
    pub(super) fn append_binlog(&mut self, now: Instant, trx: Arc<Trx>) -> u64 {
        let files = self.binlog.file_count();
        let idx = self.binlog.append(trx, now);
        if self.binlog.file_count() != files {
            self.auto_purge(now);
        }
        idx
    }

    /// Binlog expiry, MySQL's `MYSQL_BIN_LOG::auto_purge` (at a rotation, FLUSH BINARY
    /// LOGS) and `auto_purge_at_server_startup`: only then, never on a timer in between.
    /// Nothing happens with binlog_expire_logs_auto_purge=OFF or
    /// binlog_expire_logs_seconds=0 (`check_auto_purge_conditions`); otherwise the closed
    /// files last written more than binlog_expire_logs_seconds ago go, up to the first
    /// one a dump thread still reads (`purge_logs_before_date` with auto_purge: no warning).
    pub(super) fn auto_purge(&mut self, now: Instant) {
        let expire_s = self.cfg.binlog_expire_logs_seconds;
        if !self.cfg.binlog_expire_logs_auto_purge || expire_s == 0 {
            return;
        }
        let in_use = self.binlog_in_use_from();
        self.binlog
            .purge_closed_before(now - secs(expire_s), in_use);
    }

    /// The first binlog entry a connected dump thread has still to send: the file that
    /// holds it is the one MySQL's `log_in_use` finds that thread reading.
    pub(super) fn binlog_in_use_from(&self) -> u64 {
        self.dumps
            .iter()
            .map(|d| d.next_idx)
            .min()
            .unwrap_or(u64::MAX)
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
        let default = self.cfg.heartbeat_period();
        let pos = self.binlog.last_end();
        let Some(d) = dump_mut(&mut self.dumps, server_id, conn) else {
            return;
        };
        // The period the replica asked for (CHANGE REPLICATION SOURCE TO), else the default.
        let period = d.heartbeat.unwrap_or(default);
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

/// ER_SOURCE_HAS_PURGED_REQUIRED_GTIDS (MySQL 8.0.26+ wording) as
/// `MYSQL_BIN_LOG::report_missing_purged_gtids` fills it in: the two GTID sets, or, when
/// the message would pass MYSQL_ERRMSG_SIZE (512), a pointer to the error log instead.
fn purged_required_message(have: &GtidSet, missing: &GtidSet) -> String {
    const ERRMSG_SIZE: usize = 512;
    let reason = "Cannot replicate because the source purged required binary logs. Replicate \
                  the missing transactions from elsewhere, or provision a new replica from \
                  backup. Consider increasing the source's binary log expiration period.";
    let sets = format!(
        "The GTID set sent by the replica is '{have}', and the missing transactions are '{missing}'"
    );
    let sets = if reason.len() + 1 + sets.len() > ERRMSG_SIZE {
        "The GTID sets and the missing purged transactions are too long to print in this \
         message. For more information, please see the source's error log or the manual for \
         GTID_SUBTRACT"
            .to_string()
    } else {
        sets
    };
    format!("{reason} {sets}")
}

/// The dump thread serving `server_id` on connection `conn`, if it still exists.
fn dump_mut(dumps: &mut [DumpThread], server_id: u32, conn: u64) -> Option<&mut DumpThread> {
    dumps
        .iter_mut()
        .find(|d| d.server_id == server_id && d.conn == conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gtid::Gtid;

    fn gtids(uuids: u128, per_uuid: u64) -> GtidSet {
        (1..=uuids)
            .flat_map(|u| {
                (1..=per_uuid).map(move |gno| Gtid {
                    uuid: Uuid::from_u128(u),
                    gno: gno * 2,
                })
            })
            .collect()
    }

    #[test]
    fn the_purged_gtids_error_names_both_sets_while_they_fit_in_512_bytes() {
        let short = purged_required_message(&gtids(1, 1), &gtids(1, 1));
        assert!(short.ends_with(
            "period. The GTID set sent by the replica is \
             '00000000-0000-0000-0000-000000000001:2', and the missing transactions are \
             '00000000-0000-0000-0000-000000000001:2'"
        ));
        let long = purged_required_message(&gtids(3, 4), &gtids(3, 4));
        assert!(long.len() <= 512, "{}", long.len());
        assert!(
            long.ends_with("please see the source's error log or the manual for GTID_SUBTRACT")
        );
    }
}
