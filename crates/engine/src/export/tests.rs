use super::*;
use crate::config::{NodeConfig, WaitPoint};

fn node(name: &str, source: Option<&str>) -> NodeConfig {
    NodeConfig {
        name: name.into(),
        source: source.map(Into::into),
        read_only: source.is_some(),
        ..NodeConfig::default()
    }
}

fn cluster(nodes: Vec<NodeConfig>) -> ClusterConfig {
    ClusterConfig {
        primary: nodes[0].name.clone(),
        nodes,
        ..ClusterConfig::default()
    }
}

fn file<'f>(files: &'f [ExportFile], path: &str) -> &'f str {
    &files.iter().find(|f| f.path == path).expect(path).text
}

#[test]
fn flavors_round_trip_their_names() {
    for f in Flavor::ALL {
        assert_eq!(Flavor::parse(f.name()), Some(f));
    }
    assert_eq!(Flavor::parse("MariaDB-10.11"), Some(Flavor::Mariadb1011));
    assert_eq!(Flavor::parse("mysql-5.7"), None);
}

#[test]
fn a_replica_points_at_its_sources_address_in_each_flavor() {
    let cfg = cluster(vec![
        node("db1", None),
        node("db2", Some("db1")),
        node("db3", Some("db2")),
    ]);
    let plan = AddressPlan::Loopback { first_port: 4000 };
    let my = bundle_at(&cfg, Flavor::Mysql84, &plan).unwrap();
    assert!(
        file(&my, "db3.sql")
            .contains("CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=4001,")
    );
    assert!(file(&my, "db3.sql").contains("SOURCE_AUTO_POSITION=1"));
    assert!(file(&my, "db3.sql").ends_with("START REPLICA;\n"));
    assert!(!file(&my, "db1.sql").contains("CHANGE"));
    // Every node makes the schema itself, unlogged: the playground's table exists on every
    // node from the start and no node's GTID position counts the DDL.
    for db in ["db1.sql", "db2.sql", "db3.sql"] {
        let unlogged = unlogged_part(file(&my, db));
        assert!(
            unlogged.contains("CREATE TABLE IF NOT EXISTS playground.kv"),
            "{db}"
        );
    }
    let maria = bundle_at(
        &cfg,
        Flavor::Mariadb1011,
        &AddressPlan::Hostnames { port: 3306 },
    )
    .unwrap();
    let db3 = file(&maria, "db3.sql");
    assert!(db3.contains("CHANGE MASTER TO MASTER_HOST='db2', MASTER_PORT=3306,"));
    assert!(db3.contains("MASTER_USE_GTID=slave_pos") && db3.ends_with("START SLAVE;\n"));
    assert!(file(&maria, "db2.cnf").contains("log_slave_updates = ON\n"));
    assert!(!file(&maria, "db2.cnf").contains("super_read_only"));
}

#[test]
fn setup_runs_sources_first_and_enters_a_ring_at_the_primary() {
    let mut cfg = cluster(vec![
        node("r1", Some("p2")),
        node("p2", Some("p1")),
        node("p1", Some("p2")),
    ]);
    cfg.primary = "p2".into();
    let plan = Plan::new(&cfg, Flavor::Mysql84, &AddressPlan::default()).unwrap();
    let order: Vec<&str> = setup::run_order(&plan)
        .iter()
        .map(|n| n.cfg.name.as_str())
        .collect();
    assert_eq!(order, ["p2", "r1", "p1"]);
}

#[test]
fn semi_sync_is_spelled_per_flavor() {
    let mut primary = node("db1", None);
    primary.rpl_semi_sync_source_enabled = true;
    primary.rpl_semi_sync_source_wait_point = WaitPoint::AfterCommit;
    primary.rpl_semi_sync_source_wait_for_replica_count = 2;
    let cfg = cluster(vec![primary, node("db2", Some("db1"))]);
    let my = bundle(&cfg, Flavor::Mysql80).unwrap();
    let cnf = file(&my, "db1.cnf");
    assert!(cnf.contains("plugin_load_add = semisync_source.so\n"));
    assert!(cnf.contains("rpl_semi_sync_source_wait_point = AFTER_COMMIT\n"));
    assert!(cnf.contains("rpl_semi_sync_source_wait_for_replica_count = 2\n"));
    assert!(!file(&my, "db2.cnf").contains("semi_sync"));
    let maria = bundle(&cfg, Flavor::Mariadb1011).unwrap();
    let cnf = file(&maria, "db1.cnf");
    assert!(cnf.contains("rpl_semi_sync_master_enabled = ON\n") && !cnf.contains("plugin_load"));
    assert!(file(&maria, "README.txt").contains("waits for one acknowledgement"));
}

#[test]
fn co_primaries_get_their_own_gtid_domain_and_offsets_pass_through() {
    let mut a = node("a", Some("b"));
    let mut b = node("b", Some("a"));
    (a.read_only, b.read_only) = (false, false);
    (a.auto_increment_increment, a.auto_increment_offset) = (2, 1);
    (b.auto_increment_increment, b.auto_increment_offset) = (2, 2);
    let mut cfg = cluster(vec![a, b]);
    cfg.active_active = vec!["a".into(), "b".into()];
    let maria = bundle(&cfg, Flavor::Mariadb1011).unwrap();
    assert!(file(&maria, "a.cnf").contains("gtid_domain_id = 1\n"));
    assert!(file(&maria, "b.cnf").contains("gtid_domain_id = 2\n"));
    assert!(file(&maria, "b.cnf").contains("auto_increment_offset = 2\n"));
}

#[test]
fn a_bad_plan_or_source_is_a_clear_error() {
    let cfg = cluster(vec![node("db1", None), node("db2", Some("nope"))]);
    let e = bundle(&cfg, Flavor::Mysql84).unwrap_err();
    assert!(e.to_string().contains("'nope'"), "{e}");
    let cfg = cluster(vec![node("db1", None)]);
    let one = AddressPlan::Each(vec![]);
    assert!(
        bundle_at(&cfg, Flavor::Mysql84, &one)
            .unwrap_err()
            .0
            .contains("0 servers for 1")
    );
    let high = AddressPlan::Loopback { first_port: 65535 };
    let cfg = cluster(vec![node("db1", None), node("db2", Some("db1"))]);
    assert!(bundle_at(&cfg, Flavor::Mysql84, &high).is_err());
}

#[test]
fn concatenated_files_carry_headers() {
    let files = vec![
        ExportFile {
            path: "a".into(),
            text: "x\n".into(),
        },
        ExportFile {
            path: "b".into(),
            text: "y".into(),
        },
    ];
    assert_eq!(concatenated(&files), "==> a <==\nx\n\n==> b <==\ny\n");
}

/// What a setup script runs between `sql_log_bin = 0` and `= 1`; nothing of the schema or
/// the accounts may be outside it.
fn unlogged_part(sql: &str) -> &str {
    let off = sql
        .find("SET SESSION sql_log_bin = 0;")
        .expect("binlog off");
    let on = sql
        .find("SET SESSION sql_log_bin = 1;")
        .expect("binlog back on");
    assert!(!sql[on..].contains("CREATE "), "{sql}");
    assert!(!sql[..off].contains("CREATE "), "{sql}");
    &sql[off..on]
}

#[test]
fn a_super_read_only_mysql_replica_lifts_it_only_around_its_setup() {
    let mut replica = node("db2", Some("db1"));
    replica.super_read_only = true;
    let cfg = cluster(vec![node("db1", None), replica]);
    for flavor in [Flavor::Mysql84, Flavor::Mysql80] {
        let db2 = file(&bundle(&cfg, flavor).unwrap(), "db2.sql").to_string();
        let off = db2
            .find("SET GLOBAL super_read_only = OFF;")
            .expect("lifted");
        let on = db2
            .find("SET GLOBAL super_read_only = ON;")
            .expect("back on");
        let create = db2.find("CREATE USER").unwrap();
        let table = db2.find("CREATE TABLE").unwrap();
        let change = db2.find("CHANGE REPLICATION SOURCE TO").unwrap();
        assert!(off < create && table < on && on < change, "{db2}");
        let db1 = file(&bundle(&cfg, flavor).unwrap(), "db1.sql").to_string();
        assert!(!db1.contains("super_read_only"), "{db1}");
    }
    // MariaDB has no super_read_only; its read_only lets the administrator through.
    let maria = bundle(&cfg, Flavor::Mariadb1011).unwrap();
    assert!(!file(&maria, "db2.sql").contains("super_read_only"));
    unlogged_part(file(&maria, "db2.sql"));
}
