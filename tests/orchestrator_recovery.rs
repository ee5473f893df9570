//! Orchestrator's recovery of a dead primary as its source does it (issue 15,
//! docs/semantics.md §6). Each story cites the function of openark/orchestrator (master,
//! commit 730db91) that implies the outcome it asserts.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::config::*;
use replication_playground::engine::manager::{Analysis, CandidateRow};
use replication_playground::engine::status::IoRunning;
use story::*;

fn semi_sync_after_sync(cfg: &mut ClusterConfig) {
    for n in &mut cfg.nodes {
        n.rpl_semi_sync_source_enabled = true;
        n.rpl_semi_sync_replica_enabled = true;
        n.rpl_semi_sync_source_wait_point = WaitPoint::AfterSync;
    }
}

/// The "why this candidate?" row of `node` in the first recovery.
fn row(s: &Story, node: &str) -> CandidateRow {
    let table = &s.w.manager().recoveries[0].candidates;
    (table.iter())
        .find(|c| s.w.name(c.node.into()) == node)
        .cloned()
        .unwrap_or_else(|| panic!("{node} is not in the table {table:?}"))
}

fn steps(s: &Story) -> String {
    s.w.manager().recoveries[0].steps.join("\n")
}

/// db3 stops receiving at 2 s (its link from db1 drops every packet) while db2 takes a
/// DBA's errant write; db1's mysqld crashes at 5 s.
fn errant_replica_ahead() -> Story {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(1.0).act(set_link("db1", "db3", 0, 1_000));
    s.run_to(2.0).direct_write("db2", 7).run_to(5.0);
    s.crash("db1").run_to(20.0);
    s
}

/// Executed coordinates decide; errant GTIDs only break a tie. `InstancesSorterByExec.Less`
/// (go/inst/instance_utils.go:113-155) compares `GtidErrant` only inside
/// `if ExecBinlogCoordinates.Equals(...)`, so db2, three seconds of writes ahead, is
/// promoted with its errant transaction.
#[test]
fn the_most_advanced_replica_is_promoted_even_with_errant_gtids() {
    let s = errant_replica_ahead();
    assert_eq!(s.promoted(), vec!["db2".to_string()], "{}", s.audit());
    let db2 = row(&s, "db2");
    assert!(db2.chosen, "{db2:?}");
    assert!(db2.reasons[0].starts_with("executed up to"), "{db2:?}");
    assert!(db2.reasons[2].starts_with("errant GTIDs"), "{db2:?}");
    let db3 = row(&s, "db3");
    assert!(
        db3.reasons.last().unwrap().starts_with("moved under db2"),
        "{db3:?}"
    );
    // The table lists the replicas in the order they were ranked.
    let order: Vec<String> = (s.w.manager().recoveries[0].candidates.iter())
        .map(|c| s.w.name(c.node.into()))
        .collect();
    assert_eq!(order, ["db2", "db3"]);
}

/// A replica ahead of the candidate is lost, not moved: `chooseCandidateReplica`
/// (go/inst/instance_topology.go) puts a replica whose executed coordinates are past the
/// candidate's in `aheadReplicas`, `RegroupReplicasGTID` adds them to the unmoved ones, and
/// `recoverDeadMaster` detaches the lost replicas (`DetachLostReplicasAfterMasterFailover`,
/// true by default, go/config/config.go). db2 cannot serve (log_replica_updates=OFF), so
/// `isGenerallyValidAsCandidateReplica` passes it over for db3, which is behind it.
#[test]
fn a_replica_ahead_of_the_candidate_is_lost_and_detached() {
    let mut cfg = primary_with(2, 50);
    cfg.nodes[1].log_replica_updates = false;
    let mut s = Story::new(cfg);
    s.run_to(1.0).act(set_link("db1", "db3", 0, 1_000));
    s.run_to(5.0).crash("db1").run_to(20.0);
    assert_eq!(s.promoted(), vec!["db3".to_string()], "{}", s.audit());
    let db2 = row(&s, "db2");
    assert!(!db2.chosen);
    assert!(
        db2.reasons
            .contains(&"log_replica_updates=OFF: cannot serve as a source".into()),
        "{db2:?}"
    );
    assert!(
        db2.reasons
            .last()
            .unwrap()
            .starts_with("lost: ahead of db3"),
        "{db2:?}"
    );
    assert!(steps(&s).contains("db2: lost, detached"), "{}", steps(&s));
    // Detached: it replicates from nobody, neither db3 nor a db1 that comes back.
    assert_eq!(s.io("db2"), IoRunning::No);
    s.restart("db1").run_to(30.0);
    assert_eq!(s.io("db2"), IoRunning::No);
    assert_ne!(
        s.node("db2").channel.as_ref().map(|c| c.source),
        s.w.node_id("db3")
    );
}

/// With two replicas, the relay logs are drained before choosing: `GetCandidateReplica
/// (masterKey, true)` sorts with `StopReplicationNice`, and `StopReplicationNicely`
/// (go/inst/instance_topology_dao.go) runs `stop slave io_thread`, `start slave
/// sql_thread` and waits for the SQL thread, up to `InstanceBulkOperationsWaitTimeoutSeconds`
/// (10 s). So even with `wait_for_relay_log_apply` off (DelayMasterPromotionIfSQLThread
/// NotUpToDate false, the code default), a semi-sync failover whose applier catches up
/// within 10 s loses nothing. (With a single replica `sortedReplicasDataCenterHint` returns
/// before stopping anything: fact 7 in tests/engine_scenarios.rs.)
#[test]
fn with_two_replicas_the_relay_logs_are_drained_before_choosing() {
    let mut cfg = primary_with(2, 300);
    semi_sync_after_sync(&mut cfg);
    cfg.failover.wait_for_relay_log_apply = false;
    let mut s = Story::new(cfg);
    for n in ["db2", "db3"] {
        s.act(Command::SlowApplier {
            node: n.into(),
            factor: 40,
        });
    }
    s.run_to(3.0);
    assert!(s.node("db2").relay_pending() > 0);
    s.crash("db1").run_to(30.0);
    assert_eq!(s.promoted().len(), 1, "{}", s.audit());
    assert!(
        steps(&s).contains("relay logs applied: ranking by what each replica executed"),
        "{}",
        steps(&s)
    );
    let drains = (s.w.statements.iter())
        .filter(|st| st.text == "STOP REPLICA IO_THREAD;")
        .count();
    assert_eq!(drains, 2);
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
}

/// The drain waits 10 s, no longer (`WaitForSQLThreadUpToDate(instanceKey, timeout, 0)`
/// with `InstanceBulkOperationsWaitTimeoutSeconds`): an applier 100 times slower is still
/// behind then, the candidate is chosen by what it executed, and without
/// `wait_for_relay_log_apply` RESET REPLICA ALL discards the rest: acknowledged writes lost.
#[test]
fn a_drain_that_takes_longer_than_ten_seconds_gives_up_and_an_async_promotion_loses_writes() {
    let mut cfg = primary_with(2, 300);
    semi_sync_after_sync(&mut cfg);
    cfg.failover.wait_for_relay_log_apply = false;
    let mut s = Story::new(cfg);
    for n in ["db2", "db3"] {
        s.act(Command::SlowApplier {
            node: n.into(),
            factor: 100,
        });
    }
    s.run_to(5.0).crash("db1").run_to(40.0);
    assert_eq!(s.promoted().len(), 1, "{}", s.audit());
    assert!(
        steps(&s).contains("still applying after 10.00 s"),
        "{}",
        steps(&s)
    );
    let r = &s.w.manager().recoveries[0];
    let waited = r.finished_us.unwrap() - r.started_us;
    assert!(waited.as_micros() >= 10_000_000, "{}", steps(&s));
    assert!(s.count(FindingKind::LostWrite) > 0, "{}", s.findings());
}

/// A graceful takeover arms the anti-flapping block: `GracefulMasterTakeover` →
/// `ForceExecuteRecovery` → `checkAndRecoverDeadMaster` → `AttemptRecoveryRegistration`
/// (go/logic/topology_recovery_dao.go), whose `writeTopologyRecovery` inserts the recovery
/// with `in_active_period = 1`; `ReadInActivePeriodSuccessorInstanceRecovery` then blocks
/// a recovery of the promoted server for `RecoveryPeriodBlockSeconds`. Corrected for
/// issue 15: the engine used to leave planned switchovers out of the block.
#[test]
fn a_planned_switchover_arms_the_anti_flapping_block() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(2.0)
        .act(Command::Switchover { to: "db2".into() })
        .run_to(8.0);
    assert_eq!(s.promoted(), vec!["db2".to_string()], "{}", s.audit());
    s.crash("db2").run_to(20.0);
    assert_eq!(s.promoted().len(), 1, "{}", s.audit());
    assert!(s.audit().contains("anti-flapping"), "{}", s.audit());
    s.act(Command::AcknowledgeRecoveries).run_to(30.0);
    assert_eq!(s.promoted().len(), 2, "{}", s.audit());
}

/// DeadMasterAndSomeReplicas is actionable (`getCheckAndRecoverFunction`,
/// go/logic/topology_recovery.go: `case inst.DeadMaster, inst.DeadMasterAndSomeReplicas:
/// ... checkAndRecoverDeadMaster, true`); the unreachable replica is not valid as a
/// candidate (`IsLastCheckValid` in `isGenerallyValidAsBinlogSource`) and cannot be moved.
#[test]
fn a_dead_primary_with_an_unreachable_replica_is_recovered_without_it() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(3.0).power_off("db3").crash("db1").run_to(20.0);
    let r = &s.w.manager().recoveries[0];
    assert_eq!(
        r.analysis,
        Analysis::DeadMasterAndSomeReplicas,
        "{}",
        s.audit()
    );
    assert_eq!(s.promoted(), vec!["db2".to_string()], "{}", s.audit());
    let db3 = row(&s, "db3");
    assert_eq!(
        db3.reasons,
        [
            "unreachable: its last probe failed",
            "lost: it cannot be moved while unreachable"
        ]
    );
}

/// The second phase: db3 (neutral) is ahead and is chosen, but db2 is `prefer`. As
/// `promotedReplicaIsIdeal` is false (a moved replica has a better rule),
/// `recoverDeadMaster` calls `replacePromotedReplicaWithCandidate`;
/// `SuggestReplacementForPromotedReplica` (go/logic/topology_recovery.go) picks db2, a
/// `prefer` replica of the promoted db3, and `TakeMaster` (go/inst/instance_topology.go)
/// lets db2 replicate until it has db3's coordinates, then swaps them. The promotion
/// proper (RESET REPLICA ALL, read_only=0) is applied to db2. Nothing db3 had is lost.
#[test]
fn a_better_ruled_replica_catches_up_under_the_chosen_one_and_takes_over() {
    let mut s = Story::new(primary_with(2, 50));
    s.act(Command::SetPromotionRule {
        node: "db2".into(),
        rule: PromotionRule::Prefer,
    });
    s.run_to(1.0).act(set_link("db1", "db2", 0, 1_000));
    s.run_to(5.0);
    let db3_had = s.node("db3").gtid_executed.clone();
    assert!(!db3_had.is_subset_of(&s.node("db2").gtid_executed));
    s.crash("db1").run_to(30.0);
    let r = &s.w.manager().recoveries[0];
    assert!(r.success, "{}", steps(&s));
    assert_eq!(s.promoted(), vec!["db2".to_string()], "{}", steps(&s));
    assert!(
        steps(&s).contains("db2: promotion rule prefer beats db3's neutral"),
        "{}",
        steps(&s)
    );
    assert!(db3_had.is_subset_of(&s.node("db2").gtid_executed));
    assert_eq!(
        s.node("db3").channel.as_ref().map(|c| c.source),
        s.w.node_id("db2")
    );
    assert!(!s.node("db2").read_only);
    let db2 = row(&s, "db2");
    assert!(db2.chosen && !row(&s, "db3").chosen);
    assert!(
        db2.reasons.last().unwrap().contains("took over from db3"),
        "{db2:?}"
    );
}

/// Which analyses are actionable: `getCheckAndRecoverFunction` (go/logic/
/// topology_recovery.go) maps `DeadMasterAndReplicas` to `checkAndRecoverGenericProblem,
/// false`: with the primary and every replica unreachable there is nobody to promote, and
/// the manager only reports it.
#[test]
fn a_dead_primary_whose_replicas_are_all_unreachable_is_reported_not_recovered() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(3.0)
        .power_off("db2")
        .power_off("db3")
        .power_off("db1")
        .run_to(20.0);
    assert_eq!(
        s.w.manager().analysis,
        Analysis::DeadMasterAndReplicas,
        "{}",
        s.audit()
    );
    assert!(s.w.manager().recoveries.is_empty(), "{}", s.audit());
    assert!(!s.w.manager().busy());
}
