//! Every preset in assets/scenarios tells its story: run it and check the outcome the
//! model states. A preset that stops showing its lesson fails here.
#![cfg(not(target_arch = "wasm32"))]

use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::time::Instant;
use replication_playground::engine::{Report, World};
use replication_playground::scenario::Scenario;
use std::path::Path;

fn load(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/scenarios")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Scenario::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn run(name: &str) -> (World, Report) {
    let s = load(name);
    let mut w = s.world().unwrap();
    w.run_until(Instant::from_millis(s.run_ms));
    let r = Report::of(&w);
    (w, r)
}

fn count(r: &Report, k: FindingKind) -> u64 {
    r.finding_counts[k.name()]
}

fn promoted(r: &Report) -> Vec<String> {
    r.failovers
        .iter()
        .filter(|f| f.success)
        .filter_map(|f| f.promoted.clone())
        .collect()
}

fn node<'a>(r: &'a Report, n: &str) -> &'a replication_playground::engine::report::NodeReport {
    r.nodes.iter().find(|x| x.name == n).unwrap()
}

#[test]
fn every_preset_loads_and_is_deterministic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let short = |s: &Scenario| {
            let mut w = s.world().unwrap();
            w.run_until(Instant::from_millis(s.run_ms.min(5_000)));
            w.trace.hash()
        };
        assert_eq!(short(&s), short(&s), "{}", path.display());
        n += 1;
    }
    assert!(n >= 13, "one preset per story of the model: found {n}");
}

#[test]
fn async_lag_serves_stale_reads() {
    let (_, r) = run("async-lag");
    assert!(count(&r, FindingKind::StaleRead) > 0);
    assert!(r.failovers.is_empty());
}

#[test]
fn async_failover_loses_writes() {
    let (_, r) = run("async-failover-loses-writes");
    assert_eq!(promoted(&r).len(), 1);
    assert!(count(&r, FindingKind::LostWrite) > 0);
}

#[test]
fn semi_sync_after_sync_keeps_them() {
    let (_, r) = run("semi-sync-after-sync");
    assert_eq!(promoted(&r).len(), 1);
    assert_eq!(count(&r, FindingKind::LostWrite), 0);
}

#[test]
fn semi_sync_after_commit_lets_a_client_read_what_the_failover_loses() {
    let (_, r) = run("semi-sync-after-commit-phantom-read");
    assert_eq!(promoted(&r).len(), 1);
    assert!(count(&r, FindingKind::PhantomRead) > 0);
    assert_eq!(
        count(&r, FindingKind::LostWrite),
        0,
        "nothing was acknowledged"
    );
}

#[test]
fn semi_sync_timeout_falls_back_and_returns() {
    let (w, _) = run("semi-sync-timeout-fallback");
    let log: Vec<&str> = w.log.iter().map(|e| e.text.as_str()).collect();
    let off = log
        .iter()
        .position(|t| t.contains("semi-sync timed out"))
        .expect("fell back");
    assert!(
        log[off..]
            .iter()
            .any(|t| t.contains("semi-sync is ON again")),
        "{log:?}"
    );
}

/// sync_binlog=0 and a power loss: db1 keeps its commits in the data (InnoDB fsynced their
/// commit records) but loses them from its binlog; one transaction was only prepared, its
/// XID not in the surviving binlog, so recovery rolled it back — though db2, sent it after
/// the flush, has it: 1236, more GTIDs than the source (docs/semantics.md §5.1, fact 17).
/// (This test used to expect lost writes: the old engine rolled the whole tail back.)
#[test]
fn sync_binlog_power_loss_keeps_the_data_loses_the_binlog_and_breaks_the_replica() {
    let (_, r) = run("sync-binlog-power-loss");
    assert_eq!(count(&r, FindingKind::LostWrite), 0);
    assert!(count(&r, FindingKind::BinlogMismatch) > 0);
    assert_eq!(node(&r, "db2").channels[0].last_io_errno, Some(1236));
    let error = node(&r, "db2").channels[0].last_io_error.clone();
    assert!(error.is_some_and(|e| e.contains("more GTIDs")));
}

#[test]
fn errant_gtid_is_shipped_after_promotion() {
    let (w, r) = run("errant-gtid");
    assert!(count(&r, FindingKind::ErrantGtid) >= 1);
    assert_eq!(promoted(&r), vec!["db2"]);
    let db2 = w.node(w.node_id("db2").unwrap()).unwrap();
    let db3 = w.node(w.node_id("db3").unwrap()).unwrap();
    let errant = replication_playground::engine::gtid::Gtid {
        uuid: db2.uuid,
        gno: 1,
    };
    assert!(
        db3.gtid_executed.contains(errant),
        "the DBA's write reached db3 through auto-positioning"
    );
    assert_eq!(db3.data.get(4242), Some(1));
}

#[test]
fn dual_primary_conflict_stops_both_appliers() {
    let (_, r) = run("dual-primary-conflict");
    for n in ["db1", "db2"] {
        assert_eq!(node(&r, n).channels[0].last_sql_errno, Some(1062), "{n}");
    }
    assert_eq!(count(&r, FindingKind::SplitBrain), 0);
}

#[test]
fn dual_primary_active_passive_takes_over() {
    let (_, r) = run("dual-primary-active-passive");
    assert_eq!(promoted(&r), vec!["db2"]);
    assert_eq!(r.writer.as_deref(), Some("db2"));
}

#[test]
fn partition_without_fencing_is_a_split_brain() {
    let (_, r) = run("partition-split-brain");
    assert_eq!(promoted(&r), vec!["db3"]);
    assert!(count(&r, FindingKind::SplitBrain) >= 1);
    assert!(count(&r, FindingKind::LostWrite) > 0);
    assert!(
        node(&r, "db1").alive && !node(&r, "db1").read_only,
        "db1 was never fenced"
    );
}

#[test]
fn semi_sync_minority_keeps_committing() {
    let (_, r) = run("semi-sync-minority-split-brain");
    assert!(count(&r, FindingKind::SplitBrain) >= 1);
}

#[test]
fn silent_partition_waits_for_replica_net_timeout() {
    let (_, r) = run("silent-partition-default-timeouts");
    assert_eq!(r.failovers.len(), 1);
    assert!(
        r.failovers[0].at_ms >= 5_000 + 60_000,
        "failover at {} ms",
        r.failovers[0].at_ms
    );
}

#[test]
fn manager_cut_causes_no_failover() {
    let (w, r) = run("manager-cut-no-failover");
    assert!(r.failovers.is_empty());
    assert!(
        w.manager()
            .audit
            .iter()
            .any(|a| a.text.contains("UnreachableMaster"))
    );
}

#[test]
fn mysqld_crash_is_detected_within_a_poll() {
    let (_, r) = run("mysqld-crash");
    assert_eq!(r.failovers.len(), 1);
    assert!(r.failovers[0].at_ms <= 6_000 + 6_000);
}

#[test]
fn relay_log_discarded_loses_acknowledged_writes() {
    let (_, r) = run("relay-log-discarded");
    assert!(count(&r, FindingKind::LostWrite) > 0);
}

#[test]
fn anti_flapping_blocks_until_acknowledged() {
    let (w, r) = run("anti-flapping");
    assert_eq!(r.failovers.len(), 2);
    assert!(r.failovers[1].at_ms >= 30_000);
    assert!(
        w.manager()
            .audit
            .iter()
            .any(|a| a.text.contains("anti-flapping"))
    );
}

#[test]
fn planned_switchover_loses_nothing() {
    let (_, r) = run("planned-switchover");
    assert_eq!(promoted(&r), vec!["db2"]);
    assert!(r.failovers[0].planned);
    assert_eq!(count(&r, FindingKind::LostWrite), 0);
    assert_eq!(node(&r, "db1").channels[0].source, "db2");
}

#[test]
fn chained_replica_moves_up_when_the_intermediate_dies() {
    let (_, r) = run("chained-replica");
    assert_eq!(node(&r, "db3").channels[0].source, "db1");
}

#[test]
fn read_your_writes_mode_has_no_violations() {
    let (_, r) = run("read-your-writes");
    assert_eq!(count(&r, FindingKind::ReadYourWrites), 0);
}

/// Every lesson's goal is checked by the simulator: it must not hold before anything has
/// happened, and the scripted run must reach it (a goal that cannot fail teaches nothing).
#[test]
fn every_lesson_goal_is_reached_by_its_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    let mut lessons = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let s = load(&name);
        let Some(lesson) = &s.lesson else { continue };
        lessons += 1;
        let mut w = s.world().unwrap();
        assert!(
            !lesson.goal.status(&w).passed(),
            "{name}: the goal holds before the run starts"
        );
        w.run_until(Instant::from_millis(s.run_ms));
        let status = lesson.goal.status(&w);
        assert!(status.passed(), "{name}: goal not reached: {status:?}");
        for step in &lesson.steps {
            assert!(
                step.at_ms.is_none_or(|t| t <= s.run_ms),
                "{name}: a step points past the run"
            );
        }
    }
    assert!(
        lessons >= 12,
        "at least 12 presets are lessons: found {lessons}"
    );
}

/// `lag_at_least_s` counts seconds: async-lag's replica is under a second behind at 4 s
/// and far more than five seconds behind later.
#[test]
fn the_lag_check_counts_seconds() {
    use replication_playground::scenario::lesson::Check;
    let s = load("async-lag");
    let five = Check {
        lag_at_least_s: Some(5),
        ..Check::default()
    };
    let mut w = s.world().unwrap();
    w.run_until(Instant::from_secs(4));
    assert!(!five.holds(&w), "under a second of lag is not five");
    w.run_until(Instant::from_secs(20));
    assert!(five.holds(&w));
}

fn node_of<'a>(w: &'a World, n: &str) -> &'a replication_playground::engine::node::Node {
    w.node(w.node_id(n).unwrap()).unwrap()
}

#[test]
fn add_replica_from_backup_catches_the_new_server_up_with_identical_data() {
    let (w, r) = run("add-replica-from-backup");
    let (db1, db4) = (node_of(&w, "db1"), node_of(&w, "db4"));
    assert_eq!(w.backups()[0].node, "db1");
    assert!(w.backups()[0].rows.len() > 300);
    assert_eq!(db4.gtid_executed, db1.gtid_executed);
    assert_eq!(db4.data.checksum(), db1.data.checksum());
    assert_eq!(count(&r, FindingKind::ReplicationError), 0);
    let s = load("add-replica-from-backup");
    assert!(goal_holds(&s, &w), "the lesson's goal");
}

#[test]
fn replica_after_purge_stops_with_1236_until_it_is_restored_from_a_backup() {
    let s = load("replica-after-purge");
    let mut w = s.world().unwrap();
    w.run_until(Instant::from_millis(15_000));
    let db3 = node_of(&w, "db3");
    let io = db3.channel.as_ref().unwrap().last_io_error.clone().unwrap();
    assert_eq!(io.errno, 1236);
    assert!(
        io.message
            .contains("the source purged required binary logs")
    );
    assert!(db3.data.is_empty());
    w.run_until(Instant::from_millis(s.run_ms));
    let (db1, db3) = (node_of(&w, "db1"), node_of(&w, "db3"));
    assert!(db3.status(w.now()).replicating());
    assert!(db3.gtid_executed.is_subset_of(&db1.gtid_executed));
    assert!(db3.data.len() > 1_000);
    assert!(goal_holds(&s, &w), "the lesson's goal");
}

#[test]
fn delayed_replica_keeps_the_deleted_rows_and_is_promoted() {
    let s = load("delayed-replica-not-a-backup");
    let mut w = s.world().unwrap();
    w.run_until(Instant::from_millis(9_000));
    assert!(node_of(&w, "db1").data.is_empty() && node_of(&w, "db2").data.is_empty());
    let db3 = node_of(&w, "db3");
    assert_eq!(db3.data.len(), 30);
    // The GTID in the timeline's UNTIL is the DELETE's: db1's UUID, transaction 4.
    let delete = replication_playground::engine::gtid::Gtid {
        uuid: node_of(&w, "db1").uuid,
        gno: 4,
    };
    assert!(node_of(&w, "db1").gtid_executed.contains(delete));
    assert!(
        s.to_json()
            .contains(&format!("SQL_BEFORE_GTIDS = '{delete}'"))
    );
    w.run_until(Instant::from_millis(s.run_ms));
    let db3 = node_of(&w, "db3");
    assert_eq!(db3.data.len(), 30, "recovered up to just before the DELETE");
    assert!(!db3.gtid_executed.contains(delete));
    assert!(goal_holds(&s, &w), "the lesson's goal");
}

/// MariaDB flavor (docs/semantics.md "MariaDB flavor"): the failover loses writes, the new
/// primary continues domain 0 under its own server_id, and refuses the old primary's
/// MASTER_USE_GTID=current_pos with 1236 (`check_slave_start_position`, sql_repl.cc).
#[test]
fn mariadb_failover_rejoin_is_refused_with_1236() {
    let (_, r) = run("mariadb-failover-rejoin-refused");
    assert_eq!(promoted(&r), vec!["db2"]);
    assert!(count(&r, FindingKind::LostWrite) > 0);
    assert!(node(&r, "db2").gtid_executed.starts_with("0-2-"));
    let db1 = &node(&r, "db1").channels[0];
    assert_eq!(db1.last_io_errno, Some(1236));
    let error = db1.last_io_error.clone().unwrap_or_default();
    assert!(
        error.contains("which is not in the master's binlog"),
        "{error}"
    );
    assert!(error.contains("has diverged"), "{error}");
}

/// MariaDB flavor: a local write on a strict replica makes the primary's next seq_no out of
/// order there: 1950 (`rpl_binlog_state::check_strict_sequence`); the lax replica goes on.
#[test]
fn mariadb_strict_mode_stops_only_the_strict_replica() {
    let (_, r) = run("mariadb-strict-mode");
    let db2 = &node(&r, "db2").channels[0];
    assert_eq!(db2.last_sql_errno, Some(1950));
    let db3 = &node(&r, "db3").channels[0];
    assert_eq!(db3.last_sql_errno, None);
    assert_eq!(node(&r, "db3").gtid_executed, node(&r, "db1").gtid_executed);
}

/// Whether every check of the preset's lesson goal holds in `w`.
fn goal_holds(s: &Scenario, w: &World) -> bool {
    let lesson = s.lesson.as_ref().expect("the preset is a lesson");
    lesson.goal.checks.iter().all(|c| c.holds(w))
}
