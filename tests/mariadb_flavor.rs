//! The MariaDB 10.11 flavor (issue 14, docs/semantics.md "MariaDB flavor"): GTIDs per
//! domain, replica positions, the 1236 refusals of `check_slave_start_position` and
//! gtid_strict_mode's 1950. Each story cites the MariaDB function (MariaDB/server,
//! sql/rpl_gtid.cc and sql/sql_repl.cc) that implies what it asserts.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::config::*;
use replication_playground::engine::mariadb::{self, MariaGtid};
use replication_playground::engine::status::IoRunning;
use story::*;

fn mariadb(mut cfg: ClusterConfig) -> ClusterConfig {
    for n in &mut cfg.nodes {
        n.flavor = Flavor::Mariadb;
        n.rpl_semi_sync_source_wait_point = WaitPoint::AfterCommit;
    }
    cfg
}

fn binlog_pos(s: &Story, n: &str) -> String {
    mariadb::pos_text(&s.node(n).gtid_binlog_pos())
}

fn slave_pos(s: &Story, n: &str) -> String {
    mariadb::pos_text(&s.node(n).slave_pos)
}

fn sql_error(s: &Story, n: &str) -> (u16, String) {
    let ch = s.node(n).channel.as_ref().expect("a channel");
    let e = ch.last_sql_error.clone().expect("an SQL thread error");
    (e.errno, e.message)
}

/// `rpl_binlog_state::update_with_next_gtid`: each write takes the domain's counter + 1 and
/// the server's own server_id; replicas keep the primary's GTIDs in their slave position.
#[test]
fn gtids_are_domain_server_seq_and_replicas_record_the_slave_position() {
    let mut s = Story::new(mariadb(primary_with(2, 20)));
    s.run_to(3.0);
    let pos = binlog_pos(&s, "db1");
    let last: MariaGtid = pos.parse().expect("one domain");
    assert_eq!((last.domain_id, last.server_id), (0, 1), "{pos}");
    assert!(last.seq_no >= 40, "{pos}");
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    })
    .run_for(1.0);
    let pos = binlog_pos(&s, "db1");
    for r in ["db2", "db3"] {
        assert_eq!(slave_pos(&s, r), pos, "{r} applied everything");
        // log_slave_updates: the replica's binlog holds db1's GTIDs, not its own.
        assert_eq!(binlog_pos(&s, r), pos);
        assert_eq!(mariadb::pos_text(&s.node(r).gtid_current_pos()), pos);
    }
    assert_eq!(
        slave_pos(&s, "db1"),
        "",
        "the primary never applied anything"
    );
    assert_eq!(mariadb::pos_text(&s.node("db1").gtid_current_pos()), pos);
}

/// gtid_strict_mode (OFF by default, `Sys_gtid_strict_mode` in sql/sys_vars.cc): a write
/// made on a replica takes the domain's next seq_no; the primary's transaction with the same
/// seq_no then arrives out of order. `rpl_binlog_state::check_strict_sequence` stops the
/// strict replica's SQL thread with 1950; the replica without strict mode applies it and
/// logs 0-3-N before 0-1-N.
#[test]
fn strict_mode_stops_the_applier_at_an_out_of_order_seq_no() {
    let mut cfg = mariadb(primary_with(2, 20));
    cfg.nodes[1].gtid_strict_mode = true;
    let mut s = Story::new(cfg);
    s.run_to(2.0);
    s.direct_write("db2", 7_000_001)
        .direct_write("db3", 7_000_002);
    s.run_for(1.0);
    let errant: MariaGtid = binlog_pos(&s, "db3").parse().unwrap();
    let (errno, message) = sql_error(&s, "db2");
    assert_eq!(errno, 1950, "{message}");
    let mine: MariaGtid = slave_pos(&s, "db2").parse().unwrap();
    let expected = format!(
        "An attempt was made to binlog GTID 0-1-{n} which would create an out-of-order \
         sequence number with existing GTID 0-2-{n}, and gtid strict mode is enabled",
        n = mine.seq_no + 1
    );
    assert_eq!(message, expected);
    // db3 is not strict: it went on, and its binlog has its own write among db1's.
    assert!(
        s.node("db3")
            .channel
            .as_ref()
            .unwrap()
            .last_sql_error
            .is_none()
    );
    assert_eq!(
        errant.server_id, 1,
        "db1's later writes came after db3's own"
    );
    let db3_own = s
        .node("db3")
        .binlog
        .entries()
        .any(|e| MariaGtid::from_gtid(e.trx.gtid).is_some_and(|g| g.server_id == 3));
    assert!(db3_own);
}

/// The MySQL story `old_primary_rejoining_keeps_its_unreplicated_tail_as_errant_gtids`
/// (tests/engine_scenarios.rs) on MariaDB: the promoted replica continues domain 0 with its
/// own server_id (`update_with_next_gtid`), so the old primary's lost tail 0-1-N… and the
/// new writes 0-P-N… share seq_nos. Rejoining with MASTER_USE_GTID=current_pos it asks for
/// its last 0-1-N; `check_slave_start_position` does not find it and, since the domain has
/// higher seq_nos, `give_error_start_pos_missing_in_binlog` says it diverged: 1236, and the
/// IO thread does not retry. MySQL accepts the same rejoin and keeps the errant GTIDs.
#[test]
fn the_old_primary_rejoining_after_a_lossy_failover_is_refused_with_1236() {
    let mut cfg = mariadb(primary_with(2, 300));
    cfg.nodes[0].master_use_gtid = UseGtid::CurrentPos;
    let mut s = Story::new(cfg);
    s.act(set_link("db1", "db2", 2_000, 300))
        .act(set_link("db1", "db3", 2_000, 300));
    s.run_to(6.0).power_off("db1").run_to(12.0);
    let promoted = s.promoted()[0].clone();
    let promoted_id = s.node(&promoted).server_id;
    s.act(set_link("db1", "db2", 500, 0))
        .act(set_link("db1", "db3", 500, 0));
    s.restart("db1").run_to(15.0);
    let old_last: MariaGtid = binlog_pos(&s, "db1").parse().unwrap();
    assert_eq!(old_last.server_id, 1);
    assert!(
        !s.node(&promoted).gtid_executed.contains(old_last.to_gtid()),
        "db1 kept a tail the new primary never received"
    );
    let rejoin = |s: &mut Story, until: f64| {
        s.act(Command::ChangeSource {
            node: "db1".into(),
            source: promoted.clone(),
        })
        .run_to(until);
        s.io_error("db1")
    };
    // The new primary has not yet reached db1's last seq_no: the position is just missing.
    let new_last: MariaGtid = binlog_pos(&s, &promoted).parse().unwrap();
    assert_eq!((new_last.domain_id, new_last.server_id), (0, promoted_id));
    assert!(
        new_last.seq_no < old_last.seq_no,
        "{new_last} vs {old_last}"
    );
    let missing = format!(
        "Error: connecting slave requested to start from GTID {old_last}, which is not in the \
         master's binlog"
    );
    let e = rejoin(&mut s, 15.5);
    assert_eq!((e.errno, e.message.as_str()), (1236, missing.as_str()));
    assert_eq!(s.io("db1"), IoRunning::No, "1236 is fatal: no retry");
    // Later the domain has passed it: the same request is now called a divergence.
    s.run_to(25.0);
    let new_last: MariaGtid = binlog_pos(&s, &promoted).parse().unwrap();
    assert!(
        new_last.seq_no >= old_last.seq_no,
        "{new_last} vs {old_last}"
    );
    let e = rejoin(&mut s, 25.5);
    let diverged = format!(
        "{missing}. Since the master's binlog contains GTIDs with higher sequence numbers, it \
         probably means that the slave has diverged due to executing extra erroneous \
         transactions"
    );
    assert_eq!((e.errno, e.message.as_str()), (1236, diverged.as_str()));
    assert!(slave_pos(&s, "db1").is_empty(), "db1 applied nothing");
}

/// The other replica, repointed by the manager, asks with its gtid_slave_pos (a GTID of
/// db1 that the promoted replica also applied and logged), is found, and goes on.
#[test]
fn a_replica_repointed_after_failover_continues_from_its_slave_position() {
    let mut s = Story::new(mariadb(primary_with(2, 50)));
    s.run_to(3.0).crash("db1").run_to(15.0);
    let promoted = s.promoted()[0].clone();
    let other = if promoted == "db2" { "db3" } else { "db2" };
    assert_eq!(s.io(other), IoRunning::Yes, "{}", s.audit());
    s.run_to(18.0);
    assert_eq!(slave_pos(&s, other), binlog_pos(&s, &promoted));
    let last: MariaGtid = slave_pos(&s, other).parse().unwrap();
    assert_eq!(
        last.server_id,
        s.node(&promoted).server_id,
        "the new primary's writes"
    );
}

/// The console of a MariaDB node speaks MariaDB: its GTID variables, CHANGE MASTER TO …
/// MASTER_USE_GTID, START SLAVE and SHOW SLAVE STATUS with Using_Gtid and Gtid_IO_Pos
/// (sql/slave.cc `show_master_info_get_fields`); MySQL's variables are unknown there.
#[test]
fn the_console_of_a_mariadb_node_uses_mariadb_statements_and_columns() {
    let mut s = Story::new(mariadb(primary_with(2, 20)));
    s.run_to(2.0);
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    })
    .run_for(1.0);
    let pos = binlog_pos(&s, "db1");
    let out = type_at(
        &mut s,
        "db2",
        "SELECT @@gtid_slave_pos, @@gtid_binlog_pos, @@gtid_strict_mode",
    );
    assert!(out[0].contains(&pos), "{out:?}");
    let out = type_at(&mut s, "db2", "SELECT @@gtid_executed");
    assert!(out[0].contains("1193"), "{out:?}");
    let out = type_at(&mut s, "db3", "STOP SLAVE");
    assert!(out[0].starts_with("Query OK"), "{out:?}");
    let out = type_at(
        &mut s,
        "db3",
        "CHANGE MASTER TO MASTER_HOST='db2', MASTER_USE_GTID=current_pos",
    );
    assert!(out[0].starts_with("Query OK"), "{out:?}");
    type_at(&mut s, "db3", "START SLAVE");
    s.run_for(0.5);
    let out = type_at(&mut s, "db3", "SHOW SLAVE STATUS\\G").join("\n");
    for want in [
        "Master_Host: db2".to_string(),
        "Slave_IO_Running: Yes".into(),
        "Slave_IO_State: Waiting for master to send event".into(),
        "Using_Gtid: Current_Pos".into(),
        format!("Gtid_IO_Pos: {pos}"),
        "Last_IO_Errno: 0".into(),
    ] {
        assert!(out.contains(&want), "{want} in {out}");
    }
    let mysql = type_at(&mut s, "db3", "SHOW REPLICA STATUS\\G").join("\n");
    assert!(!mysql.contains("Executed_Gtid_Set"), "{mysql}");
    let out = type_at(&mut s, "db2", "CHANGE MASTER TO MASTER_USE_GTID=bogus");
    assert!(out[0].contains("1064"), "{out:?}");
}

// ---- Orchestrator and MariaDB (docs/semantics.md §13.7) ----

/// Two replicas that apply more slowly than the primary writes, so their relay logs hold
/// a backlog when the primary dies; the manager promotes without waiting unless told.
fn slow_appliers(flavor: Flavor, wait_for_relay_log_apply: bool) -> ClusterConfig {
    let mut cfg = primary_with(2, 200);
    for n in &mut cfg.nodes {
        n.flavor = flavor;
        if n.source.is_some() {
            n.apply_us = 12_000;
        }
    }
    cfg.failover.wait_for_relay_log_apply = wait_for_relay_log_apply;
    cfg
}

/// The GTIDs each replica had received but not yet applied.
fn relay_backlog(s: &Story, n: &str) -> replication_playground::engine::gtid::GtidSet {
    let ch = s.node(n).channel.as_ref().expect("a replica");
    ch.relay_log.iter().map(|e| e.trx.gtid).collect()
}

fn recovery_statements(s: &Story) -> Vec<(String, String)> {
    let w = &s.w;
    let r = w.recoveries()[0].clone();
    w.recovery_statements(w.manager().shard, r.id)
        .map(|st| {
            let node = st.node.map(|n| w.name(n.into())).unwrap_or_default();
            (node, st.text.clone())
        })
        .collect()
}

/// `StopReplicas` (go/inst/instance_topology_dao.go) calls `StopReplicationNicely` only
/// `if … !replica.IsMariaDB()`: on MariaDB the replicas of the dead primary get a plain
/// `STOP SLAVE`, are ranked by what they executed, and the promoted one's unapplied relay
/// log goes with RESET SLAVE ALL. The same cluster on MySQL is stopped nicely (STOP
/// REPLICA IO_THREAD; START REPLICA SQL_THREAD) and the promoted replica keeps everything
/// it had received.
#[test]
fn orchestrator_stops_mariadb_replicas_without_applying_their_relay_logs() {
    let mut kept = Vec::new();
    for flavor in [Flavor::Mysql, Flavor::Mariadb] {
        let mut s = Story::new(slow_appliers(flavor, false));
        s.run_to(2.0);
        let backlog = [relay_backlog(&s, "db2"), relay_backlog(&s, "db3")];
        assert!(backlog.iter().all(|b| b.count() > 20), "{backlog:?}");
        s.crash("db1").run_to(25.0);
        let promoted = s.promoted();
        assert_eq!(promoted.len(), 1, "{flavor:?}: {}", s.audit());
        let p = &promoted[0];
        let own = &backlog[usize::from(p == "db3")];
        let executed = &s.node(p).gtid_executed;
        let stops: Vec<String> = recovery_statements(&s)
            .into_iter()
            .filter(|(n, _)| n == "db3")
            .map(|(_, t)| t)
            .take(2)
            .collect();
        if flavor.is_mariadb() {
            // Orchestrator's `stop slave`, not STOP SLAVE IO_THREAD; START SLAVE SQL_THREAD.
            assert_eq!(stops[0], "STOP SLAVE;", "{stops:?}");
            assert!(!stops.iter().any(|t| t.contains("SQL_THREAD")), "{stops:?}");
            assert!(s.audit().contains("plain STOP SLAVE"), "{}", s.audit());
            // Its SQL thread applied some while the manager detected the failure; STOP
            // SLAVE then stopped it and RESET SLAVE ALL discarded the rest.
            assert!(
                !own.is_subset_of(executed),
                "the promoted replica's relay log was discarded before it was applied"
            );
        } else {
            assert_eq!(
                stops,
                ["STOP REPLICA IO_THREAD;", "START REPLICA SQL_THREAD;"]
            );
            assert!(own.is_subset_of(executed), "the nice stop applied it all");
        }
        kept.push(own.intersection(executed).count());
    }
    assert!(kept[0] > kept[1], "{kept:?}");
}

/// With DelayMasterPromotionIfSQLThreadNotUpToDate (the playground's default),
/// `overrideMasterPromotion` (go/logic/topology_recovery.go) waits in
/// `WaitForSQLThreadUpToDate` — but STOP SLAVE stopped the MariaDB candidate's SQL thread,
/// so its executed coordinates never move: after ReasonableReplicationLagSeconds of no
/// progress the wait fails and the promotion is cancelled. Nobody is promoted.
#[test]
fn a_mariadb_candidate_stopped_with_a_backlog_is_not_promoted_when_the_manager_waits_for_it() {
    let mut s = Story::new(slow_appliers(Flavor::Mariadb, true));
    s.run_to(2.0).crash("db1").run_to(40.0);
    let r = s.w.recoveries()[0].clone();
    assert!(!r.success, "{:?}", r.steps);
    assert!(s.promoted().is_empty());
    let why = r.steps.iter().find(|t| t.contains("promotion cancelled"));
    let why = why.unwrap_or_else(|| panic!("{:?}", r.steps));
    assert!(why.contains("ReasonableReplicationLagSeconds"), "{why}");
    for n in ["db2", "db3"] {
        assert!(s.node(n).read_only, "{n} was never made writable");
    }
    // The same wait on MySQL follows the nice stop, which applied the relay logs.
    let mut s = Story::new(slow_appliers(Flavor::Mysql, true));
    s.run_to(2.0).crash("db1").run_to(40.0);
    assert_eq!(s.promoted().len(), 1, "{}", s.audit());
}

/// Orchestrator reads `gtid_executed` only from Oracle MySQL and Percona
/// (`ReadTopologyInstanceBufferable`, go/inst/instance_dao.go), so `GtidErrant` stays empty
/// on MariaDB: a replica with a transaction of its own is ranked, shown and promoted as if
/// it had none.
#[test]
fn orchestrator_sees_no_errant_gtids_on_mariadb() {
    let mut s = Story::new(mariadb(primary_with(2, 20)));
    s.run_to(2.0).direct_write("db3", 7_000_001).run_to(3.0);
    s.crash("db1").run_to(20.0);
    let r = s.w.recoveries()[0].clone();
    let row = r
        .candidates
        .iter()
        .find(|c| s.w.name(c.node.into()) == "db3");
    let reasons = row.expect("db3 was ranked").reasons.join("; ");
    assert!(
        reasons.contains("errant GTIDs not checked: Orchestrator reads no GTID set from MariaDB"),
        "{reasons}"
    );
    assert!(!reasons.contains("would be shipped"), "{reasons}");
}

/// A graceful takeover points the demoted primary at the new one with
/// `ChangeMasterTo(…, GTIDHintForce)` (go/logic/topology_recovery.go
/// `GracefulMasterTakeover`); for a MariaDB server with no replication threads
/// (go/inst/instance_topology_dao.go `ChangeMasterTo`) that is `master_use_gtid=current_pos`,
/// so it asks from its own last write and goes on replicating. The whole recovery is
/// recorded in MariaDB's statements (go/inst/instance_topology_dao.go).
#[test]
fn a_switchover_points_the_demoted_mariadb_primary_with_current_pos() {
    let mut s = Story::new(mariadb(primary_with(2, 50)));
    s.run_to(3.0)
        .act(Command::Switchover { to: "db3".into() })
        .run_to(15.0);
    let r = s.w.recoveries()[0].clone();
    assert!(r.success && r.planned, "{:?}", r.steps);
    // Every statement in MariaDB's words, as Orchestrator sends them: `set global
    // read_only` (no super_read_only), `stop slave`, `reset slave all`, and `change master
    // to master_host=?, master_port=?` for db2, which keeps its MASTER_USE_GTID mode.
    let got: Vec<String> = recovery_statements(&s)
        .into_iter()
        .filter(|(n, _)| !n.is_empty())
        .map(|(n, t)| format!("{n}: {t}"))
        .collect();
    let wait = got[2].clone();
    assert!(
        wait.starts_with("db3: SELECT MASTER_GTID_WAIT('0-1-") && wait.ends_with("', 30);"),
        "{wait}"
    );
    let want = [
        "db1: SET GLOBAL read_only=ON;",
        "db1: SELECT @@GLOBAL.gtid_binlog_pos;",
        &wait,
        "db3: STOP SLAVE;",
        "db3: RESET SLAVE ALL;",
        "db3: SET GLOBAL read_only=OFF;",
        "db2: STOP SLAVE;",
        "db2: CHANGE MASTER TO MASTER_HOST='db3', MASTER_PORT=3306;",
        "db2: START SLAVE;",
        "db1: STOP SLAVE;",
        "db1: CHANGE MASTER TO MASTER_HOST='db3', MASTER_PORT=3306, MASTER_USE_GTID=current_pos;",
        "db1: START SLAVE;",
    ];
    assert_eq!(got, want);
    assert_eq!(s.io("db1"), IoRunning::Yes);
    let out = type_at(&mut s, "db1", "SHOW SLAVE STATUS\\G").join("\n");
    assert!(out.contains("Using_Gtid: Current_Pos"), "{out}");
    assert!(out.contains("Last_IO_Errno: 0"), "{out}");
}

// ---- Moving GTID positions by hand (docs/semantics.md §13.3) ----

/// A quiet MariaDB cluster: db1 wrote for a second, then stopped; everyone caught up.
fn quiet_mariadb() -> Story {
    let mut s = Story::new(mariadb(primary_with(2, 20)));
    s.run_to(1.0);
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    })
    .run_for(1.0);
    s
}

/// `Sys_var_gtid_slave_pos::do_check` (sql/sys_vars.cc) calls
/// `give_error_if_slave_running`, which refuses while the SQL thread runs: 1198 with the
/// (empty) connection name. Stopped, the new position replaces the slave state
/// (`rpl_gtid_pos_update`), and START SLAVE asks from it: set ahead of what was applied,
/// the replica skips everything in between (ER_SLAVE_SKIP_NOT_IN_GTID, 1966, recommends this
/// to skip a transaction).
#[test]
fn set_global_gtid_slave_pos_needs_the_slave_stopped_and_moves_where_the_replica_starts() {
    let mut s = quiet_mariadb();
    let out = type_at(&mut s, "db2", "SET GLOBAL gtid_slave_pos = '0-1-5'");
    assert_eq!(
        out[0],
        "ERROR 1198 (HY000): This operation cannot be performed as you have a running slave \
         ''; run STOP SLAVE '' first"
    );
    let out = type_at(&mut s, "db2", "STOP SLAVE");
    assert!(out[0].starts_with("Query OK"), "{out:?}");
    // db1 writes while db2 is stopped; the DBA then moves db2 past all but the last write.
    s.direct_write("db1", 7_000_001)
        .direct_write("db1", 7_000_002)
        .run_for(0.5);
    let last: MariaGtid = binlog_pos(&s, "db1").parse().unwrap();
    let skipped = MariaGtid {
        seq_no: last.seq_no - 1,
        ..last
    };
    let out = type_at(
        &mut s,
        "db2",
        &format!("SET GLOBAL gtid_slave_pos = '{skipped}'"),
    );
    assert!(out[0].starts_with("Query OK"), "{out:?}");
    let out = type_at(&mut s, "db2", "SELECT @@gtid_slave_pos");
    assert!(out[0].contains(&skipped.to_string()), "{out:?}");
    type_at(&mut s, "db2", "START SLAVE");
    s.run_for(1.0);
    assert_eq!(slave_pos(&s, "db2"), last.to_string());
    let db2 = s.node("db2");
    assert!(db2.gtid_executed.contains(last.to_gtid()));
    assert!(
        !db2.gtid_executed.contains(skipped.to_gtid()),
        "never fetched"
    );
    assert_eq!(
        db2.data.get(7_000_001),
        None,
        "the skipped row is not on db2"
    );
    let bad = type_at(
        &mut s,
        "db3",
        "STOP SLAVE; SET GLOBAL gtid_slave_pos = '0-1'",
    );
    assert!(
        bad[1].starts_with("ERROR 1941 (HY000): Could not parse GTID list"),
        "{bad:?}"
    );
}

/// `rpl_gtid_pos_check` (sql/sql_repl.cc): on a server whose binlog holds its own later
/// transactions, a gtid_slave_pos behind them is a warning (1947), or without the domain
/// (1948); with gtid_strict_mode both are errors and nothing changes.
#[test]
fn a_gtid_slave_pos_behind_the_servers_own_binlog_warns_or_fails_in_strict_mode() {
    let mut s = quiet_mariadb();
    let own: MariaGtid = binlog_pos(&s, "db1").parse().unwrap();
    let out = type_at(&mut s, "db1", "SET GLOBAL gtid_slave_pos = '0-1-1'");
    assert!(
        out[0].starts_with("Query OK, 0 rows affected, 1 warning"),
        "{out:?}"
    );
    assert_eq!(slave_pos(&s, "db1"), "0-1-1");
    type_at(&mut s, "db1", "SET GLOBAL gtid_strict_mode = 1");
    let out = type_at(&mut s, "db1", "SET GLOBAL gtid_slave_pos = '0-1-2'");
    assert_eq!(
        out[0],
        format!(
            "ERROR 1947 (HY000): Specified GTID 0-1-2 conflicts with the binary log which \
             contains a more recent GTID {own}. If MASTER_GTID_POS=CURRENT_POS is used, the \
             binlog position will override the new value of @@gtid_slave_pos"
        )
    );
    let out = type_at(&mut s, "db1", "SET GLOBAL gtid_slave_pos = ''");
    assert!(out[0].starts_with("ERROR 1948 (HY000): Specified value for @@gtid_slave_pos contains no value for replication domain 0."), "{out:?}");
    assert_eq!(slave_pos(&s, "db1"), "0-1-1", "unchanged");
}

/// `SET gtid_seq_no` (MariaDB's rpl_gtid_strict test): under gtid_strict_mode a seq_no at
/// or below the domain's last logged one is refused at once with 1950
/// (`check_gtid_seq_no` → `check_strict_gtid_sequence`), and again when the transaction is
/// binlogged if the domain passed it meanwhile (the row is not written). Without strict
/// mode the transaction is logged with that seq_no, out of order; a seq_no above the
/// domain's moves its counter on.
#[test]
fn set_gtid_seq_no_is_refused_out_of_order_in_strict_mode_and_logged_as_given_otherwise() {
    let mut s = quiet_mariadb();
    let last: MariaGtid = binlog_pos(&s, "db2").parse().unwrap();
    let out = type_at(
        &mut s,
        "db2",
        "SET gtid_seq_no = 3; INSERT INTO kv VALUES (9001, 1)",
    );
    assert!(out.iter().all(|o| o.starts_with("Query OK")), "{out:?}");
    assert_eq!(
        binlog_pos(&s, "db2"),
        "0-2-3",
        "logged out of order, as given"
    );
    type_at(&mut s, "db2", "SET GLOBAL gtid_strict_mode = 1");
    let out = type_at(&mut s, "db2", "SET gtid_seq_no = 3");
    assert_eq!(
        out[0],
        "ERROR 1950 (HY000): An attempt was made to binlog GTID 0-2-3 which would create an \
         out-of-order sequence number with existing GTID 0-2-3, and gtid strict mode is enabled"
    );
    let ahead = last.seq_no + 100;
    let out = type_at(
        &mut s,
        "db2",
        &format!(
            "SET gtid_seq_no = {ahead}; INSERT INTO kv VALUES (9002, 1); INSERT INTO kv VALUES (9003, 1)"
        ),
    );
    assert!(out.iter().all(|o| o.starts_with("Query OK")), "{out:?}");
    assert_eq!(
        binlog_pos(&s, "db2"),
        format!("0-2-{}", ahead + 1),
        "the counter moved on"
    );
    // Accepted at SET time (strict mode off then), refused when binlogged (strict mode on
    // by then): the transaction fails and its row is not written; the value is used up.
    let out = type_at(
        &mut s,
        "db2",
        "SET GLOBAL gtid_strict_mode = 0; SET gtid_seq_no = 4; SET GLOBAL gtid_strict_mode = 1; \
         INSERT INTO kv VALUES (9004, 1)",
    );
    assert_eq!(
        out[3],
        format!(
            "ERROR 1950 (HY000): An attempt was made to binlog GTID 0-2-4 which would create \
             an out-of-order sequence number with existing GTID 0-2-{}, and gtid strict mode \
             is enabled",
            ahead + 1
        )
    );
    assert_eq!(s.node("db2").data.get(9004), None);
    let out = type_at(&mut s, "db2", "SELECT @@gtid_seq_no");
    assert!(out[0].contains("|             0 |"), "used up: {out:?}");
    let out = type_at(&mut s, "db3", "BEGIN; SET gtid_seq_no = 5");
    assert!(out[1].starts_with("ERROR 1953 (HY000): Cannot modify @@session.gtid_domain_id or @@session.gtid_seq_no inside a transaction"), "{out:?}");
}

/// mysql.gtid_slave_pos is an InnoDB table that `rpl_slave_state::record_gtid`
/// (sql/rpl_gtid.cc) updates inside the applied transaction: a power loss that rolls
/// back the replica's last applied transactions (innodb_flush_log_at_trx_commit=2) rolls
/// back its gtid_slave_pos with them, so after the restart the replica asks for them again
/// and ends with everything its primary has.
#[test]
fn gtid_slave_pos_rolls_back_with_the_applied_transactions_a_crash_loses() {
    let mut cfg = mariadb(primary_with(1, 200));
    cfg.nodes[1].innodb_flush_log_at_trx_commit = 2;
    cfg.nodes[1].sync_binlog = 0;
    let mut s = Story::new(cfg);
    s.run_to(2.5);
    let before: MariaGtid = slave_pos(&s, "db2").parse().unwrap();
    s.power_off("db2");
    let after: MariaGtid = slave_pos(&s, "db2").parse().unwrap();
    let db2 = s.node("db2");
    assert!(
        after.seq_no < before.seq_no,
        "{after} vs {before}: the crash lost some"
    );
    assert!(
        db2.gtid_executed.contains(after.to_gtid()),
        "the row survived with its trx"
    );
    let next = MariaGtid {
        seq_no: after.seq_no + 1,
        ..after
    };
    assert!(
        !db2.gtid_executed.contains(next.to_gtid()),
        "and the next did not"
    );
    s.restart("db2");
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    })
    .run_for(5.0);
    assert_eq!(slave_pos(&s, "db2"), binlog_pos(&s, "db1"));
    let primary = s.node("db1").binlog.logged().clone();
    assert!(
        primary.is_subset_of(&s.node("db2").gtid_executed),
        "nothing was skipped"
    );
}
