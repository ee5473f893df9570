//! The statements behind the automated steps (docs/semantics.md §11): what the failover
//! manager ran on which server and in what order, what ProxySQL's admin and monitor did,
//! and the `vtctldclient` commands of a resharding.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::steps::{Actor, StepStatement, Tool};
use replication_playground::engine::time::Instant;
use replication_playground::engine::world::LogKind;
use replication_playground::engine::{Command, Report, World};
use replication_playground::scenario::Scenario;
use story::{Story, primary_with};

/// (node or "", statement) of each statement, in order.
fn lines<'a>(w: &World, s: impl Iterator<Item = &'a StepStatement>) -> Vec<(String, String)> {
    s.map(|s| {
        let node = s.node.map(|n| w.name(n.into())).unwrap_or_default();
        (node, s.text.clone())
    })
    .collect()
}

fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
    want.iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect()
}

fn change_source(to: &str) -> String {
    format!(
        "CHANGE REPLICATION SOURCE TO SOURCE_HOST='{to}', SOURCE_PORT=3306, SOURCE_AUTO_POSITION=1;"
    )
}

#[test]
fn a_failover_runs_the_promotion_the_repoint_the_fence_and_the_proxysql_hook_in_order() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(3.0).crash("db1").run_to(20.0);
    let w = &s.w;
    let r = w.recoveries()[0].clone();
    assert!(r.success, "{:?}", r.steps);
    let p = w.name(r.promoted.unwrap().into());
    let q = if p == "db2" { "db3" } else { "db2" };
    let got = lines(w, w.recovery_statements(w.manager().shard, r.id));
    let change = change_source(&p);
    let to_reader =
        "UPDATE mysql_servers SET hostgroup_id=20 WHERE hostname='db1' AND hostgroup_id=10;";
    let to_writer = format!(
        "UPDATE mysql_servers SET hostgroup_id=10 WHERE hostname='{p}' AND hostgroup_id=20;"
    );
    // With two replicas to sort, Orchestrator first stops them nicely, stopping the
    // receiver and letting the applier drain the relay log (StopReplicationNicely in
    // go/inst/instance_topology_dao.go, called from sortedReplicasDataCenterHint).
    // Corrected for issue 15: the promotion used to be the first statement.
    let want = pairs(&[
        ("db2", "STOP REPLICA IO_THREAD;"),
        ("db2", "START REPLICA SQL_THREAD;"),
        ("db3", "STOP REPLICA IO_THREAD;"),
        ("db3", "START REPLICA SQL_THREAD;"),
        (&p, "STOP REPLICA;"),
        (&p, "RESET REPLICA ALL;"),
        (&p, "SET GLOBAL super_read_only=OFF;"),
        (&p, "SET GLOBAL read_only=OFF;"),
        (q, "STOP REPLICA;"),
        (q, &change),
        (q, "START REPLICA;"),
        ("db1", "SET GLOBAL super_read_only=ON;"),
        ("", to_reader),
        ("", &to_writer),
        ("", "LOAD MYSQL SERVERS TO RUNTIME;"),
        ("", "SAVE MYSQL SERVERS TO DISK;"),
    ]);
    assert_eq!(got, want);
    let statements: Vec<_> = w.recovery_statements(w.manager().shard, r.id).collect();
    let finished = r.finished_us.unwrap();
    for st in &statements {
        assert!(st.at >= r.started_us && st.at <= finished, "{st:?}");
        let tool = if st.node.is_some() {
            Tool::Mysql
        } else {
            Tool::ProxysqlAdmin
        };
        assert_eq!(st.tool, tool);
    }
    // The event log shows each one as a console would.
    let log: Vec<&str> = (w.log.iter())
        .filter(|e| e.kind == LogKind::Statement)
        .map(|e| e.text.as_str())
        .collect();
    assert!(
        log.contains(&format!("{p} mysql> RESET REPLICA ALL;").as_str()),
        "{log:?}"
    );
    assert!(
        log.contains(&"ProxySQL Admin> LOAD MYSQL SERVERS TO RUNTIME;"),
        "{log:?}"
    );
    // And the run's report lists them with the failover.
    let report = Report::of(w);
    let listed = &report.failovers[0].statements;
    assert_eq!(listed.len(), want.len());
    assert_eq!(listed[5], format!("{p} mysql> RESET REPLICA ALL;"));
}

#[test]
fn a_switchover_fences_rereads_waits_for_the_gtid_set_then_promotes_and_demotes() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(3.0)
        .act(Command::Switchover { to: "db3".into() })
        .run_to(15.0);
    let w = &s.w;
    let r = w.recoveries()[0].clone();
    assert!(r.success && r.planned, "{:?}", r.steps);
    let got = lines(w, w.recovery_statements(w.manager().shard, r.id));
    let wait = &got[2];
    assert_eq!(wait.0, "db3");
    assert!(
        wait.1.starts_with("SELECT WAIT_FOR_EXECUTED_GTID_SET('") && wait.1.ends_with("', 30);"),
        "{wait:?}"
    );
    let change = change_source("db3");
    let want = pairs(&[
        ("db1", "SET GLOBAL super_read_only=ON;"),
        ("db1", "SELECT @@GLOBAL.gtid_executed;"),
        ("db3", &wait.1),
        ("db3", "STOP REPLICA;"),
        ("db3", "RESET REPLICA ALL;"),
        ("db3", "SET GLOBAL super_read_only=OFF;"),
        ("db3", "SET GLOBAL read_only=OFF;"),
        ("db2", "STOP REPLICA;"),
        ("db2", &change),
        ("db2", "START REPLICA;"),
        ("db1", "STOP REPLICA;"),
        ("db1", &change),
        ("db1", "START REPLICA;"),
        (
            "",
            "UPDATE mysql_servers SET hostgroup_id=20 WHERE hostname='db1' AND hostgroup_id=10;",
        ),
        (
            "",
            "UPDATE mysql_servers SET hostgroup_id=10 WHERE hostname='db3' AND hostgroup_id=20;",
        ),
        ("", "LOAD MYSQL SERVERS TO RUNTIME;"),
        ("", "SAVE MYSQL SERVERS TO DISK;"),
    ]);
    assert_eq!(got, want);
}

#[test]
fn a_quiet_cluster_records_no_statement_because_probes_are_not_logged() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(30.0);
    assert!(s.w.statements.is_empty(), "{:?}", s.w.statements);
}

fn preset(name: &str) -> World {
    let json = replication_playground::scenario::presets::preset(name).unwrap();
    let sc = Scenario::from_json(json).unwrap();
    let mut w = sc.world().unwrap();
    w.run_until(Instant::from_millis(sc.run_ms));
    w
}

#[test]
fn a_resharding_is_the_vtctldclient_commands_an_operator_types() {
    let w = preset("reshard-add-shard");
    let got: Vec<&str> = (w.statements.iter())
        .filter(|s| s.actor == Actor::Workflow)
        .map(|s| s.text.as_str())
        .collect();
    let prefix = "vtctldclient Reshard --workflow reshard --target-keyspace playground ";
    let want = [
        format!("{prefix}create --source-shards '80-' --target-shards '80-c0,c0-'"),
        "vtctldclient VDiff --workflow reshard --target-keyspace playground create".into(),
        format!("{prefix}switchtraffic --tablet-types \"rdonly,replica\""),
        format!("{prefix}switchtraffic --tablet-types primary"),
        format!("{prefix}complete"),
    ];
    assert_eq!(got, want);
    assert!(
        w.statements
            .iter()
            .all(|s| s.tool == Tool::Vtctldclient && s.node.is_none())
    );
    let first = w.statements.front().unwrap();
    assert!(
        w.statement_line(first)
            .starts_with("$ vtctldclient Reshard ")
    );
}

#[test]
fn with_read_only_hostgroups_proxysqls_monitor_moves_the_promoted_node_to_the_writers() {
    let w = preset("semi-sync-minority-split-brain");
    let p = w
        .recoveries()
        .first()
        .and_then(|r| r.promoted)
        .expect("a promotion");
    let monitor: Vec<String> = (w.statements.iter())
        .filter(|s| s.actor == Actor::Router)
        .map(|s| w.statement_line(s))
        .collect();
    let moved = format!(
        "ProxySQL monitor: {}: read_only=0: moved to writer hostgroup 10",
        w.name(p.into())
    );
    assert!(monitor.contains(&moved), "{monitor:?}");
    // No ProxySQL hook: the proxy finds its writers by itself.
    assert!(
        w.statements.iter().all(|s| s.tool != Tool::ProxysqlAdmin),
        "{:?}",
        w.statements
    );
}

#[test]
fn a_dead_intermediate_source_has_its_replica_moved_up_under_the_primary() {
    let w = preset("chained-replica");
    let r = w.recoveries()[0].clone();
    let got = lines(&w, w.recovery_statements(w.manager().shard, r.id));
    let change = change_source("db1");
    let want = pairs(&[
        ("db3", "STOP REPLICA;"),
        ("db3", &change),
        ("db3", "START REPLICA;"),
    ]);
    assert_eq!(got, want, "{:?}", r.steps);
}
