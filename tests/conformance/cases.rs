//! The cases of issue 14, each written once against `Side` and run on both sides.
//! Every case returns its observations in order; `main.rs` compares them.

use super::side::{Side, Topo, UseGtid, WaitPoint};
use replication_playground::engine::config::ClusterConfig;

/// One thing a case observed.
#[derive(Clone, Debug)]
pub enum Obs {
    /// Must be equal on both sides (rows, error codes, semi-sync status, visibility).
    Exact(String),
    /// A GTID position: equal as text when both sides speak the same flavor, else equal in
    /// the number of transactions it holds (`side::gtid_count`).
    Gtid(String),
    /// How long a client was blocked, equal within `BLOCK_TOLERANCE_MS`.
    Ms(u64),
}

/// The real client's own start-up and loopback round trips, and the 1-second resolution of
/// nothing here: commit blocking times are compared within this much.
pub const BLOCK_TOLERANCE_MS: u64 = 300;

pub type Observed = Vec<(String, Obs)>;

pub struct Case {
    pub name: &'static str,
    pub what: &'static str,
    pub build: Build,
    pub run: fn(&mut dyn Side) -> Observed,
}

/// How a case's servers come to be.
pub enum Build {
    /// Blank nodes; the case attaches replication itself.
    Blank(fn() -> Topo),
    /// The cluster as configured, built on the real side from `export::bundle_at`'s
    /// MariaDB files.
    Export(fn() -> ClusterConfig),
}

/// db1 with replicas db2 and db3, read_only, as a preset would have it.
fn exported_cluster() -> ClusterConfig {
    let mut cfg = super::sim::blank_config(&Topo::of(3));
    for n in &mut cfg.nodes[1..] {
        n.source = Some("db1".into());
        n.read_only = true;
    }
    cfg
}

fn exact(o: &mut Observed, label: impl Into<String>, v: impl Into<String>) {
    o.push((label.into(), Obs::Exact(v.into())));
}

fn rows(o: &mut Observed, s: &mut dyn Side, node: &str) {
    let r = s.rows(node);
    exact(o, format!("rows {node}"), r);
}

fn gtid(o: &mut Observed, s: &mut dyn Side, node: &str) {
    let g = s.gtid(node);
    o.push((format!("gtid {node}"), Obs::Gtid(g)));
}

fn errnos(o: &mut Observed, s: &mut dyn Side, node: &str) {
    let e = s.errnos(node);
    exact(o, format!("errors {node}"), e);
}

fn answer(s: &mut dyn Side, node: &str, sql: &str) -> String {
    match s.sql(node, sql) {
        Ok(_) => "OK".into(),
        Err(e) => format!("ERROR {e}"),
    }
}

fn three() -> Topo {
    Topo::of(3)
}

fn two() -> Topo {
    Topo::of(2)
}

fn dual() -> Topo {
    Topo {
        domain_per_node: true,
        ..Topo::of(2)
    }
}

/// db2 and db3 replicate db1, which has rows 1 and 2.
fn async_three(s: &mut dyn Side) {
    s.attach("db2", "db1", UseGtid::SlavePos, 0);
    s.attach("db3", "db1", UseGtid::SlavePos, 0);
    s.sql("db1", "INSERT INTO playground.kv VALUES (1, 10)")
        .expect("insert");
    s.sql("db1", "INSERT INTO playground.kv VALUES (2, 20)")
        .expect("insert");
    s.catch_up("db2", "db1");
    s.catch_up("db3", "db1");
}

fn builds_cluster(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    s.catch_up("db2", "db1");
    s.catch_up("db3", "db1");
    for n in ["db2", "db3"] {
        let st = s.replica_status(n);
        // MariaDB's Slave_… fields are MySQL 8.4's Replica_… ones.
        let running = |k: &str| {
            st.get(&format!("Slave_{k}_Running"))
                .or_else(|| st.get(&format!("Replica_{k}_Running")))
                .cloned()
                .unwrap_or_default()
        };
        let both = format!("{}/{}", running("IO"), running("SQL"));
        exact(&mut o, format!("{n} IO/SQL running"), both);
    }
    s.sql("db1", "INSERT INTO playground.kv VALUES (1, 10)")
        .expect("insert");
    s.sql("db1", "INSERT INTO playground.kv VALUES (2, 20)")
        .expect("insert");
    // A clean shutdown of a replica: it resumes from its own position when started again.
    s.shutdown("db3");
    s.sql("db1", "UPDATE playground.kv SET val = 11 WHERE id = 1")
        .expect("update");
    s.start("db3");
    s.catch_up("db2", "db1");
    s.catch_up("db3", "db1");
    for n in ["db1", "db2", "db3"] {
        rows(&mut o, s, n);
        gtid(&mut o, s, n);
    }
    errnos(&mut o, s, "db2");
    errnos(&mut o, s, "db3");
    o
}

/// The replicas stop receiving, db1 acknowledges row 3, dies (kill -9), db2 is promoted by
/// hand and db3 follows it.
fn failover_after_lag(s: &mut dyn Side, o: &mut Observed) {
    async_three(s);
    s.stop_io("db2");
    s.stop_io("db3");
    let ack = answer(s, "db1", "INSERT INTO playground.kv VALUES (3, 30)");
    exact(o, "db1 acknowledges row 3", ack);
    s.kill9("db1");
    s.promote("db2");
    s.attach("db3", "db2", UseGtid::SlavePos, 0);
    s.sql("db2", "INSERT INTO playground.kv VALUES (4, 40)")
        .expect("insert");
    s.catch_up("db3", "db2");
}

fn failover_loses_acked(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    failover_after_lag(s, &mut o);
    for n in ["db2", "db3"] {
        rows(&mut o, s, n);
        gtid(&mut o, s, n);
    }
    errnos(&mut o, s, "db3");
    o
}

fn old_primary_rejoins(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    failover_after_lag(s, &mut o);
    s.start("db1");
    rows(&mut o, s, "db1");
    s.attach("db1", "db2", UseGtid::CurrentPos, 0);
    s.pass(2.0);
    errnos(&mut o, s, "db1");
    exact(&mut o, "rows db1 after rejoining", s.rows("db1"));
    o
}

/// db1 and db2 replicate each other; both stop, `a` runs on db1 and `b` on db2, both start.
fn dual_conflict(s: &mut dyn Side, seed: Option<&str>, a: &str, b: &str) -> Observed {
    let mut o = Vec::new();
    s.attach("db2", "db1", UseGtid::SlavePos, 0);
    s.attach("db1", "db2", UseGtid::SlavePos, 0);
    if let Some(seed) = seed {
        s.sql("db1", seed).expect("seed row");
        s.catch_up("db2", "db1");
    }
    s.pass(0.5);
    s.stop_replica("db1");
    s.stop_replica("db2");
    let ra = answer(s, "db1", a);
    let rb = answer(s, "db2", b);
    exact(&mut o, "db1 write", ra);
    exact(&mut o, "db2 write", rb);
    s.start_replica("db1");
    s.start_replica("db2");
    s.pass(2.0);
    for n in ["db1", "db2"] {
        errnos(&mut o, s, n);
        rows(&mut o, s, n);
    }
    o
}

fn dual_duplicate_key(s: &mut dyn Side) -> Observed {
    let a = "INSERT INTO playground.kv VALUES (5, 1)";
    let b = "INSERT INTO playground.kv VALUES (5, 2)";
    dual_conflict(s, None, a, b)
}

fn concurrent_updates(s: &mut dyn Side) -> Observed {
    let seed = Some("INSERT INTO playground.kv VALUES (1, 0)");
    let a = "UPDATE playground.kv SET val = 1 WHERE id = 1";
    let b = "UPDATE playground.kv SET val = 2 WHERE id = 1";
    dual_conflict(s, seed, a, b)
}

fn delete_vs_update(s: &mut dyn Side) -> Observed {
    let seed = Some("INSERT INTO playground.kv VALUES (1, 0)");
    let a = "DELETE FROM playground.kv WHERE id = 1";
    let b = "UPDATE playground.kv SET val = 2 WHERE id = 1";
    dual_conflict(s, seed, a, b)
}

/// Semi-sync db1 → db2 with a 1 s timeout: the replica stops receiving, a commit waits the
/// timeout (another session peeks at it meanwhile), semi-sync falls back to async; the
/// replica returns, catches up, and semi-sync comes back on.
fn semi_sync_timeout(s: &mut dyn Side, wait: WaitPoint) -> Observed {
    let mut o = Vec::new();
    s.attach("db2", "db1", UseGtid::SlavePos, 0);
    s.semi_sync("db1", "db2", wait, 1_000);
    s.sql("db1", "INSERT INTO playground.kv VALUES (1, 1)")
        .expect("insert");
    let on = s.semi_sync_on("db1");
    exact(&mut o, "semi-sync status before", on.to_string());
    s.stop_io("db2");
    let w = s.waiting_write("db1", "INSERT INTO playground.kv VALUES (2, 2)", 2, 0.3);
    exact(
        &mut o,
        "row 2 visible to another session while its commit waits",
        w.visible_while_waiting.to_string(),
    );
    o.push((
        "commit of row 2 blocked (ms)".into(),
        super::cases::Obs::Ms(w.blocked_ms),
    ));
    exact(&mut o, "commit of row 2 error", format!("{:?}", w.errno));
    let on = s.semi_sync_on("db1");
    exact(&mut o, "semi-sync status after the timeout", on.to_string());
    s.start_io("db2");
    s.catch_up("db2", "db1");
    s.sql("db1", "INSERT INTO playground.kv VALUES (3, 3)")
        .expect("insert");
    s.pass(0.5);
    let on = s.semi_sync_on("db1");
    exact(
        &mut o,
        "semi-sync status after the replica returns",
        on.to_string(),
    );
    let w = s.waiting_write("db1", "INSERT INTO playground.kv VALUES (4, 4)", 4, 0.0);
    o.push(("commit of row 4 blocked (ms)".into(), Obs::Ms(w.blocked_ms)));
    s.catch_up("db2", "db1");
    rows(&mut o, s, "db2");
    o
}

fn semi_after_sync(s: &mut dyn Side) -> Observed {
    semi_sync_timeout(s, WaitPoint::AfterSync)
}

fn semi_after_commit(s: &mut dyn Side) -> Observed {
    semi_sync_timeout(s, WaitPoint::AfterCommit)
}

/// db2 takes a write of its own (row 9) while it replicates db1.
fn errant(s: &mut dyn Side) {
    async_three(s);
    s.sql("db2", "INSERT INTO playground.kv VALUES (9, 9)")
        .expect("errant write");
}

fn errant_before_failover(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    errant(s);
    gtid(&mut o, s, "db2");
    s.sql("db1", "INSERT INTO playground.kv VALUES (3, 30)")
        .expect("insert");
    s.pass(1.0);
    errnos(&mut o, s, "db2");
    rows(&mut o, s, "db2");
    o
}

fn errant_after_failover(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    errant(s);
    s.kill9("db1");
    s.promote("db2");
    s.attach("db3", "db2", UseGtid::SlavePos, 0);
    s.catch_up("db3", "db2");
    errnos(&mut o, s, "db3");
    rows(&mut o, s, "db3");
    gtid(&mut o, s, "db3");
    o
}

fn purged_binlogs(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    s.sql("db1", "INSERT INTO playground.kv VALUES (1, 1)")
        .expect("insert");
    s.sql("db1", "INSERT INTO playground.kv VALUES (2, 2)")
        .expect("insert");
    s.purge_to_current("db1");
    s.attach("db2", "db1", UseGtid::SlavePos, 0);
    s.pass(2.0);
    errnos(&mut o, s, "db2");
    rows(&mut o, s, "db2");
    o
}

fn delayed_replica(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    s.attach("db2", "db1", UseGtid::SlavePos, 3);
    s.sql("db1", "INSERT INTO playground.kv VALUES (1, 1)")
        .expect("insert");
    s.pass(1.0);
    exact(&mut o, "rows db2 after 1 s", s.rows("db2"));
    s.pass(4.0);
    exact(&mut o, "rows db2 after 5 s", s.rows("db2"));
    errnos(&mut o, s, "db2");
    o
}

fn skip_failed(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    s.attach("db2", "db1", UseGtid::SlavePos, 0);
    let local = "SET sql_log_bin = 0; INSERT INTO playground.kv VALUES (7, 70)";
    s.sql("db2", local).expect("an unlogged row on db2");
    s.sql("db1", "INSERT INTO playground.kv VALUES (7, 7)")
        .expect("insert");
    s.pass(1.0);
    errnos(&mut o, s, "db2");
    s.skip_failed("db2");
    s.sql("db1", "INSERT INTO playground.kv VALUES (8, 8)")
        .expect("insert");
    s.catch_up("db2", "db1");
    errnos(&mut o, s, "db2");
    rows(&mut o, s, "db2");
    gtid(&mut o, s, "db2");
    o
}

fn replica_from_backup(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    s.attach("db2", "db1", UseGtid::SlavePos, 0);
    s.sql("db1", "INSERT INTO playground.kv VALUES (1, 1)")
        .expect("insert");
    s.sql("db1", "INSERT INTO playground.kv VALUES (2, 2)")
        .expect("insert");
    s.catch_up("db2", "db1");
    s.backup_restore("db1", "db3");
    s.sql("db1", "INSERT INTO playground.kv VALUES (3, 3)")
        .expect("insert");
    s.attach("db3", "db1", UseGtid::SlavePos, 0);
    s.catch_up("db3", "db1");
    errnos(&mut o, s, "db3");
    rows(&mut o, s, "db3");
    gtid(&mut o, s, "db3");
    o
}

/// `SET GLOBAL gtid_slave_pos` (docs/semantics.md §13.3): refused while the replica's SQL
/// thread runs (1198, `give_error_if_slave_running`); with the replica stopped, set to
/// row 2's GTID, START SLAVE asks from there and row 2 is never fetched.
fn slave_pos_skips(s: &mut dyn Side) -> Observed {
    let mut o = Vec::new();
    s.attach("db2", "db1", UseGtid::SlavePos, 0);
    s.sql("db1", "INSERT INTO playground.kv VALUES (1, 1)")
        .expect("insert");
    s.catch_up("db2", "db1");
    let running = answer(s, "db2", "SET GLOBAL gtid_slave_pos = '0-1-1'");
    exact(&mut o, "set while running", running);
    s.stop_replica("db2");
    s.sql("db1", "INSERT INTO playground.kv VALUES (2, 2)")
        .expect("insert");
    let row_2 = s.gtid("db1");
    s.sql("db1", "INSERT INTO playground.kv VALUES (3, 3)")
        .expect("insert");
    let set = answer(s, "db2", &format!("SET GLOBAL gtid_slave_pos = '{row_2}'"));
    exact(&mut o, "set when stopped", set);
    s.start_replica("db2");
    s.catch_up("db2", "db1");
    errnos(&mut o, s, "db2");
    rows(&mut o, s, "db2");
    gtid(&mut o, s, "db2");
    o
}

pub const CASES: &[Case] = &[
    Case {
        name: "export-builds-cluster",
        what: "the MariaDB export builds a replicating cluster: db2, db3 replicate db1",
        build: Build::Export(exported_cluster),
        run: builds_cluster,
    },
    Case {
        name: "async-failover-loses-acked-writes",
        what: "replicas lag, db1 acknowledges row 3 and is killed -9, db2 promoted by hand",
        build: Build::Blank(three),
        run: failover_loses_acked,
    },
    Case {
        name: "old-primary-rejoins",
        what: "after that failover db1 restarts and is pointed at db2 (current_pos)",
        build: Build::Blank(three),
        run: old_primary_rejoins,
    },
    Case {
        name: "dual-primary-duplicate-key",
        what: "db1 and db2 replicate each other; both insert id 5",
        build: Build::Blank(dual),
        run: dual_duplicate_key,
    },
    Case {
        name: "concurrent-updates-one-row",
        what: "dual-primary: both update row 1 to different values",
        build: Build::Blank(dual),
        run: concurrent_updates,
    },
    Case {
        name: "delete-vs-update",
        what: "dual-primary: db1 deletes row 1 while db2 updates it",
        build: Build::Blank(dual),
        run: delete_vs_update,
    },
    Case {
        name: "semi-sync-timeout-after-sync",
        what: "semi-sync AFTER_SYNC, 1 s timeout: the replica stops receiving, then returns",
        build: Build::Blank(two),
        run: semi_after_sync,
    },
    Case {
        name: "semi-sync-timeout-after-commit",
        what: "semi-sync AFTER_COMMIT, 1 s timeout: the replica stops receiving, then returns",
        build: Build::Blank(two),
        run: semi_after_commit,
    },
    Case {
        name: "errant-before-failover",
        what: "db2 takes a write of its own, then db1 writes again",
        build: Build::Blank(three),
        run: errant_before_failover,
    },
    Case {
        name: "errant-after-failover",
        what: "db2 takes a write of its own, db1 dies, db2 promoted, db3 follows db2",
        build: Build::Blank(three),
        run: errant_after_failover,
    },
    Case {
        name: "replica-needs-purged-binlogs",
        what: "db1 purges its binary logs, then an empty db2 is attached",
        build: Build::Blank(two),
        run: purged_binlogs,
    },
    Case {
        name: "delayed-replica",
        what: "db2 replicates with MASTER_DELAY=3",
        build: Build::Blank(two),
        run: delayed_replica,
    },
    Case {
        name: "skip-failed-transaction",
        what: "db2 fails on a duplicate key and skips that transaction",
        build: Build::Blank(two),
        run: skip_failed,
    },
    Case {
        name: "replica-from-backup",
        what: "db3 is loaded from a dump of db1 and attached at the dump's GTID position",
        build: Build::Blank(three),
        run: replica_from_backup,
    },
    Case {
        name: "gtid-slave-pos-skips",
        what: "SET GLOBAL gtid_slave_pos while db2 runs, then stopped, past row 2: row 2 skipped",
        build: Build::Blank(two),
        run: slave_pos_skips,
    },
];
