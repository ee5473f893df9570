//! Stories of the commit pipeline under a semi-sync wait (docs/semantics.md §2.3, §4.1, §5.2).
//!
//! The source they follow: `MYSQL_BIN_LOG::ordered_commit` in MySQL 8.4's sql/binlog.cc.
//! A group's leader enters the commit stage with `change_stage(COMMIT_STAGE, …,
//! leave_mutex_before_commit_stage = &LOCK_sync, &LOCK_commit)`, so it gives up the sync
//! stage's lock, and only then calls `call_after_sync_hook(commit_queue)`, where AFTER_SYNC
//! semi-sync waits. While it waits, `LOCK_log` and `LOCK_sync` are free: later groups are
//! flushed, synced and (`update_binlog_end_pos`) readable by the dump threads. With
//! `binlog_order_commits=ON` (the default) they then queue for `LOCK_commit`: their engine
//! commit (`process_commit_stage_queue`) and their clients' OK wait, in binlog order, for
//! the waiting group to finish.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::config::*;
use replication_playground::engine::gtid::GtidSet;
use replication_playground::engine::history::Outcome;
use replication_playground::engine::time::Instant;
use story::*;

/// db1 with a semi-sync replica db2 and an asynchronous replica db3 at `wait_point`; a
/// client writing 200 rows a second over up to 2,000 sessions, so writes keep arriving
/// while earlier ones wait; no automatic failover (the stories crash db1 by hand).
fn semi_sync_with_an_async_replica(wait_point: WaitPoint) -> Story {
    let mut cfg = primary_with(2, 200);
    for n in &mut cfg.nodes {
        n.rpl_semi_sync_source_enabled = true;
        n.rpl_semi_sync_source_wait_point = wait_point;
    }
    cfg.nodes[1].rpl_semi_sync_replica_enabled = true;
    cfg.clients[0].max_inflight = 2_000;
    cfg.failover.automatic = false;
    Story::new(cfg)
}

fn after_sync_with_an_async_replica() -> Story {
    semi_sync_with_an_async_replica(WaitPoint::AfterSync)
}

/// db1's transactions in its binlog that it has not committed in its engine.
fn prepared(s: &Story) -> GtidSet {
    let db1 = s.node("db1");
    db1.binlog.logged().subtract(&db1.gtid_executed)
}

/// The only semi-sync replica stops acknowledging: db1's next group waits at AFTER_SYNC.
/// During the wait later groups still reach the binlog and the asynchronous replica db3
/// even applies them — before db1 itself has committed them; no client of theirs gets OK.
/// (ordered_commit: call_after_sync_hook runs after LOCK_sync is released.)
#[test]
fn later_groups_flush_and_reach_replicas_while_a_group_waits_for_its_ack() {
    let mut s = after_sync_with_an_async_replica();
    s.run_to(2.0);
    assert!(prepared(&s).is_empty(), "nothing waits while db2 acks");
    s.act(Command::StopReplica { node: "db2".into() });
    s.run_to(2.1);
    let acked_at_stall = s.w.checker.acked().clone();
    let executed_at_stall = s.node("db1").gtid_executed.clone();
    s.run_to(6.0);

    // About 200 writes a second for 4 s went to the binlog; none was committed.
    let waiting = prepared(&s);
    assert!(waiting.count() > 600, "prepared: {}", waiting.count());
    assert_eq!(s.node("db1").gtid_executed, executed_at_stall);
    assert_eq!(s.w.checker.acked(), &acked_at_stall, "no client got OK");
    // The asynchronous replica received and applied them: it is ahead of its source's
    // engine, though not of its binlog.
    let db3 = s.node("db3").gtid_executed.clone();
    assert!(
        waiting.subtract(&db3).count() < 20,
        "db3 has the later groups"
    );
    assert!(db3.is_subset_of(s.node("db1").binlog.logged()));
    // Semi-sync is still ON: the wait lasts up to rpl_semi_sync_source_timeout (10 s).
    assert!(s.node("db1").semi_sync.on);
}

/// When the ack comes, the waiting group commits first, then the groups flushed during the
/// wait, in binlog order: commit stage order is binlog order (binlog_order_commits=ON,
/// process_commit_stage_queue). A later group's commit stage calls call_after_sync_hook
/// with its own last position; db2 acknowledged it while catching up, so it does not wait
/// again. Every client invoked during the wait got OK only after the wait ended.
#[test]
fn clients_of_later_groups_get_ok_in_binlog_order_after_the_wait_ends() {
    let mut s = after_sync_with_an_async_replica();
    s.run_to(2.0)
        .act(Command::StopReplica { node: "db2".into() })
        .run_to(5.0);
    let stalled = prepared(&s);
    assert!(stalled.count() > 400);
    s.act(Command::StartReplica { node: "db2".into() })
        .run_to(5.0 + 0.01);
    let waits_before = s.node("db1").semi_sync.wait_timeouts;
    s.run_to(7.0);

    assert!(stalled.is_subset_of(&s.node("db1").gtid_executed));
    assert!(stalled.is_subset_of(s.w.checker.acked()), "all OK now");
    assert_eq!(s.node("db1").semi_sync.wait_timeouts, waits_before);
    assert_eq!(s.node("db1").semi_sync.wait_timeouts, 0, "no fallback");
    // OKs follow GTID order: no later transaction was acknowledged before an earlier one.
    let mut oks: Vec<(u64, Instant, Instant)> =
        s.w.history
            .recent()
            .filter_map(|op| match op.outcome {
                Outcome::Ok { gtid: Some(g), .. } => Some((g.gno, op.invoke_us, op.complete_us)),
                _ => None,
            })
            .collect();
    oks.sort();
    assert!(oks.len() > 1_000);
    assert!(oks.windows(2).all(|w| w[0].2 <= w[1].2), "OK out of order");
    // The clients that wrote during the stall heard nothing before db2 came back.
    let restart = Instant::from_secs(5);
    let stalled_oks = oks.iter().filter(|o| stalled.contains(gtid(&s, o.0)));
    assert!(stalled_oks.clone().count() as u64 == stalled.count());
    assert!(stalled_oks.clone().all(|o| o.2 >= restart));
    assert!(stalled_oks.clone().any(|o| o.1 < Instant::from_secs(3)));
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
}

fn gtid(s: &Story, gno: u64) -> replication_playground::engine::gtid::Gtid {
    replication_playground::engine::gtid::Gtid {
        uuid: s.node("db1").uuid,
        gno,
    }
}

/// db1's mysqld dies during the wait. Recovery commits every prepared transaction whose
/// XID reached the binlog — the waiting group and all groups flushed behind it — though no
/// client was told OK (MYSQL_BIN_LOG::recover collects the XIDs of the binlog's last file;
/// ha_recover commits the prepared transactions found among them).
#[test]
fn a_crash_during_the_wait_commits_every_group_whose_xid_reached_the_binlog() {
    let mut s = after_sync_with_an_async_replica();
    s.run_to(2.0)
        .act(Command::StopReplica { node: "db2".into() })
        .run_to(4.0);
    let in_binlog = s.node("db1").binlog.logged().clone();
    let waiting = prepared(&s);
    assert!(
        waiting.count() > 300,
        "many groups wait: {}",
        waiting.count()
    );
    let acked = s.w.checker.acked().clone();
    s.crash("db1");
    // Recovery is decided at the crash: every transaction in the binlog is committed.
    assert_eq!(
        s.node("db1").gtid_executed,
        in_binlog,
        "recovery commits them all"
    );
    assert!(
        waiting.intersection(&acked).is_empty(),
        "none was acknowledged"
    );
    // Their rows are in the table: db1 agrees with db3, which received and applied them.
    s.run_to(4.5);
    assert_eq!(s.node("db3").gtid_executed, in_binlog);
    assert_eq!(s.node("db1").data.checksum(), s.node("db3").data.checksum());
    s.restart("db1").run_to(6.0);
    assert!(in_binlog.is_subset_of(&s.node("db1").gtid_executed));
}

/// The same with the host's power lost: with sync_binlog=1 every flushed group was
/// fsynced before the dump threads saw it, so the binlog — and recovery's verdict — is
/// the same (sync_binlog's manual entry: only transactions missing from the binlog are
/// left merely prepared and rolled back).
#[test]
fn a_power_loss_during_the_wait_with_sync_binlog_1_keeps_every_flushed_group() {
    let mut s = after_sync_with_an_async_replica();
    s.run_to(2.0)
        .act(Command::StopReplica { node: "db2".into() })
        .run_to(4.0);
    let in_binlog = s.node("db1").binlog.logged().clone();
    assert!(prepared(&s).count() > 300);
    s.power_off("db1").restart("db1").run_to(8.0);
    assert_eq!(s.node("db1").gtid_executed, in_binlog);
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
}

/// AFTER_COMMIT: the wait comes after the engine commit, so later groups flush, commit and
/// become visible during it; only their clients' OK waits. (The after_commit hook runs in
/// the after-commit stage, after LOCK_commit is released.)
#[test]
fn after_commit_later_groups_commit_during_the_wait_only_their_ok_waits() {
    let mut s = semi_sync_with_an_async_replica(WaitPoint::AfterCommit);
    s.run_to(2.0)
        .act(Command::StopReplica { node: "db2".into() })
        .run_to(2.1);
    let acked = s.w.checker.acked().clone();
    s.run_to(4.0);
    assert!(prepared(&s).count() < 5, "committed as they flush");
    let unacked = s.node("db1").gtid_executed.subtract(&acked);
    assert!(unacked.count() > 300);
    assert!(
        unacked.intersection(s.w.checker.acked()).is_empty(),
        "no OK while waiting"
    );
}
