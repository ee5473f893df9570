//! The SHOW statements of replication, with MySQL 8.4's column names in MySQL's order
//! (sql/rpl_replica.cc `show_replica_status`, sql/rpl_source.cc `show_binlogs`,
//! `show_replicas`, sql/sql_show.cc processlist), filled from the node's state.

use super::format::ResultSet;
use crate::binlog::BinlogPos;
use crate::ids::{Addr, NodeId};
use crate::node::{ApplierUntil, Channel, Node};
use crate::sql::SqlError;
use crate::status::{IoRunning, ReplicaStatus, ThreadError};
use crate::time::Instant;
use crate::world::World;

/// Where simulated time zero falls on the wall clock: 2026-01-01 00:00:00 UTC (error
/// timestamps, PURGE BINARY LOGS BEFORE).
pub const WALL_CLOCK_EPOCH_UNIX_S: u64 = 1_767_225_600;

/// The port every server listens on (the hosts differ, the port does not).
pub const PORT: u64 = 3306;

/// `binlog.000003`.
pub fn binlog_name(file: u32) -> String {
    format!("binlog.{file:06}")
}

/// `db2-relay-bin.000002`: the relay log of one connection (a new file per IO thread start).
pub fn relay_log_name(node: &str, file: u64) -> String {
    format!("{node}-relay-bin.{file:06}")
}

/// The relay log file a channel writes now: MySQL opens a new one at every IO thread
/// start; the first connection writes file 2 (file 1 is opened and rotated at setup).
pub fn relay_file(conn: u64) -> u64 {
    conn.max(1) + 1
}

/// A simulated instant on the wall clock as MySQL prints error timestamps: `260101 00:00:07`.
pub fn wall_short(at: Instant) -> String {
    let (y, m, d, hh, mm, ss) = civil(WALL_CLOCK_EPOCH_UNIX_S + at.since_start().as_secs());
    format!("{:02}{m:02}{d:02} {hh:02}:{mm:02}:{ss:02}", y % 100)
}

/// Year, month, day, hour, minute, second of a Unix time (UTC), on the calendar
/// `mysqlbinlog` prints with.
pub fn civil(unix_s: u64) -> (u64, u64, u64, u64, u64, u64) {
    let (y, m, d) = crate::mysqlbinlog::civil_from_days(unix_s / 86_400);
    let secs = unix_s % 86_400;
    (y, m, d, secs / 3_600, secs % 3_600 / 60, secs % 60)
}

fn text(s: impl Into<String>) -> Option<String> {
    Some(s.into())
}

fn num(n: impl ToString) -> Option<String> {
    Some(n.to_string())
}

/// A GTID set as MySQL prints it in a result: one UUID's intervals per line.
pub fn gtid_text(set: &crate::gtid::GtidSet) -> String {
    set.to_string().replace(",", ",\n")
}

/// Replica_IO_State for the receiver's state (sql/rpl_replica.cc stage names).
fn io_state(io: IoRunning) -> &'static str {
    match io {
        IoRunning::Yes => "Waiting for source to send event",
        IoRunning::Connecting => "Connecting to source",
        IoRunning::No => "",
    }
}

fn running(io: IoRunning) -> &'static str {
    match io {
        IoRunning::Yes => "Yes",
        IoRunning::Connecting => "Connecting",
        IoRunning::No => "No",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

/// The columns of SHOW REPLICA STATUS in MySQL 8.4's order, numeric ones marked.
const REPLICA_STATUS: &[(&str, bool)] = &[
    ("Replica_IO_State", false),
    ("Source_Host", false),
    ("Source_User", false),
    ("Source_Port", true),
    ("Connect_Retry", true),
    ("Source_Log_File", false),
    ("Read_Source_Log_Pos", true),
    ("Relay_Log_File", false),
    ("Relay_Log_Pos", true),
    ("Relay_Source_Log_File", false),
    ("Replica_IO_Running", false),
    ("Replica_SQL_Running", false),
    ("Replicate_Do_DB", false),
    ("Replicate_Ignore_DB", false),
    ("Replicate_Do_Table", false),
    ("Replicate_Ignore_Table", false),
    ("Replicate_Wild_Do_Table", false),
    ("Replicate_Wild_Ignore_Table", false),
    ("Last_Errno", true),
    ("Last_Error", false),
    ("Skip_Counter", true),
    ("Exec_Source_Log_Pos", true),
    ("Relay_Log_Space", true),
    ("Until_Condition", false),
    ("Until_Log_File", false),
    ("Until_Log_Pos", true),
    ("Source_SSL_Allowed", false),
    ("Source_SSL_CA_File", false),
    ("Source_SSL_CA_Path", false),
    ("Source_SSL_Cert", false),
    ("Source_SSL_Cipher", false),
    ("Source_SSL_Key", false),
    ("Seconds_Behind_Source", true),
    ("Source_SSL_Verify_Server_Cert", false),
    ("Last_IO_Errno", true),
    ("Last_IO_Error", false),
    ("Last_SQL_Errno", true),
    ("Last_SQL_Error", false),
    ("Replicate_Ignore_Server_Ids", false),
    ("Source_Server_Id", true),
    ("Source_UUID", false),
    ("Source_Info_File", false),
    ("SQL_Delay", true),
    ("SQL_Remaining_Delay", true),
    ("Replica_SQL_Running_State", false),
    ("Source_Retry_Count", true),
    ("Source_Bind", false),
    ("Last_IO_Error_Timestamp", false),
    ("Last_SQL_Error_Timestamp", false),
    ("Source_SSL_Crl", false),
    ("Source_SSL_Crlpath", false),
    ("Retrieved_Gtid_Set", false),
    ("Executed_Gtid_Set", false),
    ("Auto_Position", true),
    ("Replicate_Rewrite_DB", false),
    ("Channel_Name", false),
    ("Source_TLS_Version", false),
    ("Source_public_key_path", false),
    ("Get_Source_public_key", true),
    ("Network_Namespace", false),
];

fn blanks(k: usize) -> impl Iterator<Item = Option<String>> {
    std::iter::repeat_with(|| text("")).take(k)
}

/// SHOW REPLICA STATUS from Source_SSL_Verify_Server_Cert to the end.
fn applier_cells(n: &Node, ch: &Channel, st: &ReplicaStatus, source: &Node) -> Vec<Option<String>> {
    let io_error = st.last_io_error.as_ref().map(source_error_as_reported);
    let [io_errno, io_error, io_at] = error_cells(io_error.as_ref());
    let [sql_errno, sql_error, sql_at] = error_cells(st.last_sql_error.as_ref());
    let mut row = vec![
        text("No"),
        io_errno,
        io_error,
        sql_errno,
        sql_error,
        text(""),
        num(source.server_id),
        text(source.uuid.to_string()),
        text("mysql.slave_master_info"),
        num(st.sql_delay_s),
        st.sql_remaining_delay_s.map(|s| s.to_string()),
        text(st.sql_state),
        num(n.cfg.source_retry_count),
        text(""),
        io_at,
        sql_at,
    ];
    row.extend(blanks(2));
    row.extend([
        text(gtid_text(&st.retrieved_gtid_set)),
        text(gtid_text(&n.gtid_executed)),
        num(u8::from(ch.auto_position)),
    ]);
    row.extend(blanks(4));
    row.extend([num(0), text("")]);
    row
}

/// Until_Condition, Until_Log_File and Until_Log_Pos.
fn until_cells(until: Option<&ApplierUntil>) -> (&'static str, String, u64) {
    match until {
        None => ("None", String::new(), 0),
        Some(ApplierUntil::BeforeGtids(_)) => ("SQL_BEFORE_GTIDS", String::new(), 0),
        Some(ApplierUntil::AfterGtids(_)) => ("SQL_AFTER_GTIDS", String::new(), 0),
        Some(ApplierUntil::SourcePos(p)) => ("Source", binlog_name(p.file), p.pos),
    }
}

/// MySQL error 1236 that the source's dump thread sent (ER_SOURCE_FATAL_ERROR_READING_BINLOG)
/// as the receiver reports it: `Last_IO_Errno: 13114` (ER_SERVER_SOURCE_FATAL_ERROR_READING_BINLOG)
/// and `Got fatal error 1236 from source when reading data from binary log: '…'`, as
/// `mi->report` does in sql/rpl_replica.cc when the dump request fails.
fn source_error_as_reported(e: &ThreadError) -> ThreadError {
    if e.errno != 1236 {
        return e.clone();
    }
    ThreadError {
        errno: 13_114,
        message: format!(
            "Got fatal error 1236 from source when reading data from binary log: '{}'",
            e.message
        ),
        ..e.clone()
    }
}

fn error_cells(e: Option<&ThreadError>) -> [Option<String>; 3] {
    match e {
        Some(e) => [num(e.errno), text(&e.message), text(wall_short(e.at_us))],
        None => [num(0), text(""), text("")],
    }
}

impl World {
    /// SHOW REPLICA STATUS: one row for the channel, an empty set without one.
    pub(super) fn show_replica_status(&self, id: NodeId) -> ResultSet {
        let mut rs = ResultSet::new(REPLICA_STATUS);
        let n = &self.nodes[id.index()];
        let (Some(ch), Some(st)) = (&n.channel, n.status(self.now()).replica) else {
            return rs;
        };
        let source = &self.nodes[ch.source.index()];
        let mut row = self.connection_cells(n, ch, &st, source);
        row.extend(applier_cells(n, ch, &st, source));
        rs.push(row);
        if n.cfg.flavor.is_mariadb() {
            return super::mariadb_show::slave_status(n, &rs);
        }
        rs
    }

    /// The node's SHOW REPLICA STATUS (MariaDB: SHOW SLAVE STATUS) as (column, value)
    /// pairs in its flavor's own column names, `NULL` for a missing value; empty without a
    /// channel. The page's inspector shows these, so it and the console never disagree.
    pub fn replica_status_fields(&self, id: NodeId) -> Vec<(String, String)> {
        let rs = self.show_replica_status(id);
        let Some(row) = rs.rows.first() else {
            return Vec::new();
        };
        rs.columns
            .iter()
            .zip(row)
            .map(|(c, v)| (c.name.clone(), v.clone().unwrap_or_else(|| "NULL".into())))
            .collect()
    }

    /// SHOW REPLICA STATUS from Replica_IO_State to Seconds_Behind_Source.
    fn connection_cells(
        &self,
        n: &Node,
        ch: &Channel,
        st: &ReplicaStatus,
        source: &Node,
    ) -> Vec<Option<String>> {
        let relay_space: u64 = 157 + ch.relay_log.iter().map(|e| e.trx.size()).sum::<u64>();
        let [sql_errno, sql_error, _] = error_cells(st.last_sql_error.as_ref());
        let (until, until_file, until_pos) = until_cells(ch.until.as_ref());
        let mut row = vec![
            text(io_state(st.io_running)),
            text(source.name()),
            text("repl"),
            num(PORT),
            num(n.cfg.source_connect_retry_s),
            text(binlog_name(st.read_source_pos.file)),
            num(st.read_source_pos.pos),
            text(relay_log_name(n.name(), relay_file(ch.conn))),
            // The relay file holds only what is not applied yet: the applier is at its start.
            num(crate::binlog::FIRST_EVENT_POS),
            text(binlog_name(st.exec_source_pos.file)),
            text(running(st.io_running)),
            text(yes_no(st.sql_running)),
        ];
        row.extend(blanks(6));
        row.extend([
            sql_errno,
            sql_error,
            num(0),
            num(st.exec_source_pos.pos),
            num(relay_space),
            text(until),
            text(until_file),
            num(until_pos),
            text("No"),
        ]);
        row.extend(blanks(5));
        row.push(st.seconds_behind_source().map(|s| s.to_string()));
        row
    }

    /// SHOW BINARY LOG STATUS (SHOW MASTER STATUS): where the next transaction will go.
    pub(super) fn show_binary_log_status(&self, id: NodeId) -> ResultSet {
        let n = &self.nodes[id.index()];
        let mut rs = ResultSet::new(&[
            ("File", false),
            ("Position", true),
            ("Binlog_Do_DB", false),
            ("Binlog_Ignore_DB", false),
            ("Executed_Gtid_Set", false),
        ]);
        let end: BinlogPos = n.binlog.end();
        rs.push(vec![
            text(binlog_name(end.file)),
            num(end.pos),
            text(""),
            text(""),
            text(gtid_text(&n.gtid_executed)),
        ]);
        rs
    }

    /// SHOW BINARY LOGS: every retained file and its size.
    pub(super) fn show_binary_logs(&self, id: NodeId) -> ResultSet {
        let n = &self.nodes[id.index()];
        let mut rs = ResultSet::new(&[
            ("Log_name", false),
            ("File_size", true),
            ("Encrypted", false),
        ]);
        for f in n.binlog.files() {
            rs.push(vec![text(binlog_name(f.number)), num(f.size), text("No")]);
        }
        rs
    }

    /// SHOW REPLICAS: the replicas whose dump threads this server runs.
    pub(super) fn show_replicas(&self, id: NodeId) -> ResultSet {
        let n = &self.nodes[id.index()];
        let mut rs = ResultSet::new(&[
            ("Server_Id", true),
            ("Host", false),
            ("Port", true),
            ("Source_Id", true),
            ("Replica_UUID", false),
        ]);
        for d in &n.dumps {
            let Addr::Node(r) = d.replica else { continue };
            let replica = &self.nodes[r.index()];
            rs.push(vec![
                num(d.server_id),
                text(replica.name()),
                num(PORT),
                num(n.server_id),
                text(replica.uuid.to_string()),
            ]);
        }
        rs
    }

    /// SHOW PROCESSLIST: the event scheduler, a Binlog Dump GTID thread per replica, the
    /// channel's receiver and applier, and this console's own session.
    pub(super) fn show_processlist(&self, id: NodeId, full: bool) -> ResultSet {
        let n = &self.nodes[id.index()];
        let mut rs = ResultSet::new(&[
            ("Id", true),
            ("User", false),
            ("Host", false),
            ("db", false),
            ("Command", false),
            ("Time", true),
            ("State", false),
            ("Info", false),
        ]);
        let uptime = self.now().since_start().as_secs();
        let row = |id: u64, user: &str, host: String, cmd: &str, time: u64, state: &str| {
            vec![
                num(id),
                text(user),
                text(host),
                None,
                text(cmd),
                num(time),
                text(state),
                None,
            ]
        };
        rs.push(row(
            5,
            "event_scheduler",
            "localhost".into(),
            "Daemon",
            uptime,
            "Waiting on empty queue",
        ));
        for (i, d) in n.dumps.iter().enumerate() {
            let host = format!("{}:{}", self.name(d.replica), 40_000 + d.conn % 20_000);
            let state = "Source has sent all binlog to replica; waiting for more updates";
            rs.push(row(
                20 + i as u64,
                "repl",
                host,
                "Binlog Dump GTID",
                0,
                state,
            ));
        }
        if let Some(ch) = n.channel.as_ref().filter(|_| n.is_running()) {
            if ch.io != IoRunning::No {
                rs.push(row(
                    40,
                    "system user",
                    "connecting host".into(),
                    "Connect",
                    0,
                    io_state(ch.io),
                ));
            }
            if ch.sql_running {
                let state = ch.sql_state(self.now(), true);
                rs.push(row(41, "system user", String::new(), "Query", 0, state));
            }
        }
        let info = if full {
            "SHOW FULL PROCESSLIST"
        } else {
            "SHOW PROCESSLIST"
        };
        let mut me = row(8, "root", "localhost".into(), "Query", 0, "init");
        me[3] = text("playground");
        me[7] = text(info);
        rs.push(me);
        rs
    }
}

/// ER_BAD_FIELD-free answer for a statement needing a channel that is not there (3074).
pub(crate) fn no_channel() -> SqlError {
    SqlError::new(3074, "HY000", "Replica channel '' does not exist.")
}

/// Whether `node` has the file `binlog.NNNNNN`.
pub(super) fn has_binlog_file(node: &Node, name: &str) -> Option<u32> {
    let number = name.strip_prefix("binlog.")?.parse::<u32>().ok()?;
    node.binlog
        .files()
        .iter()
        .any(|f| f.number == number)
        .then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_clock_starts_on_new_year_2026() {
        assert_eq!(civil(WALL_CLOCK_EPOCH_UNIX_S), (2026, 1, 1, 0, 0, 0));
        assert_eq!(civil(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(wall_short(Instant::from_secs(3_725)), "260101 01:02:05");
    }
}
