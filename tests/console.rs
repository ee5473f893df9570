//! A DBA at the MySQL console of each node (docs/sql.md): every statement with what it
//! answers and what it does to the cluster, success and error, read like a session.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::console::Reply;
use replication_playground::engine::status::IoRunning;
use replication_playground::engine::time::Instant;
use story::*;

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
    assert_eq!(
        say(
            &mut s,
            "db2",
            "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = 5"
        ),
        "ERROR 3085 (HY000): This operation cannot be performed with a running replica sql thread; run STOP REPLICA SQL_THREAD FOR CHANNEL '' first."
    );
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
        "ERROR 1776 (HY000): Parameters SOURCE_LOG_FILE, SOURCE_LOG_POS, RELAY_LOG_FILE and RELAY_LOG_POS cannot be set when SOURCE_AUTO_POSITION is active."
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
    say(&mut s, "db1", "SET GLOBAL server_id = 77");
    assert!(say(&mut s, "db1", "SELECT @@server_id").contains(" 77 |"));
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
    let id = say(&mut s, "db1", "SELECT @@server_id");
    assert!(
        id.contains("           1 |"),
        "SET GLOBAL server_id is gone: {id}"
    );
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

fn sql(node: &str, text: &str) -> Command {
    Command::Sql {
        node: node.into(),
        sql: text.into(),
    }
}

/// What each node's console shows: the statement, its time and its answer.
fn transcripts(w: &replication_playground::engine::World) -> Vec<(String, Instant, String)> {
    ["db1", "db2", "db3"]
        .iter()
        .flat_map(|n| w.console(n))
        .map(|e| (e.sql.clone(), e.at, e.reply.text().to_string()))
        .collect()
}

/// A DBA's statements at their moments.
fn typed_by_hand() -> Vec<(Instant, Command)> {
    vec![
        (Instant::from_secs(3), sql("db2", "STOP REPLICA SQL_THREAD")),
        (
            Instant::from_secs(5),
            sql(
                "db1",
                "BEGIN; INSERT INTO kv VALUES (900001, 1), (900002, 2); COMMIT",
            ),
        ),
        (Instant::from_secs(6), sql("db2", "SHOW REPLICA STATUS\\G")),
        (
            Instant::from_secs(8),
            sql(
                "db2",
                "START REPLICA; SELECT COUNT(*) FROM kv WHERE id > 900000",
            ),
        ),
    ]
}

#[test]
fn console_statements_replay_the_same_run_from_a_link_and_from_a_scenario_file() {
    use replication_playground::scenario::link::{self, Shared};
    use replication_playground::scenario::presets::preset;
    use replication_playground::scenario::{Scenario, TimedAction};
    let json = preset("free-play").unwrap();
    let scenario = Scenario::from_json(json).unwrap();
    let actions = typed_by_hand();
    let end = Instant::from_secs(12);
    let mut live = scenario.world().unwrap();
    for (at, c) in &actions {
        live.run_until(*at);
        live.apply(c.clone()).unwrap();
    }
    live.run_until(end);
    assert!(
        transcripts(&live)
            .iter()
            .all(|(_, _, reply)| !reply.is_empty())
    );

    // A link carries the statements typed by hand: the same trace, the same transcript.
    let shared = Shared {
        scenario: scenario.clone(),
        source: json.to_string(),
        preset: Some("free-play".into()),
        actions: actions.clone(),
        at_us: end,
    };
    let replayed = link::decode(&link::encode(&shared))
        .unwrap()
        .world()
        .unwrap();
    assert_eq!(replayed.trace.hash(), live.trace.hash());
    assert_eq!(transcripts(&replayed), transcripts(&live));

    // The same statements in a scenario file's timeline answer the same, and the file
    // opened from its own link runs to the same trace as the file itself.
    let timeline: Vec<TimedAction> = actions
        .iter()
        .map(|(at, c)| TimedAction {
            at_ms: at.as_millis(),
            action: c.clone(),
        })
        .collect();
    let (file, text) = Scenario::with_timeline(json, &timeline).unwrap();
    let mut from_file = file.world().unwrap();
    from_file.run_until(end);
    assert_eq!(transcripts(&from_file), transcripts(&live));
    let shared = Shared {
        scenario: file,
        source: text,
        preset: None,
        actions: vec![],
        at_us: end,
    };
    let from_link = link::decode(&link::encode(&shared))
        .unwrap()
        .world()
        .unwrap();
    assert_eq!(from_link.trace.hash(), from_file.trace.hash());
    assert_eq!(transcripts(&from_link), transcripts(&from_file));
}

#[test]
fn a_scenario_whose_sql_does_not_parse_is_refused_at_load_with_1064() {
    use replication_playground::scenario::presets::preset;
    use replication_playground::scenario::{Scenario, TimedAction};
    let timeline = [TimedAction {
        at_ms: 4_000,
        action: sql("db2", "SHOW REPLICA STATUSS"),
    }];
    let e = Scenario::with_timeline(preset("free-play").unwrap(), &timeline).unwrap_err();
    assert_eq!(e.path, "timeline[0].sql");
    assert!(
        e.message
            .starts_with("at 4000 ms: ERROR 1064 (42000): You have an error in your SQL syntax"),
        "{}",
        e.message
    );
}

#[test]
fn show_binlog_events_lists_each_transaction_as_mysql_writes_it() {
    let mut s = quiet_cluster();
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    let events = say(
        &mut s,
        "db1",
        "SHOW BINLOG EVENTS IN 'binlog.000001' FROM 157 LIMIT 5",
    );
    let uuid = s.node("db1").uuid;
    for cell in [
        format!(
            "| binlog.000001 | 157 | Gtid       |         1 |         236 | SET @@SESSION.GTID_NEXT= '{uuid}:1' |"
        ),
        "| Table_map  |".to_string(),
        "| Write_rows |".to_string(),
        "| Xid        |         1 |         439 | COMMIT /* xid=1 */".to_string(),
    ] {
        assert!(events.contains(&cell), "{cell:?} not in\n{events}");
    }
    assert!(events.ends_with("5 rows in set (0.00 sec)"), "{events}");
    assert_eq!(
        say(&mut s, "db1", "SHOW BINLOG EVENTS IN 'binlog.000042'"),
        "ERROR 1220 (HY000): Error when executing command SHOW BINLOG EVENTS: Could not find target log"
    );
    assert_eq!(
        say(&mut s, "db1", "SHOW BINLOG EVENTS FROM 158"),
        "ERROR 1220 (HY000): Error when executing command SHOW BINLOG EVENTS: Wrong offset or I/O error"
    );
}

#[test]
fn the_relay_log_holds_what_the_applier_has_not_applied_yet() {
    let mut s = quiet_cluster();
    say(&mut s, "db2", "STOP REPLICA SQL_THREAD");
    say(&mut s, "db1", "DELETE FROM kv");
    say(&mut s, "db1", "INSERT INTO kv VALUES (3, 3)");
    let events = say(&mut s, "db2", "SHOW RELAYLOG EVENTS");
    assert!(events.contains("db2-relay-bin.000002"), "{events}");
    assert!(events.contains("| Write_rows     |"), "{events}");
    assert_eq!(
        say(&mut s, "db1", "SHOW RELAYLOG EVENTS"),
        "ERROR 3074 (HY000): Replica channel '' does not exist."
    );
}

#[test]
fn show_replicas_and_processlist_show_the_dump_threads_and_the_channel() {
    let mut s = quiet_cluster();
    let replicas = say(&mut s, "db1", "SHOW REPLICAS");
    assert!(replicas.contains("| db2  | 3306 |"), "{replicas}");
    assert!(replicas.ends_with("2 rows in set (0.00 sec)"), "{replicas}");
    let list = say(&mut s, "db1", "SHOW PROCESSLIST");
    assert_eq!(list.matches("Binlog Dump GTID").count(), 2, "{list}");
    assert!(list.contains("Source has sent all binlog to replica; waiting for more updates"));
    let list = say(&mut s, "db2", "SHOW FULL PROCESSLIST");
    assert!(list.contains("Waiting for source to send event"), "{list}");
    assert!(list.contains("Replica has read all relay log; waiting for more updates"));
    assert!(list.contains("SHOW FULL PROCESSLIST"));
    assert_eq!(say(&mut s, "db2", "SHOW REPLICAS"), "Empty set (0.00 sec)");
}

#[test]
fn wait_for_executed_gtid_set_answers_when_applied_or_when_the_timeout_passes() {
    let mut s = quiet_cluster();
    say(&mut s, "db2", "STOP REPLICA SQL_THREAD");
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    let gtid = format!("{}:1", s.node("db1").uuid);
    s.act(sql(
        "db2",
        &format!("SELECT WAIT_FOR_EXECUTED_GTID_SET('{gtid}', 2)"),
    ));
    s.act(sql(
        "db3",
        &format!("SELECT WAIT_FOR_EXECUTED_GTID_SET('{gtid}')"),
    ));
    s.run_for(3.0);
    let timed_out = s.w.console("db2").last().unwrap().reply.text().to_string();
    assert!(timed_out.contains(" 1 |\n+---"), "{timed_out}");
    assert!(
        timed_out.ends_with("1 row in set (2.00 sec)"),
        "{timed_out}"
    );
    let applied = s.w.console("db3").last().unwrap().reply.text().to_string();
    assert!(applied.contains(" 0 |\n+---"), "{applied}");
    assert!(
        say(
            &mut s,
            "db1",
            "SELECT WAIT_FOR_EXECUTED_GTID_SET('nonsense')"
        )
        .starts_with("ERROR 1772")
    );
}

#[test]
fn gtid_purged_can_only_grow_and_never_overlaps_what_was_executed() {
    let mut s = quiet_cluster();
    let other = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    type_at(
        &mut s,
        "db3",
        "STOP REPLICA; RESET REPLICA ALL; RESET BINARY LOGS AND GTIDS",
    );
    assert_eq!(
        say(&mut s, "db3", "SELECT @@gtid_executed"),
        "+-----------------+\n| @@gtid_executed |\n+-----------------+\n|                 |\n+-----------------+\n1 row in set (0.00 sec)"
    );
    assert!(
        say(
            &mut s,
            "db3",
            &format!("SET GLOBAL gtid_purged = '{other}:1-10'")
        )
        .starts_with("Query OK")
    );
    assert_eq!(
        say(
            &mut s,
            "db3",
            &format!("SET GLOBAL gtid_purged = '{other}:1-5'")
        ),
        "ERROR 3546 (HY000): @@GLOBAL.GTID_PURGED cannot be changed: the new value must be a superset of the old value"
    );
    assert_eq!(
        say(
            &mut s,
            "db3",
            &format!("SET GLOBAL gtid_purged = '+{other}:10-12'")
        ),
        "ERROR 3546 (HY000): @@GLOBAL.GTID_PURGED cannot be changed: the added gtid set must not overlap with @@GLOBAL.GTID_EXECUTED"
    );
    say(
        &mut s,
        "db3",
        &format!("SET GLOBAL gtid_purged = '+{other}:11-12'"),
    );
    let executed = say(&mut s, "db3", "SELECT @@GLOBAL.gtid_executed");
    assert!(executed.contains(&format!("{other}:1-12")), "{executed}");
    let replies = type_at(&mut s, "db3", "BEGIN; RESET BINARY LOGS AND GTIDS");
    assert!(replies[1].starts_with("ERROR 1192 (HY000)"), "{replies:?}");
}

#[test]
fn start_replica_needs_a_channel_and_gtid_next_must_be_reset_after_its_commit() {
    let mut s = quiet_cluster();
    assert_eq!(
        say(&mut s, "db2", "START REPLICA"),
        "Query OK, 0 rows affected, 1 warning (0.00 sec)",
        "both threads already run"
    );
    assert_eq!(
        say(
            &mut s,
            "db1",
            "SET GLOBAL rpl_semi_sync_source_wait_for_replica_count = 0"
        ),
        "Query OK, 0 rows affected, 1 warning (0.00 sec)",
        "clamped to 1"
    );
    assert_eq!(
        say(&mut s, "db1", "START REPLICA"),
        "ERROR 1200 (HY000): The server is not configured as replica; fix in config file or with CHANGE REPLICATION SOURCE TO"
    );
    let gtid = "3e11fa47-71ca-11e1-9e33-c80aa9429562:7";
    let replies = type_at(
        &mut s,
        "db1",
        &format!(
            "SET GTID_NEXT = '{gtid}'; INSERT INTO kv VALUES (1, 1); INSERT INTO kv VALUES (2, 2)"
        ),
    );
    assert_eq!(replies[1], "Query OK, 1 row affected (0.00 sec)");
    assert!(
        replies[2].starts_with("ERROR 1837 (HY000): When @@SESSION.GTID_NEXT is set to a GTID"),
        "{replies:?}"
    );
    assert!(replies[2].ends_with(&format!("Current @@SESSION.GTID_NEXT is '{gtid}'.")));
    assert!(s.node("db1").gtid_executed.to_string().contains(gtid));
    assert!(say(&mut s, "db1", "SET GTID_NEXT = 'ANONYMOUS'").starts_with("ERROR 1782"));
}

#[test]
fn turning_semi_sync_off_releases_the_commits_that_wait_for_an_ack() {
    let mut cfg = primary_with(1, 20);
    cfg.nodes[0].rpl_semi_sync_source_enabled = true;
    cfg.nodes[0].rpl_semi_sync_source_timeout_ms = 60_000;
    cfg.nodes[1].rpl_semi_sync_replica_enabled = true;
    let mut s = Story::new(cfg);
    s.run_to(2.0);
    s.act(Command::Partition {
        nodes: vec!["db2".into()],
    });
    s.run_for(1.0);
    assert!(
        s.node("db1").pending_writes() > 0,
        "the application's commits wait for db2"
    );
    // The console's own session is not blocked: it can switch semi-sync off (8.0 name).
    assert!(
        say(
            &mut s,
            "db1",
            "SET GLOBAL rpl_semi_sync_master_enabled = OFF"
        )
        .starts_with("Query OK")
    );
    assert_eq!(
        s.node("db1").pending_writes(),
        0,
        "released at once, and no new wait"
    );
    let status = say(
        &mut s,
        "db1",
        "SHOW STATUS LIKE 'Rpl_semi_sync_source_status'",
    );
    assert!(status.contains("| OFF   |"), "{status}");
}

#[test]
fn set_global_read_only_waits_for_the_commits_in_progress() {
    let mut cfg = primary_with(1, 20);
    cfg.nodes[0].rpl_semi_sync_source_enabled = true;
    cfg.nodes[0].rpl_semi_sync_source_timeout_ms = 3_000;
    cfg.nodes[1].rpl_semi_sync_replica_enabled = true;
    let mut s = Story::new(cfg);
    s.run_to(2.0);
    s.act(Command::Partition {
        nodes: vec!["db2".into()],
    });
    s.run_for(0.5);
    s.act(sql("db1", "SET GLOBAL read_only = ON"));
    s.run_for(1.0);
    assert!(
        s.w.console("db1")[0].reply.is_pending(),
        "the commits wait for db2's ack"
    );
    assert!(s.node("db1").read_only, "new writes are refused meanwhile");
    s.run_for(2.0);
    let reply = s.w.console("db1")[0].reply.text().to_string();
    assert!(
        reply.starts_with("Query OK, 0 rows affected (2."),
        "{reply}"
    );
}

/// Statements a student might type, in any order, on any node.
const SESSION: &[&str] = &[
    "INSERT INTO kv VALUES ({k}, {v})",
    "REPLACE INTO kv VALUES ({k}, {v}), ({v}, {k})",
    "UPDATE kv SET val = {v} WHERE id BETWEEN {k} AND {v}",
    "DELETE FROM kv WHERE id = {k}",
    "SELECT * FROM kv WHERE id >= {k} LIMIT 3",
    "BEGIN; INSERT INTO kv VALUES ({k}, 1); DELETE FROM kv WHERE id = {v}",
    "COMMIT",
    "ROLLBACK",
    "SET sql_log_bin = {b}",
    "SET GTID_NEXT = '3e11fa47-71ca-11e1-9e33-c80aa9429562:{k}'",
    "SET GTID_NEXT = AUTOMATIC",
    "SET GLOBAL super_read_only = {b}",
    "SET GLOBAL read_only = {b}",
    "SET PERSIST sync_binlog = {b}",
    "SET GLOBAL rpl_semi_sync_source_enabled = {b}",
    "SET GLOBAL gtid_purged = '+3e11fa47-71ca-11e1-9e33-c80aa9429562:{v}'",
    "SHOW REPLICA STATUS\\G",
    "SHOW BINLOG EVENTS LIMIT {k}",
    "SHOW RELAYLOG EVENTS",
    "SHOW PROCESSLIST; SHOW REPLICAS; SHOW BINARY LOGS",
    "SELECT WAIT_FOR_EXECUTED_GTID_SET('3e11fa47-71ca-11e1-9e33-c80aa9429562:1', 1)",
    "STOP REPLICA IO_THREAD",
    "STOP REPLICA SQL_THREAD",
    "STOP REPLICA",
    "START REPLICA",
    "START REPLICA UNTIL SQL_AFTER_GTIDS = '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-{k}'",
    "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db{n}', SOURCE_AUTO_POSITION = {b}",
    "CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE = 'binlog.00000{n}', SOURCE_LOG_POS = {k}",
    "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = {b}",
    "RESET REPLICA",
    "RESET REPLICA ALL",
    "RESET BINARY LOGS AND GTIDS",
    "FLUSH BINARY LOGS",
    "PURGE BINARY LOGS TO 'binlog.00000{n}'",
    "PURGE BINARY LOGS BEFORE NOW() - INTERVAL {k} SECOND",
    "SHUTDOWN",
    "RESTART",
];

/// Statements drawn by a small LCG, typed at random moments on random nodes, with crashes
/// and restarts between: the executor never panics and the run replays exactly.
fn random_session(seed: u64) -> (u64, usize) {
    let mut s = Story::new(primary_with(2, 5));
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut next = |m: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % m
    };
    for _ in 0..150 {
        let node = format!("db{}", next(3) + 1);
        let text = SESSION[next(SESSION.len() as u64) as usize]
            .replace("{k}", &next(20).to_string())
            .replace("{v}", &next(20).to_string())
            .replace("{b}", &next(2).to_string())
            .replace("{n}", &(next(3) + 1).to_string());
        match next(20) {
            0 => {
                let _ = s.w.apply(Command::Crash {
                    node: node.clone(),
                    power_loss: next(2) == 0,
                });
            }
            1 => {
                let _ = s.w.apply(Command::Restart { node: node.clone() });
            }
            _ => {}
        }
        s.act(sql(&node, &text));
        s.run_for(next(500) as f64 / 1_000.0);
    }
    s.run_for(10.0);
    let entries = ["db1", "db2", "db3"]
        .iter()
        .map(|n| s.w.console(n).len())
        .sum();
    (s.w.trace.hash(), entries)
}

#[test]
fn random_console_sessions_never_panic_and_replay_exactly() {
    for seed in 0..50 {
        let first = random_session(seed);
        assert!(first.1 >= 150, "seed {seed}: every statement has an entry");
        assert_eq!(
            random_session(seed),
            first,
            "seed {seed} replays differently"
        );
    }
}

#[test]
fn without_heartbeats_a_quiet_source_looks_dead_to_its_replica() {
    let mut s = quiet_cluster();
    let replies = type_at(
        &mut s,
        "db2",
        "STOP REPLICA IO_THREAD; CHANGE REPLICATION SOURCE TO SOURCE_HEARTBEAT_PERIOD = 0; START REPLICA IO_THREAD",
    );
    assert!(
        replies.iter().all(|r| r.starts_with("Query OK")),
        "{replies:?}"
    );
    let conn = |s: &Story, n: &str| s.node(n).channel.as_ref().unwrap().conn;
    let (db2_before, db3_before) = (conn(&s, "db2"), conn(&s, "db3"));
    // replica_net_timeout is 4 s here: no write, no heartbeat, the receiver gives up and
    // connects again, every 4 s.
    s.run_for(9.0);
    assert_eq!(conn(&s, "db2"), db2_before + 2, "two reconnects");
    assert_eq!(conn(&s, "db3"), db3_before, "db3 still gets heartbeats");
}

/// An exported setup script (docs/export.md) pasted into a console: the accounts are read
/// and answered (no accounts are modelled), the schema already exists.
#[test]
fn a_setup_scripts_accounts_and_schema_are_answered_as_on_a_server_that_has_them() {
    let mut s = quiet_cluster();
    let before = s.node("db1").gtid_executed.clone();
    for sql in [
        "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'repl-pass'",
        "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'",
    ] {
        let reply = say(&mut s, "db1", sql);
        assert!(
            reply.starts_with("Query OK, 0 rows affected"),
            "{sql}: {reply}"
        );
    }
    assert!(say(&mut s, "db1", "CREATE DATABASE IF NOT EXISTS playground").contains("1 warning"));
    assert_eq!(
        say(&mut s, "db1", "CREATE DATABASE playground"),
        "ERROR 1007 (HY000): Can't create database 'playground'; database exists"
    );
    assert_eq!(
        say(
            &mut s,
            "db1",
            "CREATE TABLE kv (id BIGINT PRIMARY KEY, val BIGINT)"
        ),
        "ERROR 1050 (42S01): Table 'kv' already exists"
    );
    assert!(say(&mut s, "db1", "CREATE DATABASE shop").starts_with("ERROR 1235 (42000)"));
    assert_eq!(s.node("db1").gtid_executed, before, "nothing was written");
}
