//! The export (docs/export.md) read back: for every preset and every flavor, each option
//! file parsed as INI, each setup statement parsed by the playground's own SQL parser, and
//! the values checked against the cluster's config.
#![cfg(not(target_arch = "wasm32"))]

use replication_playground::engine::config::{ClusterConfig, NodeConfig, WaitPoint};
use replication_playground::engine::export::{self, AddressPlan, ExportFile, Flavor};
use replication_playground::engine::sql::{self, SetScope, SourceOption, SqlStmt, SqlValue};
use replication_playground::scenario::Scenario;
use replication_playground::scenario::presets::PRESETS;
use std::collections::BTreeMap;

const FIRST_PORT: u16 = 13306;

/// One `[section]` of an option file: each name with its values in order (a name may
/// repeat, as `plugin_load_add` does).
type Ini = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Reads an option file as MySQL's `my_load_defaults` does: `[group]` lines, `name =
/// value` or a bare `name`, `#` and `;` comments; anything else fails the test.
fn ini(path: &str, text: &str) -> Ini {
    let mut groups = Ini::new();
    let mut group: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = Some(name.to_string());
            continue;
        }
        let g = group
            .clone()
            .unwrap_or_else(|| panic!("{path}:{}: an option before any [group]", i + 1));
        let (name, value) = line.split_once('=').unwrap_or((line, ""));
        let (name, value) = (name.trim(), value.trim());
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{path}:{}: '{line}' is no option",
            i + 1
        );
        let values = groups.entry(g).or_default().entry(name.into()).or_default();
        assert!(
            values.is_empty() || name == "plugin_load_add",
            "{path}: {name} is set twice"
        );
        values.push(value.to_string());
    }
    groups
}

fn on(b: bool) -> &'static str {
    if b { "ON" } else { "OFF" }
}

fn cluster(name: &str, json: &str) -> ClusterConfig {
    Scenario::from_json(json)
        .and_then(|s| s.cluster())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn files(cfg: &ClusterConfig, flavor: Flavor) -> Vec<ExportFile> {
    let plan = AddressPlan::Loopback {
        first_port: FIRST_PORT,
    };
    export::bundle_at(cfg, flavor, &plan).expect("every preset exports")
}

fn text<'f>(files: &'f [ExportFile], path: &str) -> &'f str {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .text
}

/// The `[mysqld]` group of `node`'s option file, one value per name.
fn mysqld(files: &[ExportFile], node: &str) -> BTreeMap<String, String> {
    let path = format!("{node}.cnf");
    let groups = ini(&path, text(files, &path));
    assert_eq!(groups.keys().collect::<Vec<_>>(), ["mysqld"], "{path}");
    groups["mysqld"]
        .iter()
        .map(|(k, v)| (k.clone(), v.join(",")))
        .collect()
}

fn port_of(cfg: &ClusterConfig, name: &str) -> u64 {
    let i = cfg.nodes.iter().position(|n| n.name == name).unwrap();
    u64::from(FIRST_PORT) + i as u64
}

#[test]
fn every_presets_option_files_read_back_as_its_config() {
    for (name, json) in PRESETS {
        let cfg = cluster(name, json);
        for flavor in Flavor::ALL {
            let files = files(&cfg, flavor);
            let mut ids = Vec::new();
            for (i, n) in cfg.nodes.iter().enumerate() {
                let o = mysqld(&files, &n.name);
                let at = format!("{name} {flavor} {}", n.name);
                ids.push(o["server_id"].clone());
                assert_eq!(
                    o["server_id"],
                    n.server_id.unwrap_or(i as u32 + 1).to_string()
                );
                assert_eq!(o["port"], port_of(&cfg, &n.name).to_string(), "{at}");
                assert_eq!(o["sync_binlog"], n.sync_binlog.to_string(), "{at}");
                let flush = n.innodb_flush_log_at_trx_commit.to_string();
                assert_eq!(o["innodb_flush_log_at_trx_commit"], flush, "{at}");
                assert_eq!(o["binlog_format"], "ROW", "{at}");
                let increment = n.auto_increment_increment.to_string();
                assert_eq!(o["auto_increment_increment"], increment, "{at}");
                let offset = n.auto_increment_offset.to_string();
                assert_eq!(o["auto_increment_offset"], offset, "{at}");
                assert_eq!(o["max_binlog_size"], n.max_binlog_size.to_string(), "{at}");
                assert_eq!(o["read_only"], on(n.read_only || n.super_read_only), "{at}");
                flavor_options(flavor, n, &o, &at);
                semi_sync_options(flavor, n, &o, &at);
            }
            let unique: std::collections::BTreeSet<_> = ids.iter().collect();
            assert_eq!(
                unique.len(),
                ids.len(),
                "{name} {flavor}: server ids {ids:?}"
            );
        }
    }
}

/// The options whose names differ between MySQL and MariaDB.
fn flavor_options(flavor: Flavor, n: &NodeConfig, o: &BTreeMap<String, String>, at: &str) {
    let timeout = n.replica_net_timeout_s.max(1).to_string();
    if flavor.is_mariadb() {
        let strict = on(n.gtid_strict_mode || !n.flavor.is_mariadb());
        assert_eq!(o["gtid_strict_mode"], strict, "{at}");
        assert_eq!(o["log_slave_updates"], on(n.log_replica_updates), "{at}");
        assert_eq!(o["slave_net_timeout"], timeout, "{at}");
        assert_eq!(o["master_retry_count"], n.source_retry_count.to_string());
        let expire = if n.binlog_expire_logs_auto_purge {
            n.binlog_expire_logs_seconds
        } else {
            0
        };
        assert_eq!(o["binlog_expire_logs_seconds"], expire.to_string(), "{at}");
        for mysql_only in ["gtid_mode", "super_read_only", "log_replica_updates"] {
            assert!(!o.contains_key(mysql_only), "{at}: {mysql_only}");
        }
    } else {
        assert_eq!(o["gtid_mode"], "ON", "{at}");
        assert_eq!(o["enforce_gtid_consistency"], "ON", "{at}");
        assert_eq!(o["log_replica_updates"], on(n.log_replica_updates), "{at}");
        assert_eq!(o["super_read_only"], on(n.super_read_only), "{at}");
        assert_eq!(o["replica_net_timeout"], timeout, "{at}");
        let expire = n.binlog_expire_logs_seconds.to_string();
        assert_eq!(o["binlog_expire_logs_seconds"], expire, "{at}");
        let purge = on(n.binlog_expire_logs_auto_purge);
        assert_eq!(o["binlog_expire_logs_auto_purge"], purge, "{at}");
    }
}

fn semi_sync_options(flavor: Flavor, n: &NodeConfig, o: &BTreeMap<String, String>, at: &str) {
    let (source, replica) = if flavor.is_mariadb() {
        ("rpl_semi_sync_master", "rpl_semi_sync_slave")
    } else {
        ("rpl_semi_sync_source", "rpl_semi_sync_replica")
    };
    if !(n.rpl_semi_sync_source_enabled || n.rpl_semi_sync_replica_enabled) {
        assert!(!o.keys().any(|k| k.contains("semi_sync")), "{at}");
        return;
    }
    let wait_point = match n.rpl_semi_sync_source_wait_point {
        WaitPoint::AfterSync => "AFTER_SYNC",
        WaitPoint::AfterCommit => "AFTER_COMMIT",
    };
    let enabled = on(n.rpl_semi_sync_source_enabled);
    assert_eq!(o[&format!("{source}_enabled")], enabled, "{at}");
    let enabled = on(n.rpl_semi_sync_replica_enabled);
    assert_eq!(o[&format!("{replica}_enabled")], enabled, "{at}");
    let timeout = n.rpl_semi_sync_source_timeout_ms.to_string();
    assert_eq!(o[&format!("{source}_timeout")], timeout, "{at}");
    assert_eq!(o[&format!("{source}_wait_point")], wait_point, "{at}");
    if flavor.is_mariadb() {
        assert!(
            !o.contains_key("plugin_load_add"),
            "{at}: built into MariaDB"
        );
    } else {
        let plugins = "semisync_source.so,semisync_replica.so";
        assert_eq!(o["plugin_load_add"], plugins, "{at}");
        let count = n.rpl_semi_sync_source_wait_for_replica_count.to_string();
        assert_eq!(o["rpl_semi_sync_source_wait_for_replica_count"], count);
    }
}

#[test]
fn every_presets_setup_sql_parses_and_points_each_replica_at_its_source() {
    for (name, json) in PRESETS {
        let cfg = cluster(name, json);
        for flavor in Flavor::ALL {
            let files = files(&cfg, flavor);
            for n in &cfg.nodes {
                let path = format!("{}.sql", n.name);
                let at = format!("{name} {flavor} {path}");
                let statements = setup_statements(text(&files, &path), &at);
                check_accounts(&statements, &at);
                check_channel(&cfg, flavor, n, &statements, &at);
            }
        }
    }
}

/// Every statement of a setup script, parsed (comments dropped, one statement a line).
fn setup_statements(text: &str, at: &str) -> Vec<SqlStmt> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("--"))
        .map(|line| {
            let parsed = sql::parse(line).unwrap_or_else(|e| panic!("{at}: {line}: {e}"));
            assert_eq!(parsed.len(), 1, "{at}: {line}");
            parsed.into_iter().next().unwrap().stmt
        })
        .collect()
}

/// The accounts and the schema come first, with the binary log off around them (a MySQL
/// node fenced by super_read_only lifts it just around them); nothing after them makes an
/// account or a table.
fn check_accounts(statements: &[SqlStmt], at: &str) {
    let sql_log_bin = |v: i64| SqlStmt::SetVar {
        scope: SetScope::Session,
        name: "sql_log_bin".into(),
        value: SqlValue::Int(v),
    };
    let is_fence = |s: &SqlStmt| {
        matches!(s, SqlStmt::SetVar { scope: SetScope::Global, name, .. }
            if name == "super_read_only")
    };
    let first = usize::from(is_fence(&statements[0]));
    assert_eq!(statements[first], sql_log_bin(0), "{at}");
    let back_on = statements.iter().position(|s| *s == sql_log_bin(1));
    let back_on = back_on.unwrap_or_else(|| panic!("{at}: sql_log_bin never back on"));
    let unlogged = &statements[first + 1..back_on];
    let makes = |s: &SqlStmt| {
        matches!(
            s,
            SqlStmt::CreateUser { .. }
                | SqlStmt::Grant { .. }
                | SqlStmt::CreateDatabase { .. }
                | SqlStmt::CreateTable { .. }
        )
    };
    assert!(unlogged.iter().all(makes), "{at}: {unlogged:?}");
    assert!(
        unlogged
            .iter()
            .any(|s| matches!(s, SqlStmt::CreateTable { .. })),
        "{at}: the schema, unlogged"
    );
    let rest = &statements[back_on + 1..];
    assert!(!rest.iter().any(makes), "{at}: logged DDL {rest:?}");
    assert_eq!(first == 1, rest.first().is_some_and(is_fence), "{at}");
    let repl = unlogged.iter().any(|s| {
        matches!(s, SqlStmt::Grant { privileges, user, .. }
            if user.user == export::REPL_USER && privileges == &["REPLICATION SLAVE"])
    });
    assert!(repl, "{at}: the replication account's grant");
}

fn check_channel(
    cfg: &ClusterConfig,
    flavor: Flavor,
    n: &NodeConfig,
    statements: &[SqlStmt],
    at: &str,
) {
    let changes: Vec<&Vec<SourceOption>> = statements
        .iter()
        .filter_map(|s| match s {
            SqlStmt::ChangeSource(o) => Some(o),
            _ => None,
        })
        .collect();
    let Some(source) = &n.source else {
        assert!(changes.is_empty(), "{at}: a source without a channel");
        return;
    };
    assert_eq!(changes.len(), 1, "{at}");
    let options = changes[0];
    assert!(
        options.contains(&SourceOption::Host("127.0.0.1".into())),
        "{at}"
    );
    let port = port_of(cfg, source);
    assert!(
        options.contains(&SourceOption::Port(port)),
        "{at}: {options:?}"
    );
    let user = SourceOption::User(export::REPL_USER.into());
    assert!(options.contains(&user), "{at}");
    let retry = SourceOption::ConnectRetryS(n.source_connect_retry_s.max(1));
    assert!(options.contains(&retry), "{at}");
    let delay = options
        .iter()
        .find(|o| matches!(o, SourceOption::DelayS(_)));
    let expected = (n.source_delay_s > 0).then_some(SourceOption::DelayS(n.source_delay_s));
    assert_eq!(delay, expected.as_ref(), "{at}");
    let heartbeat = options
        .iter()
        .find(|o| matches!(o, SourceOption::HeartbeatPeriodMs(_)));
    let expected = n
        .source_heartbeat_period_ms
        .map(SourceOption::HeartbeatPeriodMs);
    assert_eq!(heartbeat, expected.as_ref(), "{at}");
    if flavor.is_mariadb() {
        let use_gtid = n.auto_position.then_some(n.master_use_gtid);
        assert!(options.contains(&SourceOption::UseGtid(use_gtid)), "{at}");
    } else {
        let auto = SourceOption::AutoPosition(n.auto_position);
        assert!(options.contains(&auto), "{at}");
        assert!(options.contains(&SourceOption::RetryCount(n.source_retry_count)));
    }
    let start = statements
        .iter()
        .position(|s| matches!(s, SqlStmt::StartReplica { .. }));
    let change = statements
        .iter()
        .position(|s| matches!(s, SqlStmt::ChangeSource(_)));
    assert!(start > change, "{at}: START after CHANGE");
}

/// Every node makes the schema itself, unlogged (check_accounts), as the playground's table
/// exists on every node from the start: no node's GTID position counts it.
#[test]
fn every_node_makes_the_schema_and_sources_set_up_before_their_replicas() {
    for (name, json) in PRESETS {
        let cfg = cluster(name, json);
        let files = files(&cfg, Flavor::Mysql84);
        let sql_files: Vec<&ExportFile> =
            files.iter().filter(|f| f.path.ends_with(".sql")).collect();
        let makers = sql_files
            .iter()
            .filter(|f| f.text.contains("CREATE TABLE IF NOT EXISTS playground.kv"))
            .count();
        assert_eq!(makers, cfg.nodes.len(), "{name}");
        // The files come in run order: every source's file before its replicas'.
        let order: Vec<&str> = sql_files
            .iter()
            .filter(|f| f.path != "proxysql.sql")
            .map(|f| f.path.trim_end_matches(".sql"))
            .collect();
        for n in &cfg.nodes {
            let Some(src) = n.source.as_ref().filter(|_| !in_ring(&cfg, &n.name)) else {
                continue;
            };
            let pos = |x: &str| order.iter().position(|o| *o == x).unwrap();
            assert!(pos(src) < pos(&n.name), "{name}: {src} before {}", n.name);
        }
    }
}

/// Whether following `name`'s sources comes back to it (a dual-primary ring).
fn in_ring(cfg: &ClusterConfig, name: &str) -> bool {
    let source = |n: &str| cfg.nodes.iter().find(|x| x.name == n)?.source.clone();
    let mut at = source(name);
    for _ in 0..cfg.nodes.len() {
        match at {
            Some(ref s) if s == name => return true,
            Some(s) => at = source(&s),
            None => return false,
        }
    }
    false
}

#[test]
fn dual_primary_presets_keep_distinct_offsets_and_mariadb_domains() {
    let mut seen = 0;
    for (name, json) in PRESETS {
        let cfg = cluster(name, json);
        if cfg.active_active.len() < 2 {
            continue;
        }
        seen += 1;
        let files = files(&cfg, Flavor::Mariadb1011);
        let pairs: Vec<(String, String)> = cfg
            .active_active
            .iter()
            .map(|n| {
                let o = mysqld(&files, n);
                (
                    o["auto_increment_offset"].clone(),
                    o["gtid_domain_id"].clone(),
                )
            })
            .collect();
        for (i, a) in pairs.iter().enumerate() {
            for b in &pairs[i + 1..] {
                assert_ne!(a.1, b.1, "{name}: gtid_domain_id");
                let increment = cfg.nodes[0].auto_increment_increment;
                if increment > 1 {
                    assert_ne!(a.0, b.0, "{name}: auto_increment_offset");
                }
            }
        }
    }
    assert!(seen > 0, "a dual-primary preset exists");
}

#[test]
fn orchestrator_and_proxysql_files_match_the_manager_and_router() {
    for (name, json) in PRESETS {
        let cfg = cluster(name, json);
        for flavor in Flavor::ALL {
            let files = files(&cfg, flavor);
            let conf = text(&files, "orchestrator.conf.json");
            let poll = cfg.failover.instance_poll_ms.div_ceil(1000).max(1);
            assert!(
                conf.contains(&format!("\"InstancePollSeconds\": {poll},")),
                "{name}"
            );
            let block = cfg.failover.recovery_block_s;
            assert!(conf.contains(&format!("\"RecoveryPeriodBlockSeconds\": {block},")));
            let delay = cfg.failover.wait_for_relay_log_apply;
            let key = format!("\"DelayMasterPromotionIfSQLThreadNotUpToDate\": {delay},");
            assert!(conf.contains(&key), "{name}");
            assert!(conf.starts_with('{') && conf.trim_end().ends_with('}'));
            let proxy = text(&files, "proxysql.sql");
            for (i, n) in cfg.nodes.iter().enumerate() {
                let port = u64::from(FIRST_PORT) + i as u64;
                let row = format!("'127.0.0.1', {port}, ");
                assert!(proxy.contains(&row), "{name}: {} in mysql_servers", n.name);
            }
            let interval = cfg.router.monitor_interval_ms.max(100);
            let var = format!(
                "value='{interval}' WHERE variable_name='mysql-monitor_read_only_interval'"
            );
            assert!(proxy.contains(&var), "{name}");
            let script = text(&files, "orchestrator.sh");
            for n in cfg
                .nodes
                .iter()
                .filter(|n| n.promotion_rule.name() != "neutral")
            {
                let rule = format!("--promotion-rule {}", n.promotion_rule.name());
                assert!(script.contains(&rule), "{name}: {}", n.name);
            }
        }
    }
}
