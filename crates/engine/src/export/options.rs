//! Per-node option files: the `[mysqld]` group a server reads at startup
//! (`mysqld --defaults-extra-file=db1.cnf`; MariaDB's `mariadbd` reads `[mysqld]` too).
//!
//! Names and limits: MySQL 8.4 manual, "Replication and Binary Logging Options and
//! Variables" and "Semisynchronous Replication"; MariaDB 10.11 KB, "Replication and Binary
//! Log System Variables", "Semisynchronous Replication" (built into the server since 10.3.3,
//! `rpl_semi_sync_master_*`), "GTID" (`gtid_strict_mode`, `gtid_domain_id`). Where the
//! flavors differ docs/export.md says why.

use super::{Flavor, Node, Plan};
use crate::config::{NodeConfig, WaitPoint};

/// MariaDB's largest binlog_expire_logs_seconds (99 days: it is linked to expire_logs_days,
/// whose maximum is 99).
pub const MARIADB_MAX_EXPIRE_S: u64 = 8_553_600;

fn on(b: bool) -> &'static str {
    if b { "ON" } else { "OFF" }
}

/// The option file of `node`: `# comment` lines and `name = value` lines under `[mysqld]`.
pub fn option_file(plan: &Plan<'_>, node: &Node<'_>) -> String {
    let flavor = plan.flavor;
    let n = node.cfg;
    let mut f = format!(
        "# {}: {} option file exported by Replication Playground.\n\
         # Start with: mysqld --defaults-extra-file={}.cnf --datadir=<its own directory>\n\
         [mysqld]\n",
        n.name,
        flavor.title(),
        n.name
    );
    let mut set = |name: &str, value: String| f.push_str(&format!("{name} = {value}\n"));
    set("server_id", node.server_id.to_string());
    set("port", node.address.port.to_string());
    // SHOW REPLICAS / SHOW SLAVE HOSTS then names the address Orchestrator should use.
    set("report_host", node.address.host.clone());
    set("report_port", node.address.port.to_string());
    set("log_bin", "binlog".into());
    set("relay_log", "relay-bin".into());
    // The playground logs rows (Write_rows, Update_rows); MariaDB's default is MIXED.
    set("binlog_format", "ROW".into());
    if flavor.is_mariadb() {
        // A MariaDB scenario's own setting; a MySQL one gets strict mode, the nearest to
        // MySQL's refusal of an out-of-order GTID.
        let strict = n.gtid_strict_mode || !n.flavor.is_mariadb();
        set("gtid_strict_mode", on(strict).into());
        set("gtid_domain_id", node.domain_id.to_string());
        set("log_slave_updates", on(n.log_replica_updates).into());
        // MariaDB 10.11 has no super_read_only: read_only also stops SUPER, only READ ONLY
        // ADMIN writes (MDEV-29596), which is what super_read_only does in MySQL.
        set("read_only", on(n.read_only || n.super_read_only).into());
    } else {
        set("gtid_mode", "ON".into());
        set("enforce_gtid_consistency", "ON".into());
        set("log_replica_updates", on(n.log_replica_updates).into());
        set("read_only", on(n.read_only || n.super_read_only).into());
        set("super_read_only", on(n.super_read_only).into());
    }
    set("sync_binlog", n.sync_binlog.to_string());
    set(
        "innodb_flush_log_at_trx_commit",
        n.innodb_flush_log_at_trx_commit.to_string(),
    );
    // The playground's replicas restart from what they executed, dropping the relay log.
    set("relay_log_recovery", "ON".into());
    durability_and_expiry(flavor, n, &mut set);
    set(
        "auto_increment_increment",
        n.auto_increment_increment.to_string(),
    );
    set("auto_increment_offset", n.auto_increment_offset.to_string());
    semi_sync(flavor, n, &mut f);
    f
}

/// Timeouts, retries and binary log size and expiry.
fn durability_and_expiry(flavor: Flavor, n: &NodeConfig, set: &mut impl FnMut(&str, String)) {
    if flavor.is_mariadb() {
        set(
            "slave_net_timeout",
            n.replica_net_timeout_s.max(1).to_string(),
        );
        // MariaDB has no MASTER_RETRY_COUNT in CHANGE MASTER: it is a server option.
        set("master_retry_count", n.source_retry_count.to_string());
    } else {
        set(
            "replica_net_timeout",
            n.replica_net_timeout_s.max(1).to_string(),
        );
    }
    set(
        "max_binlog_size",
        n.max_binlog_size.clamp(4096, 1 << 30).to_string(),
    );
    let expire = if n.binlog_expire_logs_auto_purge {
        n.binlog_expire_logs_seconds
    } else {
        0
    };
    if flavor.is_mariadb() {
        // binlog_expire_logs_seconds exists since 10.6.1 (linked to expire_logs_days); 0 is
        // no automatic purge, MariaDB's way to say binlog_expire_logs_auto_purge=OFF.
        set(
            "binlog_expire_logs_seconds",
            expire.min(MARIADB_MAX_EXPIRE_S).to_string(),
        );
    } else {
        set(
            "binlog_expire_logs_seconds",
            n.binlog_expire_logs_seconds.to_string(),
        );
        set(
            "binlog_expire_logs_auto_purge",
            on(n.binlog_expire_logs_auto_purge).into(),
        );
    }
}

/// The semi-sync lines, if the node has either side on. Both sides are loaded wherever
/// either is on so a promoted replica can become a semi-sync source without a restart.
fn semi_sync(flavor: Flavor, n: &NodeConfig, f: &mut String) {
    if !(n.rpl_semi_sync_source_enabled || n.rpl_semi_sync_replica_enabled) {
        return;
    }
    let wait_point = match n.rpl_semi_sync_source_wait_point {
        WaitPoint::AfterSync => "AFTER_SYNC",
        WaitPoint::AfterCommit => "AFTER_COMMIT",
    };
    let (source, replica) = if flavor.is_mariadb() {
        f.push_str("# Semi-sync is built into MariaDB (since 10.3.3): no plugin to load.\n");
        ("rpl_semi_sync_master", "rpl_semi_sync_slave")
    } else {
        f.push_str("plugin_load_add = semisync_source.so\nplugin_load_add = semisync_replica.so\n");
        ("rpl_semi_sync_source", "rpl_semi_sync_replica")
    };
    let mut set = |name: &str, value: String| f.push_str(&format!("{name} = {value}\n"));
    set(
        &format!("{source}_enabled"),
        on(n.rpl_semi_sync_source_enabled).into(),
    );
    set(
        &format!("{replica}_enabled"),
        on(n.rpl_semi_sync_replica_enabled).into(),
    );
    set(
        &format!("{source}_timeout"),
        n.rpl_semi_sync_source_timeout_ms.to_string(),
    );
    set(&format!("{source}_wait_point"), wait_point.into());
    if flavor.is_mariadb() {
        set(
            "rpl_semi_sync_master_wait_no_slave",
            on(n.rpl_semi_sync_source_wait_no_replica).into(),
        );
    } else {
        set(
            "rpl_semi_sync_source_wait_for_replica_count",
            n.rpl_semi_sync_source_wait_for_replica_count.to_string(),
        );
        set(
            "rpl_semi_sync_source_wait_no_replica",
            on(n.rpl_semi_sync_source_wait_no_replica).into(),
        );
    }
}

/// What `node`'s option file cannot say in this flavor.
pub fn warnings(flavor: Flavor, node: &Node<'_>) -> Vec<String> {
    let n = node.cfg;
    let mut w = Vec::new();
    let semi = n.rpl_semi_sync_source_enabled;
    if flavor.is_mariadb() && semi && n.rpl_semi_sync_source_wait_for_replica_count > 1 {
        w.push(format!(
            "{}: MariaDB's semi-sync waits for one acknowledgement; the playground waits for {} \
             (rpl_semi_sync_source_wait_for_replica_count has no MariaDB counterpart).",
            n.name, n.rpl_semi_sync_source_wait_for_replica_count
        ));
    }
    if flavor.is_mariadb() && n.binlog_expire_logs_seconds > MARIADB_MAX_EXPIRE_S {
        w.push(format!(
            "{}: binlog_expire_logs_seconds {} is cut to MariaDB's maximum {MARIADB_MAX_EXPIRE_S} \
             (99 days).",
            n.name, n.binlog_expire_logs_seconds
        ));
    }
    if flavor.is_mariadb() && n.read_only && !n.super_read_only {
        w.push(format!(
            "{}: MariaDB 10.11's read_only also stops SUPER accounts (only READ ONLY ADMIN \
             writes), like MySQL's super_read_only.",
            n.name
        ));
    }
    if !(4096..=1 << 30).contains(&n.max_binlog_size) {
        w.push(format!(
            "{}: max_binlog_size {} is outside the server's 4096..1073741824 and is clamped.",
            n.name, n.max_binlog_size
        ));
    }
    w
}
