//! The MariaDB 10.11 flavor (issue 14, docs/semantics.md "MariaDB flavor"): GTIDs per
//! domain, replica positions, the 1236 refusals of `check_slave_start_position` and
//! gtid_strict_mode's 1950. Each story cites the MariaDB function (MariaDB/server,
//! sql/rpl_gtid.cc and sql/sql_repl.cc) that implies what it asserts.
#![cfg(not(target_arch = "wasm32"))]

mod story;

use replication_playground::engine::Command;
use replication_playground::engine::config::*;
use replication_playground::engine::mariadb::{self, MariaGtid};
use story::*;

fn mariadb(mut cfg: ClusterConfig) -> ClusterConfig {
    for n in &mut cfg.nodes {
        n.flavor = Flavor::Mariadb;
    }
    cfg
}

fn binlog_pos(s: &Story, n: &str) -> String {
    mariadb::pos_text(&s.node(n).gtid_binlog_pos())
}

fn slave_pos(s: &Story, n: &str) -> String {
    mariadb::pos_text(&s.node(n).slave_pos)
}

fn sql_error(s: &Story, n: &str) -> (u16, String) {
    let ch = s.node(n).channel.as_ref().expect("a channel");
    let e = ch.last_sql_error.clone().expect("an SQL thread error");
    (e.errno, e.message)
}

/// `rpl_binlog_state::update_with_next_gtid`: each write takes the domain's counter + 1 and
/// the server's own server_id; replicas keep the primary's GTIDs in their slave position.
#[test]
fn gtids_are_domain_server_seq_and_replicas_record_the_slave_position() {
    let mut s = Story::new(mariadb(primary_with(2, 20)));
    s.run_to(3.0);
    let pos = binlog_pos(&s, "db1");
    let last: MariaGtid = pos.parse().expect("one domain");
    assert_eq!((last.domain_id, last.server_id), (0, 1), "{pos}");
    assert!(last.seq_no >= 40, "{pos}");
    s.act(Command::SetWorkload {
        client: 0,
        writes_per_s: 0,
        reads_per_s: 0,
    })
    .run_for(1.0);
    let pos = binlog_pos(&s, "db1");
    for r in ["db2", "db3"] {
        assert_eq!(slave_pos(&s, r), pos, "{r} applied everything");
        // log_slave_updates: the replica's binlog holds db1's GTIDs, not its own.
        assert_eq!(binlog_pos(&s, r), pos);
        assert_eq!(mariadb::pos_text(&s.node(r).gtid_current_pos()), pos);
    }
    assert_eq!(
        slave_pos(&s, "db1"),
        "",
        "the primary never applied anything"
    );
    assert_eq!(mariadb::pos_text(&s.node("db1").gtid_current_pos()), pos);
}

/// gtid_strict_mode (OFF by default, `Sys_gtid_strict_mode` in sql/sys_vars.cc): a write
/// made on a replica takes the domain's next seq_no; the primary's transaction with the same
/// seq_no then arrives out of order. `rpl_binlog_state::check_strict_sequence` stops the
/// strict replica's SQL thread with 1950; the replica without strict mode applies it and
/// logs 0-3-N before 0-1-N.
#[test]
fn strict_mode_stops_the_applier_at_an_out_of_order_seq_no() {
    let mut cfg = mariadb(primary_with(2, 20));
    cfg.nodes[1].gtid_strict_mode = true;
    let mut s = Story::new(cfg);
    s.run_to(2.0);
    s.direct_write("db2", 7_000_001)
        .direct_write("db3", 7_000_002);
    s.run_for(1.0);
    let errant: MariaGtid = binlog_pos(&s, "db3").parse().unwrap();
    let (errno, message) = sql_error(&s, "db2");
    assert_eq!(errno, 1950, "{message}");
    let mine: MariaGtid = slave_pos(&s, "db2").parse().unwrap();
    let expected = format!(
        "An attempt was made to binlog GTID 0-1-{n} which would create an out-of-order \
         sequence number with existing GTID 0-2-{n}, and gtid strict mode is enabled",
        n = mine.seq_no + 1
    );
    assert_eq!(message, expected);
    // db3 is not strict: it went on, and its binlog has its own write among db1's.
    assert!(
        s.node("db3")
            .channel
            .as_ref()
            .unwrap()
            .last_sql_error
            .is_none()
    );
    assert_eq!(
        errant.server_id, 1,
        "db1's later writes came after db3's own"
    );
    let db3_own = s
        .node("db3")
        .binlog
        .entries()
        .any(|e| MariaGtid::from_gtid(e.trx.gtid).is_some_and(|g| g.server_id == 3));
    assert!(db3_own);
}
