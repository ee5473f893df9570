//! A DBA at the MySQL console of each node (docs/sql.md): every statement with what it
//! answers and what it does to the cluster, success and error, read like a session.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::console::Reply;
use replication_playground::engine::status::IoRunning;
use replication_playground::engine::time::Instant;
use story::*;

/// Types `sql` at `node`'s console and runs 50 ms (long enough for a commit here).
fn type_at(s: &mut Story, node: &str, sql: &str) -> Vec<String> {
    let before = s.w.console(node).len();
    s.act(Command::Sql {
        node: node.into(),
        sql: sql.into(),
    });
    s.run_for(0.05);
    s.w.console(node)[before..]
        .iter()
        .map(|e| e.reply.text().to_string())
        .collect()
}

/// The one reply to a one-statement line.
fn say(s: &mut Story, node: &str, sql: &str) -> String {
    let replies = type_at(s, node, sql);
    assert_eq!(replies.len(), 1, "{replies:?}");
    replies[0].clone()
}

fn quiet_cluster() -> Story {
    let mut s = Story::new(primary_with(2, 0));
    s.run_to(2.0);
    s
}

#[test]
fn a_session_inserts_updates_deletes_and_reads_its_rows() {
    let mut s = quiet_cluster();
    assert_eq!(
        say(
            &mut s,
            "db1",
            "INSERT INTO kv VALUES (1, 10), (2, 20), (3, 30)"
        ),
        "Query OK, 3 rows affected (0.00 sec)\nRecords: 3  Duplicates: 0  Warnings: 0"
    );
    assert_eq!(
        say(&mut s, "db1", "INSERT INTO kv VALUES (2, 99)"),
        "ERROR 1062 (23000): Duplicate entry '2' for key 'kv.PRIMARY'"
    );
    assert_eq!(
        say(
            &mut s,
            "db1",
            "UPDATE kv SET val = 30 WHERE id BETWEEN 1 AND 3"
        ),
        "Query OK, 2 rows affected (0.00 sec)\nRows matched: 3  Changed: 2  Warnings: 0"
    );
    assert_eq!(
        say(&mut s, "db1", "REPLACE INTO kv VALUES (3, 33)"),
        "Query OK, 2 rows affected (0.00 sec)"
    );
    assert_eq!(
        say(&mut s, "db1", "DELETE FROM kv WHERE id = 1"),
        "Query OK, 1 row affected (0.00 sec)"
    );
    assert_eq!(
        say(&mut s, "db1", "DELETE FROM kv WHERE id = 1"),
        "Query OK, 0 rows affected (0.00 sec)"
    );
    assert_eq!(
        say(&mut s, "db1", "SELECT id, val FROM kv WHERE id >= 2"),
        "+----+-----+\n| id | val |\n+----+-----+\n|  2 |  30 |\n|  3 |  33 |\n+----+-----+\n2 rows in set (0.00 sec)"
    );
    assert_eq!(
        say(&mut s, "db1", "SELECT * FROM kv WHERE id = 7"),
        "Empty set (0.00 sec)"
    );
    s.run_for(1.0);
    assert_eq!(
        say(&mut s, "db3", "SELECT COUNT(*) FROM kv"),
        "+----------+\n| COUNT(*) |\n+----------+\n|        2 |\n+----------+\n1 row in set (0.00 sec)",
        "the replicas applied it all"
    );
}

#[test]
fn begin_commit_is_one_transaction_and_rollback_leaves_nothing() {
    let mut s = quiet_cluster();
    let before = s.node("db1").gtid_executed.count();
    let replies = type_at(
        &mut s,
        "db1",
        "BEGIN; INSERT INTO kv VALUES (1, 1); INSERT INTO kv VALUES (2, 2); COMMIT",
    );
    assert_eq!(
        replies.last().unwrap(),
        "Query OK, 0 rows affected (0.00 sec)"
    );
    let db1 = s.node("db1");
    assert_eq!(db1.gtid_executed.count(), before + 1, "one GTID");
    let last = db1.binlog.entries().last().unwrap();
    assert_eq!(last.trx.rows.len(), 2, "two row events in it");

    type_at(&mut s, "db1", "BEGIN; DELETE FROM kv");
    assert_eq!(
        say(&mut s, "db1", "SELECT COUNT(*) FROM kv"),
        "+----------+\n| COUNT(*) |\n+----------+\n|        0 |\n+----------+\n1 row in set (0.00 sec)",
        "the session sees its own delete"
    );
    say(&mut s, "db1", "ROLLBACK");
    assert_eq!(s.node("db1").data.len(), 2, "nothing was deleted");
    assert_eq!(s.node("db1").gtid_executed.count(), before + 1);
}

#[test]
fn read_only_lets_the_dba_write_an_errant_transaction_but_super_read_only_does_not() {
    let mut s = quiet_cluster();
    assert_eq!(
        say(&mut s, "db2", "SELECT @@read_only, @@super_read_only"),
        "+-------------+-------------------+\n| @@read_only | @@super_read_only |\n+-------------+-------------------+\n|           1 |                 0 |\n+-------------+-------------------+\n1 row in set (0.00 sec)"
    );
    say(&mut s, "db2", "INSERT INTO kv VALUES (5, 5)");
    let db2 = s.node("db2");
    assert_eq!(
        db2.gtid_executed.last_gno(db2.uuid),
        1,
        "an errant GTID of db2's own"
    );
    assert_eq!(
        say(&mut s, "db2", "SET GLOBAL super_read_only = ON"),
        "Query OK, 0 rows affected (0.00 sec)"
    );
    assert_eq!(
        say(&mut s, "db2", "INSERT INTO kv VALUES (6, 6)"),
        "ERROR 1290 (HY000): The MySQL server is running with the --super-read-only option so it cannot execute this statement"
    );
}

#[test]
fn sql_log_bin_off_writes_without_a_gtid_and_cannot_change_inside_a_transaction() {
    let mut s = quiet_cluster();
    let before = s.node("db2").gtid_executed.clone();
    type_at(
        &mut s,
        "db2",
        "SET SESSION sql_log_bin = 0; INSERT INTO kv VALUES (9, 9)",
    );
    let db2 = s.node("db2");
    assert_eq!(db2.data.get(9), Some(9));
    assert_eq!(db2.gtid_executed, before, "no GTID, no binlog event");
    let replies = type_at(&mut s, "db2", "BEGIN; SET sql_log_bin = 1");
    assert_eq!(
        replies[1],
        "ERROR 1694 (HY000): Cannot modify @@session.sql_log_bin inside a transaction"
    );
}

#[test]
fn show_replica_status_vertical_names_the_source_and_the_threads() {
    let mut s = quiet_cluster();
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    let status = say(&mut s, "db2", "SHOW REPLICA STATUS\\G");
    for line in [
        "*************************** 1. row ***************************",
        "             Replica_IO_State: Waiting for source to send event",
        "                  Source_Host: db1",
        "           Replica_IO_Running: Yes",
        "          Replica_SQL_Running: Yes",
        "        Seconds_Behind_Source: 0",
        "    Replica_SQL_Running_State: Replica has read all relay log; waiting for more updates",
        "                Auto_Position: 1",
    ] {
        assert!(status.contains(line), "{line:?} not in\n{status}");
    }
    assert!(status.ends_with("1 row in set (0.00 sec)"));
    assert_eq!(
        say(&mut s, "db1", "SHOW REPLICA STATUS"),
        "Empty set (0.00 sec)"
    );
}

#[test]
fn stopping_only_the_applier_lets_the_relay_log_grow_until_it_starts_again() {
    let mut s = quiet_cluster();
    say(&mut s, "db2", "STOP REPLICA SQL_THREAD");
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1), (2, 2)");
    s.run_for(0.5);
    assert_eq!(s.io("db2"), IoRunning::Yes, "the receiver goes on");
    assert_eq!(s.node("db2").relay_pending(), 1);
    assert_eq!(s.node("db2").data.get(1), None);
    assert!(
        say(
            &mut s,
            "db2",
            "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = 5"
        )
        .starts_with("Query OK")
    );
    assert_eq!(
        say(
            &mut s,
            "db2",
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db3'"
        ),
        "ERROR 3021 (HY000): This operation cannot be performed with a running replica io thread; run STOP REPLICA IO_THREAD FOR CHANNEL '' first."
    );
    assert_eq!(
        say(&mut s, "db2", "RESET REPLICA"),
        "ERROR 3081 (HY000): This operation cannot be performed with running replication threads; run STOP REPLICA FOR CHANNEL '' first"
    );
    say(
        &mut s,
        "db2",
        "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = 0",
    );
    say(&mut s, "db2", "START REPLICA SQL_THREAD");
    s.run_for(0.5);
    assert_eq!(s.node("db2").data.get(2), Some(2));
}

#[test]
fn an_empty_transaction_with_the_failed_gtid_skips_it_where_the_skip_counter_cannot() {
    let mut s = quiet_cluster();
    // An errant row on db2, then db1 inserts the same id: db2's applier stops on 1062.
    say(&mut s, "db2", "INSERT INTO kv VALUES (7, 1)");
    say(&mut s, "db1", "INSERT INTO kv VALUES (7, 2)");
    s.run_for(0.5);
    let status = say(&mut s, "db2", "SHOW REPLICA STATUS\\G");
    assert!(status.contains("Last_SQL_Errno: 1062"), "{status}");
    assert_eq!(
        say(&mut s, "db2", "SET GLOBAL sql_replica_skip_counter = 1"),
        "ERROR 1858 (HY000): sql_replica_skip_counter can not be set when the server is running with @@GLOBAL.GTID_MODE = ON. Instead, for each transaction that you want to skip, generate an empty transaction with the same GTID as the transaction"
    );
    let failed = format!("{}:1", s.node("db1").uuid);
    let replies = type_at(
        &mut s,
        "db2",
        &format!(
            "SET GTID_NEXT = '{failed}'; BEGIN; COMMIT; SET GTID_NEXT = AUTOMATIC; START REPLICA"
        ),
    );
    assert!(
        replies.iter().all(|r| r.starts_with("Query OK")),
        "{replies:?}"
    );
    s.run_for(0.5);
    let status = say(&mut s, "db2", "SHOW REPLICA STATUS\\G");
    assert!(status.contains("Replica_SQL_Running: Yes"), "{status}");
    assert_eq!(s.node("db2").data.get(7), Some(1), "db2 kept its own row");
}

#[test]
fn a_write_waits_for_the_semi_sync_ack_and_returns_when_the_wait_times_out() {
    let mut cfg = primary_with(1, 0);
    cfg.nodes[0].rpl_semi_sync_source_enabled = true;
    cfg.nodes[0].rpl_semi_sync_source_timeout_ms = 2_000;
    cfg.nodes[1].rpl_semi_sync_replica_enabled = true;
    let mut s = Story::new(cfg);
    s.run_to(2.0);
    s.act(Command::Partition {
        nodes: vec!["db2".into()],
    });
    s.act(Command::Sql {
        node: "db1".into(),
        sql: "INSERT INTO kv VALUES (1, 1)".into(),
    });
    s.run_for(1.0);
    assert_eq!(
        s.w.console("db1")[0].reply,
        Reply::Pending,
        "waiting for db2's ack"
    );
    s.run_for(1.5);
    assert_eq!(
        s.w.console("db1")[0].reply.text(),
        "Query OK, 1 row affected (2.00 sec)"
    );
    let status = say(
        &mut s,
        "db1",
        "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_source_status'",
    );
    assert!(
        status.contains("| Rpl_semi_sync_source_status | OFF   |"),
        "{status}"
    );
}

#[test]
fn start_replica_until_stops_the_applier_after_the_named_gtids() {
    let mut s = quiet_cluster();
    say(&mut s, "db2", "STOP REPLICA");
    for i in 1..=3 {
        say(&mut s, "db1", &format!("INSERT INTO kv VALUES ({i}, {i})"));
    }
    let uuid = s.node("db1").uuid;
    say(
        &mut s,
        "db2",
        &format!("START REPLICA UNTIL SQL_AFTER_GTIDS = '{uuid}:1-2'"),
    );
    s.run_for(1.0);
    let db2 = s.node("db2");
    assert_eq!((db2.data.get(2), db2.data.get(3)), (Some(2), None));
    let status = say(&mut s, "db2", "SHOW REPLICA STATUS\\G");
    assert!(status.contains("Replica_SQL_Running: No"), "{status}");
    assert!(status.contains("Replica_IO_Running: Yes"), "{status}");
}

#[test]
fn purged_binary_logs_stop_a_replica_that_still_needs_them_with_1236() {
    let mut s = quiet_cluster();
    say(&mut s, "db3", "STOP REPLICA");
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    assert_eq!(
        say(&mut s, "db1", "FLUSH BINARY LOGS"),
        "Query OK, 0 rows affected (0.00 sec)"
    );
    let logs = say(&mut s, "db1", "SHOW BINARY LOGS");
    assert!(logs.contains("| binlog.000002 |"), "{logs}");
    assert_eq!(
        say(&mut s, "db1", "PURGE BINARY LOGS TO 'binlog.000009'"),
        "ERROR 1373 (HY000): Target log not found in binlog index"
    );
    say(&mut s, "db1", "PURGE BINARY LOGS TO 'binlog.000002'");
    let purged = say(&mut s, "db1", "SELECT @@GLOBAL.gtid_purged");
    assert!(
        purged.contains(&format!("{}:1", s.node("db1").uuid)),
        "{purged}"
    );
    say(&mut s, "db3", "START REPLICA");
    s.run_for(1.0);
    assert_eq!(s.io_error("db3").errno, 1236);
}

#[test]
fn replication_by_file_and_position_starts_where_it_is_told() {
    let mut s = quiet_cluster();
    say(&mut s, "db3", "STOP REPLICA");
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    let status = say(&mut s, "db1", "SHOW BINARY LOG STATUS");
    assert!(status.contains("| binlog.000001 |      439 |"), "{status}");
    say(&mut s, "db1", "INSERT INTO kv VALUES (2, 2)");
    // A fresh replica from a "backup" taken at binlog.000001:439 would start here.
    say(&mut s, "db3", "RESET REPLICA ALL");
    assert_eq!(
        say(
            &mut s,
            "db3",
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db1', SOURCE_LOG_FILE = 'binlog.000001', SOURCE_LOG_POS = 439"
        ),
        "ERROR 1777 (HY000): Parameters SOURCE_LOG_FILE, SOURCE_LOG_POS, RELAY_LOG_FILE and RELAY_LOG_POS cannot be set when SOURCE_AUTO_POSITION is active."
    );
    let replies = type_at(
        &mut s,
        "db3",
        "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db1', SOURCE_AUTO_POSITION = 0, SOURCE_LOG_FILE = 'binlog.000001', SOURCE_LOG_POS = 439; START REPLICA",
    );
    assert!(
        replies.iter().all(|r| r.starts_with("Query OK")),
        "{replies:?}"
    );
    s.run_for(1.0);
    let db3 = s.node("db3");
    assert_eq!(
        (db3.data.get(1), db3.data.get(2)),
        (None, Some(2)),
        "only what came after 439"
    );
}

#[test]
fn set_checks_names_scopes_and_values_and_persist_outlives_a_restart() {
    let mut s = quiet_cluster();
    assert_eq!(
        say(&mut s, "db1", "SET GLOBAL no_such_thing = 1")
            .split(':')
            .next()
            .unwrap(),
        "ERROR 1193 (HY000)"
    );
    assert!(say(&mut s, "db1", "SET GLOBAL gtid_executed = ''").starts_with("ERROR 1238"));
    assert!(say(&mut s, "db1", "SET GLOBAL read_only = 'maybe'").starts_with("ERROR 1231"));
    say(&mut s, "db1", "SET GLOBAL sync_binlog = 0");
    say(
        &mut s,
        "db1",
        "SET PERSIST rpl_semi_sync_source_timeout = 500",
    );
    say(&mut s, "db1", "RESTART");
    s.run_for(5.0);
    let vars = say(&mut s, "db1", "SHOW VARIABLES LIKE 'sync_binlog'");
    assert!(
        vars.contains("| sync_binlog   | 1     |"),
        "SET GLOBAL is gone: {vars}"
    );
    let vars = say(&mut s, "db1", "SELECT @@rpl_semi_sync_source_timeout");
    assert!(vars.contains("500"), "SET PERSIST stayed: {vars}");
}

#[test]
fn shutdown_is_clean_and_the_console_cannot_connect_until_a_restart() {
    let mut s = quiet_cluster();
    say(&mut s, "db2", "INSERT INTO kv VALUES (4, 4)");
    let replies = type_at(&mut s, "db2", "SHUTDOWN; SELECT @@server_id");
    assert_eq!(replies[0], "Query OK, 0 rows affected (0.00 sec)");
    assert_eq!(
        replies[1],
        "ERROR 2013 (HY000): Lost connection to MySQL server during query"
    );
    assert!(say(&mut s, "db2", "SELECT @@server_id").starts_with("ERROR 2002 (HY000)"));
    s.restart("db2").run_for(5.0);
    assert_eq!(s.node("db2").data.get(4), Some(4), "nothing was lost");
    assert!(say(&mut s, "db2", "SELECT @@server_id").contains("@@server_id"));
}

#[test]
fn a_line_that_does_not_parse_is_answered_with_1064_and_the_run_goes_on() {
    let mut s = quiet_cluster();
    let reply = say(&mut s, "db1", "SELEKT 1");
    assert!(
        reply.starts_with("ERROR 1064 (42000): You have an error in your SQL syntax"),
        "{reply}"
    );
    assert_eq!(s.w.console("db1")[0].at, Instant::from_secs(2));
}
