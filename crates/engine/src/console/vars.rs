//! System variables and status variables as the console reads them: `SELECT @@name`,
//! `SHOW VARIABLES [LIKE …]` and `SHOW STATUS [LIKE …]` (the Rpl_semi_sync_* counters of
//! the semisync plugins, Uptime).

use super::format::ResultSet;
use super::{GtidNext, show};
use crate::config::WaitPoint;
use crate::ids::NodeId;
use crate::sql::variables::{self, Scope, VARIABLES};
use crate::sql::{SqlError, VarRef, VarScope};
use crate::status::IoRunning;
use crate::world::World;

/// `LIKE 'pattern'`: `%` any run, `_` one character, `\` escapes, case-insensitive (the
/// names are ASCII).
pub fn like(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let s: Vec<char> = name.to_ascii_lowercase().chars().collect();
    matches(&p, &s)
}

fn matches(p: &[char], s: &[char]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some(('%', rest)) => (0..=s.len()).any(|i| matches(rest, &s[i..])),
        Some(('_', rest)) => !s.is_empty() && matches(rest, &s[1..]),
        Some(('\\', rest)) if !rest.is_empty() => {
            s.first() == Some(&rest[0]) && matches(&rest[1..], &s[1..])
        }
        Some((c, rest)) => s.first() == Some(c) && matches(rest, &s[1..]),
    }
}

fn on_off(b: bool) -> String {
    if b { "ON" } else { "OFF" }.to_string()
}

impl World {
    /// The value of a known variable on node `id` (its session value when `session`).
    pub(super) fn variable_value(&mut self, id: NodeId, name: &str, session: bool) -> String {
        if session {
            match (name, self.console.session(id)) {
                ("gtid_next", s) => {
                    return match s.gtid_next {
                        GtidNext::Automatic => "AUTOMATIC".into(),
                        GtidNext::Assigned(g) | GtidNext::Used(g) => g.to_string(),
                    };
                }
                ("sql_log_bin", s) => return on_off(!s.sql_log_bin_off),
                ("gtid_seq_no", s) => return s.gtid_seq_no.to_string(),
                ("gtid_owned", s) => {
                    return match (s.trx.is_some(), s.gtid_next) {
                        (true, GtidNext::Assigned(g)) => g.to_string(),
                        _ => String::new(),
                    };
                }
                _ => {}
            }
        }
        let n = &self.nodes[id.index()];
        let c = &n.cfg;
        if c.flavor.is_mariadb()
            && let Some(v) = mariadb_value(n, name)
        {
            return v;
        }
        match name {
            "auto_increment_increment" => c.auto_increment_increment.to_string(),
            "auto_increment_offset" => c.auto_increment_offset.to_string(),
            "autocommit" | "log_bin" => "ON".into(),
            "binlog_expire_logs_auto_purge" => on_off(c.binlog_expire_logs_auto_purge),
            "binlog_expire_logs_seconds" => c.binlog_expire_logs_seconds.to_string(),
            "binlog_format" => "ROW".into(),
            "binlog_row_image" => "FULL".into(),
            "enforce_gtid_consistency" | "gtid_mode" => "ON".into(),
            "gtid_executed" => n.gtid_executed.to_string(),
            "gtid_purged" => n.gtid_purged().to_string(),
            "gtid_next" => "AUTOMATIC".into(),
            "gtid_owned" => String::new(),
            "hostname" => n.name().to_string(),
            "innodb_flush_log_at_trx_commit" => c.innodb_flush_log_at_trx_commit.to_string(),
            "log_replica_updates" => on_off(c.log_replica_updates),
            "max_binlog_size" => c.max_binlog_size.to_string(),
            "port" => show::PORT.to_string(),
            "read_only" => on_off(n.read_only),
            "replica_net_timeout" => c.replica_net_timeout_s.to_string(),
            "rpl_semi_sync_replica_enabled" => on_off(c.rpl_semi_sync_replica_enabled),
            "rpl_semi_sync_source_enabled" => on_off(n.semi_sync.enabled),
            "rpl_semi_sync_source_timeout" => c.rpl_semi_sync_source_timeout_ms.to_string(),
            "rpl_semi_sync_source_wait_for_replica_count" => {
                c.rpl_semi_sync_source_wait_for_replica_count.to_string()
            }
            "rpl_semi_sync_source_wait_no_replica" => {
                on_off(c.rpl_semi_sync_source_wait_no_replica)
            }
            "rpl_semi_sync_source_wait_point" => match c.rpl_semi_sync_source_wait_point {
                WaitPoint::AfterSync => "AFTER_SYNC".into(),
                WaitPoint::AfterCommit => "AFTER_COMMIT".into(),
            },
            "server_id" => n.server_id.to_string(),
            "server_uuid" => n.uuid.to_string(),
            "sql_log_bin" => "ON".into(),
            "sql_replica_skip_counter" => "0".into(),
            "super_read_only" => on_off(n.super_read_only),
            "sync_binlog" => c.sync_binlog.to_string(),
            "version" => "8.4.3".into(),
            _ => String::new(),
        }
    }
}

/// A MariaDB node's own variables and the values that differ from MySQL's.
fn mariadb_value(n: &crate::node::Node, name: &str) -> Option<String> {
    use crate::mariadb::{binlog_state, pos_text};
    Some(match name {
        "gtid_binlog_pos" => pos_text(&n.gtid_binlog_pos()),
        "gtid_binlog_state" => (binlog_state(&n.binlog).iter())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        "gtid_current_pos" => pos_text(&n.gtid_current_pos()),
        "gtid_slave_pos" => pos_text(&n.slave_pos),
        "gtid_seq_no" => "0".into(),
        "gtid_domain_id" => n.cfg.gtid_domain_id.to_string(),
        "gtid_strict_mode" => on_off(n.cfg.gtid_strict_mode),
        // 10.11's semi-sync is built in; its wait point defaults to AFTER_COMMIT.
        "version" => "10.11.11-MariaDB-log".into(),
        _ => return None,
    })
}

impl World {
    /// `SELECT @@a, @@GLOBAL.b, …`: one row, one column per variable, headed as typed.
    pub(super) fn select_vars(
        &mut self,
        id: NodeId,
        vars: &[VarRef],
    ) -> Result<ResultSet, SqlError> {
        let mut names = Vec::new();
        let mut cells = Vec::new();
        for v in vars {
            let mariadb = self.nodes[id.index()].cfg.flavor.is_mariadb();
            let var = variables::lookup(&v.name)
                .filter(|var| variables::exists_in(var, mariadb))
                .ok_or_else(|| super::settings::unknown_variable(&v.name))?;
            let session = match v.scope {
                Some(VarScope::Global) => false,
                Some(VarScope::Session) | None => var.scope != Scope::Global,
            };
            let numeric = matches!(
                var.kind,
                variables::Kind::Uint { .. } | variables::Kind::Bool
            );
            let mut value = self.variable_value(id, var.name, session);
            if matches!(var.kind, variables::Kind::Bool) {
                // SELECT @@read_only prints 0 or 1, SHOW VARIABLES prints OFF or ON.
                value = if value == "ON" { "1" } else { "0" }.into();
            }
            names.push((v.label.clone(), numeric));
            cells.push(Some(value));
        }
        let columns: Vec<(&str, bool)> = names.iter().map(|(n, k)| (n.as_str(), *k)).collect();
        let mut rs = ResultSet::new(&columns);
        rs.push(cells);
        Ok(rs)
    }

    /// SHOW [GLOBAL | SESSION] VARIABLES [LIKE 'pattern'], sorted by name.
    pub(super) fn show_variables(
        &mut self,
        id: NodeId,
        global: bool,
        pattern: Option<&str>,
    ) -> ResultSet {
        let mut rs = ResultSet::new(&[("Variable_name", false), ("Value", false)]);
        let mariadb = self.nodes[id.index()].cfg.flavor.is_mariadb();
        let mut shown_vars: Vec<(&str, &variables::Variable)> = VARIABLES
            .iter()
            .filter(|v| variables::exists_in(v, mariadb))
            .filter(|v| !(global && v.scope == Scope::Session))
            // MariaDB 10.11 keeps the master/slave names (log_slave_updates,
            // rpl_semi_sync_master_enabled, …).
            .map(|v| (v.alias.filter(|_| mariadb).unwrap_or(v.name), v))
            .filter(|(shown, _)| pattern.is_none_or(|p| like(p, shown)))
            .collect();
        shown_vars.sort_by_key(|(shown, _)| *shown);
        for (shown, v) in shown_vars {
            let value = self.variable_value(id, v.name, !global);
            rs.push(vec![Some(shown.to_string()), Some(value)]);
        }
        rs
    }

    /// SHOW [GLOBAL] STATUS [LIKE 'pattern']: the status variables the playground keeps.
    pub(super) fn show_status(&self, id: NodeId, pattern: Option<&str>) -> ResultSet {
        let n = &self.nodes[id.index()];
        let semi_sync_clients = n.dumps.iter().filter(|d| d.semi_sync).count();
        let replica_on = n
            .channel
            .as_ref()
            .is_some_and(|c| c.semi_sync && c.io == IoRunning::Yes);
        let all = [
            ("Rpl_semi_sync_replica_status", on_off(replica_on)),
            (
                "Rpl_semi_sync_source_clients",
                semi_sync_clients.to_string(),
            ),
            ("Rpl_semi_sync_source_no_tx", n.semi_sync.no_tx.to_string()),
            (
                "Rpl_semi_sync_source_status",
                on_off(n.semi_sync.enabled && n.semi_sync.on),
            ),
            (
                "Rpl_semi_sync_source_yes_tx",
                n.semi_sync.yes_tx.to_string(),
            ),
            ("Uptime", self.now().since_start().as_secs().to_string()),
        ];
        let mut rs = ResultSet::new(&[("Variable_name", false), ("Value", false)]);
        for (name, value) in all {
            // MariaDB's semi-sync is built in with the Rpl_semi_sync_master_* counters.
            let name = if n.cfg.flavor.is_mariadb() {
                name.replace("source", "master").replace("replica", "slave")
            } else {
                name.to_string()
            };
            if pattern.is_none_or(|p| like(p, &name)) {
                rs.push(vec![Some(name), Some(value)]);
            }
        }
        rs
    }
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns_match_as_mysql_does() {
        assert!(like("Rpl_semi_sync%", "Rpl_semi_sync_source_status"));
        assert!(like("%read_only", "super_read_only"));
        assert!(like("gtid\\_mode", "gtid_mode"));
        assert!(like("server_i_", "server_id"));
        assert!(!like("server_i_", "server_uuid"));
        assert!(!like("read_only", "super_read_only"));
    }
}
