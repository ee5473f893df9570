//! Every statement form parses, in its 8.4 and 8.0 spellings, and each family has its error
//! (the 1064's "near" text and line asserted as the mysql client prints them).

use super::*;

fn one(text: &str) -> SqlStmt {
    match parse(text) {
        Ok(mut v) if v.len() == 1 => v.remove(0).stmt,
        other => panic!("{text}: {other:?}"),
    }
}

fn err(text: &str) -> String {
    match parse(text) {
        Err(e) => e.to_string(),
        Ok(v) => panic!("{text} parsed: {v:?}"),
    }
}

fn errno(text: &str) -> u16 {
    match parse(text) {
        Err(e) => e.errno,
        Ok(v) => panic!("{text} parsed: {v:?}"),
    }
}

fn near(_text: &str, rest: &str, line: usize) -> String {
    format!(
        "ERROR 1064 (42000): You have an error in your SQL syntax; check the manual that \
         corresponds to your MySQL server version for the right syntax to use near '{rest}' at \
         line {line}"
    )
}

#[test]
fn several_statements_on_a_line_with_their_terminators() {
    let v = parse("BEGIN; INSERT INTO kv VALUES (1, 2);COMMIT\\G  -- done").unwrap();
    let texts: Vec<&str> = v.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["BEGIN", "INSERT INTO kv VALUES (1, 2)", "COMMIT"]);
    assert_eq!(
        v.iter().map(|p| p.vertical).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(parse("  ;; /* nothing */ # here\n").unwrap(), vec![]);
    assert_eq!(parse("").unwrap(), vec![]);
}

#[test]
fn each_statement_of_a_line_has_its_own_result() {
    let v = parse_each("BEGIN; SELEC 1; COMMIT");
    assert!(v[0].is_ok() && v[2].is_ok());
    assert_eq!(
        v[1].as_ref().unwrap_err().to_string(),
        near("", "SELEC 1", 1)
    );
    assert_eq!(v.len(), 3);
}

#[test]
fn insert_and_replace_in_every_spelling() {
    let rows = vec![(1, 10), (2, 20)];
    assert_eq!(
        one("INSERT INTO kv VALUES (1,10),(2,20)"),
        SqlStmt::Insert { rows: rows.clone() }
    );
    assert_eq!(
        one("insert into `playground`.`kv` (val, id) values (10, 1), (20, 2)"),
        SqlStmt::Insert { rows: rows.clone() }
    );
    assert_eq!(
        one("INSERT kv VALUE (1, 10), (2, 20)"),
        SqlStmt::Insert { rows: rows.clone() }
    );
    assert_eq!(
        one("INSERT INTO playground.kv SET val = 7, id = 3"),
        SqlStmt::Insert { rows: vec![(3, 7)] }
    );
    assert_eq!(
        one("REPLACE INTO kv (id, val) VALUES (1,10),(2,20)"),
        SqlStmt::Replace { rows }
    );
}

#[test]
fn insert_errors_are_mysqls() {
    assert_eq!(
        err("INSERT INTO kv VALUES (1)"),
        "ERROR 1136 (21S01): Column count doesn't match value count at row 1"
    );
    assert_eq!(
        err("INSERT INTO kv VALUES (1, 2), (3)"),
        "ERROR 1136 (21S01): Column count doesn't match value count at row 2"
    );
    assert_eq!(
        err("INSERT INTO t VALUES (1, 2)"),
        "ERROR 1146 (42S02): Table 'playground.t' doesn't exist"
    );
    assert_eq!(
        err("INSERT INTO kv (id, id) VALUES (1, 2)"),
        "ERROR 1110 (42000): Column 'id' specified twice"
    );
    assert_eq!(
        err("INSERT INTO kv (id, x) VALUES (1, 2)"),
        "ERROR 1054 (42S22): Unknown column 'x' in 'field list'"
    );
    assert_eq!(
        err("INSERT INTO kv (val) VALUES (2)"),
        "ERROR 1364 (HY000): Field 'id' doesn't have a default value"
    );
    assert_eq!(
        err("INSERT INTO kv VALUES (9223372036854775808, 1)"),
        "ERROR 1264 (22003): Out of range value for column 'id' at row 1"
    );
    assert_eq!(
        err("INSERT INTO kv VALUES (1, 2) (3, 4)"),
        near("", "(3, 4)", 1)
    );
    assert_eq!(err("INSERT INTO kv VALUES (1, 2"), near("", "", 1));
    for refused in [
        "INSERT IGNORE INTO kv VALUES (1, 2)",
        "INSERT INTO kv VALUES (1, 2) ON DUPLICATE KEY UPDATE val = 3",
        "INSERT INTO kv SELECT * FROM kv",
        "INSERT INTO kv VALUES (-1, 2)",
        "INSERT INTO kv VALUES (1, NULL)",
        "INSERT INTO kv (id) VALUES (1)",
    ] {
        assert_eq!(errno(refused), 1235, "{refused}");
    }
}

#[test]
fn update_and_delete_by_id_range_or_all() {
    assert_eq!(
        one("UPDATE kv SET val = 5 WHERE id = 3"),
        SqlStmt::Update {
            target: RowTarget::WhereId(3),
            value: 5
        }
    );
    assert_eq!(
        one("update kv set val=5 where id between 2 and 9"),
        SqlStmt::Update {
            target: RowTarget::Range { lo: 2, hi: 9 },
            value: 5
        }
    );
    assert_eq!(
        one("UPDATE kv SET val = 0"),
        SqlStmt::Update {
            target: RowTarget::All,
            value: 0
        }
    );
    assert_eq!(
        one("DELETE FROM kv"),
        SqlStmt::Delete {
            target: RowTarget::All
        }
    );
    assert_eq!(
        one("DELETE FROM kv WHERE id > 4 AND id <= 8"),
        SqlStmt::Delete {
            target: RowTarget::Range { lo: 5, hi: 8 }
        }
    );
    assert_eq!(
        one("DELETE FROM kv WHERE id < 0"),
        SqlStmt::Delete {
            target: RowTarget::Range { lo: 1, hi: 0 }
        }
    );
    assert_eq!(
        one("DELETE FROM kv WHERE id > 18446744073709551615"),
        SqlStmt::Delete {
            target: RowTarget::Range { lo: 1, hi: 0 }
        }
    );
    assert_eq!(
        one("DELETE FROM kv WHERE id >= 10"),
        SqlStmt::Delete {
            target: RowTarget::Range {
                lo: 10,
                hi: u64::MAX
            }
        }
    );
}

#[test]
fn update_and_delete_errors() {
    assert_eq!(err("UPDATE kv SET val = 5 WHERE"), near("", "", 1));
    assert_eq!(err("UPDATE kv SET val = 5 WHERE = 3"), near("", "= 3", 1));
    assert_eq!(err("UPDATE kv SET val = 5 WHERE id ="), near("", "", 1));
    assert_eq!(errno("UPDATE kv SET val = 5 WHERE id"), 1235);
    assert_eq!(
        err("UPDATE kv SET val = 5 WHERE id = 3 id"),
        near("", "id", 1)
    );
    assert_eq!(
        err("DELETE kv WHERE id = 1"),
        near("", "kv WHERE id = 1", 1)
    );
    assert_eq!(err("UPDATE kv SRT val = 1"), near("", "val = 1", 1));
    assert_eq!(errno("UPDATE kv k SET val = 1"), 1235);
    assert_eq!(errno("DELETE FROM kv AS k WHERE id = 1"), 1235);
    assert_eq!(errno("DELETE FROM kv k"), 1235);
    assert_eq!(
        err("DELETE FROM kv WHERE x = 1"),
        "ERROR 1054 (42S22): Unknown column 'x' in 'where clause'"
    );
    for refused in [
        "UPDATE kv SET val = val + 1",
        "UPDATE kv SET id = 4 WHERE id = 3",
        "DELETE FROM kv WHERE val = 3",
        "DELETE FROM kv WHERE id IN (1, 2)",
        "DELETE FROM kv WHERE id = 1 OR id = 2",
        "DELETE FROM kv WHERE (id = 1)",
        "DELETE FROM kv WHERE NOT id = 1",
        "DELETE FROM kv WHERE 1 = id",
        "DELETE FROM kv LIMIT 1",
    ] {
        assert_eq!(errno(refused), 1235, "{refused}");
    }
}

#[test]
fn select_forms() {
    let all = Projection::Columns(vec![Column::Id, Column::Val]);
    assert_eq!(
        one("SELECT * FROM kv WHERE id = 7"),
        SqlStmt::Select {
            projection: all.clone(),
            target: RowTarget::WhereId(7),
            limit: None
        }
    );
    assert_eq!(
        one("select val from playground.kv where id between 1 and 5 order by id limit 3"),
        SqlStmt::Select {
            projection: Projection::Columns(vec![Column::Val]),
            target: RowTarget::Range { lo: 1, hi: 5 },
            limit: Some(3)
        }
    );
    assert_eq!(
        one("SELECT val, `id` FROM `kv` WHERE id >= 2 AND id < 4"),
        SqlStmt::Select {
            projection: Projection::Columns(vec![Column::Val, Column::Id]),
            target: RowTarget::Range { lo: 2, hi: 3 },
            limit: None
        }
    );
    assert_eq!(
        one("SELECT COUNT(*) FROM kv"),
        SqlStmt::Select {
            projection: Projection::CountStar,
            target: RowTarget::All,
            limit: None
        }
    );
}

#[test]
fn select_errors() {
    assert_eq!(err("SELECT * FROM kv WHERE id = "), near("", "", 1));
    assert_eq!(err("SELECT * FORM kv"), near("", "FORM kv", 1));
    assert_eq!(err("SELECT * FROM kv ORDER BY"), near("", "", 1));
    assert_eq!(errno("SELECT * FROM kv LIMIT 2, 3"), 1235);
    for refused in [
        "SELECT * FROM kv JOIN t",
        "SELECT * FROM kv AS k",
        "SELECT * FROM kv, kv",
        "SELECT id FROM kv GROUP BY id",
        "SELECT id FROM kv WHERE id > 1 GROUP BY id",
        "SELECT * FROM kv WHERE id = 1 FOR UPDATE",
    ] {
        assert_eq!(errno(refused), 1235, "{refused}");
    }
    assert_eq!(err("SELECT * FROM kv WHERE id = 1 )"), near("", ")", 1));
    // A typo after the table reads as an alias, then MySQL stumbles on what follows.
    assert_eq!(err("SELECT * FROM kv WHRE id = 1"), near("", "id = 1", 1));
    assert_eq!(errno("SELECT * FROM kv k WHERE id = 1"), 1235);
    assert_eq!(errno("SELECT * FROM kv LIMIT 1 FOR UPDATE"), 1235);
    assert_eq!(errno("SELECT * FROM kv LIMIT 3 OFFSET 2"), 1235);
    assert_eq!(err("SELECT * FROM kv LIMIT x"), near("", "x", 1));
    assert_eq!(
        err("SELECT * FROM users"),
        "ERROR 1146 (42S02): Table 'playground.users' doesn't exist"
    );
    assert_eq!(
        err("SELECT * FROM mysql.user"),
        "ERROR 1146 (42S02): Table 'mysql.user' doesn't exist"
    );
    assert_eq!(
        err("SELECT name FROM kv"),
        "ERROR 1054 (42S22): Unknown column 'name' in 'field list'"
    );
    assert_eq!(errno("SELECT id, COUNT(*) FROM kv"), 1140);
    for refused in [
        "SELECT 1",
        "SELECT NOW()",
        "SELECT id AS k FROM kv",
        "SELECT * FROM kv ORDER BY val",
    ] {
        assert_eq!(errno(refused), 1235, "{refused}");
    }
}

#[test]
fn a_syntax_error_quotes_80_characters_from_its_token_and_counts_lines() {
    let long = format!("SELECT * FROM kv WHERE id = 1 {}", "x".repeat(100));
    assert_eq!(err(&long), near("", &"x".repeat(80), 1));
    // 80 bytes, not characters: 39 two-byte `é` and one byte of room that `é` cannot fill.
    let wide = format!("SELECT * FROM kv WHERE id = 1 x{}", "é".repeat(50));
    assert_eq!(err(&wide), near("", &format!("x{}", "é".repeat(39)), 1));
    assert_eq!(err("SELECT *\nFROM kv\nWHERE id = = 2"), near("", "= 2", 3));
    assert_eq!(err("HELLO world"), near("", "HELLO world", 1));
    assert_eq!(err("SELECT 'abc"), near("", "'abc", 1));
    assert_eq!(err("SELECT * FROM kv /* open"), near("", "/* open", 1));
}

#[test]
fn transactions() {
    assert_eq!(one("BEGIN"), SqlStmt::Begin);
    assert_eq!(one("begin work"), SqlStmt::Begin);
    assert_eq!(one("START TRANSACTION"), SqlStmt::Begin);
    assert_eq!(
        one("START TRANSACTION WITH CONSISTENT SNAPSHOT"),
        SqlStmt::Begin
    );
    assert_eq!(one("COMMIT WORK"), SqlStmt::Commit);
    assert_eq!(one("ROLLBACK"), SqlStmt::Rollback);
    assert_eq!(err("COMMIT NOW"), near("", "NOW", 1));
    assert_eq!(errno("ROLLBACK TO SAVEPOINT a"), 1235);
}

#[test]
fn set_in_every_scope_and_spelling() {
    let set = |scope, name: &str, value| SqlStmt::SetVar {
        scope,
        name: name.into(),
        value,
    };
    assert_eq!(
        one("SET GLOBAL read_only = ON"),
        set(SetScope::Global, "read_only", SqlValue::Word("ON".into()))
    );
    assert_eq!(
        one("set @@global.super_read_only=1"),
        set(SetScope::Global, "super_read_only", SqlValue::Int(1))
    );
    assert_eq!(
        one("SET PERSIST sync_binlog = 0"),
        set(SetScope::Persist, "sync_binlog", SqlValue::Int(0))
    );
    assert_eq!(
        one("SET PERSIST_ONLY innodb_flush_log_at_trx_commit = 2"),
        set(
            SetScope::PersistOnly,
            "innodb_flush_log_at_trx_commit",
            SqlValue::Int(2)
        )
    );
    assert_eq!(
        one("SET SESSION sql_log_bin = 0"),
        set(SetScope::Session, "sql_log_bin", SqlValue::Int(0))
    );
    assert_eq!(
        one("SET sql_log_bin = OFF"),
        set(
            SetScope::Session,
            "sql_log_bin",
            SqlValue::Word("OFF".into())
        )
    );
    assert_eq!(
        one("SET @@SESSION.sql_log_bin := 'ON'"),
        set(SetScope::Session, "sql_log_bin", SqlValue::Str("ON".into()))
    );
}

#[test]
fn set_of_gtids_and_8_0_names() {
    let set = |scope, name: &str, value| SqlStmt::SetVar {
        scope,
        name: name.into(),
        value,
    };
    assert_eq!(
        one("SET GTID_NEXT = '3E11FA47-71CA-11E1-9E33-C80AA9429562:23'"),
        set(
            SetScope::Session,
            "gtid_next",
            SqlValue::Str("3E11FA47-71CA-11E1-9E33-C80AA9429562:23".into())
        )
    );
    assert_eq!(
        one("SET gtid_next = AUTOMATIC"),
        set(
            SetScope::Session,
            "gtid_next",
            SqlValue::Word("AUTOMATIC".into())
        )
    );
    assert_eq!(
        one("SET GLOBAL gtid_purged = '+3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5'"),
        set(
            SetScope::Global,
            "gtid_purged",
            SqlValue::Str("+3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5".into())
        )
    );
    assert_eq!(
        one("SET GLOBAL sql_slave_skip_counter = 1"),
        set(
            SetScope::Global,
            "sql_replica_skip_counter",
            SqlValue::Int(1)
        )
    );
    assert_eq!(
        one("SET GLOBAL rpl_semi_sync_master_enabled = 1"),
        set(
            SetScope::Global,
            "rpl_semi_sync_source_enabled",
            SqlValue::Int(1)
        )
    );
    assert_eq!(
        one("SET GLOBAL rpl_semi_sync_source_wait_point = after_commit"),
        set(
            SetScope::Global,
            "rpl_semi_sync_source_wait_point",
            SqlValue::Word("AFTER_COMMIT".into())
        )
    );
    assert_eq!(
        one("SET GLOBAL replica_net_timeout = DEFAULT"),
        set(SetScope::Global, "replica_net_timeout", SqlValue::Default)
    );
}

#[test]
fn set_errors_are_mysqls() {
    assert_eq!(
        err("SET GLOBAL no_such = 1"),
        "ERROR 1193 (HY000): Unknown system variable 'no_such'"
    );
    assert_eq!(
        err("SET read_only = 1"),
        "ERROR 1229 (HY000): Variable 'read_only' is a GLOBAL variable and should be set with SET GLOBAL"
    );
    assert_eq!(
        err("SET GLOBAL sql_log_bin = 0"),
        "ERROR 1228 (HY000): Variable 'sql_log_bin' is a SESSION variable and can't be used with SET GLOBAL"
    );
    assert_eq!(
        err("SET GLOBAL gtid_executed = ''"),
        "ERROR 1238 (HY000): Variable 'gtid_executed' is a read only variable"
    );
    assert_eq!(
        err("SET GLOBAL super_read_only = yes"),
        "ERROR 1231 (42000): Variable 'super_read_only' can't be set to the value of 'yes'"
    );
    assert_eq!(
        err("SET GLOBAL read_only = 2"),
        "ERROR 1231 (42000): Variable 'read_only' can't be set to the value of '2'"
    );
    assert_eq!(
        err("SET GLOBAL sync_binlog = 'x'"),
        "ERROR 1232 (42000): Incorrect argument type to variable 'sync_binlog'"
    );
    assert_eq!(
        err("SET GLOBAL gtid_purged = 'zz:1'"),
        "ERROR 1772 (HY000): Malformed GTID set specification 'zz:1'."
    );
    assert_eq!(
        err("SET gtid_next = 'nope'"),
        "ERROR 1773 (HY000): Malformed GTID specification 'nope'."
    );
    assert_eq!(err("SET GLOBAL read_only ON"), near("", "ON", 1));
    assert_eq!(errno("SET GLOBAL read_only = 1, super_read_only = 1"), 1235);
    assert_eq!(errno("SET @x = 1"), 1235);
    assert_eq!(errno("SET NAMES utf8mb4"), 1235);
}

#[test]
fn select_variables_and_wait_for_gtids() {
    let v = |scope, name: &str, label: &str| VarRef {
        scope,
        name: name.into(),
        label: label.into(),
    };
    assert_eq!(
        one("SELECT @@gtid_executed, @@GLOBAL.read_only, @@session.sql_log_bin"),
        SqlStmt::SelectVars(vec![
            v(None, "gtid_executed", "@@gtid_executed"),
            v(Some(VarScope::Global), "read_only", "@@GLOBAL.read_only"),
            v(
                Some(VarScope::Session),
                "sql_log_bin",
                "@@session.sql_log_bin"
            ),
        ])
    );
    assert_eq!(
        err("SELECT @@nope"),
        "ERROR 1193 (HY000): Unknown system variable 'nope'"
    );
    assert_eq!(
        err("SELECT @@SESSION.read_only"),
        "ERROR 1238 (HY000): Variable 'read_only' is a GLOBAL variable"
    );
    assert_eq!(
        err("SELECT @@GLOBAL.sql_log_bin"),
        "ERROR 1238 (HY000): Variable 'sql_log_bin' is a SESSION variable"
    );
    assert_eq!(err("SELECT @@"), near("", "", 1));
    let set = "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5";
    assert_eq!(
        one(&format!("SELECT WAIT_FOR_EXECUTED_GTID_SET('{set}', 10)")),
        SqlStmt::WaitForExecutedGtidSet {
            gtids: set.into(),
            timeout_s: Some(10)
        }
    );
    assert_eq!(
        one(&format!("SELECT WAIT_FOR_EXECUTED_GTID_SET('{set}')")),
        SqlStmt::WaitForExecutedGtidSet {
            gtids: set.into(),
            timeout_s: None
        }
    );
    assert_eq!(errno("SELECT WAIT_FOR_EXECUTED_GTID_SET('x')"), 1772);
}

#[test]
fn show_statements_in_both_spellings() {
    for (texts, stmt) in [
        (
            &[
                "SHOW REPLICA STATUS",
                "show slave status",
                "SHOW REPLICA STATUS FOR CHANNEL ''",
            ][..],
            SqlStmt::ShowReplicaStatus,
        ),
        (
            &["SHOW BINARY LOG STATUS", "SHOW MASTER STATUS"][..],
            SqlStmt::ShowBinaryLogStatus,
        ),
        (
            &["SHOW BINARY LOGS", "SHOW MASTER LOGS"][..],
            SqlStmt::ShowBinaryLogs,
        ),
        (
            &["SHOW REPLICAS", "SHOW SLAVE HOSTS"][..],
            SqlStmt::ShowReplicas,
        ),
        (
            &["SHOW PROCESSLIST"][..],
            SqlStmt::ShowProcesslist { full: false },
        ),
        (
            &["SHOW FULL PROCESSLIST"][..],
            SqlStmt::ShowProcesslist { full: true },
        ),
        (
            &["SHOW STATUS", "SHOW SESSION STATUS"][..],
            SqlStmt::ShowStatus {
                global: false,
                like: None,
            },
        ),
        (
            &["SHOW GLOBAL VARIABLES LIKE 'gtid%'"][..],
            SqlStmt::ShowVariables {
                global: true,
                like: Some("gtid%".into()),
            },
        ),
        (
            &["SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'"][..],
            SqlStmt::ShowStatus {
                global: true,
                like: Some("Rpl_semi_sync%".into()),
            },
        ),
    ] {
        for text in texts {
            assert_eq!(one(text), stmt, "{text}");
        }
    }
    assert!(parse("SHOW REPLICA STATUS\\G").unwrap()[0].vertical);
}

#[test]
fn show_events() {
    assert_eq!(
        one("SHOW BINLOG EVENTS"),
        SqlStmt::ShowBinlogEvents(EventsQuery::default())
    );
    assert_eq!(
        one("SHOW BINLOG EVENTS IN 'binlog.000002' FROM 4 LIMIT 2, 10"),
        SqlStmt::ShowBinlogEvents(EventsQuery {
            file: Some("binlog.000002".into()),
            from: Some(4),
            limit: Some(Limit {
                offset: 2,
                count: 10
            }),
        })
    );
    assert_eq!(
        one("SHOW RELAYLOG EVENTS LIMIT 5"),
        SqlStmt::ShowRelaylogEvents(EventsQuery {
            limit: Some(Limit {
                offset: 0,
                count: 5
            }),
            ..EventsQuery::default()
        })
    );
}

#[test]
fn show_errors() {
    assert_eq!(
        err("SHOW BINLOG EVENTS IN binlog.000001"),
        near("", "binlog.000001", 1)
    );
    assert_eq!(err("SHOW REPLICA"), near("", "", 1));
    assert_eq!(err("SHOW NONSENSE"), near("", "NONSENSE", 1));
    assert_eq!(errno("SHOW TABLES"), 1235);
    assert_eq!(errno("SHOW REPLICA STATUS FOR CHANNEL 'other'"), 1235);
    assert_eq!(errno("SHOW STATUS WHERE Variable_name = 'x'"), 1235);
}

#[test]
fn change_source_in_both_spellings() {
    let options = vec![
        SourceOption::Host("db1".into()),
        SourceOption::Port(3306),
        SourceOption::User("repl".into()),
        SourceOption::Password("pw".into()),
        SourceOption::LogFile("binlog.000003".into()),
        SourceOption::LogPos(1234),
        SourceOption::AutoPosition(false),
        SourceOption::DelayS(3600),
        SourceOption::ConnectRetryS(10),
        SourceOption::RetryCount(5),
        SourceOption::HeartbeatPeriodMs(2_500),
        SourceOption::GetSourcePublicKey(true),
    ];
    assert_eq!(
        one(
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_PORT=3306, SOURCE_USER='repl', \
             SOURCE_PASSWORD='pw', SOURCE_LOG_FILE='binlog.000003', SOURCE_LOG_POS=1234, \
             SOURCE_AUTO_POSITION=0, SOURCE_DELAY=3600, SOURCE_CONNECT_RETRY=10, \
             SOURCE_RETRY_COUNT=5, SOURCE_HEARTBEAT_PERIOD=2.5, GET_SOURCE_PUBLIC_KEY=1"
        ),
        SqlStmt::ChangeSource(options.clone())
    );
    assert_eq!(
        one(
            "change master to master_host='db1', master_port=3306, master_user='repl', \
             master_password='pw', master_log_file='binlog.000003', master_log_pos=1234, \
             master_auto_position=0, master_delay=3600, master_connect_retry=10, \
             master_retry_count=5, master_heartbeat_period=2.5, get_master_public_key=1"
        ),
        SqlStmt::ChangeSource(options)
    );
    assert_eq!(
        one(
            "CHANGE REPLICATION SOURCE TO RELAY_LOG_FILE='relay.000002', RELAY_LOG_POS=4 FOR CHANNEL ''"
        ),
        SqlStmt::ChangeSource(vec![
            SourceOption::RelayLogFile("relay.000002".into()),
            SourceOption::RelayLogPos(4)
        ])
    );
}

#[test]
fn change_source_errors() {
    assert_eq!(
        err("CHANGE REPLICATION SOURCE TO SOURCE_HOST=db1"),
        near("", "db1", 1)
    );
    assert_eq!(err("CHANGE REPLICATION SOURCE TO"), near("", "", 1));
    assert_eq!(
        err("CHANGE REPLICATION SOURCE TO HOST='db1'"),
        near("", "HOST='db1'", 1)
    );
    assert_eq!(
        err("CHANGE REPLICATION SOURCE TO SOURCE_DELAY=2147483648"),
        "ERROR 1729 (HY000): The requested value 2147483648 for the source delay exceeds the maximum 2147483647"
    );
    assert_eq!(
        errno("CHANGE REPLICATION SOURCE TO SOURCE_HEARTBEAT_PERIOD=4294968"),
        1624
    );
    assert_eq!(errno("CHANGE REPLICATION SOURCE TO SOURCE_SSL=1"), 1235);
    assert_eq!(errno("CHANGE REPLICATION FILTER REPLICATE_DO_DB=(a)"), 1235);
    assert_eq!(
        errno("CHANGE MASTER TO MASTER_HOST='db1' FOR CHANNEL 'c2'"),
        1235
    );
}

#[test]
fn start_and_stop_replica() {
    let io = Threads {
        io: true,
        sql: false,
    };
    let sql = Threads {
        io: false,
        sql: true,
    };
    assert_eq!(
        one("START REPLICA"),
        SqlStmt::StartReplica {
            threads: Threads::BOTH,
            until: None
        }
    );
    assert_eq!(
        one("start slave io_thread"),
        SqlStmt::StartReplica {
            threads: io,
            until: None
        }
    );
    assert_eq!(
        one("START REPLICA SQL_THREAD, IO_THREAD"),
        SqlStmt::StartReplica {
            threads: Threads::BOTH,
            until: None
        }
    );
    assert_eq!(
        one("STOP REPLICA IO_THREAD"),
        SqlStmt::StopReplica { threads: io }
    );
    assert_eq!(
        one("STOP SLAVE SQL_THREAD FOR CHANNEL ''"),
        SqlStmt::StopReplica { threads: sql }
    );
    assert_eq!(
        one("STOP REPLICA"),
        SqlStmt::StopReplica {
            threads: Threads::BOTH
        }
    );
}

#[test]
fn start_replica_until() {
    let sql = Threads {
        io: false,
        sql: true,
    };
    let set = "3E11FA47-71CA-11E1-9E33-C80AA9429562:7";
    assert_eq!(
        one(&format!(
            "START REPLICA SQL_THREAD UNTIL SQL_BEFORE_GTIDS = '{set}'"
        )),
        SqlStmt::StartReplica {
            threads: sql,
            until: Some(Until::SqlBeforeGtids(set.into()))
        }
    );
    assert_eq!(
        one(&format!("START REPLICA UNTIL SQL_AFTER_GTIDS='{set}'")),
        SqlStmt::StartReplica {
            threads: Threads::BOTH,
            until: Some(Until::SqlAfterGtids(set.into()))
        }
    );
    assert_eq!(
        one("START SLAVE UNTIL MASTER_LOG_FILE='binlog.000002', MASTER_LOG_POS=900"),
        SqlStmt::StartReplica {
            threads: Threads::BOTH,
            until: Some(Until::SourceLog {
                file: "binlog.000002".into(),
                pos: 900
            })
        }
    );
    assert_eq!(
        one("START REPLICA UNTIL RELAY_LOG_POS=4, RELAY_LOG_FILE='relay.000001'"),
        SqlStmt::StartReplica {
            threads: Threads::BOTH,
            until: Some(Until::RelayLog {
                file: "relay.000001".into(),
                pos: 4
            })
        }
    );
    assert_eq!(
        one("START REPLICA UNTIL SQL_AFTER_MTS_GAPS"),
        SqlStmt::StartReplica {
            threads: Threads::BOTH,
            until: Some(Until::SqlAfterMtsGaps)
        }
    );
}

#[test]
fn start_and_stop_errors() {
    assert_eq!(err("START REPLICA IO_THREAD,"), near("", "", 1));
    assert_eq!(err("STOP REPLICA NOW"), near("", "NOW", 1));
    assert_eq!(err("START"), near("", "", 1));
    assert_eq!(
        err("START REPLICA UNTIL SOURCE_LOG_FILE='binlog.000002'"),
        "ERROR 1277 (HY000): Incorrect parameter or combination of parameters for START REPLICA UNTIL"
    );
    assert_eq!(errno("START REPLICA UNTIL SQL_BEFORE_GTIDS='bad'"), 1772);
    assert_eq!(errno("START GROUP_REPLICATION"), 1235);
}

#[test]
fn reset_flush_purge_shutdown_restart() {
    assert_eq!(one("RESET REPLICA"), SqlStmt::ResetReplica { all: false });
    assert_eq!(one("RESET SLAVE ALL"), SqlStmt::ResetReplica { all: true });
    assert_eq!(
        one("RESET BINARY LOGS AND GTIDS"),
        SqlStmt::ResetBinaryLogsAndGtids
    );
    assert_eq!(one("RESET MASTER"), SqlStmt::ResetBinaryLogsAndGtids);
    assert_eq!(one("FLUSH BINARY LOGS"), SqlStmt::FlushBinaryLogs);
    assert_eq!(one("FLUSH LOCAL RELAY LOGS"), SqlStmt::FlushRelayLogs);
    assert_eq!(
        one("PURGE BINARY LOGS TO 'binlog.000003'"),
        SqlStmt::PurgeBinaryLogs(Purge::To("binlog.000003".into()))
    );
    assert_eq!(
        one("PURGE MASTER LOGS BEFORE '2026-01-02 03:04:05'"),
        SqlStmt::PurgeBinaryLogs(Purge::BeforeUnixS(1_767_323_045))
    );
    assert_eq!(
        one("PURGE BINARY LOGS BEFORE '1970-01-01'"),
        SqlStmt::PurgeBinaryLogs(Purge::BeforeUnixS(0))
    );
    assert_eq!(
        one("PURGE BINARY LOGS BEFORE NOW() - INTERVAL 2 HOUR"),
        SqlStmt::PurgeBinaryLogs(Purge::BeforeAgoS(7_200))
    );
    assert_eq!(
        one("PURGE BINARY LOGS BEFORE DATE_SUB(NOW(), INTERVAL 3 DAY)"),
        SqlStmt::PurgeBinaryLogs(Purge::BeforeAgoS(259_200))
    );
    assert_eq!(
        one("PURGE BINARY LOGS BEFORE CURRENT_TIMESTAMP"),
        SqlStmt::PurgeBinaryLogs(Purge::BeforeAgoS(0))
    );
    assert_eq!(one("SHUTDOWN"), SqlStmt::Shutdown);
    assert_eq!(one("restart;"), SqlStmt::Restart);
}

#[test]
fn reset_flush_purge_errors() {
    assert_eq!(err("RESET BINARY LOGS"), near("", "", 1));
    assert_eq!(err("RESET"), near("", "", 1));
    assert_eq!(err("FLUSH BINARY"), near("", "", 1));
    assert_eq!(err("PURGE BINARY LOGS TO binlog"), near("", "binlog", 1));
    assert_eq!(
        err("PURGE BINARY LOGS BEFORE '2026-02-30'"),
        "ERROR 1210 (HY000): Incorrect arguments to PURGE LOGS BEFORE"
    );
    assert_eq!(err("SHUTDOWN NOW"), near("", "NOW", 1));
    assert_eq!(errno("FLUSH LOGS"), 1235);
    assert_eq!(errno("RESET MASTER TO 5"), 1235);
    assert_eq!(
        errno("PURGE BINARY LOGS BEFORE NOW() - INTERVAL 1 MONTH"),
        1235
    );
}

#[test]
fn other_statements_are_refused_by_name_with_what_is_supported() {
    let e = err("CREATE TABLE t (a INT)");
    assert!(
        e.starts_with("ERROR 1235 (42000): This version of MySQL doesn't yet support 'CREATE'"),
        "{e}"
    );
    assert!(e.contains("CHANGE REPLICATION SOURCE TO"), "{e}");
    for text in [
        "ALTER TABLE kv ADD c INT",
        "DROP TABLE kv",
        "USE playground",
        "TRUNCATE kv",
        "REVOKE ALL ON *.* FROM x",
        "CREATE TEMPORARY TABLE t (a INT)",
        "CREATE TABLE other.kv (a INT)",
    ] {
        assert_eq!(errno(text), 1235, "{text}");
    }
}

#[test]
fn over_long_input_is_refused_whole() {
    let text = format!(
        "SELECT * FROM kv WHERE id = 1;{}",
        " ".repeat(MAX_SQL_BYTES)
    );
    assert_eq!(errno(&text), 1153);
}

#[test]
fn comments_and_versioned_comments() {
    assert_eq!(
        one("/* why */ SHOW BINARY LOGS -- list them"),
        SqlStmt::ShowBinaryLogs
    );
    assert_eq!(one("SHOW /*!80000 BINARY */ LOGS"), SqlStmt::ShowBinaryLogs);
    assert_eq!(
        one("# a note\nSTOP REPLICA"),
        SqlStmt::StopReplica {
            threads: Threads::BOTH
        }
    );
}

/// The fenced blocks of `docs/sql.md`: (info string, lines).
fn doc_blocks(doc: &str) -> Vec<(&str, Vec<&str>)> {
    let mut blocks = Vec::new();
    let mut open: Option<(&str, Vec<&str>)> = None;
    for line in doc.lines() {
        // A block may be indented under a list item.
        let line = line.trim_start();
        match (open.take(), line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim(), Vec::new())),
            (Some(block), Some(_)) => blocks.push(block),
            (Some((info, mut lines)), None) => {
                lines.push(line);
                open = Some((info, lines));
            }
            (None, None) => {}
        }
    }
    blocks
}

#[test]
fn the_examples_of_docs_sql_md() {
    let doc = include_str!("../../../../docs/sql.md");
    let (mut statements, mut errors) = (0, 0);
    for (info, lines) in doc_blocks(doc) {
        match info {
            "sql" => {
                for line in lines.iter().filter(|l| !l.trim().is_empty()) {
                    assert!(parse(line).is_ok(), "{line}: {:?}", parse(line));
                    statements += 1;
                }
            }
            "text" => {
                // `mysql> stmt` then, if it fails to parse, the line the client prints.
                for (i, line) in lines.iter().enumerate() {
                    let Some(stmt) = line.strip_prefix("mysql> ") else {
                        continue;
                    };
                    let next = lines.get(i + 1).copied().unwrap_or("");
                    match parse(stmt) {
                        Err(e) => {
                            assert_eq!(e.to_string(), next, "{stmt}");
                            errors += 1;
                        }
                        Ok(_) => assert!(!next.starts_with("ERROR 1064"), "{stmt} parses"),
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        statements >= 30 && errors >= 10,
        "{statements} examples, {errors} errors"
    );
}

#[test]
fn accounts_and_the_schema_of_a_setup_script_are_read() {
    let repl = UserSpec {
        user: "repl".into(),
        host: "%".into(),
    };
    assert_eq!(
        one("CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 'pw'"),
        SqlStmt::CreateUser {
            user: repl.clone(),
            if_not_exists: true
        }
    );
    assert_eq!(
        one("create user repl IDENTIFIED WITH caching_sha2_password BY 'pw'"),
        SqlStmt::CreateUser {
            user: repl.clone(),
            if_not_exists: false
        }
    );
    assert_eq!(
        one("GRANT REPLICATION SLAVE, read only admin ON *.* TO 'repl'@'%'"),
        SqlStmt::Grant {
            privileges: vec!["REPLICATION SLAVE".into(), "READ ONLY ADMIN".into()],
            on: "*.*".into(),
            user: repl
        }
    );
    assert_eq!(
        one("CREATE DATABASE IF NOT EXISTS playground"),
        SqlStmt::CreateDatabase {
            name: "playground".into(),
            if_not_exists: true
        }
    );
    assert_eq!(
        one(
            "CREATE TABLE playground.kv (id BIGINT UNSIGNED NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB"
        ),
        SqlStmt::CreateTable {
            if_not_exists: false
        }
    );
    for bad in [
        "GRANT ON *.* TO x",
        "GRANT ALL ON TO x",
        "CREATE USER 'x'@",
        "GRANT ALL ON *.* TO x y",
    ] {
        assert_eq!(errno(bad), 1064, "{bad}");
    }
}
