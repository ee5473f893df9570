//! Per-node setup SQL, in the order it runs: the accounts and the schema, made on every
//! node with `sql_log_bin=0` (so they are no transactions of their own: no GTID is spent,
//! no replica ever sees an errant one, and every node starts at an empty GTID position as
//! the playground's nodes do, whose table exists from the start), then the node's
//! replication channel.
//!
//! MySQL 8.4 / 8.0.23+: `CHANGE REPLICATION SOURCE TO … SOURCE_AUTO_POSITION=1` and
//! `START REPLICA` (8.0.22+), with `GET_SOURCE_PUBLIC_KEY=1` because the replication
//! account uses the default `caching_sha2_password` and the channel has no TLS (MySQL 8.4
//! manual, "CHANGE REPLICATION SOURCE TO Statement"). MariaDB 10.11: `CHANGE MASTER TO …
//! MASTER_USE_GTID=slave_pos` and `START SLAVE` (MariaDB KB, "CHANGE MASTER TO": slave_pos
//! is the recommended mode; current_pos would also count the replica's own binlog).

use super::{
    APP_PASSWORD, APP_USER, FIRST_BINLOG, Flavor, MONITOR_PASSWORD, MONITOR_USER, Node,
    ORCHESTRATOR_PASSWORD, ORCHESTRATOR_USER, Plan, REPL_PASSWORD, REPL_USER,
};
use crate::config::InsertMode;
use crate::mariadb::UseGtid;

/// The nodes in the order their setup runs: every source before its replicas; a ring
/// (dual-primary) is entered at the configured primary.
pub fn run_order<'p, 'a>(plan: &'p Plan<'a>) -> Vec<&'p Node<'a>> {
    let mut placed: Vec<&Node<'a>> = Vec::with_capacity(plan.nodes.len());
    let is_placed = |placed: &[&Node<'a>], name: &str| placed.iter().any(|p| p.cfg.name == name);
    while placed.len() < plan.nodes.len() {
        let ready: Vec<&Node<'a>> = plan
            .nodes
            .iter()
            .filter(|n| !is_placed(&placed, &n.cfg.name))
            .filter(|n| {
                n.cfg
                    .source
                    .as_deref()
                    .is_none_or(|s| is_placed(&placed, s))
            })
            .collect();
        if ready.is_empty() {
            // Only rings are left: start one at the primary if it is among them.
            let rest = plan
                .nodes
                .iter()
                .filter(|n| !is_placed(&placed, &n.cfg.name));
            let mut rest: Vec<&Node<'a>> = rest.collect();
            rest.sort_by_key(|n| n.cfg.name != plan.cfg.primary);
            placed.push(rest[0]);
        } else {
            placed.extend(ready);
        }
    }
    placed
}

/// `node`'s setup script.
pub fn setup_sql(plan: &Plan<'_>, node: &Node<'_>) -> String {
    let flavor = plan.flavor;
    let mut s = format!(
        "-- {}: setup for {}, exported by Replication Playground.\n\
         -- Run as an administrator after the server started with {}.cnf.\n\n",
        node.cfg.name,
        flavor.title(),
        node.cfg.name
    );
    // MySQL's super_read_only also stops an administrator's CREATE USER and CREATE
    // TABLE (ER_OPTION_PREVENTS_STATEMENT, 1290); MariaDB has none, and its read_only lets
    // root (ALL PRIVILEGES includes READ ONLY ADMIN) through.
    let fenced = !flavor.is_mariadb() && node.cfg.super_read_only;
    if fenced {
        s.push_str(
            "-- super_read_only (from the option file) would refuse the setup: off while it \
             runs.\nSET GLOBAL super_read_only = OFF;\n",
        );
    }
    s.push_str(&unlogged_setup(plan, flavor));
    if fenced {
        s.push_str("SET GLOBAL super_read_only = ON;\n");
    }
    if node.source.is_some() {
        s.push_str(&channel(flavor, node));
    }
    s
}

/// The accounts and the schema between `SET SESSION sql_log_bin = 0` and `= 1`: setting
/// it needs SYSTEM_VARIABLES_ADMIN or SESSION_VARIABLES_ADMIN in MySQL (a restricted
/// session variable, MySQL 8.4 manual "SET sql_log_bin Statement"), BINLOG ADMIN or SUPER
/// in MariaDB 10.5.2+ (MDEV-21957, mysql-test/suite/binlog/r/binlog_grant.result); the
/// administrator running the setup has them.
fn unlogged_setup(plan: &Plan<'_>, flavor: Flavor) -> String {
    let mut s = String::from(
        "-- Accounts and schema: made on every node with the binary log off for this session, \
         so they are no transactions of their own (no GTID is spent, nothing replicates).\n\
         SET SESSION sql_log_bin = 0;\n",
    );
    s.push_str(&accounts(flavor));
    s.push_str(&schema(plan));
    s.push_str("SET SESSION sql_log_bin = 1;\n");
    s
}

/// The accounts every node has: replication, Orchestrator, ProxySQL's monitor, the app.
fn accounts(flavor: Flavor) -> String {
    let user = |name: &str, password: &str| {
        format!("CREATE USER IF NOT EXISTS '{name}'@'%' IDENTIFIED BY '{password}';\n")
    };
    // MariaDB 10.5+ splits SUPER and REPLICATION CLIENT into finer privileges: SHOW SLAVE
    // STATUS needs SLAVE MONITOR, SET GLOBAL read_only needs READ ONLY ADMIN (10.11).
    let (orchestrator, monitor) = if flavor.is_mariadb() {
        (
            "SUPER, PROCESS, RELOAD, REPLICATION SLAVE, BINLOG MONITOR, SLAVE MONITOR, \
             REPLICATION SLAVE ADMIN, READ ONLY ADMIN",
            "SLAVE MONITOR",
        )
    } else {
        (
            "SUPER, PROCESS, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT",
            "REPLICATION CLIENT",
        )
    };
    let mut s = user(REPL_USER, REPL_PASSWORD);
    s.push_str(&format!(
        "GRANT REPLICATION SLAVE ON *.* TO '{REPL_USER}'@'%';\n"
    ));
    s.push_str(&user(ORCHESTRATOR_USER, ORCHESTRATOR_PASSWORD));
    s.push_str(&format!(
        "GRANT {orchestrator} ON *.* TO '{ORCHESTRATOR_USER}'@'%';\n"
    ));
    if !flavor.is_mariadb() {
        // Orchestrator reads the replication account from it (its docs, "Configuration:
        // Basic Discovery"); MariaDB keeps master.info in a file, not a table.
        s.push_str(&format!(
            "GRANT SELECT ON mysql.slave_master_info TO '{ORCHESTRATOR_USER}'@'%';\n"
        ));
    }
    s.push_str(&user(MONITOR_USER, MONITOR_PASSWORD));
    s.push_str(&format!(
        "GRANT {monitor} ON *.* TO '{MONITOR_USER}'@'%';\n"
    ));
    s.push_str(&user(APP_USER, APP_PASSWORD));
    s.push_str(&format!(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON playground.* TO '{APP_USER}'@'%';\n"
    ));
    s
}

/// The playground's one table, made on every node (as the playground's exists on every
/// node from the start).
fn schema(plan: &Plan<'_>) -> String {
    let auto = plan
        .cfg
        .clients
        .iter()
        .any(|c| c.insert_mode == InsertMode::AutoIncrement);
    format!(
        "CREATE DATABASE IF NOT EXISTS playground;\n\
         CREATE TABLE IF NOT EXISTS playground.kv (id BIGINT UNSIGNED NOT NULL{}, \
         val BIGINT UNSIGNED NOT NULL, PRIMARY KEY (id)) ENGINE=InnoDB;\n",
        if auto { " AUTO_INCREMENT" } else { "" }
    )
}

/// The node's channel from its source, and its start.
fn channel(flavor: Flavor, node: &Node<'_>) -> String {
    let Some(src) = &node.source else {
        return String::new();
    };
    let n = node.cfg;
    let source_name = n.source.as_deref().unwrap_or("");
    let mut opts = Vec::new();
    let (word, change, start) = if flavor.is_mariadb() {
        ("MASTER", "CHANGE MASTER TO", "START SLAVE")
    } else {
        ("SOURCE", "CHANGE REPLICATION SOURCE TO", "START REPLICA")
    };
    opts.push(format!("{word}_HOST='{}'", src.host));
    opts.push(format!("{word}_PORT={}", src.port));
    opts.push(format!("{word}_USER='{REPL_USER}'"));
    opts.push(format!("{word}_PASSWORD='{REPL_PASSWORD}'"));
    match (flavor.is_mariadb(), n.auto_position) {
        (true, true) => opts.push(match n.master_use_gtid {
            UseGtid::SlavePos => "MASTER_USE_GTID=slave_pos".into(),
            UseGtid::CurrentPos => "MASTER_USE_GTID=current_pos".into(),
        }),
        (false, true) => opts.push("SOURCE_AUTO_POSITION=1".into()),
        (true, false) => opts.push("MASTER_USE_GTID=no".into()),
        (false, false) => opts.push("SOURCE_AUTO_POSITION=0".into()),
    }
    if !n.auto_position {
        opts.push(format!("{word}_LOG_FILE='{FIRST_BINLOG}'"));
        opts.push(format!("{word}_LOG_POS=4"));
    }
    if !flavor.is_mariadb() {
        opts.push("GET_SOURCE_PUBLIC_KEY=1".into());
    }
    opts.push(format!(
        "{word}_CONNECT_RETRY={}",
        n.source_connect_retry_s.max(1)
    ));
    if !flavor.is_mariadb() {
        opts.push(format!("SOURCE_RETRY_COUNT={}", n.source_retry_count));
    }
    if let Some(period_ms) = n.source_heartbeat_period_ms {
        opts.push(format!(
            "{word}_HEARTBEAT_PERIOD={}.{:03}",
            period_ms / 1_000,
            period_ms % 1_000
        ));
    }
    if n.source_delay_s > 0 {
        opts.push(format!("{word}_DELAY={}", n.source_delay_s));
    }
    format!(
        "\n-- Replicate from {source_name}.\n{change} {};\n{start};\n",
        opts.join(", ")
    )
}
