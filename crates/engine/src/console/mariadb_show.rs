//! SHOW SLAVE STATUS as MariaDB 10.11 prints it (sql/slave.cc
//! `show_master_info_get_fields` / `send_show_master_info_data`): the `Master`/`Slave`
//! column names, no GTID sets but `Using_Gtid` and `Gtid_IO_Pos`, and the source's
//! refusal reported as 1236 itself ("from master").

use super::format::ResultSet;
use crate::mariadb::{self, MariaGtid};
use crate::node::Node;

/// MariaDB's columns, each with the MySQL 8.4 column it is read from (`None`: MariaDB's own).
const COLUMNS: &[(&str, Option<&str>, bool)] = &[
    ("Slave_IO_State", Some("Replica_IO_State"), false),
    ("Master_Host", Some("Source_Host"), false),
    ("Master_User", Some("Source_User"), false),
    ("Master_Port", Some("Source_Port"), true),
    ("Connect_Retry", Some("Connect_Retry"), true),
    ("Master_Log_File", Some("Source_Log_File"), false),
    ("Read_Master_Log_Pos", Some("Read_Source_Log_Pos"), true),
    ("Relay_Log_File", Some("Relay_Log_File"), false),
    ("Relay_Log_Pos", Some("Relay_Log_Pos"), true),
    (
        "Relay_Master_Log_File",
        Some("Relay_Source_Log_File"),
        false,
    ),
    ("Slave_IO_Running", Some("Replica_IO_Running"), false),
    ("Slave_SQL_Running", Some("Replica_SQL_Running"), false),
    ("Replicate_Rewrite_DB", Some("Replicate_Rewrite_DB"), false),
    ("Replicate_Do_DB", Some("Replicate_Do_DB"), false),
    ("Replicate_Ignore_DB", Some("Replicate_Ignore_DB"), false),
    ("Replicate_Do_Table", Some("Replicate_Do_Table"), false),
    (
        "Replicate_Ignore_Table",
        Some("Replicate_Ignore_Table"),
        false,
    ),
    (
        "Replicate_Wild_Do_Table",
        Some("Replicate_Wild_Do_Table"),
        false,
    ),
    (
        "Replicate_Wild_Ignore_Table",
        Some("Replicate_Wild_Ignore_Table"),
        false,
    ),
    ("Last_Errno", Some("Last_Errno"), true),
    ("Last_Error", Some("Last_Error"), false),
    ("Skip_Counter", Some("Skip_Counter"), true),
    ("Exec_Master_Log_Pos", Some("Exec_Source_Log_Pos"), true),
    ("Relay_Log_Space", Some("Relay_Log_Space"), true),
    ("Until_Condition", Some("Until_Condition"), false),
    ("Until_Log_File", Some("Until_Log_File"), false),
    ("Until_Log_Pos", Some("Until_Log_Pos"), true),
    ("Master_SSL_Allowed", Some("Source_SSL_Allowed"), false),
    ("Master_SSL_CA_File", Some("Source_SSL_CA_File"), false),
    ("Master_SSL_CA_Path", Some("Source_SSL_CA_Path"), false),
    ("Master_SSL_Cert", Some("Source_SSL_Cert"), false),
    ("Master_SSL_Cipher", Some("Source_SSL_Cipher"), false),
    ("Master_SSL_Key", Some("Source_SSL_Key"), false),
    ("Seconds_Behind_Master", Some("Seconds_Behind_Source"), true),
    (
        "Master_SSL_Verify_Server_Cert",
        Some("Source_SSL_Verify_Server_Cert"),
        false,
    ),
    ("Last_IO_Errno", None, true),
    ("Last_IO_Error", None, false),
    ("Last_SQL_Errno", Some("Last_SQL_Errno"), true),
    ("Last_SQL_Error", Some("Last_SQL_Error"), false),
    (
        "Replicate_Ignore_Server_Ids",
        Some("Replicate_Ignore_Server_Ids"),
        false,
    ),
    ("Master_Server_Id", Some("Source_Server_Id"), true),
    ("Master_SSL_Crl", Some("Source_SSL_Crl"), false),
    ("Master_SSL_Crlpath", Some("Source_SSL_Crlpath"), false),
    ("Using_Gtid", None, false),
    ("Gtid_IO_Pos", None, false),
    ("Replicate_Do_Domain_Ids", None, false),
    ("Replicate_Ignore_Domain_Ids", None, false),
    ("Parallel_Mode", None, false),
    ("SQL_Delay", Some("SQL_Delay"), true),
    ("SQL_Remaining_Delay", Some("SQL_Remaining_Delay"), true),
    (
        "Slave_SQL_Running_State",
        Some("Replica_SQL_Running_State"),
        false,
    ),
];

/// MySQL's SHOW REPLICA STATUS of `n` (one row or none) as MariaDB's SHOW SLAVE STATUS.
pub(super) fn slave_status(n: &Node, mysql: &ResultSet) -> ResultSet {
    let header: Vec<(&str, bool)> = COLUMNS.iter().map(|&(c, _, num)| (c, num)).collect();
    let mut rs = ResultSet::new(&header);
    let (Some(row), Some(ch)) = (mysql.rows.first(), n.channel.as_ref()) else {
        return rs;
    };
    let cell = |name: &str| {
        let i = mysql.columns.iter().position(|c| c.name == name)?;
        row.get(i).cloned().flatten()
    };
    let io_error = ch.last_io_error.as_ref();
    let using = if ch.auto_position {
        n.cfg.master_use_gtid.name()
    } else {
        "No"
    };
    let cells = COLUMNS.iter().map(|&(name, from, _)| match (name, from) {
        // sql/slave.cc's stage names say "master" where MySQL 8.4 says "source".
        ("Slave_IO_State", Some(m)) => cell(m).map(|t| t.replace("source", "master")),
        (_, Some(m)) => cell(m),
        ("Last_IO_Errno", _) => Some(io_error.map_or(0, |e| e.errno).to_string()),
        ("Last_IO_Error", _) => Some(io_error.map_or_else(String::new, io_error_text)),
        ("Using_Gtid", _) => Some(using.to_string()),
        ("Gtid_IO_Pos", _) => Some(io_pos(n, ch)),
        ("Parallel_Mode", _) => Some("optimistic".to_string()),
        _ => Some(String::new()),
    });
    rs.push(cells.collect());
    rs
}

/// 1236 from the source as MariaDB's receiver words it (sql/slave.cc `handle_slave_io`).
fn io_error_text(e: &crate::status::ThreadError) -> String {
    if e.errno == 1236 {
        format!(
            "Got fatal error 1236 from master when reading data from binary log: '{}'",
            e.message
        )
    } else {
        e.message.clone()
    }
}

/// Gtid_IO_Pos: where the receiver started (MASTER_USE_GTID's position) moved on, per
/// domain, to the last GTID it wrote to the relay log.
fn io_pos(n: &Node, ch: &crate::node::Channel) -> String {
    if !ch.auto_position {
        return String::new();
    }
    let mut pos = n.use_gtid_pos();
    for g in ch
        .retrieved_gtid_set
        .iter()
        .filter_map(MariaGtid::from_gtid)
    {
        let slot = pos.entry(g.domain_id).or_insert(g);
        if g.seq_no > slot.seq_no {
            *slot = g;
        }
    }
    mariadb::pos_text(&pos)
}
