//! Crash durability with `sync_binlog=0` and `=1` (docs/semantics.md §5.1, §5.2, §9;
//! Appendix A facts 17, 18 and 24). With the binary log on, InnoDB prepares durably in
//! the flush stage and commits with durability ignored (`MYSQL_BIN_LOG::prepare` sets
//! HA_IGNORE_DURABILITY in sql/binlog.cc; `trx_commit_complete_for_mysql` in
//! storage/innobase/trx/trx0trx.cc then skips the flush); the log flusher thread fsyncs the
//! commit record right after (`log_flusher` in storage/innobase/log/log0write.cc). A
//! power loss therefore keeps committed transactions in the data even when `sync_binlog=0`
//! lost their binlog events — the manual's `sync_binlog` warning that "the server has
//! committed transactions that have not been synchronized to the binary log".
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::gtid::GtidSet;
use replication_playground::engine::status::IoRunning;
use story::*;

/// db1 and its replica db2, 200 writes/s, no automatic failover, db1 with `sync_binlog`.
fn cluster(sync_binlog: u32) -> Story {
    let mut cfg = primary_with(1, 200);
    cfg.nodes[0].sync_binlog = sync_binlog;
    cfg.failover.automatic = false;
    Story::new(cfg)
}

/// db1's gtid_executed and data checksum just before its power loss, then the power loss.
fn power_off_db1(s: &mut Story) -> (GtidSet, u64) {
    let db1 = s.node("db1");
    let before = (db1.gtid_executed.clone(), db1.data.checksum());
    s.power_off("db1");
    before
}

/// Fact 24: `sync_binlog=0`, `innodb_flush_log_at_trx_commit=1`, power loss. The redo log
/// holds every commit record, the binlog (never fsynced, the OS had not written it back
/// yet) none of them: recovery keeps them all in the tables. The restarted server rebuilds
/// gtid_executed from the mysql.gtid_executed table — InnoDB wrote each GTID there with its
/// commit since 8.0.17 (manual, GTID Format and Storage; `trx_undo_gtid_read_and_persist`
/// in storage/innobase/trx/trx0undo.cc) — plus its binlog, and counts what is only in the
/// table as gtid_purged (`lost_gtids = gtids_only_in_table + purged_gtids_from_binlog`,
/// sql/mysqld.cc). The checker reports that data and binlog disagree.
#[test]
fn sync_binlog_0_power_loss_keeps_the_data_and_loses_the_binlog() {
    let mut s = cluster(0);
    s.run_to(4.0);
    let (executed, checksum) = power_off_db1(&mut s);
    let db1 = s.node("db1");
    assert_eq!(db1.gtid_executed, executed, "no commit was rolled back");
    assert_eq!(db1.data.checksum(), checksum, "the data kept every commit");
    assert!(db1.binlog.logged().intersection(&executed).is_empty());
    assert_eq!(db1.gtid_purged(), executed);
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
    assert_eq!(s.count(FindingKind::BinlogMismatch), executed.count());
    assert!(
        s.findings()
            .contains("in its tables but not in its binary log")
    );

    // db1 numbers its next transaction after them (gtid_executed has them): no GTID reused.
    s.restart("db1").run_to(12.0);
    let next = s.node("db1").gtid_executed.subtract(&executed);
    assert_eq!(
        next.iter().next().map(|g| g.gno),
        Some(executed.count() + 1)
    );
}

/// Fact 24 (continued): a replica that had not yet received those transactions asks for
/// them by GTID; they are in the source's gtid_purged, so the dump thread refuses with
/// ER_SOURCE_HAS_PURGED_REQUIRED_GTIDS (`Binlog_sender::check_start_file`,
/// sql/rpl_binlog_sender.cc): the replica can never get them from this source.
#[test]
fn a_replica_that_had_not_received_them_can_never_get_them() {
    let mut s = cluster(0);
    s.run_to(3.0)
        .act(Command::StopReplica { node: "db2".into() })
        .run_to(4.0);
    let (executed, _) = power_off_db1(&mut s);
    let missing = executed.subtract(&s.node("db2").gtid_executed);
    assert!(!missing.is_empty(), "db2 missed the last second");
    s.restart("db1").run_to(8.0);
    s.act(Command::StartReplica { node: "db2".into() })
        .run_to(10.0);
    let err = s.io_error("db2");
    assert_eq!(err.errno, 1236);
    assert!(
        err.message.contains("purged required binary logs"),
        "{}",
        err.message
    );
    assert!(
        err.message.contains(&missing.to_string()),
        "{}",
        err.message
    );
    assert!(s.count(FindingKind::ReplicationError) > 0);
}

/// Fact 18 beside fact 24: with `sync_binlog=1` the binlog is fsynced before the commit, so
/// a transaction missing from it was at most prepared, and recovery (XID in the binlog or
/// not) leaves data and binlog in agreement: nothing only in the table, nothing purged,
/// and the replica carries on (manual, `sync_binlog`).
#[test]
fn sync_binlog_1_power_loss_keeps_data_and_binlog_in_agreement() {
    let mut s = cluster(1);
    s.run_to(4.0);
    let (executed, _) = power_off_db1(&mut s);
    let db1 = s.node("db1");
    assert_eq!(db1.gtid_executed, executed);
    assert_eq!(db1.binlog.logged(), &executed);
    assert!(db1.gtid_purged().is_empty());
    assert_eq!(s.count(FindingKind::BinlogMismatch), 0, "{}", s.findings());
    s.restart("db1").run_to(10.0);
    assert_eq!(s.io("db2"), IoRunning::Yes);
    assert_eq!(s.count(FindingKind::LostWrite), 0, "{}", s.findings());
}

/// The other way round: `sync_binlog=1` but `innodb_flush_log_at_trx_commit=2`. The binlog
/// survives the power loss, the redo written since the last once-a-second fsync does not
/// (manual, `innodb_flush_log_at_trx_commit`): those transactions are in db1's binlog and
/// gtid_executed, and on db2, but not in db1's tables. Acknowledged ones are lost writes;
/// the disagreement is a binlog_mismatch.
#[test]
fn redo_lost_under_a_synced_binlog_leaves_the_binlog_ahead_of_the_data() {
    let mut cfg = primary_with(1, 200);
    cfg.nodes[0].innodb_flush_log_at_trx_commit = 2;
    cfg.failover.automatic = false;
    let mut s = Story::new(cfg);
    s.run_to(4.5);
    let (executed, _) = power_off_db1(&mut s);
    assert_eq!(
        s.node("db1").gtid_executed,
        executed,
        "the binlog has them all"
    );
    assert!(s.count(FindingKind::BinlogMismatch) > 0, "{}", s.findings());
    assert!(s.findings().contains("recovery undid them in its tables"));
    assert!(s.count(FindingKind::LostWrite) > 0, "{}", s.findings());
}
