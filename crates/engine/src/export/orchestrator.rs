//! Orchestrator: the `orchestrator.conf.json` keys matching the playground's failover
//! manager, and the `orchestrator-client` commands that discover the cluster and register
//! the promotion rules (rules are no config key: `register-candidate` sets them, and they
//! expire after `CandidateInstanceExpireMinutes`, 60 by default, so it is re-run by cron).
//!
//! Keys and defaults: `go/config/config.go` (`Configuration`, `newConfiguration`); the
//! recovery poll is the constant `RecoveryPollSeconds = 1` there, not a setting.

use super::{ORCHESTRATOR_PASSWORD, ORCHESTRATOR_USER, Plan};
use crate::config::{PromotionRule, WriterSource};

/// Whole seconds, rounded up, at least 1: Orchestrator's settings are in seconds.
fn seconds_of_ms(ms: u64) -> u64 {
    ms.div_ceil(1_000).max(1)
}

/// A JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `orchestrator.conf.json` excerpt (merge it into the full file).
pub fn conf_json(plan: &Plan<'_>) -> String {
    let f = &plan.cfg.failover;
    let filters = if f.automatic { "[\".*\"]" } else { "[]" };
    let mut keys: Vec<(&str, String)> = vec![
        ("MySQLTopologyUser", json_string(ORCHESTRATOR_USER)),
        ("MySQLTopologyPassword", json_string(ORCHESTRATOR_PASSWORD)),
        (
            "InstancePollSeconds",
            seconds_of_ms(f.instance_poll_ms).to_string(),
        ),
        (
            "MySQLConnectTimeoutSeconds",
            seconds_of_ms(f.probe_timeout_ms).to_string(),
        ),
        ("RecoveryPeriodBlockSeconds", f.recovery_block_s.to_string()),
        (
            "ReasonableReplicationLagSeconds",
            f.reasonable_lag_s.to_string(),
        ),
        ("RecoverMasterClusterFilters", filters.into()),
        ("RecoverIntermediateMasterClusterFilters", filters.into()),
        ("ApplyMySQLPromotionAfterMasterFailover", "true".into()),
        (
            "DelayMasterPromotionIfSQLThreadNotUpToDate",
            f.wait_for_relay_log_apply.to_string(),
        ),
        ("FailMasterPromotionIfSQLThreadNotUpToDate", "false".into()),
        ("DetachLostReplicasAfterMasterFailover", "true".into()),
        // MariaDB has no super_read_only; its read_only already stops SUPER (10.11).
        (
            "UseSuperReadOnly",
            (f.fence_old_primary && !plan.flavor.is_mariadb()).to_string(),
        ),
        ("HostnameResolveMethod", json_string("none")),
        ("MySQLHostnameResolveMethod", json_string("@@report_host")),
        ("DiscoverByShowSlaveHosts", "true".into()),
        ("CandidateInstanceExpireMinutes", "60".into()),
    ];
    if plan.cfg.router.writer_source == WriterSource::Manager {
        keys.push(("PostMasterFailoverProcesses", proxysql_hook(plan)));
    }
    let body: Vec<String> = keys
        .iter()
        .map(|(k, v)| format!("  {}: {v}", json_string(k)))
        .collect();
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

/// The hook that tells ProxySQL the new writer: Orchestrator leaves service discovery to
/// hooks (`docs/topology-recovery.md`); the playground's manager tells its router directly.
fn proxysql_hook(plan: &Plan<'_>) -> String {
    let groups = super::proxysql::hostgroups(plan);
    let cmds: Vec<String> = groups
        .iter()
        .map(|g| {
            format!(
                "mysql -h127.0.0.1 -P6032 -uadmin -padmin -e \"UPDATE mysql_servers SET \
                 hostgroup_id={w} WHERE hostname='{{successorHost}}' AND port={{successorPort}} \
                 AND hostgroup_id={r}; UPDATE mysql_servers SET hostgroup_id={r} WHERE \
                 hostgroup_id={w} AND NOT (hostname='{{successorHost}}' AND \
                 port={{successorPort}}); LOAD MYSQL SERVERS TO RUNTIME;\"",
                w = g.writer,
                r = g.reader
            )
        })
        .map(|c| json_string(&c))
        .collect();
    format!("[{}]", cmds.join(", "))
}

/// The shell commands that point Orchestrator at the cluster and set promotion rules.
pub fn commands(plan: &Plan<'_>) -> String {
    let mut s = String::from(
        "#!/bin/sh\n# Exported by Replication Playground: discover the cluster, then register \
         each node's promotion rule.\n# Rules expire after CandidateInstanceExpireMinutes \
         (60): run this again from cron.\nset -e\n",
    );
    for node in plan.cluster_primaries() {
        s.push_str(&format!(
            "orchestrator-client -c discover -i {}:{}\n",
            node.address.host, node.address.port
        ));
    }
    for node in &plan.nodes {
        if node.cfg.promotion_rule != PromotionRule::Neutral {
            s.push_str(&format!(
                "orchestrator-client -c register-candidate -i {}:{} --promotion-rule {}\n",
                node.address.host,
                node.address.port,
                node.cfg.promotion_rule.name()
            ));
        }
    }
    s
}

/// What Orchestrator will do differently from the playground's manager.
pub fn warnings(plan: &Plan<'_>) -> Vec<String> {
    let f = &plan.cfg.failover;
    let mut w = Vec::new();
    if !f.instance_poll_ms.is_multiple_of(1_000) || !f.probe_timeout_ms.is_multiple_of(1_000) {
        w.push(
            "Orchestrator: InstancePollSeconds and MySQLConnectTimeoutSeconds are whole \
             seconds; the playground's milliseconds are rounded up."
                .to_string(),
        );
    }
    if f.analysis_interval_ms != 1_000 {
        w.push(format!(
            "Orchestrator: its analysis runs every second (the constant RecoveryPollSeconds); \
             the playground runs it every {} ms.",
            f.analysis_interval_ms
        ));
    }
    if !f.fence_old_primary {
        w.push(
            "Orchestrator: ApplyMySQLPromotionAfterMasterFailover also sets read_only on a \
             reachable old primary; it cannot be kept from fencing as the playground's \
             fence_old_primary=false does."
                .to_string(),
        );
    }
    w
}
