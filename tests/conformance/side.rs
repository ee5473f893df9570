//! What a case does, written once: each verb is carried out by real servers (`real.rs`) or
//! by the simulator (`sim.rs`), each in its own spelling.

use std::collections::BTreeMap;

/// Rows of a statement's result (fields as text), or the server's error number.
pub type Answer = Result<Vec<Vec<String>>, u16>;

/// The nodes of a case, db1 first. Replication is attached by the case itself.
pub struct Topo {
    pub nodes: Vec<&'static str>,
    /// Dual-primary: each node writes in its own GTID domain (`gtid_domain_id = server_id`).
    pub domain_per_node: bool,
}

impl Topo {
    pub fn of(n: usize) -> Topo {
        Topo {
            nodes: ["db1", "db2", "db3", "db4"][..n].to_vec(),
            domain_per_node: false,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum UseGtid {
    SlavePos,
    CurrentPos,
}

#[derive(Clone, Copy, Debug)]
pub enum WaitPoint {
    AfterSync,
    AfterCommit,
}

impl WaitPoint {
    pub fn word(self) -> &'static str {
        match self {
            WaitPoint::AfterSync => "AFTER_SYNC",
            WaitPoint::AfterCommit => "AFTER_COMMIT",
        }
    }

    /// The statements that turn semi-sync on, for the primary and for its replica (whose
    /// receiver reconnects to ask for it): both sides send these same texts.
    pub fn semi_sync_statements(self, timeout_ms: u64) -> (String, &'static str) {
        let primary = format!(
            "SET GLOBAL rpl_semi_sync_master_enabled = ON; \
             SET GLOBAL rpl_semi_sync_master_timeout = {timeout_ms}; \
             SET GLOBAL rpl_semi_sync_master_wait_point = {}",
            self.word()
        );
        let replica = "SET GLOBAL rpl_semi_sync_slave_enabled = ON; \
                       STOP SLAVE IO_THREAD; START SLAVE IO_THREAD";
        (primary, replica)
    }
}

/// A write that waited: could another session read it while it waited, how long its
/// client was blocked, and its error if it failed.
pub struct Waited {
    pub visible_while_waiting: bool,
    pub blocked_ms: u64,
    pub errno: Option<u16>,
}

pub trait Side {
    fn sql(&mut self, node: &str, sql: &str) -> Answer;
    /// `SHOW SLAVE STATUS` / `SHOW REPLICA STATUS` as field → value.
    fn replica_status(&mut self, node: &str) -> BTreeMap<String, String>;
    fn kill9(&mut self, node: &str);
    fn shutdown(&mut self, node: &str);
    fn start(&mut self, node: &str);
    /// Points `replica` at `source` (GTID auto-positioning) with a delay, and starts it.
    fn attach(&mut self, replica: &str, source: &str, use_gtid: UseGtid, delay_s: u32);
    fn stop_io(&mut self, node: &str);
    fn start_io(&mut self, node: &str);
    fn stop_replica(&mut self, node: &str);
    fn start_replica(&mut self, node: &str);
    /// A failover by hand: stop replicating and forget the source (RESET SLAVE ALL).
    fn promote(&mut self, node: &str);
    /// Skips the transaction the applier failed on, and restarts the applier.
    fn skip_failed(&mut self, node: &str);
    fn semi_sync(&mut self, primary: &str, replica: &str, wait: WaitPoint, timeout_ms: u64);
    fn semi_sync_on(&mut self, primary: &str) -> bool;
    /// Executed GTID position, normalized for comparison (see `gtid_count`).
    fn gtid(&mut self, node: &str) -> String;
    /// Time passes (real: a sleep; simulated: the clock runs).
    fn pass(&mut self, secs: f64);
    /// Runs a write that will wait for a semi-sync ack; after `peek_s` another session
    /// reads row `key` on the same node.
    fn waiting_write(&mut self, node: &str, sql: &str, key: u64, peek_s: f64) -> Waited;
    /// A logical backup of `from` (with its GTID position) loaded on the empty `to`.
    fn backup_restore(&mut self, from: &str, to: &str);
    /// FLUSH BINARY LOGS, then PURGE BINARY LOGS TO the new current file.
    fn purge_to_current(&mut self, node: &str);
    /// Which flavor's GTIDs `gtid` returns: "mariadb" or "mysql".
    fn flavor(&self) -> &'static str;

    /// `id=val` pairs of playground.kv in id order, or the error.
    fn rows(&mut self, node: &str) -> String {
        match self.sql(node, "SELECT id, val FROM playground.kv ORDER BY id") {
            Ok(rows) if rows.is_empty() => "(empty)".into(),
            Ok(rows) => rows
                .iter()
                .map(|r| r.join("="))
                .collect::<Vec<_>>()
                .join(" "),
            Err(e) => format!("ERROR {e}"),
        }
    }

    /// `io=N sql=M`: Last_IO_Errno and Last_SQL_Errno.
    fn errnos(&mut self, node: &str) -> String {
        let st = self.replica_status(node);
        let f = |k: &str| st.get(k).cloned().unwrap_or_else(|| "-".into());
        format!("io={} sql={}", f("Last_IO_Errno"), f("Last_SQL_Errno"))
    }

    /// Waits (at most 15 s) until `replica` has executed everything `source` has.
    fn catch_up(&mut self, replica: &str, source: &str) {
        for _ in 0..150 {
            if self.gtid(replica) == self.gtid(source) {
                return;
            }
            self.pass(0.1);
        }
    }
}

/// `Key: value` lines of a vertical (`\G` / `-E`) result.
pub fn vertical_fields(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.starts_with('*'))
        .collect()
}

/// The number of transactions in a GTID position, either flavor's: MariaDB's
/// `domain-server-seq[,…]` counts `seq` per domain (under gtid_strict_mode a domain's
/// sequence has no gaps), MySQL's `uuid:a-b[:c-d][,…]` counts the intervals.
pub fn gtid_count(pos: &str) -> u64 {
    let mut n = 0;
    for part in pos.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part.contains(':') {
            for iv in part.split(':').skip(1) {
                let (a, b) = iv.split_once('-').unwrap_or((iv, iv));
                n += b.parse::<u64>().unwrap_or(0) + 1 - a.parse::<u64>().unwrap_or(1);
            }
        } else if let Some(seq) = part.rsplit('-').next() {
            n += seq.parse::<u64>().unwrap_or(0);
        }
    }
    n
}
