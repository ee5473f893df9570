//! Issue 13's stories of provisioning: a server added at run time, a backup of a live
//! primary restored on it, replication by auto-position catching it up; a fresh server
//! pointed at a source that purged its binlogs stops with 1236; a delayed replica.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::gtid::Gtid;
use replication_playground::engine::status::IoRunning;
use story::*;

fn add(s: &mut Story, node: &str) {
    s.act(Command::AddServer { node: node.into() });
}

fn backup(s: &mut Story, node: &str) {
    s.act(Command::Backup { node: node.into() });
}

fn restore(s: &mut Story, backup: &str, node: &str) {
    s.act(Command::Restore {
        backup: backup.into(),
        node: node.into(),
    });
}

fn change_source(s: &mut Story, node: &str, source: &str) {
    s.act(Command::ChangeSource {
        node: node.into(),
        source: source.into(),
    });
}

fn stop_clients(s: &mut Story) {
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    });
}

#[test]
fn a_replica_is_added_from_a_backup_without_stopping_the_primary() {
    let mut s = Story::new(primary_with(2, 200));
    s.run_to(5.0);
    // 1. An empty mysqld joins: no rows, no GTIDs, its own identity, no replication.
    add(&mut s, "db4");
    let db4 = s.node("db4");
    assert!(db4.data.is_empty() && db4.gtid_executed.is_empty());
    assert!(db4.channel.is_none());
    assert!(db4.read_only, "configured like the other replicas");
    assert_eq!(db4.server_id, 4);
    assert_ne!(db4.uuid, s.node("db1").uuid);

    // 2. A consistent backup of the primary while it takes writes.
    backup(&mut s, "db1");
    let b = s.w.backups()[0].clone();
    assert_eq!((b.name.as_str(), b.node.as_str()), ("backup-1", "db1"));
    assert!(b.rows.len() > 500, "{} rows", b.rows.len());
    assert!(b.gtid_executed.is_subset_of(&s.node("db1").gtid_executed));

    // 3. Restored on db4: the rows, and gtid_purged = gtid_executed = the backup's set.
    s.run_to(6.0);
    restore(&mut s, "backup-1", "db4");
    assert_eq!(s.node("db4").data.checksum(), b.rows.checksum());
    assert_eq!(s.node("db4").gtid_executed, b.gtid_executed);
    assert!(
        s.node("db4").binlog.entries().len() == 0,
        "a restore writes no binlog"
    );

    // 4. CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_AUTO_POSITION=1; START REPLICA.
    change_source(&mut s, "db4", "db1");
    s.run_to(12.0);
    assert_eq!(s.io("db4"), IoRunning::Yes);
    stop_clients(&mut s);
    s.run_to(14.0);
    let (db1, db4) = (s.node("db1"), s.node("db4"));
    assert_eq!(db4.gtid_executed, db1.gtid_executed);
    assert_eq!(db4.data.checksum(), db1.data.checksum(), "identical data");
    assert_eq!(
        s.count(FindingKind::ReplicationError),
        0,
        "{}",
        s.findings()
    );
    // The proxy monitors db4 like any backend, and the manager probes it.
    assert_eq!(s.w.router.backends.len(), 4);
    assert!(s.w.manager().members().iter().any(|n| n.index() == 3));
}

#[test]
fn a_restore_needs_an_empty_server_and_add_server_checks_the_name() {
    let mut s = Story::new(primary_with(1, 100));
    s.run_to(2.0);
    backup(&mut s, "db1");
    let refused = s.w.apply(Command::Restore {
        backup: "backup-1".into(),
        node: "db2".into(),
    });
    assert_eq!(
        refused.map_err(|e| e.0),
        Err("ERROR 1840 (HY000): @@GLOBAL.GTID_PURGED can only be set when @@GLOBAL.GTID_EXECUTED is empty.".into())
    );
    let no_backup = s.w.apply(Command::Restore {
        backup: "backup-9".into(),
        node: "db2".into(),
    });
    assert!(no_backup.is_err());
    for bad in ["db1", "router", "db 4", ""] {
        let r = s.w.apply(Command::AddServer { node: bad.into() });
        assert!(r.is_err(), "{bad:?} accepted");
    }
    assert_eq!(s.w.nodes.len(), 2, "nothing was added");
    let down = s.w.apply(Command::Backup { node: "db9".into() });
    assert!(down.is_err());
}

#[test]
fn an_empty_server_pointed_at_a_source_that_purged_its_binlogs_stops_with_1236() {
    let mut cfg = primary_with(1, 200);
    cfg.nodes[0].binlog_expire_logs_seconds = 5;
    cfg.nodes[0].max_binlog_size = 16 * 1024;
    let mut s = Story::new(cfg);
    s.run_to(20.0);
    let purged_first = s.node("db1").binlog.first_file();
    assert!(purged_first > 1, "db1 purged binlog files");
    add(&mut s, "db3");
    change_source(&mut s, "db3", "db1");
    s.run_to(22.0);
    assert_eq!(s.io("db3"), IoRunning::No, "a fatal error: no retry");
    let error = s.io_error("db3");
    assert_eq!(error.errno, 1236);
    assert!(
        error.message.starts_with(
            "Cannot replicate because the source purged required binary logs. Replicate the \
             missing transactions from elsewhere, or provision a new replica from backup."
        ),
        "{}",
        error.message
    );
    assert!(s.node("db3").data.is_empty());
}

#[test]
fn the_same_server_after_a_backup_and_restore_catches_up() {
    // The cure for 1236: provision from a backup taken after the purge.
    let mut cfg = primary_with(1, 200);
    cfg.nodes[0].binlog_expire_logs_seconds = 5;
    cfg.nodes[0].max_binlog_size = 16 * 1024;
    let mut s = Story::new(cfg);
    s.run_to(20.0);
    add(&mut s, "db3");
    backup(&mut s, "db2");
    restore(&mut s, "backup-1", "db3");
    change_source(&mut s, "db3", "db1");
    s.run_to(24.0);
    stop_clients(&mut s);
    s.run_to(26.0);
    assert_eq!(s.io("db3"), IoRunning::Yes);
    assert_eq!(s.node("db3").data.checksum(), s.node("db1").data.checksum());
}

fn all_ok(replies: &[String]) {
    assert!(
        replies.iter().all(|r| r.starts_with("Query OK")),
        "{replies:?}"
    );
}

/// The seed's three steps by statements alone: a new server, a dump of the primary while
/// it takes writes, the dump loaded, replication started at the dump's file and position.
#[test]
fn the_seeds_three_steps_by_hand_catch_a_new_replica_up_by_file_and_position() {
    let mut s = Story::new(primary_with(1, 150));
    s.run_to(4.0);
    add(&mut s, "db3");
    backup(&mut s, "db1");
    let b = s.w.backups()[0].clone();
    s.run_to(6.0);
    restore(&mut s, "backup-1", "db3");
    let change = format!(
        "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'db1', SOURCE_AUTO_POSITION = 0, \
         SOURCE_LOG_FILE = '{}', SOURCE_LOG_POS = {}; START REPLICA",
        b.log_file(),
        b.binlog_pos.pos
    );
    all_ok(&type_at(&mut s, "db3", &change));
    s.run_to(10.0);
    stop_clients(&mut s);
    s.run_to(12.0);
    let (db1, db3) = (s.node("db1"), s.node("db3"));
    assert_eq!(db3.gtid_executed, db1.gtid_executed);
    assert_eq!(db3.data.checksum(), db1.data.checksum(), "identical data");
    assert_eq!(
        s.count(FindingKind::ReplicationError),
        0,
        "{}",
        s.findings()
    );
    let status = type_at(&mut s, "db3", "SHOW REPLICA STATUS\\G").join("\n");
    assert!(status.contains("Replica_IO_Running: Yes"), "{status}");
    assert!(status.contains("Auto_Position: 0"), "{status}");
}

/// "Replication is not a backup": a DELETE without WHERE reaches the replicas within
/// milliseconds; the replica delayed by an hour still has the rows, and is recovered with
/// START REPLICA UNTIL SQL_BEFORE_GTIDS, then promoted.
#[test]
fn a_delayed_replica_keeps_the_rows_a_delete_removed_everywhere_else() {
    let mut s = Story::new(primary_with(2, 0));
    s.run_to(1.0);
    for i in 0..3 {
        let rows: Vec<String> = (1..=10).map(|k| format!("({}, {k})", i * 10 + k)).collect();
        all_ok(&type_at(
            &mut s,
            "db1",
            &format!("INSERT INTO kv VALUES {}", rows.join(", ")),
        ));
    }
    s.run_to(2.0);
    all_ok(&type_at(
        &mut s,
        "db3",
        "STOP REPLICA SQL_THREAD; CHANGE REPLICATION SOURCE TO SOURCE_DELAY = 3600; START REPLICA SQL_THREAD",
    ));
    s.run_to(3.0);
    let replies = type_at(&mut s, "db1", "DELETE FROM kv");
    assert!(
        replies[0].starts_with("Query OK, 30 rows affected"),
        "{replies:?}"
    );
    let uuid = s.node("db1").uuid;
    let delete = format!("{uuid}:4");
    s.run_to(3.1);
    assert!(
        s.node("db2").data.is_empty(),
        "the delete reached db2 at once"
    );
    let db3 = s.node("db3");
    assert_eq!(db3.data.len(), 30, "db3 still has every row");
    let status = db3.status(s.w.now()).replica.expect("db3 replicates");
    assert_eq!(status.sql_delay_s, 3600);
    assert!(status.sql_remaining_delay_s.is_some_and(|r| r > 3590));
    assert_eq!(
        status.sql_state,
        "Waiting until SOURCE_DELAY seconds after source executed event"
    );

    // Recovery: no delay, apply everything before the DELETE, stop there.
    let recover = format!(
        "STOP REPLICA; CHANGE REPLICATION SOURCE TO SOURCE_DELAY = 0; \
         START REPLICA UNTIL SQL_BEFORE_GTIDS = '{delete}'"
    );
    all_ok(&type_at(&mut s, "db3", &recover));
    s.run_to(5.0);
    let db3 = s.node("db3");
    assert_eq!(db3.data.len(), 30, "the DELETE was not applied");
    let gtid = |gno| Gtid { uuid, gno };
    assert!(db3.gtid_executed.contains(gtid(3)) && !db3.gtid_executed.contains(gtid(4)));
    s.act(Command::Promote { node: "db3".into() });
    s.run_to(7.0);
    assert_eq!(s.w.router.writer().map(|n| n.index()), Some(2));
    assert!(!s.node("db3").read_only);
}

/// A server that appears mid-run is a node like any other: links to it can be cut, it can
/// crash and restart, its console answers, the report lists it — in a sharded cluster too.
#[test]
fn a_server_added_mid_run_survives_every_fault_and_a_sharded_cluster_takes_one() {
    let mut s = Story::new(primary_with(2, 100));
    s.run_to(2.0);
    add(&mut s, "db4");
    s.act(Command::CutLink {
        from: "db4".into(),
        to: "router".into(),
        both_ways: true,
    });
    s.act(Command::Partition {
        nodes: vec!["db4".into(), "manager".into()],
    });
    s.act(Command::HealAll);
    s.crash("db4");
    s.run_to(3.0);
    s.restart("db4");
    s.run_to(8.0);
    let replies = type_at(&mut s, "db4", "SELECT @@GLOBAL.server_id");
    assert!(replies[0].contains('4'), "{replies:?}");
    add(&mut s, "db5");
    backup(&mut s, "db2");
    restore(&mut s, "backup-1", "db5");
    change_source(&mut s, "db5", "db2");
    s.crash("db1").run_to(20.0);
    assert_eq!(s.w.nodes.len(), 5);
    let report = s.report();
    assert!(report.nodes.iter().any(|n| n.name == "db5"));

    let json = r#"{"version": 1, "name": "two shards", "seed": 3,
        "topology": {"kind": "sharded", "shards": ["-80", "80-"], "replicas": 1},
        "workload": {"clients": [{"writes_per_s": 100, "reads_per_s": 50, "key_space": 200}]},
        "run_ms": 10000}"#;
    let scenario = replication_playground::scenario::Scenario::from_json(json).unwrap();
    let mut s = Story {
        w: scenario.world().unwrap(),
    };
    s.run_to(2.0);
    add(&mut s, "c1");
    backup(&mut s, "a2");
    restore(&mut s, "backup-1", "c1");
    change_source(&mut s, "c1", "a1");
    s.run_to(8.0);
    assert_eq!(s.io("c1"), IoRunning::Yes);
    assert!(s.w.managers[0].members().iter().any(|n| n.index() == 4));
}

#[test]
fn a_scenario_may_name_a_server_only_after_the_action_that_adds_it() {
    let scenario = |timeline: &str| {
        let json = format!(
            r#"{{"version": 1, "name": "t", "seed": 1,
                "topology": {{"kind": "primary_replicas", "replicas": 1}},
                "timeline": [{timeline}], "run_ms": 5000}}"#
        );
        replication_playground::scenario::Scenario::from_json(&json).map_err(|e| e.to_string())
    };
    let add = r#"{"at_ms": 1000, "action": "add_server", "node": "db3"}"#;
    let backup = r#"{"at_ms": 1500, "action": "backup", "node": "db1"}"#;
    let restore = r#"{"at_ms": 2000, "action": "restore", "backup": "backup-1", "node": "db3"}"#;
    assert!(scenario(&format!("{add}, {backup}, {restore}")).is_ok());
    let early = scenario(&format!("{restore}, {add}")).unwrap_err();
    assert!(early.contains("there is no node called 'db3'"), "{early}");
    let missing = scenario(r#"{"at_ms": 1, "action": "restore", "node": "db2"}"#).unwrap_err();
    assert!(missing.contains("missing field `backup`"), "{missing}");
}
