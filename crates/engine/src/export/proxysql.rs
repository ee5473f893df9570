//! ProxySQL: the admin statements (port 6032) that give the router's hostgroups, monitor
//! settings, users and read/write split. Table and variable names: `include/
//! MySQL_HostGroups_Manager.h` (`mysql_servers`, `mysql_replication_hostgroups`) and
//! `lib/MySQL_Thread.cpp` (`monitor_read_only_interval` at least 100 ms,
//! `monitor_slave_lag_when_null`, `default_query_timeout` at least 1000 ms).

use super::{APP_PASSWORD, APP_USER, MONITOR_PASSWORD, MONITOR_USER, Node, Plan};
use crate::config::WriterSource;

/// A replication cluster's pair of hostgroups and its nodes.
pub struct Hostgroups<'p, 'a> {
    pub writer: u32,
    pub reader: u32,
    pub nodes: Vec<&'p Node<'a>>,
}

/// One writer/reader pair per replication cluster: 10/11, then 20/21 for a second shard…
pub fn hostgroups<'p, 'a>(plan: &'p Plan<'a>) -> Vec<Hostgroups<'p, 'a>> {
    let clusters: Vec<Vec<&Node<'a>>> = if plan.cfg.shards.is_empty() {
        vec![plan.nodes.iter().collect()]
    } else {
        let members = |names: &[String]| -> Vec<&'p Node<'a>> {
            plan.nodes
                .iter()
                .filter(|n| names.contains(&n.cfg.name))
                .collect()
        };
        plan.cfg.shards.iter().map(|s| members(&s.nodes)).collect()
    };
    clusters
        .into_iter()
        .enumerate()
        .map(|(k, nodes)| Hostgroups {
            writer: 10 * (k as u32 + 1),
            reader: 10 * (k as u32 + 1) + 1,
            nodes,
        })
        .collect()
}

fn set_variable(name: &str, value: u64) -> String {
    format!("UPDATE global_variables SET variable_value='{value}' WHERE variable_name='{name}';\n")
}

/// The statements for ProxySQL's admin interface.
pub fn admin_sql(plan: &Plan<'_>) -> String {
    let r = &plan.cfg.router;
    let groups = hostgroups(plan);
    let mut s = String::from(
        "-- ProxySQL admin statements exported by Replication Playground.\n\
         -- Run on the admin interface: mysql -h127.0.0.1 -P6032 -uadmin -padmin < proxysql.sql\n",
    );
    for g in &groups {
        s.push_str(&format!(
            "DELETE FROM mysql_servers WHERE hostgroup_id IN ({}, {});\n",
            g.writer, g.reader
        ));
        for n in &g.nodes {
            let (hostgroup, lag) = if n.writer {
                (g.writer, 0)
            } else {
                (g.reader, r.max_replication_lag_s)
            };
            s.push_str(&format!(
                "INSERT INTO mysql_servers (hostgroup_id, hostname, port, max_replication_lag, \
                 comment) VALUES ({hostgroup}, '{}', {}, {lag}, '{}');\n",
                n.address.host, n.address.port, n.cfg.name
            ));
        }
        if r.writer_source == WriterSource::ReadOnlyFlag {
            s.push_str(&format!(
                "INSERT INTO mysql_replication_hostgroups (writer_hostgroup, reader_hostgroup, \
                 check_type, comment) VALUES ({}, {}, 'read_only', 'playground');\n",
                g.writer, g.reader
            ));
        }
    }
    s.push_str(&monitor_and_users(plan, groups[0].writer));
    s.push_str(&query_rules(plan, &groups));
    s.push_str(
        "LOAD MYSQL SERVERS TO RUNTIME;\nSAVE MYSQL SERVERS TO DISK;\n\
         LOAD MYSQL USERS TO RUNTIME;\nSAVE MYSQL USERS TO DISK;\n\
         LOAD MYSQL QUERY RULES TO RUNTIME;\nSAVE MYSQL QUERY RULES TO DISK;\n\
         LOAD MYSQL VARIABLES TO RUNTIME;\nSAVE MYSQL VARIABLES TO DISK;\n",
    );
    s
}

fn monitor_and_users(plan: &Plan<'_>, default_writer: u32) -> String {
    let r = &plan.cfg.router;
    let mut s = format!(
        "UPDATE global_variables SET variable_value='{MONITOR_USER}' WHERE \
         variable_name='mysql-monitor_username';\n\
         UPDATE global_variables SET variable_value='{MONITOR_PASSWORD}' WHERE \
         variable_name='mysql-monitor_password';\n"
    );
    s.push_str(&set_variable(
        "mysql-monitor_read_only_interval",
        r.monitor_interval_ms.max(100),
    ));
    s.push_str(&set_variable(
        "mysql-monitor_replication_lag_interval",
        r.monitor_interval_ms.max(100),
    ));
    s.push_str(&set_variable(
        "mysql-monitor_slave_lag_when_null",
        r.lag_when_null_s,
    ));
    s.push_str(&set_variable(
        "mysql-default_query_timeout",
        r.query_timeout_ms.max(1_000),
    ));
    s.push_str(&format!(
        "DELETE FROM mysql_users WHERE username='{APP_USER}';\n\
         INSERT INTO mysql_users (username, password, default_hostgroup) VALUES \
         ('{APP_USER}', '{APP_PASSWORD}', {default_writer});\n"
    ));
    s
}

/// Writes (and locking reads) to the writer, other reads to the readers.
fn query_rules(plan: &Plan<'_>, groups: &[Hostgroups<'_, '_>]) -> String {
    let Some(g) = groups.first() else {
        return String::new();
    };
    // Causal reads: ProxySQL routes a read to a reader that has the session's last GTID,
    // which needs its binlog reader on every MySQL server (not available for MariaDB).
    let causal = plan.cfg.router.read_your_writes && !plan.flavor.is_mariadb();
    let gtid = if causal {
        format!(", gtid_from_hostgroup={}", g.writer)
    } else {
        String::new()
    };
    format!(
        "DELETE FROM mysql_query_rules WHERE rule_id IN (1, 2);\n\
         INSERT INTO mysql_query_rules (rule_id, active, match_digest, destination_hostgroup, \
         apply) VALUES (1, 1, '^SELECT.*FOR UPDATE', {w}, 1);\n\
         INSERT INTO mysql_query_rules (rule_id, active, match_digest, destination_hostgroup, \
         apply) VALUES (2, 1, '^SELECT', {r}, 1);\n{}",
        if causal {
            format!(
                "UPDATE mysql_query_rules SET {} WHERE rule_id=2;\n",
                &gtid[2..]
            )
        } else {
            String::new()
        },
        w = g.writer,
        r = g.reader
    )
}

/// What ProxySQL will do differently from the playground's router.
pub fn warnings(plan: &Plan<'_>) -> Vec<String> {
    let r = &plan.cfg.router;
    let mut w = Vec::new();
    if !plan.cfg.shards.is_empty() {
        w.push(
            "ProxySQL: one hostgroup pair per shard, but no key-range routing (the playground's \
             vindex): route by shard in the application or use Vitess."
                .to_string(),
        );
    }
    if r.read_your_writes {
        w.push(if plan.flavor.is_mariadb() {
            "ProxySQL: read-your-writes (GTID causal reads) works with MySQL only; with MariaDB \
             reads may miss the session's last write."
                .to_string()
        } else {
            "ProxySQL: read-your-writes needs ProxySQL's binlog reader (proxysql_mysqlbinlog) \
             on every server and mysql_servers.gtid_port set; its timeout is ProxySQL's."
                .to_string()
        });
    }
    if r.monitor_interval_ms < 100 || r.query_timeout_ms < 1_000 {
        w.push(
            "ProxySQL: monitor intervals are at least 100 ms and default_query_timeout at least \
             1000 ms; smaller values are raised."
                .to_string(),
        );
    }
    w
}
