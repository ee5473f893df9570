//! The replica side: a replication channel with its receiver (IO) thread writing the relay
//! log and its applier (SQL) thread applying it in source commit order (docs/semantics.md §3).

use super::Node;
use crate::binlog::{BinlogPos, Trx};
use crate::effects::{Effects, NodeTimer, Note, ReplThread};
use crate::gtid::GtidSet;
use crate::ids::{Addr, NodeId};
use crate::message::{DumpStart, Msg};
use crate::status::{IoRunning, ReplicaStatus, ThreadError};
use crate::time::{Duration, Instant, us};
use std::collections::VecDeque;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct RelayEntry {
    pub trx: Arc<Trx>,
    /// End of the transaction in the source's binlog.
    pub source_end: BinlogPos,
}

#[derive(Clone, Debug)]
pub struct Channel {
    pub source: NodeId,
    pub auto_position: bool,
    pub semi_sync: bool,
    pub io: IoRunning,
    pub sql_running: bool,
    pub last_io_error: Option<ThreadError>,
    pub last_sql_error: Option<ThreadError>,
    /// Current connection id (also the request id of its DumpRequest).
    pub conn: u64,
    expect_seq: u64,
    pub read_source_pos: BinlogPos,
    pub exec_source_pos: BinlogPos,
    pub relay_log: VecDeque<RelayEntry>,
    pub retrieved_gtid_set: GtidSet,
    pub last_rx: Instant,
    pub connect_attempts: u64,
    /// Bumped when the applier stops, voiding its pending ApplyDone.
    sql_epoch: u64,
    applying: bool,
}

impl Channel {
    pub fn new(source: NodeId, auto_position: bool, semi_sync: bool) -> Self {
        Channel {
            source,
            auto_position,
            semi_sync,
            io: IoRunning::No,
            sql_running: false,
            last_io_error: None,
            last_sql_error: None,
            conn: 0,
            expect_seq: 0,
            read_source_pos: BinlogPos { file: 1, pos: 4 },
            exec_source_pos: BinlogPos { file: 1, pos: 4 },
            relay_log: VecDeque::new(),
            retrieved_gtid_set: GtidSet::new(),
            last_rx: Instant::ZERO,
            connect_attempts: 0,
            sql_epoch: 0,
            applying: false,
        }
    }

    /// Seconds_Behind_Source as MySQL computes it (docs/semantics.md §3.4), to the microsecond:
    /// MySQL shows it in whole seconds (`ReplicaStatus::seconds_behind_source`).
    pub fn replication_lag(&self, now: Instant, running: bool) -> Option<Duration> {
        if !running || !self.sql_running {
            return None;
        }
        match self.relay_log.front() {
            None if self.io == IoRunning::Yes => Some(Duration::ZERO),
            None => None,
            Some(e) => Some(now - e.trx.timestamp),
        }
    }

    pub fn status(&self, now: Instant, running: bool) -> ReplicaStatus {
        ReplicaStatus {
            source: self.source,
            auto_position: self.auto_position,
            io_running: if running { self.io } else { IoRunning::No },
            sql_running: running && self.sql_running,
            last_io_error: self.last_io_error.clone(),
            last_sql_error: self.last_sql_error.clone(),
            read_source_pos: self.read_source_pos,
            exec_source_pos: self.exec_source_pos,
            retrieved_gtid_set: self.retrieved_gtid_set.clone(),
            replication_lag: self.replication_lag(now, running),
            relay_log_pending: self.relay_log.len() as u64,
            semi_sync: self.semi_sync,
        }
    }
}

impl Node {
    fn source_addr(&self) -> Option<Addr> {
        self.channel.as_ref().map(|c| Addr::Node(c.source))
    }

    /// START REPLICA: starts whichever of the two threads is stopped.
    pub(super) fn start_replica(&mut self, now: Instant, fx: &mut Effects) -> Result<(), String> {
        let Some(ch) = &mut self.channel else {
            return Err("ER_REPLICA_CONFIGURATION: no replication source is configured".into());
        };
        if !ch.sql_running {
            ch.sql_running = true;
            ch.last_sql_error = None;
            ch.sql_epoch += 1;
            ch.applying = false;
        }
        let io_stopped = ch.io == IoRunning::No;
        if io_stopped {
            ch.connect_attempts = 0;
            self.connect(now, fx);
        }
        self.kick_applier(now, fx);
        Ok(())
    }

    /// STOP REPLICA: both threads stop; the source sees the connection close.
    pub(super) fn stop_replica(&mut self) -> Result<(), String> {
        let Some(ch) = &mut self.channel else {
            return Err("ER_REPLICA_CONFIGURATION: no replication source is configured".into());
        };
        ch.io = IoRunning::No;
        ch.conn += 1;
        ch.sql_running = false;
        ch.sql_epoch += 1;
        ch.applying = false;
        Ok(())
    }

    pub(super) fn close_source_connection(&mut self, fx: &mut Effects) {
        if let Some(src) = self.source_addr() {
            fx.send(self.addr(), src, Msg::ConnReset);
        }
    }

    pub(super) fn reset_replica_all(&mut self) -> Result<(), String> {
        self.channel = None;
        Ok(())
    }

    pub(super) fn change_source(
        &mut self,
        now: Instant,
        source: NodeId,
        auto_position: bool,
        fx: &mut Effects,
    ) -> Result<(), String> {
        if source == self.id {
            return Err("cannot replicate from itself".into());
        }
        if self.channel.is_some() {
            self.close_source_connection(fx);
        }
        let semi_sync = self.cfg.rpl_semi_sync_replica_enabled;
        let mut ch = Channel::new(source, auto_position, semi_sync);
        // A new channel starts with a new relay log; the applied GTIDs stay what they are.
        ch.conn = self.channel.as_ref().map_or(0, |c| c.conn + 1);
        self.channel = Some(ch);
        self.start_replica(now, fx)
    }

    /// Opens a new connection to the source and asks for its binlog.
    pub(super) fn connect(&mut self, now: Instant, fx: &mut Effects) {
        let (server_id, uuid, me) = (self.server_id, self.uuid, self.addr());
        let executed = self.gtid_executed.clone();
        let net_timeout = self.cfg.net_timeout();
        let retry = self.cfg.connect_retry();
        let retry_count = self.cfg.source_retry_count;
        let Some(ch) = &mut self.channel else { return };
        ch.connect_attempts += 1;
        if ch.connect_attempts > retry_count.saturating_add(1) {
            ch.io = IoRunning::No;
            return;
        }
        ch.conn += 1;
        ch.io = IoRunning::Connecting;
        ch.expect_seq = 0;
        // Whatever was received but not applied is still wanted only if kept: with GTIDs we
        // ask for all we lack (executed ∪ retrieved), by position from where we stopped reading.
        let start = if ch.auto_position {
            DumpStart::Gtids(executed.union(&ch.retrieved_gtid_set))
        } else {
            DumpStart::Position(ch.read_source_pos)
        };
        let (conn, src, semi_sync) = (ch.conn, Addr::Node(ch.source), ch.semi_sync);
        fx.send(
            me,
            src,
            Msg::DumpRequest {
                conn,
                server_id,
                uuid,
                start,
                semi_sync,
            },
        );
        // A silent source (host down, partition): the TCP connect times out, then we wait to retry.
        self.timer(fx, now + net_timeout + retry, NodeTimer::Reconnect { conn });
    }

    fn io_error(&mut self, now: Instant, errno: u16, message: String, fx: &mut Effects) {
        let node = self.id;
        if let Some(ch) = &mut self.channel {
            ch.last_io_error = Some(ThreadError {
                errno,
                message: message.clone(),
                at_us: now,
            });
        }
        fx.note(Note::ReplicationError {
            node,
            thread: ReplThread::Io,
            errno,
            message,
        });
    }

    /// The connection broke: try again at once (a refused attempt then waits to retry).
    fn lost_connection(&mut self, now: Instant, errno: u16, message: String, fx: &mut Effects) {
        self.io_error(now, errno, message, fx);
        if let Some(ch) = &mut self.channel {
            ch.connect_attempts = 0;
        }
        self.connect(now, fx);
    }

    fn is_current(&self, from: Addr, conn: u64) -> bool {
        self.channel.as_ref().is_some_and(|c| {
            Addr::Node(c.source) == from && c.conn == conn && c.io != IoRunning::No
        })
    }

    pub(super) fn on_dump_accepted(
        &mut self,
        now: Instant,
        from: Addr,
        conn: u64,
        fx: &mut Effects,
    ) {
        if !self.is_current(from, conn) {
            return;
        }
        let timeout = self.cfg.net_timeout();
        if let Some(ch) = &mut self.channel {
            ch.io = IoRunning::Yes;
            ch.last_rx = now;
            ch.connect_attempts = 0;
            ch.last_io_error = None;
        }
        self.timer(fx, now + timeout, NodeTimer::NetTimeout { conn });
    }

    /// Checks the packet belongs to the live connection and arrives in order. A gap means
    /// packets were lost (a cut link): in TCP that connection is dead, so reconnect.
    fn accept_packet(
        &mut self,
        now: Instant,
        from: Addr,
        conn: u64,
        seq: u64,
        fx: &mut Effects,
    ) -> bool {
        if !self.is_current(from, conn) {
            return false;
        }
        let Some(ch) = &mut self.channel else {
            return false;
        };
        if ch.io != IoRunning::Yes || seq != ch.expect_seq {
            let msg = "Lost connection to MySQL server during query (packets lost)".to_string();
            self.lost_connection(now, 2013, msg, fx);
            return false;
        }
        ch.expect_seq += 1;
        ch.last_rx = now;
        true
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_binlog_trx(
        &mut self,
        now: Instant,
        from: Addr,
        conn: u64,
        seq: u64,
        trx: Arc<Trx>,
        end: BinlogPos,
        fx: &mut Effects,
    ) {
        if !self.accept_packet(now, from, conn, seq, fx) {
            return;
        }
        let own = trx.server_id == self.server_id;
        let me = self.addr();
        let Some(ch) = &mut self.channel else { return };
        ch.read_source_pos = end;
        if !own {
            // replicate_same_server_id=0: a server drops its own events coming back round a ring.
            ch.retrieved_gtid_set.insert(trx.gtid);
            ch.relay_log.push_back(RelayEntry {
                trx,
                source_end: end,
            });
        }
        if ch.semi_sync {
            fx.send(me, from, Msg::SemiSyncAck { conn, pos: end });
        }
        self.kick_applier(now, fx);
    }

    pub(super) fn on_heartbeat(
        &mut self,
        now: Instant,
        from: Addr,
        conn: u64,
        seq: u64,
        pos: BinlogPos,
        fx: &mut Effects,
    ) {
        if self.accept_packet(now, from, conn, seq, fx)
            && let Some(ch) = &mut self.channel
            && ch.relay_log.is_empty()
            && pos > ch.read_source_pos
        {
            ch.read_source_pos = pos;
        }
    }

    pub(super) fn on_dump_error(
        &mut self,
        now: Instant,
        from: Addr,
        conn: u64,
        errno: u16,
        message: String,
        fx: &mut Effects,
    ) {
        if !self.is_current(from, conn) {
            return;
        }
        // Fatal: the IO thread stops and does not retry until an operator acts.
        if let Some(ch) = &mut self.channel {
            ch.io = IoRunning::No;
        }
        self.io_error(now, errno, message, fx);
    }

    pub(super) fn on_conn_reset(&mut self, now: Instant, from: Addr, fx: &mut Effects) {
        self.dumps.retain(|d| d.replica != from);
        let connected = self
            .channel
            .as_ref()
            .is_some_and(|c| Addr::Node(c.source) == from && c.io == IoRunning::Yes);
        if connected {
            let msg = "Lost connection to MySQL server during query (connection reset by peer)"
                .to_string();
            self.lost_connection(now, 2013, msg, fx);
        }
    }

    pub(super) fn on_refused(&mut self, now: Instant, from: Addr, req: u64, fx: &mut Effects) {
        if !self.is_current(from, req) {
            return;
        }
        let retry = self.cfg.connect_retry();
        let msg = format!(
            "error connecting to source '{from}' - retry-time: {} retries: {}",
            retry.as_secs(),
            self.channel.as_ref().map_or(0, |c| c.connect_attempts)
        );
        self.io_error(now, 2003, msg, fx);
        self.timer(fx, now + retry, NodeTimer::Reconnect { conn: req });
    }

    pub(super) fn on_reconnect(&mut self, now: Instant, conn: u64, fx: &mut Effects) {
        let waiting = self
            .channel
            .as_ref()
            .is_some_and(|c| c.conn == conn && c.io == IoRunning::Connecting);
        if waiting {
            self.connect(now, fx);
        }
    }

    pub(super) fn on_net_timeout(&mut self, now: Instant, conn: u64, fx: &mut Effects) {
        let timeout = self.cfg.net_timeout();
        let Some(ch) = &self.channel else { return };
        if ch.conn != conn || ch.io != IoRunning::Yes {
            return;
        }
        if now - ch.last_rx >= timeout {
            let msg = "Lost connection: nothing received for replica_net_timeout".to_string();
            self.lost_connection(now, 2013, msg, fx);
        } else {
            let at = ch.last_rx + timeout;
            self.timer(fx, at, NodeTimer::NetTimeout { conn });
        }
    }

    /// Starts applying the head of the relay log if the applier is idle. Transactions whose
    /// GTID is already executed are skipped silently (GTID auto-skip).
    pub(super) fn kick_applier(&mut self, now: Instant, fx: &mut Effects) {
        let slowdown = u64::from(self.apply_slowdown.max(1));
        let apply = us(self.cfg.apply_us.max(1)) * slowdown;
        loop {
            let Some(ch) = &mut self.channel else { return };
            if !ch.sql_running || ch.applying {
                return;
            }
            let Some(head) = ch.relay_log.front() else {
                return;
            };
            if self.gtid_executed.contains(head.trx.gtid) {
                ch.exec_source_pos = head.source_end;
                ch.relay_log.pop_front();
                continue;
            }
            ch.applying = true;
            let conn_epoch = ch.sql_epoch;
            self.timer(fx, now + apply, NodeTimer::ApplyDone { conn_epoch });
            return;
        }
    }

    pub(super) fn on_apply_done(&mut self, now: Instant, conn_epoch: u64, fx: &mut Effects) {
        let Some(ch) = &mut self.channel else { return };
        if ch.sql_epoch != conn_epoch || !ch.applying {
            return;
        }
        ch.applying = false;
        let Some(head) = ch.relay_log.front().cloned() else {
            return;
        };
        if let Err((e, event)) = self.apply_rows(&head.trx) {
            let message = format!(
                "Could not execute {event} event on table kv; {}, Error_code: {}",
                e.message(),
                e.errno()
            );
            let errno = e.errno();
            if let Some(ch) = &mut self.channel {
                ch.sql_running = false;
                ch.sql_epoch += 1;
                ch.last_sql_error = Some(ThreadError {
                    errno,
                    message: message.clone(),
                    at_us: now,
                });
            }
            fx.note(Note::ReplicationError {
                node: self.id,
                thread: ReplThread::Sql,
                errno,
                message,
            });
            return;
        }
        if let Some(ch) = &mut self.channel {
            ch.exec_source_pos = head.source_end;
            ch.relay_log.pop_front();
        }
        self.commit_applied(now, head.trx, fx);
        self.release_waiting_reads(fx);
        self.kick_applier(now, fx);
    }

    /// Skips the transaction the applier failed on by committing an empty one with its GTID
    /// (the GTID-era replacement for sql_replica_skip_counter), then restarts the applier.
    pub(super) fn skip_failed_transaction(
        &mut self,
        now: Instant,
        fx: &mut Effects,
    ) -> Result<(), String> {
        let Some(ch) = &mut self.channel else {
            return Err("ER_REPLICA_CONFIGURATION: no replication source is configured".into());
        };
        if ch.last_sql_error.is_none() || ch.sql_running {
            return Err("the applier has no error to skip".into());
        }
        let Some(head) = ch.relay_log.pop_front() else {
            return Err("the relay log is empty".into());
        };
        ch.exec_source_pos = head.source_end;
        self.gtid_executed.insert(head.trx.gtid);
        self.start_replica(now, fx)
    }
}
