//! The replica side: a replication channel with its receiver (IO) thread writing the relay
//! log and its applier (SQL) thread applying it in source commit order (docs/semantics.md §3).

mod control;

use super::mariadb::received_pos;

pub use control::{ApplierUntil, ChannelChange};

use super::Node;
use crate::binlog::{BinlogPos, Trx};
use crate::effects::{Effects, NodeTimer, Note, ReplThread};
use crate::gtid::GtidSet;
use crate::ids::{Addr, NodeId};
use crate::mariadb;
use crate::message::{DumpStart, Msg};
use crate::rows::RowEvent;
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
    /// SOURCE_DELAY: the applier holds each transaction until this long after its original
    /// commit on the source (docs/semantics.md §3.6). Zero applies at once.
    pub sql_delay: Duration,
    /// When the applier may start the head transaction, while it waits out SOURCE_DELAY
    /// (MySQL's `Relay_log_info::sql_delay_end`); None when it is not waiting.
    sql_delay_end: Option<Instant>,
    /// Bumped when the applier stops, voiding its pending ApplyDone.
    sql_epoch: u64,
    applying: bool,
    /// START REPLICA … UNTIL: where the applier stops by itself.
    pub until: Option<ApplierUntil>,
    /// SOURCE_HEARTBEAT_PERIOD set by CHANGE REPLICATION SOURCE TO (ms), sent to the source
    /// when the receiver connects; `None`: the source's default.
    pub heartbeat_ms: Option<u64>,
}

/// Replica_SQL_Running_State while the applier waits out SOURCE_DELAY (8.0.26+ spelling).
pub const STATE_SQL_DELAY: &str = "Waiting until SOURCE_DELAY seconds after source executed event";
/// Replica_SQL_Running_State of an idle applier.
pub const STATE_SQL_IDLE: &str = "Replica has read all relay log; waiting for more updates";

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
            sql_delay: Duration::ZERO,
            sql_delay_end: None,
            sql_epoch: 0,
            applying: false,
            until: None,
            heartbeat_ms: None,
        }
    }

    /// When SOURCE_DELAY lets the applier start `trx`: MySQL 8.0's `sql_delay_event` rounds
    /// the original commit timestamp up to a whole second and adds the delay. None without a delay.
    pub fn delay_end(&self, trx: &Trx) -> Option<Instant> {
        if self.sql_delay.is_zero() {
            return None;
        }
        let committed_s = trx.timestamp.since_start().as_micros().div_ceil(1_000_000);
        Some(Instant::from_secs(committed_s) + self.sql_delay)
    }

    /// SQL_Remaining_Delay: whole seconds left of the SOURCE_DELAY wait, NULL (None) unless
    /// the applier is waiting (MySQL subtracts `time(0)`, the current second rounded down).
    pub fn sql_remaining_delay_s(&self, now: Instant) -> Option<u64> {
        let end = self.sql_delay_end.filter(|&end| end > now)?;
        Some(end.since_start().as_secs() - now.since_start().as_secs())
    }

    /// Replica_SQL_Running_State (the SQL thread's line in SHOW PROCESSLIST); empty when stopped.
    pub fn sql_state(&self, now: Instant, running: bool) -> &'static str {
        if !running || !self.sql_running {
            return "";
        }
        if self.sql_remaining_delay_s(now).is_some() {
            return STATE_SQL_DELAY;
        }
        match self.relay_log.front().and_then(|e| e.trx.rows.first()) {
            _ if !self.applying => STATE_SQL_IDLE,
            Some(RowEvent::Update { .. }) => "Applying batch of row changes (update)",
            Some(RowEvent::Delete { .. }) => "Applying batch of row changes (delete)",
            _ => "Applying batch of row changes (write)",
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
            sql_delay_s: self.sql_delay.as_secs(),
            sql_remaining_delay_s: if running && self.sql_running {
                self.sql_remaining_delay_s(now)
            } else {
                None
            },
            sql_state: self.sql_state(now, running),
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
            ch.sql_delay_end = None;
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
        ch.sql_delay_end = None;
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
        // CHANGE REPLICATION SOURCE keeps the options it does not name: SOURCE_DELAY stays
        // (RESET REPLICA ALL, which drops the channel, is what clears it).
        ch.sql_delay = self
            .channel
            .as_ref()
            .map_or(Duration::ZERO, |c| c.sql_delay);
        self.channel = Some(ch);
        self.start_replica(now, fx)
    }

    /// Opens a new connection to the source and asks for its binlog.
    pub(super) fn connect(&mut self, now: Instant, fx: &mut Effects) {
        let (server_id, uuid, me) = (self.server_id, self.uuid, self.addr());
        let executed = self.gtid_executed.clone();
        let mariadb_pos = self.cfg.flavor.is_mariadb().then(|| self.use_gtid_pos());
        let net_timeout = self.cfg.net_timeout();
        let retry = self.cfg.connect_retry();
        let retry_count = self.cfg.source_retry_count;
        // Each connection reads rpl_semi_sync_replica_enabled afresh, so SET GLOBAL takes
        // effect at the next (re)start of the receiver, as the manual says (MySQL
        // semisync_replica_plugin.cc repl_semi_replica_request_dump; MariaDB
        // semisync_slave.cc Repl_semi_sync_slave::request_transmit).
        let semi_sync_enabled = self.cfg.rpl_semi_sync_replica_enabled;
        let Some(ch) = &mut self.channel else { return };
        ch.semi_sync = semi_sync_enabled;
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
        let start = if ch.auto_position && mariadb_pos.is_some() {
            DumpStart::Gtids(mariadb::pos_gtids(&received_pos(
                mariadb_pos.unwrap_or_default(),
                ch,
            )))
        } else if ch.auto_position {
            DumpStart::Gtids(executed.union(&ch.retrieved_gtid_set))
        } else {
            DumpStart::Position(ch.read_source_pos)
        };
        let (conn, src, semi_sync) = (ch.conn, Addr::Node(ch.source), ch.semi_sync);
        let heartbeat_ms = ch.heartbeat_ms;
        fx.send(
            me,
            src,
            Msg::DumpRequest {
                conn,
                server_id,
                uuid,
                start,
                semi_sync,
                heartbeat_ms,
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
            // MariaDB has no such skip: its source starts after the replica's position, and
            // a transaction sent twice is applied twice (gtid_ignore_duplicates is OFF).
            if !self.cfg.flavor.is_mariadb() && self.gtid_executed.contains(head.trx.gtid) {
                ch.exec_source_pos = head.source_end;
                ch.relay_log.pop_front();
                continue;
            }
            if ch.until.as_ref().is_some_and(|u| u.stops_before(&head.trx)) {
                // START REPLICA UNTIL SQL_BEFORE_GTIDS: this one is named; stop before it.
                ch.stop_sql();
                return;
            }
            ch.applying = true;
            // SOURCE_DELAY: wait until the delay after the original commit, then apply.
            let start = match ch.delay_end(&head.trx) {
                Some(end) if end > now => {
                    ch.sql_delay_end = Some(end);
                    end
                }
                _ => now,
            };
            let conn_epoch = ch.sql_epoch;
            self.timer(fx, start + apply, NodeTimer::ApplyDone { conn_epoch });
            return;
        }
    }

    pub(super) fn on_apply_done(&mut self, now: Instant, conn_epoch: u64, fx: &mut Effects) {
        let Some(ch) = &mut self.channel else { return };
        if ch.sql_epoch != conn_epoch || !ch.applying {
            return;
        }
        ch.applying = false;
        ch.sql_delay_end = None;
        let Some(head) = ch.relay_log.front().cloned() else {
            return;
        };
        if let Err((errno, message)) = self.check_strict_sequence(&head.trx) {
            self.stop_applier_with(now, errno, message, fx);
            return;
        }
        if let Err((e, event)) = self.apply_rows(&head.trx) {
            let message = format!(
                "Could not execute {event} event on table kv; {}, Error_code: {}",
                e.message(),
                e.errno()
            );
            self.stop_applier_with(now, e.errno(), message, fx);
            return;
        }
        if let Some(ch) = &mut self.channel {
            ch.exec_source_pos = head.source_end;
            ch.relay_log.pop_front();
        }
        let gtid = head.trx.gtid;
        let slave_pos_before = self.record_slave_pos(gtid);
        self.commit_applied(now, head.trx, fx);
        self.remember_slave_pos(gtid, slave_pos_before);
        self.until_check_after();
        self.release_waiting_reads(fx);
        self.kick_applier(now, fx);
    }

    /// The applier stops with Last_SQL_Errno/Last_SQL_Error and the run notes it.
    fn stop_applier_with(&mut self, now: Instant, errno: u16, message: String, fx: &mut Effects) {
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
        self.record_slave_pos(head.trx.gtid);
        self.start_replica(now, fx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;
    use crate::gtid::Gtid;
    use crate::message::AdminCmd;
    use crate::rows::RowEvent;
    use crate::testkit::{effects, gtid, gtids, node, node_timers, pos, sent, trx};
    use crate::time::{ms, secs};

    const SOURCE: Addr = Addr::Node(NodeId(0));
    const NET_TIMEOUT: Duration = secs(4);
    const RETRY: Duration = secs(1);
    const APPLY: Duration = us(200);

    fn replica_cfg() -> NodeConfig {
        NodeConfig {
            read_only: true,
            replica_net_timeout_s: 4,
            source_connect_retry_s: 1,
            apply_us: 200,
            ..NodeConfig::default()
        }
    }

    /// db2 (server_id 2) replicating from db1, started at `now`.
    fn started_replica(cfg: NodeConfig, now: Instant) -> Node {
        let mut db2 = node(1, cfg, Some(0));
        effects(|fx| db2.start(now, fx));
        db2
    }

    /// db2, its IO thread connected on connection 1 at `now`.
    fn connected_replica(now: Instant) -> Node {
        let mut db2 = started_replica(replica_cfg(), now);
        deliver(&mut db2, now, Msg::DumpAccepted { conn: 1 });
        db2
    }

    fn deliver(db: &mut Node, now: Instant, msg: Msg) -> Effects {
        effects(|fx| db.on_message(now, SOURCE, msg, fx))
    }

    fn fire(db: &mut Node, now: Instant, timer: NodeTimer) -> Effects {
        effects(|fx| db.on_timer(now, timer, fx))
    }

    /// Packet `seq` of connection `conn`: db1's transaction `gno` writing `row`.
    fn ship(db: &mut Node, now: Instant, conn: u64, seq: u64, gno: u64, row: RowEvent) -> Effects {
        let end = pos(1, 157 + 282 * gno);
        let trx = trx(1, gno, row, now);
        deliver(
            db,
            now,
            Msg::BinlogTrx {
                conn,
                seq,
                trx,
                end,
            },
        )
    }

    fn write(key: u64, after: u64) -> RowEvent {
        RowEvent::Write { key, after }
    }

    /// The dump requests sent to the source: (connection, where to start).
    fn dump_requests(fx: &Effects) -> Vec<(u64, DumpStart)> {
        sent(fx)
            .into_iter()
            .filter_map(|(to, m)| match m {
                Msg::DumpRequest {
                    conn,
                    server_id: 2,
                    start,
                    ..
                } if to == SOURCE => Some((*conn, start.clone())),
                _ => None,
            })
            .collect()
    }

    fn io_error(errno: u16, message: &str) -> Note {
        Note::ReplicationError {
            node: NodeId(1),
            thread: ReplThread::Io,
            errno,
            message: message.into(),
        }
    }

    fn io(db: &Node) -> IoRunning {
        db.channel.as_ref().map_or(IoRunning::No, |c| c.io)
    }

    #[test]
    fn start_replica_asks_the_source_for_every_gtid_it_lacks() {
        let t0 = Instant::ZERO;
        let mut db2 = node(1, replica_cfg(), Some(0));
        let fx = effects(|fx| db2.start(t0, fx));
        let want = DumpStart::Gtids(GtidSet::new());
        assert_eq!(dump_requests(&fx), vec![(1, want)]);
        // A silent source: the connect times out, then the retry wait.
        let reconnect = NodeTimer::Reconnect { conn: 1 };
        assert_eq!(
            node_timers(&fx),
            vec![(t0 + NET_TIMEOUT + RETRY, reconnect)]
        );
        assert_eq!(io(&db2), IoRunning::Connecting);

        let t1 = t0 + ms(1);
        let fx = deliver(&mut db2, t1, Msg::DumpAccepted { conn: 1 });
        let watch = NodeTimer::NetTimeout { conn: 1 };
        assert_eq!(node_timers(&fx), vec![(t1 + NET_TIMEOUT, watch)]);
        assert_eq!(io(&db2), IoRunning::Yes);
    }

    #[test]
    fn the_relay_log_feeds_the_applier_one_transaction_at_a_time() {
        let t0 = Instant::ZERO;
        let mut db2 = connected_replica(t0);
        let t1 = t0 + ms(10);
        let fx = ship(&mut db2, t1, 1, 0, 1, write(1, 100));
        let apply = NodeTimer::ApplyDone { conn_epoch: 1 };
        assert_eq!(node_timers(&fx), vec![(t1 + APPLY, apply)]);
        let fx = ship(&mut db2, t1 + us(50), 1, 1, 2, write(2, 200));
        assert!(node_timers(&fx).is_empty(), "the applier is busy");
        let ch = db2.channel.as_ref().expect("channel");
        assert_eq!(ch.retrieved_gtid_set, gtids(1, 1, 2));
        assert_eq!(ch.read_source_pos, pos(1, 721));
        assert_eq!(db2.relay_pending(), 2);
        assert_eq!(db2.gtid_executed, GtidSet::new());

        let t2 = t1 + APPLY;
        let fx = fire(&mut db2, t2, apply);
        assert_eq!(node_timers(&fx), vec![(t2 + APPLY, apply)]);
        assert_eq!(db2.data.get(1), Some(100));
        assert_eq!(db2.gtid_executed, gtids(1, 1, 1));
        assert_eq!(db2.relay_pending(), 1);
        let status = db2.status(t2).replica.expect("replica status");
        assert_eq!(status.exec_source_pos, pos(1, 439));
        // Seconds_Behind_Source: the age of the oldest unapplied transaction (db1 wrote it at t1 + 50 µs).
        assert_eq!(status.replication_lag, Some(APPLY - us(50)));
        // log_replica_updates: the applied transaction is in this replica's own binlog.
        let logged: Vec<Gtid> = db2.binlog.entries().map(|e| e.trx.gtid).collect();
        assert_eq!(logged, vec![gtid(1, 1)]);

        fire(&mut db2, t2 + APPLY, apply);
        assert_eq!(db2.gtid_executed, gtids(1, 1, 2));
        assert_eq!(db2.relay_pending(), 0);
    }

    #[test]
    fn a_gap_in_the_stream_reconnects_asking_for_executed_and_retrieved_gtids() {
        let t0 = Instant::ZERO;
        let mut db2 = connected_replica(t0);
        ship(&mut db2, t0, 1, 0, 1, write(1, 100));
        fire(&mut db2, t0 + APPLY, NodeTimer::ApplyDone { conn_epoch: 1 });
        ship(&mut db2, t0 + ms(1), 1, 1, 2, write(2, 200));

        // Packet 2 (transaction 3) was lost on a cut link: packet 3 arrives out of order.
        let t1 = t0 + ms(5);
        let fx = ship(&mut db2, t1, 1, 3, 4, write(4, 400));
        let lost = "Lost connection to MySQL server during query (packets lost)";
        assert_eq!(fx.notes, vec![io_error(2013, lost)]);
        // Executed 1:1 plus retrieved-but-unapplied 1:2: the source resends from 1:3.
        let want = DumpStart::Gtids(gtids(1, 1, 2));
        assert_eq!(dump_requests(&fx), vec![(2, want)]);
        let reconnect = NodeTimer::Reconnect { conn: 2 };
        assert_eq!(
            node_timers(&fx),
            vec![(t1 + NET_TIMEOUT + RETRY, reconnect)]
        );
        assert_eq!(db2.relay_pending(), 1, "transaction 4 was not kept");
        let status = db2.status(t1).replica.expect("replica status");
        assert_eq!(status.io_running, IoRunning::Connecting);
        assert_eq!(status.last_io_error.map(|e| e.errno), Some(2013));

        // Late packets of the dead connection are dropped.
        assert!(ship(&mut db2, t1, 1, 4, 5, write(5, 500)).is_empty());
        deliver(&mut db2, t1 + ms(1), Msg::DumpAccepted { conn: 2 });
        let status = db2.status(t1).replica.expect("replica status");
        assert_eq!(
            (status.io_running, status.last_io_error),
            (IoRunning::Yes, None)
        );
    }

    #[test]
    fn without_auto_position_the_replica_reconnects_at_the_file_and_position_it_read_to() {
        let t0 = Instant::ZERO;
        let cfg = NodeConfig {
            auto_position: false,
            ..replica_cfg()
        };
        let mut db2 = started_replica(cfg, t0);
        deliver(&mut db2, t0, Msg::DumpAccepted { conn: 1 });
        ship(&mut db2, t0, 1, 0, 1, write(1, 100));
        ship(&mut db2, t0, 1, 1, 2, write(2, 200));
        let fx = deliver(&mut db2, t0 + ms(1), Msg::ConnReset);
        let reset = "Lost connection to MySQL server during query (connection reset by peer)";
        assert_eq!(fx.notes, vec![io_error(2013, reset)]);
        let want = DumpStart::Position(pos(1, 721));
        assert_eq!(dump_requests(&fx), vec![(2, want)]);
    }

    #[test]
    fn a_silent_source_times_out_and_the_io_thread_keeps_retrying() {
        let t0 = Instant::ZERO;
        let mut db2 = connected_replica(t0);
        ship(&mut db2, t0 + secs(1), 1, 0, 1, write(1, 100));

        // The watchdog fires 4 s after connecting, but data came 3 s ago: it re-arms.
        let fx = fire(
            &mut db2,
            t0 + NET_TIMEOUT,
            NodeTimer::NetTimeout { conn: 1 },
        );
        let watch = NodeTimer::NetTimeout { conn: 1 };
        assert_eq!(node_timers(&fx), vec![(t0 + secs(1) + NET_TIMEOUT, watch)]);
        assert!(fx.sends.is_empty() && fx.notes.is_empty());

        // Nothing at all for replica_net_timeout: the connection is given up.
        let t1 = t0 + secs(1) + NET_TIMEOUT;
        let fx = fire(&mut db2, t1, watch);
        let silent = "Lost connection: nothing received for replica_net_timeout";
        assert_eq!(fx.notes, vec![io_error(2013, silent)]);
        let want = DumpStart::Gtids(gtids(1, 1, 1));
        assert_eq!(dump_requests(&fx), vec![(2, want.clone())]);
        let retry_at = t1 + NET_TIMEOUT + RETRY;
        let reconnect = NodeTimer::Reconnect { conn: 2 };
        assert_eq!(node_timers(&fx), vec![(retry_at, reconnect)]);

        // The source stays silent: the retry timer connects again, with the same request.
        assert!(fire(&mut db2, retry_at, NodeTimer::Reconnect { conn: 1 }).is_empty());
        let fx = fire(&mut db2, retry_at, reconnect);
        assert_eq!(dump_requests(&fx), vec![(3, want)]);
        let again = NodeTimer::Reconnect { conn: 3 };
        assert_eq!(
            node_timers(&fx),
            vec![(retry_at + NET_TIMEOUT + RETRY, again)]
        );
    }

    #[test]
    fn a_refused_connection_waits_connect_retry_and_gives_up_after_the_retry_count() {
        let t0 = Instant::ZERO;
        let cfg = NodeConfig {
            source_retry_count: 1,
            ..replica_cfg()
        };
        let mut db2 = started_replica(cfg, t0);
        let fx = deliver(&mut db2, t0 + ms(1), Msg::Refused { req: 1 });
        let refused = "error connecting to source 'node0' - retry-time: 1 retries: 1";
        assert_eq!(fx.notes, vec![io_error(2003, refused)]);
        let reconnect = NodeTimer::Reconnect { conn: 1 };
        assert_eq!(node_timers(&fx), vec![(t0 + ms(1) + RETRY, reconnect)]);
        assert!(fx.sends.is_empty());

        let t1 = t0 + ms(1) + RETRY;
        let fx = fire(&mut db2, t1, reconnect);
        let want = DumpStart::Gtids(GtidSet::new());
        assert_eq!(dump_requests(&fx), vec![(2, want)]);

        // SOURCE_RETRY_COUNT=1: after one retry is refused too, the IO thread stops.
        deliver(&mut db2, t1 + ms(1), Msg::Refused { req: 2 });
        let fx = fire(
            &mut db2,
            t1 + ms(1) + RETRY,
            NodeTimer::Reconnect { conn: 2 },
        );
        assert!(fx.is_empty());
        assert_eq!(io(&db2), IoRunning::No);
    }

    #[test]
    fn a_duplicate_key_stops_the_applier_until_the_transaction_is_skipped() {
        let t0 = Instant::ZERO;
        let mut db2 = connected_replica(t0);
        let apply = NodeTimer::ApplyDone { conn_epoch: 1 };
        ship(&mut db2, t0, 1, 0, 1, write(1, 100));
        fire(&mut db2, t0 + APPLY, apply);
        // Transaction 2 inserts key 1 again (the replica already has it): ER_DUP_ENTRY.
        ship(&mut db2, t0 + ms(1), 1, 1, 2, write(1, 200));
        let t1 = t0 + ms(1) + APPLY;
        let fx = fire(&mut db2, t1, apply);
        let message = "Could not execute Write_rows event on table kv; Duplicate entry '1' for key 'kv.PRIMARY', Error_code: 1062";
        let stopped = Note::ReplicationError {
            node: NodeId(1),
            thread: ReplThread::Sql,
            errno: 1062,
            message: message.into(),
        };
        assert_eq!(fx.notes, vec![stopped]);
        assert!(node_timers(&fx).is_empty());
        let status = db2.status(t1).replica.expect("replica status");
        assert!(!status.sql_running);
        assert_eq!(status.io_running, IoRunning::Yes, "the receiver goes on");
        let error = status.last_sql_error.expect("Last_SQL_Error");
        assert_eq!((error.errno, error.message.as_str()), (1062, message));
        assert_eq!(
            db2.data.get(1),
            Some(100),
            "the failed row change is undone"
        );
        assert_eq!(db2.gtid_executed, gtids(1, 1, 1));

        // The relay log keeps growing; nothing is applied.
        let fx = ship(&mut db2, t1, 1, 2, 3, write(3, 300));
        assert!(node_timers(&fx).is_empty());
        assert_eq!(db2.relay_pending(), 2);

        // The DBA skips the failed transaction: its GTID is executed empty, the applier restarts.
        let fx = effects(|fx| {
            let skipped = db2.operator(t1, AdminCmd::SkipFailedTransaction, fx);
            assert_eq!(skipped, Ok(()));
        });
        // The stop voided epoch 1's timers (epoch 2); the restart runs in epoch 3.
        let restarted = NodeTimer::ApplyDone { conn_epoch: 3 };
        assert_eq!(node_timers(&fx), vec![(t1 + APPLY, restarted)]);
        assert_eq!(db2.gtid_executed, gtids(1, 1, 2));
        fire(&mut db2, t1 + APPLY, restarted);
        assert_eq!((db2.data.get(1), db2.data.get(3)), (Some(100), Some(300)));
    }

    #[test]
    fn an_update_of_a_missing_row_stops_the_applier_with_1032() {
        let t0 = Instant::ZERO;
        let mut db2 = connected_replica(t0);
        let update = RowEvent::Update {
            key: 7,
            before: 1,
            after: 2,
        };
        ship(&mut db2, t0, 1, 0, 1, update);
        fire(&mut db2, t0 + APPLY, NodeTimer::ApplyDone { conn_epoch: 1 });
        let error = db2.status(t0).replica.and_then(|r| r.last_sql_error);
        let message = "Could not execute Update_rows event on table kv; Can't find record in 'kv' (id=7), Error_code: 1032";
        assert_eq!(
            error.map(|e| (e.errno, e.message)),
            Some((1032, message.into()))
        );
    }

    #[test]
    fn source_delay_holds_each_transaction_until_the_delay_after_its_original_commit() {
        let t0 = Instant::ZERO;
        let cfg = NodeConfig {
            source_delay_s: 10,
            ..replica_cfg()
        };
        let mut db2 = started_replica(cfg, t0);
        deliver(&mut db2, t0, Msg::DumpAccepted { conn: 1 });
        // db1 committed at 2.3 s; it arrives at once. MySQL rounds the original commit
        // timestamp up to 3 s, so the applier starts at 13 s.
        let t1 = t0 + ms(2_300);
        let fx = ship(&mut db2, t1, 1, 0, 1, write(1, 100));
        let apply = NodeTimer::ApplyDone { conn_epoch: 1 };
        assert_eq!(node_timers(&fx), vec![(t0 + secs(13) + APPLY, apply)]);

        let status = db2.status(t0 + ms(4_500)).replica.expect("replica status");
        assert_eq!(status.sql_delay_s, 10);
        // time(0) is 4: 13 - 4 = 9 seconds remain.
        assert_eq!(status.sql_remaining_delay_s, Some(9));
        assert_eq!(status.sql_state, STATE_SQL_DELAY);
        // Seconds_Behind_Source counts from the original commit: it grows by the delay.
        assert_eq!(status.seconds_behind_source(), Some(2));
        let waiting = db2.status(t0 + ms(12_900)).replica.expect("replica status");
        assert_eq!(waiting.seconds_behind_source(), Some(10));
        assert_eq!(waiting.sql_remaining_delay_s, Some(1));
        assert_eq!(db2.data.get(1), None, "nothing applied during the delay");

        fire(&mut db2, t0 + secs(13) + APPLY, apply);
        assert_eq!(db2.data.get(1), Some(100));
        let status = db2.status(t0 + secs(14)).replica.expect("replica status");
        assert_eq!(status.sql_remaining_delay_s, None, "NULL when not waiting");
        assert_eq!(status.sql_state, STATE_SQL_IDLE);
    }

    #[test]
    fn a_transaction_older_than_the_delay_is_applied_at_once_and_stop_ends_the_wait() {
        let t0 = Instant::ZERO;
        let cfg = NodeConfig {
            source_delay_s: 5,
            ..replica_cfg()
        };
        let mut db2 = started_replica(cfg, t0);
        deliver(&mut db2, t0, Msg::DumpAccepted { conn: 1 });
        // Committed at 1 s but received (a lagging link) at 7 s: already 6 s old.
        let late = trx(1, 1, write(1, 100), t0 + secs(1));
        let t1 = t0 + secs(7);
        let msg = Msg::BinlogTrx {
            conn: 1,
            seq: 0,
            trx: late,
            end: pos(1, 439),
        };
        let fx = deliver(&mut db2, t1, msg);
        let apply = NodeTimer::ApplyDone { conn_epoch: 1 };
        assert_eq!(node_timers(&fx), vec![(t1 + APPLY, apply)]);
        fire(&mut db2, t1 + APPLY, apply);

        // The next one waits; STOP REPLICA ends the wait and voids its timer.
        ship(&mut db2, t1 + secs(1), 1, 1, 2, write(2, 200));
        let status = db2.status(t1 + secs(1)).replica.expect("replica status");
        assert_eq!(status.sql_remaining_delay_s, Some(5));
        assert_eq!(db2.stop_replica(), Ok(()));
        let status = db2.status(t1 + secs(1)).replica.expect("replica status");
        assert_eq!((status.sql_remaining_delay_s, status.sql_state), (None, ""));
        assert!(fire(&mut db2, t1 + secs(6) + APPLY, apply).is_empty());
        assert_eq!(db2.data.get(2), None);
    }

    #[test]
    fn change_source_keeps_the_delay_and_reset_replica_all_clears_it() {
        let t0 = Instant::ZERO;
        let cfg = NodeConfig {
            source_delay_s: 3600,
            ..replica_cfg()
        };
        let mut db2 = started_replica(cfg, t0);
        effects(|fx| {
            assert_eq!(db2.change_source(t0, NodeId(2), true, fx), Ok(()));
        });
        let delay = db2.channel.as_ref().map(|c| c.sql_delay);
        assert_eq!(delay, Some(secs(3600)));
        assert_eq!(db2.reset_replica_all(), Ok(()));
        effects(|fx| {
            assert_eq!(db2.change_source(t0, NodeId(0), true, fx), Ok(()));
        });
        let delay = db2.channel.as_ref().map(|c| c.sql_delay);
        assert_eq!(delay, Some(Duration::ZERO));
    }

    #[test]
    fn a_server_drops_its_own_transactions_coming_back_round_a_ring() {
        let t0 = Instant::ZERO;
        let mut db2 = connected_replica(t0);
        let own = trx(2, 1, write(1, 100), t0);
        let msg = Msg::BinlogTrx {
            conn: 1,
            seq: 0,
            trx: own,
            end: pos(1, 439),
        };
        let fx = deliver(&mut db2, t0, msg);
        assert!(fx.is_empty());
        assert_eq!(db2.relay_pending(), 0);
        let ch = db2.channel.as_ref().expect("channel");
        assert_eq!(ch.read_source_pos, pos(1, 439), "but it has read that far");
        assert_eq!(ch.retrieved_gtid_set, GtidSet::new());
    }
}
