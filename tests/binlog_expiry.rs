//! Binlog expiry as MySQL 8.4 does it (docs/semantics.md §2.1): files past
//! binlog_expire_logs_seconds go at a rotation, a FLUSH BINARY LOGS or a start — never on a
//! timer in between — up to the first file a connected replica's dump thread still reads;
//! purged files' GTIDs become gtid_purged, and a replica that needs one of them gets 1236.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::binlog::FileInfo;
use replication_playground::engine::config::ClusterConfig;
use replication_playground::engine::status::IoRunning;
use story::*;

/// The one reply to a one-statement line.
fn say(s: &mut Story, node: &str, sql: &str) -> String {
    let replies = type_at(s, node, sql);
    assert_eq!(replies.len(), 1, "{replies:?}");
    replies[0].clone()
}

/// No client writes; every node keeps binlogs `expire_s` seconds in files of 4 KiB.
fn quiet(replicas: u32, expire_s: u64) -> ClusterConfig {
    let mut cfg = primary_with(replicas, 0);
    for n in &mut cfg.nodes {
        n.binlog_expire_logs_seconds = expire_s;
        n.max_binlog_size = 4 * 1024;
    }
    cfg
}

/// One INSERT of 250 rows (4.8 KB of binlog): it pushes a 4 KiB file past its size.
fn big_insert(first_id: u64) -> String {
    let rows: Vec<String> = (first_id..first_id + 250)
        .map(|id| format!("({id}, {id})"))
        .collect();
    format!("INSERT INTO kv VALUES {}", rows.join(", "))
}

fn files(s: &Story, node: &str) -> Vec<FileInfo> {
    s.node(node).binlog.files()
}

fn numbers(s: &Story, node: &str) -> Vec<u32> {
    files(s, node).iter().map(|f| f.number).collect()
}

/// `binlog_expire_logs_seconds`: "Possible removals happen at startup and when the binary
/// log is flushed" (Manual 8.4, Binary Logging Options and Variables). In sql/binlog.cc
/// only `ordered_commit` (after `rotate()` opened a new file), `rotate_and_purge` (FLUSH)
/// and `auto_purge_at_server_startup` call the purge: a file past its expiry stays until
/// the next rotation.
#[test]
fn an_expired_file_stays_until_the_next_rotation() {
    let mut s = Story::new(quiet(1, 2));
    s.run_to(1.0);
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    say(&mut s, "db1", "FLUSH BINARY LOGS");
    let closed = files(&s, "db1")[0].clone();
    assert_eq!((closed.number, closed.closed), (1, true));
    s.run_to(10.0);
    assert_eq!(
        numbers(&s, "db1"),
        [1, 2],
        "8 s past its 2 s: no timer purged it"
    );
    assert!(say(&mut s, "db1", "SHOW BINARY LOGS").contains("| binlog.000001 |"));
    assert!(s.node("db1").gtid_purged().is_empty());

    // A transaction pushes binlog.000002 past max_binlog_size: rotation, then expiry.
    say(&mut s, "db1", &big_insert(1_000));
    assert_eq!(
        numbers(&s, "db1"),
        [2, 3],
        "binlog.000001 went at the rotation"
    );
    // binlog.000002 was closed just now: younger than 2 s, it stays.
    assert!(files(&s, "db1")[0].closed);

    // gtid_purged is the Previous_gtids of the first file kept: the GTIDs of binlog.000001.
    let db1 = s.node("db1");
    let purged = db1.gtid_purged();
    assert_eq!(purged, files(&s, "db1")[0].previous_gtids);
    assert_eq!(purged.to_string(), format!("{}:1", db1.uuid));
    let uuid = s.node("db1").uuid;
    assert!(say(&mut s, "db1", "SELECT @@GLOBAL.gtid_purged").contains(&format!("| {uuid}:1 |")));

    // FLUSH BINARY LOGS is a rotation too: binlog.000002, now 3 s old, goes.
    s.run_for(3.0);
    say(&mut s, "db1", "FLUSH BINARY LOGS");
    assert_eq!(numbers(&s, "db1"), [3, 4]);
    assert_eq!(
        s.node("db1").gtid_purged().to_string(),
        format!("{}:1-2", s.node("db1").uuid)
    );
}

/// `auto_purge_at_server_startup` (sql/binlog.cc), called once the binlog is open at
/// start: expired files go before any replica can connect. The file the server was
/// writing gets a new mtime at recovery (`truncate_update_log_file` clears its in-use
/// flag), so it is young; the ones closed before are judged by when they closed.
#[test]
fn a_restart_purges_what_expired_while_nothing_rotated() {
    let mut s = Story::new(quiet(0, 5));
    s.run_to(1.0);
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    say(&mut s, "db1", "FLUSH BINARY LOGS");
    say(&mut s, "db1", "INSERT INTO kv VALUES (2, 2)");
    s.run_to(20.0);
    assert_eq!(numbers(&s, "db1"), [1, 2], "no rotation, no expiry");

    s.crash("db1").run_for(1.0).restart("db1").run_for(3.0);
    assert!(s.node("db1").is_running());
    // binlog.000002 (crashed while active) was closed by the start (23 s): it stays;
    // binlog.000001, closed at 1 s, went at the start.
    assert_eq!(numbers(&s, "db1"), [2, 3]);
    let db1 = s.node("db1");
    assert_eq!(db1.gtid_purged().to_string(), format!("{}:1", db1.uuid));
    assert_eq!(db1.gtid_executed.to_string(), format!("{}:1-2", db1.uuid));
}

/// A clean SHUTDOWN closes the active file with a Stop event (`MYSQL_BIN_LOG::close`
/// with LOG_CLOSE_STOP_EVENT): its age counts from the shutdown, so a server down longer
/// than the expiry purges it at the next start.
#[test]
fn a_server_down_longer_than_the_expiry_purges_its_last_file_at_start() {
    let mut s = Story::new(quiet(0, 5));
    s.run_to(1.0);
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    say(&mut s, "db1", "SHUTDOWN");
    s.run_for(10.0).restart("db1").run_for(3.0);
    assert!(s.node("db1").is_running());
    assert_eq!(
        numbers(&s, "db1"),
        [2],
        "binlog.000001 closed 10 s before the start"
    );
    let db1 = s.node("db1");
    assert_eq!(db1.gtid_purged().to_string(), format!("{}:1", db1.uuid));
}

/// `check_auto_purge_conditions` (sql/binlog.cc): no automatic purge with
/// binlog_expire_logs_auto_purge=OFF or binlog_expire_logs_seconds=0 ("a value of 0
/// disables automatic purging", Manual 8.4) — at a rotation as at a start. PURGE BINARY
/// LOGS is not automatic and still works.
#[test]
fn expiry_off_keeps_every_file_and_purge_still_works() {
    let mut s = Story::new(quiet(0, 2));
    s.run_to(1.0);
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    say(&mut s, "db1", "FLUSH BINARY LOGS");
    assert_eq!(
        say(
            &mut s,
            "db1",
            "SET GLOBAL binlog_expire_logs_auto_purge = OFF"
        ),
        "Query OK, 0 rows affected (0.00 sec)"
    );
    s.run_to(10.0);
    say(&mut s, "db1", "FLUSH BINARY LOGS");
    assert_eq!(numbers(&s, "db1"), [1, 2, 3]);

    say(
        &mut s,
        "db1",
        "SET GLOBAL binlog_expire_logs_auto_purge = ON",
    );
    say(&mut s, "db1", "SET GLOBAL binlog_expire_logs_seconds = 0");
    s.run_to(20.0);
    say(&mut s, "db1", "FLUSH BINARY LOGS");
    assert_eq!(
        numbers(&s, "db1"),
        [1, 2, 3, 4],
        "0 seconds is no expiry, not instant expiry"
    );

    assert_eq!(
        say(&mut s, "db1", "PURGE BINARY LOGS TO 'binlog.000003'"),
        "Query OK, 0 rows affected (0.00 sec)"
    );
    assert_eq!(numbers(&s, "db1"), [3, 4]);
    // BEFORE a time every closed file is older than runs into the active file:
    // warning 1868 "file ./binlog.000004 was not purged because it is the active log file".
    assert_eq!(
        say(&mut s, "db1", "PURGE BINARY LOGS BEFORE NOW()"),
        "Query OK, 0 rows affected, 1 warning (0.00 sec)"
    );
    assert_eq!(numbers(&s, "db1"), [4]);
}

/// db2 stopped for 20 s while db1 took 1,000 writes a second (binlogs kept an hour),
/// then started again: 50 ms later its dump thread is streaming the backlog.
fn a_replica_catching_up() -> Story {
    let mut cfg = primary_with(1, 1_000);
    for n in &mut cfg.nodes {
        n.binlog_expire_logs_seconds = 3_600;
        n.max_binlog_size = 4 * 1024;
    }
    let mut s = Story::new(cfg);
    s.run_to(1.0)
        .act(Command::StopReplica { node: "db2".into() })
        .run_to(21.0)
        .act(Command::StartReplica { node: "db2".into() })
        .run_for(0.05);
    let backlog = s
        .node("db1")
        .gtid_executed
        .subtract(&s.node("db2").gtid_executed);
    assert!(
        backlog.count() > 5_000,
        "db2 is catching up: {} to go",
        backlog.count()
    );
    assert_eq!(s.node("db1").binlog.first_file(), 1);
    s
}

/// `purge_logs_before_date` stops at the first old-enough file that `log_in_use` finds a
/// dump thread reading; that file and every later one stay ("this statement does not
/// delete the log file that is in use or any log files later than that one", Manual 8.4,
/// PURGE BINARY LOGS Statement). Here a replica catches up on 20 s of writes (its dump
/// thread sends 64 transactions a millisecond) when the DBA cuts the retention to 1 s:
/// the next rotations purge up to the file that dump thread reads, never past it, and
/// the replica gets every transaction.
#[test]
fn a_file_a_catching_up_replicas_dump_thread_reads_is_kept() {
    let mut s = a_replica_catching_up();
    s.act(Command::Sql {
        node: "db1".into(),
        sql: "SET GLOBAL binlog_expire_logs_seconds = 1".into(),
    });
    // Millisecond by millisecond through the catch-up: rotations (one every 14 ms) purge,
    // but never an entry the dump thread has still to send.
    for _ in 0..200 {
        s.run_for(0.001);
        let db1 = s.node("db1");
        let reading = db1.dumps[0].next_idx;
        assert!(
            reading >= db1.binlog.first_idx(),
            "purged under the reader at {reading}"
        );
    }
    let db1 = s.node("db1");
    let reading = db1.dumps[0].next_idx;
    assert!(reading < db1.binlog.next_idx(), "db2 is still catching up");
    let kept = files(&s, "db1");
    assert!(
        kept[0].number > 1,
        "the rotations purged the files before it"
    );
    assert!(kept[0].first_idx <= reading);
    // The first file kept was closed during the outage, long past the 1 s expiry: only
    // the dump thread reading it at the last rotation kept it.
    let closed_at = db1.binlog.closed_at(kept[0].number).expect("closed");
    assert!(closed_at < at(21), "closed at {closed_at:?}");

    // PURGE BINARY LOGS stops there too, and says so: warning 1867 "file
    // ./binlog.000NNN was not purged because it was being read by 1 thread(s)…".
    let active = format!("binlog.{:06}", db1.binlog.end().file);
    assert_eq!(
        say(&mut s, "db1", &format!("PURGE BINARY LOGS TO '{active}'")),
        "Query OK, 0 rows affected, 1 warning (0.00 sec)"
    );
    let db1 = s.node("db1");
    assert!(db1.binlog.first_idx() <= db1.dumps[0].next_idx);
    assert!(db1.binlog.file_count() > 1);

    // The applier takes 200 µs a transaction: 20,000 behind, 1,000 more a second.
    s.run_for(8.0);
    assert_eq!(s.io("db2"), IoRunning::Yes);
    assert!(
        s.node("db2")
            .channel
            .as_ref()
            .unwrap()
            .last_io_error
            .is_none()
    );
    let (db1, db2) = (s.node("db1"), s.node("db2"));
    assert!(
        db1.binlog.first_file() > kept[0].number,
        "once read, it went too"
    );
    let missing = db1.gtid_executed.subtract(&db2.gtid_executed);
    assert!(
        missing.count() < 100,
        "db2 caught up; {} in flight",
        missing.count()
    );
    assert!(db1.gtid_purged().is_subset_of(&db2.gtid_executed));
}

/// A replica that was not connected has no dump thread to keep its files: they expire,
/// and when it reconnects the source refuses it with ER_SOURCE_HAS_PURGED_REQUIRED_GTIDS
/// (`Binlog_sender::check_start_file`, sql/rpl_binlog_sender.cc), which the receiver
/// reports as Last_IO_Errno 13114 "Got fatal error 1236 from source when reading data
/// from binary log: '…'" (sql/rpl_replica.cc) and does not retry.
#[test]
fn a_replica_that_needs_a_purged_gtid_stops_with_1236() {
    let mut s = Story::new(quiet(2, 2));
    s.run_to(1.0);
    say(&mut s, "db3", "STOP REPLICA");
    say(&mut s, "db1", "INSERT INTO kv VALUES (1, 1)");
    say(&mut s, "db1", "FLUSH BINARY LOGS");
    s.run_to(5.0);
    say(&mut s, "db1", "FLUSH BINARY LOGS");
    assert_eq!(
        numbers(&s, "db1"),
        [2, 3],
        "db2 had read binlog.000001 long ago"
    );
    say(&mut s, "db3", "START REPLICA");
    s.run_for(1.0);
    assert_eq!(s.io("db3"), IoRunning::No);
    assert_eq!(
        s.io("db2"),
        IoRunning::Yes,
        "db2 has every GTID it asks for"
    );
    let source = s.node("db1").uuid;
    let status = say(&mut s, "db3", "SHOW REPLICA STATUS\\G");
    assert!(status.contains("Last_IO_Errno: 13114\n"), "{status}");
    let expected = format!(
        "Last_IO_Error: Got fatal error 1236 from source when reading data from binary log: \
         'Cannot replicate because the source purged required binary logs. Replicate the \
         missing transactions from elsewhere, or provision a new replica from backup. \
         Consider increasing the source's binary log expiration period. The GTID set sent \
         by the replica is '', and the missing transactions are '{source}:1''\n"
    );
    assert!(status.contains(&expected), "{status}");
    assert_eq!(
        s.io_error("db3").errno,
        1236,
        "the source's error, as it sent it"
    );
}
