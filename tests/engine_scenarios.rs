//! One story per "scenario → outcome" fact of docs/semantics.md (Appendix A). Each
//! test reads as the fact it checks; "Fact N" in comments is that appendix's numbering.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::config::*;
use replication_playground::engine::manager::Analysis;
use replication_playground::engine::status::IoRunning;
use replication_playground::engine::time::{fmt_secs, secs};
use story::*;

/// Fact 1: async replication, the primary's host dies while its replicas lag in receiving;
/// the most advanced replica is promoted and the writes it never received are lost,
/// although every one of them was acknowledged.
#[test]
fn async_failover_loses_exactly_the_acknowledged_writes_the_promoted_replica_never_received() {
    let mut s = Story::new(primary_with(2, 300));
    s.act(set_link("db1", "db2", 2_000, 200))
        .act(set_link("db1", "db3", 2_000, 400));
    s.run_to(6.0).power_off("db1").run_to(20.0);
    assert_eq!(s.promoted().len(), 1, "{}", s.audit());
    let promoted = s.promoted()[0].clone();
    let new_primary = s.node(&promoted);
    let old_uuid = s.node("db1").uuid;
    let expected_lost =
        s.w.checker
            .acked()
            .retain_uuids(|u| u == old_uuid)
            .subtract(&new_primary.gtid_executed);
    assert!(!expected_lost.is_empty(), "the replicas should have lagged");
    assert_eq!(
        s.count(FindingKind::LostWrite),
        expected_lost.count(),
        "{}",
        s.findings()
    );
    // The promoted replica was the most advanced: the other has nothing it lacks.
    let other = if promoted == "db2" { "db3" } else { "db2" };
    assert!(
        s.node(other)
            .gtid_executed
            .is_subset_of(&new_primary.gtid_executed)
    );
}

/// Fact 1 (continued): the old primary restarted with sync_binlog=1 still has the lost
/// tail; re-attached as a replica, the tail stays as errant GTIDs that nothing rejects.
#[test]
fn old_primary_rejoining_keeps_its_unreplicated_tail_as_errant_gtids() {
    let mut s = Story::new(primary_with(2, 300));
    s.act(set_link("db1", "db2", 2_000, 300))
        .act(set_link("db1", "db3", 2_000, 300));
    s.run_to(6.0).power_off("db1").run_to(15.0);
    let promoted = s.promoted()[0].clone();
    s.act(set_link("db1", "db2", 500, 0))
        .act(set_link("db1", "db3", 500, 0));
    s.restart("db1").run_to(20.0);
    let tail = s
        .node("db1")
        .gtid_executed
        .subtract(&s.node(&promoted).gtid_executed);
    assert!(
        !tail.is_empty(),
        "the crashed primary kept its acknowledged tail"
    );
    s.act(Command::ChangeSource {
        node: "db1".into(),
        source: promoted.clone(),
    })
    .run_to(25.0);
    assert_eq!(
        s.io("db1"),
        IoRunning::Yes,
        "no check rejects another server's GTIDs"
    );
    assert!(s.count(FindingKind::ErrantGtid) > 0, "{}", s.findings());
}

/// Fact 2: a DBA writes on a read_only replica with SUPER → errant GTID; orchestrator
/// ranks the equally advanced clean replica first.
#[test]
fn errant_transaction_on_a_replica_is_found_and_its_replica_is_not_preferred() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(2.0).direct_write("db2", 7).run_to(5.0);
    assert!(s.count(FindingKind::ErrantGtid) >= 1, "{}", s.findings());
    s.crash("db1").run_to(15.0);
    assert_eq!(s.promoted(), vec!["db3".to_string()], "{}", s.audit());
    let table = &s.w.manager().recoveries[0].candidates;
    let db2 = table
        .iter()
        .find(|c| s.w.name(c.node.into()) == "db2")
        .unwrap();
    assert!(db2.reasons.iter().any(|r| r.contains("errant")), "{db2:?}");
}

/// Fact 2 (continued): if the errant replica is promoted anyway, every replica fetches
/// its errant transaction through auto-positioning.
#[test]
fn promoting_an_errant_replica_ships_its_errant_transaction_to_every_replica() {
    let mut s = Story::new(primary_with(2, 50));
    s.act(Command::SetPromotionRule {
        node: "db3".into(),
        rule: PromotionRule::MustNot,
    });
    s.run_to(2.0).direct_write("db2", 7).run_to(5.0);
    let errant = s
        .node("db2")
        .gtid_executed
        .retain_uuids(|u| u == s.node("db2").uuid);
    assert_eq!(errant.count(), 1);
    s.crash("db1").run_to(15.0);
    assert_eq!(s.promoted(), vec!["db2".to_string()]);
    assert!(errant.is_subset_of(&s.node("db3").gtid_executed));
    assert_eq!(s.node("db3").data.get(7), Some(7));
}

/// Fact 3: only the manager's link to the primary is cut; replicas still replicate, so the
/// holistic rule sees UnreachableMaster and never fails over.
#[test]
fn cutting_only_the_manager_from_the_primary_never_causes_a_failover() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(2.0)
        .act(Command::CutLink {
            from: "manager".into(),
            to: "db1".into(),
            both_ways: true,
        })
        .run_to(60.0);
    assert!(s.promoted().is_empty(), "{}", s.audit());
    assert!(s.audit().contains("UnreachableMaster"), "{}", s.audit());
}

/// Fact 3: a silent partition of the primary with MySQL's default replica_net_timeout=60:
/// replicas keep IO=Yes for a minute, so there is no failover before that.
#[test]
fn silent_partition_with_default_net_timeout_delays_detection_by_a_minute() {
    let mut cfg = primary_with(2, 50);
    for n in &mut cfg.nodes {
        n.replica_net_timeout_s = 60;
    }
    let mut s = Story::new(cfg);
    s.run_to(2.0)
        .act(Command::Partition {
            nodes: vec!["db1".into()],
        })
        .run_to(50.0);
    assert!(
        s.promoted().is_empty(),
        "no failover before replica_net_timeout: {}",
        s.audit()
    );
    assert_eq!(s.io("db2"), IoRunning::Yes);
    s.run_to(75.0);
    assert_eq!(s.promoted().len(), 1, "{}", s.audit());
}

/// Fact 3: the same partition with replica_net_timeout=4 is detected in seconds.
#[test]
fn silent_partition_with_short_net_timeout_fails_over_in_seconds() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(2.0)
        .act(Command::Partition {
            nodes: vec!["db1".into()],
        })
        .run_to(14.0);
    assert_eq!(s.promoted().len(), 1, "{}", s.audit());
    assert!(s.w.manager().recoveries[0].started_us < at(14));
}

/// Fact 4: mysqld dies with its host up: replicas see the reset at once and go to
/// Connecting; the manager declares DeadMaster on its next check.
#[test]
fn mysqld_crash_resets_replicas_at_once_and_is_detected_within_a_poll() {
    let mut cfg = primary_with(2, 50);
    cfg.failover.instance_poll_ms = 5_000;
    let mut s = Story::new(cfg);
    s.run_to(3.0).crash("db1").run_for(0.01);
    assert_eq!(s.io("db2"), IoRunning::Connecting);
    s.run_to(12.0);
    let r = &s.w.manager().recoveries[0];
    assert_eq!(r.analysis, Analysis::DeadMaster);
    assert!(
        r.started_us <= at(3) + secs(7),
        "detected at {}",
        fmt_secs(r.started_us)
    );
}

fn semi_sync(cfg: &mut ClusterConfig, wait_point: WaitPoint) {
    for n in &mut cfg.nodes {
        n.rpl_semi_sync_source_enabled = true;
        n.rpl_semi_sync_replica_enabled = true;
        n.rpl_semi_sync_source_wait_point = wait_point;
    }
}

/// Fact 5: semi-sync AFTER_SYNC; the primary dies; promoting the replica after it applied
/// its relay log loses no acknowledged write.
#[test]
fn semi_sync_after_sync_failover_loses_no_acknowledged_write() {
    let mut cfg = primary_with(2, 300);
    semi_sync(&mut cfg, WaitPoint::AfterSync);
    let mut s = Story::new(cfg);
    s.act(set_link("db1", "db2", 2_000, 200))
        .act(set_link("db1", "db3", 2_000, 400));
    s.run_to(6.0).power_off("db1").run_to(20.0);
    assert_eq!(s.promoted().len(), 1);
    assert!(s.w.checker.acked().count() > 1_000);
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
}

/// Fact 6: all semi-sync replicas stop receiving: the next commit waits the full timeout,
/// then returns OK; semi-sync is OFF; when a replica catches up it is ON again.
#[test]
fn semi_sync_times_out_to_async_and_switches_back_when_a_replica_catches_up() {
    let mut cfg = primary_with(2, 50);
    semi_sync(&mut cfg, WaitPoint::AfterSync);
    let mut s = Story::new(cfg);
    s.run_to(2.0);
    assert!(s.node("db1").semi_sync.on);
    s.act(Command::StopReplica { node: "db2".into() })
        .act(Command::StopReplica { node: "db3".into() });
    s.run_to(11.5);
    assert!(
        s.node("db1").semi_sync.on,
        "still waiting inside the 10 s timeout"
    );
    let acked_while_waiting = s.w.checker.acked().count();
    s.run_to(12.5);
    assert!(!s.node("db1").semi_sync.on, "fell back to async after 10 s");
    assert!(s.node("db1").semi_sync.no_tx > 0);
    assert!(
        s.w.checker.acked().count() > acked_while_waiting,
        "the waiting commits returned OK"
    );
    s.act(Command::StartReplica { node: "db2".into() })
        .run_to(15.0);
    assert!(
        s.node("db1").semi_sync.on,
        "back ON once a replica caught up"
    );
}

/// Fact 6 (continued): while degraded to async, a crash loses acknowledged writes exactly as async does.
#[test]
fn degraded_semi_sync_loses_writes_like_async() {
    let mut cfg = primary_with(2, 300);
    semi_sync(&mut cfg, WaitPoint::AfterSync);
    for n in &mut cfg.nodes {
        n.rpl_semi_sync_source_timeout_ms = 500;
    }
    let mut s = Story::new(cfg);
    s.run_to(2.0)
        .act(Command::StopReplica { node: "db2".into() })
        .act(Command::StopReplica { node: "db3".into() });
    s.run_to(4.0);
    assert!(!s.node("db1").semi_sync.on);
    s.act(Command::StartReplica { node: "db2".into() })
        .act(Command::StartReplica { node: "db3".into() });
    s.act(set_link("db1", "db2", 2_000, 300))
        .act(set_link("db1", "db3", 2_000, 300));
    s.act(Command::StopReplica { node: "db2".into() })
        .act(Command::StopReplica { node: "db3".into() });
    s.run_to(6.0)
        .act(Command::StartReplica { node: "db2".into() })
        .act(Command::StartReplica { node: "db3".into() });
    s.run_to(6.05).power_off("db1").run_to(20.0);
    assert!(
        s.count(FindingKind::LostWrite) > 0,
        "{}\n{}",
        s.findings(),
        s.audit()
    );
}

/// Fact 7: promoting by executed position without waiting for the relay log
/// discards the candidate's unapplied (acknowledged) transactions.
#[test]
fn promotion_without_waiting_for_the_relay_log_discards_acknowledged_writes() {
    let mut cfg = primary_with(1, 300);
    semi_sync(&mut cfg, WaitPoint::AfterSync);
    cfg.failover.wait_for_relay_log_apply = false;
    let mut s = Story::new(cfg);
    s.act(Command::SlowApplier {
        node: "db2".into(),
        factor: 20,
    })
    .run_to(5.0);
    assert!(s.node("db2").relay_pending() > 0);
    s.crash("db1").run_to(15.0);
    assert_eq!(s.promoted(), vec!["db2".to_string()]);
    assert!(s.count(FindingKind::LostWrite) > 0, "{}", s.findings());
}

/// The same with the safe setting: the candidate applies its relay log first; nothing lost.
#[test]
fn promotion_that_waits_for_the_relay_log_keeps_acknowledged_writes() {
    let mut cfg = primary_with(1, 300);
    semi_sync(&mut cfg, WaitPoint::AfterSync);
    let mut s = Story::new(cfg);
    s.act(Command::SlowApplier {
        node: "db2".into(),
        factor: 20,
    })
    .run_to(5.0);
    s.crash("db1").run_to(40.0);
    assert_eq!(s.promoted(), vec!["db2".to_string()], "{}", s.audit());
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
}

fn dual_primary(active_active: bool) -> ClusterConfig {
    let mut a = node("db1", Some("db2"));
    let mut b = node("db2", Some("db1"));
    a.read_only = false;
    b.read_only = !active_active;
    a.auto_increment_increment = 2;
    b.auto_increment_increment = 2;
    b.auto_increment_offset = 2;
    let client = |pin: &str| ClientConfig {
        writes_per_s: 100,
        reads_per_s: 0,
        key_space: 20,
        pin_writes_to: Some(pin.into()),
        ..ClientConfig::default()
    };
    ClusterConfig {
        seed: 5,
        nodes: vec![a, b],
        primary: "db1".into(),
        active_active: if active_active {
            vec!["db1".into(), "db2".into()]
        } else {
            vec![]
        },
        failover: FailoverConfig {
            instance_poll_ms: 1_000,
            ..FailoverConfig::default()
        },
        clients: if active_active {
            vec![client("db1"), client("db2")]
        } else {
            vec![client("db1")]
        },
        network: LinkConfig {
            latency_us: 20_000,
            jitter_us: 5_000,
            loss_permille: 0,
        },
        ..ClusterConfig::default()
    }
}

/// Fact 8: both co-primaries insert the same key within the replication delay: both
/// appliers stop with 1062 and the nodes diverge.
#[test]
fn dual_primary_conflicting_inserts_stop_both_appliers_with_duplicate_key() {
    let mut s = Story::new(dual_primary(true));
    s.run_to(10.0);
    let e1 = s
        .node("db1")
        .channel
        .as_ref()
        .unwrap()
        .last_sql_error
        .clone();
    let e2 = s
        .node("db2")
        .channel
        .as_ref()
        .unwrap()
        .last_sql_error
        .clone();
    assert!(e1.is_some() && e2.is_some(), "{e1:?} {e2:?}");
    assert!(s.count(FindingKind::ReplicationError) >= 2);
    assert!(
        s.report()
            .nodes
            .iter()
            .any(|n| n.channels[0].last_sql_errno == Some(1062))
    );
    assert!(
        s.count(FindingKind::SplitBrain) == 0,
        "active–active writers are not a split brain"
    );
}

/// Fact 8: with auto_increment_increment=2 and offsets 1, 2, generated keys never collide.
#[test]
fn dual_primary_auto_increment_offsets_never_collide() {
    let mut cfg = dual_primary(true);
    for c in &mut cfg.clients {
        c.insert_mode = InsertMode::AutoIncrement;
    }
    let mut s = Story::new(cfg);
    s.run_to(20.0);
    assert_eq!(
        s.count(FindingKind::ReplicationError),
        0,
        "{}",
        s.findings()
    );
    assert!(s.node("db1").data.len() > 1_000);
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    });
    s.act(Command::SetWorkload {
        client: 1,
        writes_per_s: 0,
        reads_per_s: 0,
    });
    s.run_to(23.0);
    assert_eq!(s.node("db1").data.checksum(), s.node("db2").data.checksum());
    let keys: Vec<u64> = s.node("db1").data.iter().map(|(k, _)| k).collect();
    assert!(
        keys.iter().any(|k| k % 2 == 1) && keys.iter().any(|k| k % 2 == 0),
        "both offsets generated keys"
    );
}

/// Fact 16: active–passive: the passive co-primary takes over when the active one dies.
#[test]
fn dual_primary_active_passive_takeover() {
    let mut s = Story::new(dual_primary(false));
    s.run_to(3.0).crash("db1").run_to(12.0);
    assert_eq!(s.promoted(), vec!["db2".to_string()], "{}", s.audit());
    assert!(!s.node("db2").read_only);
    assert_eq!(s.w.router.writer(), s.w.node_id("db2"));
}

/// Fact 9: semi-sync with one ack; the primary and one replica are cut off from the rest;
/// the majority side promotes; the old primary keeps committing with its local replica's
/// acks; a proxy that routes on read_only sends writes to both: split brain.
#[test]
fn semi_sync_minority_keeps_committing_while_the_majority_promotes_split_brain() {
    let mut cfg = primary_with(3, 100);
    semi_sync(&mut cfg, WaitPoint::AfterSync);
    cfg.router.writer_source = WriterSource::ReadOnlyFlag;
    cfg.failover.fence_old_primary = true;
    let mut s = Story::new(cfg);
    s.run_to(3.0);
    for (a, b) in [
        ("db1", "db3"),
        ("db1", "db4"),
        ("db2", "db3"),
        ("db2", "db4"),
        ("db1", "manager"),
        ("db2", "manager"),
    ] {
        s.act(Command::CutLink {
            from: a.into(),
            to: b.into(),
            both_ways: true,
        });
    }
    s.run_to(20.0);
    assert_eq!(s.promoted().len(), 1, "{}", s.audit());
    assert!(s.node("db1").semi_sync.on, "db2 still acks for db1");
    assert!(s.count(FindingKind::SplitBrain) >= 1, "{}", s.findings());
}

/// Fact 11: a second primary failure within the block period is detected, not recovered.
#[test]
fn anti_flapping_blocks_a_second_automatic_recovery() {
    let mut s = Story::new(primary_with(2, 50));
    s.run_to(2.0).crash("db1").run_to(10.0);
    let first = s.promoted()[0].clone();
    s.crash(&first).run_to(25.0);
    assert_eq!(s.promoted().len(), 1);
    assert!(s.audit().contains("anti-flapping"), "{}", s.audit());
    s.act(Command::AcknowledgeRecoveries).run_to(30.0);
    assert_eq!(s.promoted().len(), 2, "{}", s.audit());
}

/// Fact 12: a planned switchover: old primary read-only, designated replica catches up,
/// is promoted, old primary replicates from it. Zero loss; clients see a few 1290s.
#[test]
fn planned_switchover_loses_nothing_and_clients_see_read_only_errors() {
    let mut s = Story::new(primary_with(2, 300));
    s.act(set_link("db1", "db2", 5_000, 0));
    s.run_to(5.0)
        .act(Command::Switchover { to: "db2".into() })
        .run_to(15.0);
    assert_eq!(s.promoted(), vec!["db2".to_string()], "{}", s.audit());
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
    assert!(
        s.w.checker
            .acked()
            .is_subset_of(&s.node("db2").gtid_executed)
    );
    assert_eq!(
        s.node("db1").channel.as_ref().map(|c| c.source),
        s.w.node_id("db2")
    );
    let read_only_errors =
        s.w.history
            .recent()
            .filter(|o| {
                matches!(
                    o.outcome,
                    replication_playground::engine::history::Outcome::Fail { errno: 1290, .. }
                )
            })
            .count();
    assert!(read_only_errors > 0);
}

/// Fact 13: a lagging replica serves stale reads until the proxy's lag check shuns it.
#[test]
fn lagging_replica_serves_stale_reads_until_shunned() {
    let mut cfg = primary_with(2, 100);
    cfg.clients[0].reads_per_s = 200;
    cfg.clients[0].key_space = 50;
    cfg.router.max_replication_lag_s = 2;
    let mut s = Story::new(cfg);
    s.run_to(2.0)
        .act(Command::SlowApplier {
            node: "db2".into(),
            factor: 60,
        })
        .run_to(20.0);
    assert!(s.count(FindingKind::StaleRead) > 0);
    let db2 = s.w.node_id("db2").unwrap();
    let late_reads_on_db2 =
        s.w.history
            .recent()
            .filter(|o| o.kind.is_read() && o.node == Some(db2) && o.invoke_us > at(15))
            .count();
    assert_eq!(
        late_reads_on_db2, 0,
        "shunned once its lag passed max_replication_lag"
    );
}

/// Read-your-writes through the router: reads wait for the session's GTID, no violation.
#[test]
fn read_your_writes_mode_never_returns_a_session_an_older_value() {
    let mut cfg = primary_with(2, 100);
    cfg.clients[0].reads_per_s = 200;
    cfg.clients[0].key_space = 20;
    cfg.router.read_your_writes = true;
    let mut s = Story::new(cfg);
    s.act(set_link("db1", "db2", 30_000, 0)).run_to(10.0);
    assert_eq!(s.count(FindingKind::ReadYourWrites), 0, "{}", s.findings());
    let mut plain = primary_with(2, 100);
    plain.clients[0].reads_per_s = 200;
    plain.clients[0].key_space = 20;
    let mut p = Story::new(plain);
    p.act(set_link("db1", "db2", 30_000, 0)).run_to(10.0);
    assert!(
        p.count(FindingKind::ReadYourWrites) > 0,
        "without the mode the same run violates it"
    );
}

/// Fact 17: sync_binlog=0 and a power loss: the un-flushed binlog tail is gone, but the
/// commits stay in the data (their commit records were fsynced by InnoDB's log flusher,
/// `log_flusher` in storage/innobase/log/log0write.cc; manual, `sync_binlog`: "committed
/// transactions that have not been synchronized to the binary log") and in gtid_executed
/// (the mysql.gtid_executed table, 8.0.17+), now as gtid_purged. The replica had received
/// all of them, so its GTID set is no superset of the source's and covers what is purged
/// (`Binlog_sender::check_start_file`, sql/rpl_binlog_sender.cc): it carries on.
/// (This test used to expect the whole tail rolled back, reported as lost writes, and the
/// replica stopped with 1236 "more GTIDs"; that now happens only to a transaction that was
/// merely prepared at the power loss — see the sync-binlog-power-loss preset.)
#[test]
fn sync_binlog_0_power_loss_loses_the_binlog_tail_but_a_replica_that_has_it_carries_on() {
    let mut cfg = primary_with(1, 200);
    cfg.nodes[0].sync_binlog = 0;
    cfg.failover.automatic = false;
    let mut s = Story::new(cfg);
    s.run_to(4.0).power_off("db1");
    assert_eq!(
        s.count(FindingKind::LostWrite),
        0,
        "acknowledged writes kept: {}",
        s.findings()
    );
    assert!(s.count(FindingKind::BinlogMismatch) > 0, "{}", s.findings());
    let purged = s.node("db1").gtid_purged();
    assert!(!purged.is_empty(), "the lost binlog tail is gtid_purged");
    assert!(purged.is_subset_of(&s.node("db2").gtid_executed));
    s.restart("db1").run_to(15.0);
    assert_eq!(s.io("db2"), IoRunning::Yes);
    assert_eq!(
        s.count(FindingKind::ReplicationError),
        0,
        "{}",
        s.findings()
    );
}

/// Fact 18: 1/1 durability: a power loss loses nothing acknowledged.
#[test]
fn durable_settings_survive_power_loss_with_nothing_lost() {
    let mut cfg = primary_with(1, 200);
    cfg.failover.automatic = false;
    let mut s = Story::new(cfg);
    s.run_to(4.0);
    s.power_off("db1").restart("db1").run_to(10.0);
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
    assert!(
        s.w.checker
            .acked()
            .is_subset_of(&s.node("db1").gtid_executed)
    );
    assert_eq!(s.io("db2"), IoRunning::Yes);
}

/// Fact 19: a crashed source restarts and commits prepared transactions
/// whose XID reached the binlog, even if no client got OK (semi-sync, no ack).
#[test]
fn restart_commits_prepared_transactions_that_no_client_was_told_about() {
    let mut cfg = primary_with(1, 200);
    semi_sync(&mut cfg, WaitPoint::AfterSync);
    cfg.failover.automatic = false;
    let mut s = Story::new(cfg);
    s.run_to(2.0)
        .act(Command::StopReplica { node: "db2".into() })
        .run_to(3.0);
    let acked = s.w.checker.acked().clone();
    s.crash("db1").restart("db1").run_to(8.0);
    let extra = s.node("db1").gtid_executed.subtract(&acked);
    assert!(
        !extra.is_empty(),
        "the waiting group was committed by recovery"
    );
}

/// Fact 20: a dead intermediate source: its replicas move up under the primary.
#[test]
fn dead_intermediate_source_replicas_move_up() {
    let mut cfg = primary_with(1, 50);
    cfg.nodes.push(node("db3", Some("db2")));
    let mut s = Story::new(cfg);
    s.run_to(3.0).crash("db2").run_to(12.0);
    assert_eq!(
        s.node("db3").channel.as_ref().map(|c| c.source),
        s.w.node_id("db1"),
        "{}",
        s.audit()
    );
    assert_eq!(s.io("db3"), IoRunning::Yes);
}

/// Chained replication delivers to the end of the chain (log_replica_updates).
#[test]
fn chained_replica_receives_through_the_intermediate() {
    let mut cfg = primary_with(1, 50);
    cfg.nodes.push(node("db3", Some("db2")));
    let mut s = Story::new(cfg);
    s.run_to(5.0);
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    })
    .run_to(6.0);
    assert_eq!(s.node("db3").gtid_executed, s.node("db1").gtid_executed);
    assert_eq!(s.node("db3").data.checksum(), s.node("db1").data.checksum());
}

/// Fact 21: a replica away for longer than the binlog retention asks for purged
/// GTIDs and stops with 1236 ER_MASTER_HAS_PURGED_REQUIRED_GTIDS.
#[test]
fn a_replica_that_needs_purged_binlogs_stops_with_1236() {
    let mut cfg = primary_with(1, 300);
    for n in &mut cfg.nodes {
        n.max_binlog_size = 8 * 1024;
        n.binlog_expire_logs_seconds = 5;
    }
    let mut s = Story::new(cfg);
    s.run_to(1.0)
        .act(Command::StopReplica { node: "db2".into() })
        .run_to(20.0);
    assert!(
        !s.node("db1").binlog.gtid_purged().is_empty(),
        "old binlogs were purged"
    );
    s.act(Command::StartReplica { node: "db2".into() })
        .run_to(22.0);
    let err = s.io_error("db2");
    assert_eq!(err.errno, 1236);
    assert!(err.message.contains("purged"), "{}", err.message);
    assert!(s.count(FindingKind::ReplicationError) >= 1);
}

/// File:position replication (no GTID auto-positioning) reconnects from where it stopped
/// reading and catches up exactly.
#[test]
fn file_position_replica_reconnects_from_its_read_position() {
    let mut cfg = primary_with(1, 200);
    cfg.nodes[1].auto_position = false;
    let mut s = Story::new(cfg);
    s.run_to(2.0)
        .act(Command::CutLink {
            from: "db1".into(),
            to: "db2".into(),
            both_ways: true,
        })
        .run_to(8.0);
    assert_eq!(s.io("db2"), IoRunning::Connecting);
    s.act(Command::HealLink {
        from: "db1".into(),
        to: "db2".into(),
        both_ways: true,
    })
    .run_to(12.0);
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    })
    .run_to(14.0);
    assert_eq!(s.io("db2"), IoRunning::Yes);
    assert_eq!(s.node("db2").gtid_executed, s.node("db1").gtid_executed);
    assert_eq!(s.node("db2").data.checksum(), s.node("db1").data.checksum());
}

/// Issue 13, fixed: a client paused (0/0) and resumed keeps its rate, and a paused client
/// sends nothing — not even the one operation its pending tick used to send.
#[test]
fn a_paused_and_resumed_client_keeps_its_rate_and_a_paused_one_sends_nothing() {
    let mut s = Story::new(primary_with(1, 100));
    let pause = |s: &mut Story, writes_per_s| {
        s.act(Command::SetWorkload {
            client: 0,
            writes_per_s,
            reads_per_s: 0,
        });
    };
    s.run_to(5.0);
    let before = s.w.router.totals.invoked;
    // Paused and resumed 1 ms later, while the tick set before the pause is still pending.
    pause(&mut s, 0);
    s.run_to(5.001);
    pause(&mut s, 100);
    s.run_to(15.0);
    let resumed = s.w.router.totals.invoked - before;
    assert!(
        (900..=1_100).contains(&resumed),
        "100 writes/s for 10 s, got {resumed}"
    );

    pause(&mut s, 0);
    let paused_at = s.w.router.totals.invoked;
    s.run_to(20.0);
    assert_eq!(
        s.w.router.totals.invoked, paused_at,
        "a paused client sends nothing"
    );
}
