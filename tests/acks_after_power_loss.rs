//! What a client hears from a server whose host loses power while its answers are still
//! on the way — the two causes of the random-fault seeds (120, 158, 162, 167, …) that broke
//! `acknowledged_writes_accounted_for` ("… are on no node and were never reported lost").
//! Every story checks every invariant after every event, as the seed sweep does.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::config::ClusterConfig;
use replication_playground::engine::history::Outcome;
use replication_playground::engine::time::{Instant, us};
use story::*;

/// db1 and one replica, both losing the last commits at a power loss: the redo log is
/// flushed only about once a second (innodb_flush_log_at_trx_commit=0: "transactions for
/// which logs have not been flushed can be lost in a crash", MySQL 8.4 manual,
/// innodb_flush_log_at_trx_commit) and the binlog only when the OS decides (sync_binlog=0).
fn forgetful_pair(writes: u32) -> ClusterConfig {
    let mut cfg = primary_with(1, writes);
    for n in &mut cfg.nodes {
        n.sync_binlog = 0;
        n.innodb_flush_log_at_trx_commit = 0;
    }
    cfg
}

fn link(from: &str, to: &str, latency_us: u64, loss_permille: u32) -> Command {
    Command::SetLink {
        from: from.into(),
        to: to.into(),
        latency_us,
        jitter_us: 0,
        loss_permille,
        both_ways: false,
    }
}

/// Runs to `ms` milliseconds, checking every invariant after every event.
fn run_checked(s: &mut Story, ms: u64) {
    let end = Instant::from_millis(ms);
    while s.w.next_event_at().is_some_and(|t| t <= end) {
        s.w.step();
        if let Err(e) = s.w.check_invariants(false) {
            panic!("at {} µs: {e}", s.w.now().as_micros());
        }
    }
    s.w.run_until(end);
    s.w.check_invariants(true).unwrap();
}

/// The OKs db1 sent that reached the client after `after`.
fn oks_from_db1_after(s: &Story, after: Instant) -> usize {
    let db1 = s.w.node_id("db1").unwrap();
    s.w.history
        .recent()
        .filter(|op| op.node == Some(db1) && op.complete_us > after)
        .filter(|op| matches!(op.outcome, Outcome::Ok { .. }))
        .count()
}

/// A connection is one TCP stream: the receiving kernel hands its reader nothing past a
/// missing segment ("segments with higher beginning sequence numbers may be held for
/// later processing", RFC 9293 §3.10.7.4). One OK from db1 is lost on the wire and waits
/// for its retransmission; the OKs after it leave at once but wait behind it at the
/// router. db1's host then loses power: the lost OK is never resent, so none of those
/// behind it is ever read either — the client hears no OK for writes whose commits the
/// crash recovery rolled back. Before the fix they all arrived with the retransmission
/// that never happened, as OKs for writes no server had (seed 120 at 19.37 s).
#[test]
fn answers_queued_behind_a_lost_packet_die_with_their_host() {
    let mut cfg = forgetful_pair(200);
    // The client waits longer than six retransmissions (12.6 s) before giving up.
    cfg.router.query_timeout_ms = 30_000;
    let mut s = Story::new(cfg);
    run_checked(&mut s, 5_300);
    // Every packet now waits for a retransmission; then the link is clean again.
    s.act(link("db1", "router", 500, 1_000));
    s.run_for(0.02);
    s.act(link("db1", "router", 500, 0));
    s.run_for(0.05);
    let power_lost = s.w.now();
    s.power_off("db1");
    run_checked(&mut s, 40_000);
    // What left db1 before the power went arrives within one flight (0.5 ms, no jitter).
    let last_flight = power_lost + us(500);
    assert_eq!(oks_from_db1_after(&s, last_flight), 0);
    assert!(
        s.report().clients.unknown + s.report().clients.failed > 0,
        "the writes whose OKs never came are not known to the client"
    );
}

/// An OK already on the wire outlives its sender: db1 commits, sends OK, its host loses
/// power and crash recovery rolls the commit back (the redo log was not flushed, see
/// `forgetful_pair`) — and only then does the OK reach the client. The client was told
/// OK for a write no server has: it is lost, and the checker must say so when the OK
/// arrives, since at the rollback nobody had acknowledged it yet (seeds 158 and 167).
#[test]
fn an_ok_that_arrives_after_the_rollback_is_a_lost_write() {
    let mut s = Story::new(forgetful_pair(300));
    // 40 ms on the way back to the router: a dozen OKs are in flight at any moment; the
    // replica is further still, so it has none of those writes either.
    s.act(link("db1", "router", 40_000, 0))
        .act(link("db1", "db2", 100_000, 0));
    run_checked(&mut s, 5_300);
    let power_lost = s.w.now();
    s.power_off("db1");
    run_checked(&mut s, 20_000);
    assert!(
        oks_from_db1_after(&s, power_lost) > 0,
        "OKs were on the wire when the power went"
    );
    let late =
        s.w.checker
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::LostWrite)
            .filter(|f| {
                f.detail
                    .contains("while its OK was still on its way to the client")
            })
            .count();
    assert!(late > 0, "{}", s.findings());
}
