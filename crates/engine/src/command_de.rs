//! Reading a `Command` (and a timed one) from JSON by hand.
//!
//! The derived deserializer of an internally tagged enum buffers every field and was the
//! largest function of the browser bundle (45 KB). Reading one flat record and building
//! the command from it is a fraction of that, and still refuses, by name, a field the
//! action does not take or a field it needs.

use super::command::Command;
use super::config::PromotionRule;
use super::reshard::Step as ReshardStep;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// Every field any action has, plus `at_ms` for timed actions.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAction {
    pub(crate) at_ms: Option<u64>,
    action: String,
    node: Option<String>,
    power_loss: Option<bool>,
    from: Option<String>,
    to: Option<String>,
    both_ways: Option<bool>,
    nodes: Option<Vec<String>>,
    latency_us: Option<u64>,
    jitter_us: Option<u64>,
    loss_permille: Option<u32>,
    factor: Option<u32>,
    key: Option<u64>,
    value: Option<u64>,
    read_only: Option<bool>,
    super_read_only: Option<bool>,
    source: Option<String>,
    rule: Option<PromotionRule>,
    enabled: Option<bool>,
    client: Option<u32>,
    writes_per_s: Option<u32>,
    reads_per_s: Option<u32>,
    step: Option<ReshardStep>,
    sql: Option<String>,
    backup: Option<String>,
}

impl RawAction {
    /// The names of the fields that were given (besides `action` and `at_ms`).
    fn given(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut mark = |set: bool, name: &'static str| {
            if set {
                v.push(name);
            }
        };
        mark(self.node.is_some(), "node");
        mark(self.power_loss.is_some(), "power_loss");
        mark(self.from.is_some(), "from");
        mark(self.to.is_some(), "to");
        mark(self.both_ways.is_some(), "both_ways");
        mark(self.nodes.is_some(), "nodes");
        mark(self.latency_us.is_some(), "latency_us");
        mark(self.jitter_us.is_some(), "jitter_us");
        mark(self.loss_permille.is_some(), "loss_permille");
        mark(self.factor.is_some(), "factor");
        mark(self.key.is_some(), "key");
        mark(self.value.is_some(), "value");
        mark(self.read_only.is_some(), "read_only");
        mark(self.super_read_only.is_some(), "super_read_only");
        mark(self.source.is_some(), "source");
        mark(self.rule.is_some(), "rule");
        mark(self.enabled.is_some(), "enabled");
        mark(self.client.is_some(), "client");
        mark(self.writes_per_s.is_some(), "writes_per_s");
        mark(self.reads_per_s.is_some(), "reads_per_s");
        mark(self.step.is_some(), "step");
        mark(self.sql.is_some(), "sql");
        mark(self.backup.is_some(), "backup");
        v
    }

    pub(crate) fn into_command(self) -> Result<Command, String> {
        let action = self.action.clone();
        let allowed =
            allowed_fields(&action).ok_or_else(|| format!("unknown action `{action}`"))?;
        if let Some(extra) = self.given().into_iter().find(|f| !allowed.contains(f)) {
            return Err(format!(
                "unknown field `{extra}` for the action `{action}`, expected one of {allowed:?}"
            ));
        }
        match action.as_str() {
            "crash" | "restart" | "stop_replica" | "start_replica" | "skip_transaction"
            | "promote" | "slow_applier" | "direct_write" | "set_read_only" | "change_source"
            | "set_promotion_rule" | "sql" => self.node_command(&action),
            "add_server" | "backup" | "restore" => self.provision_command(&action),
            "cut_link" | "heal_link" | "set_link" | "partition" | "heal_all" => {
                self.network_command(&action)
            }
            _ => self.control_command(&action),
        }
    }

    /// Actions on one node.
    fn node_command(self, action: &str) -> Result<Command, String> {
        let node = need(self.node, "node", action)?;
        Ok(match action {
            "crash" => Command::Crash {
                node,
                power_loss: self.power_loss.unwrap_or(false),
            },
            "restart" => Command::Restart { node },
            "stop_replica" => Command::StopReplica { node },
            "start_replica" => Command::StartReplica { node },
            "skip_transaction" => Command::SkipTransaction { node },
            "promote" => Command::Promote { node },
            "slow_applier" => Command::SlowApplier {
                node,
                factor: need(self.factor, "factor", action)?,
            },
            "direct_write" => Command::DirectWrite {
                node,
                key: need(self.key, "key", action)?,
                value: need(self.value, "value", action)?,
            },
            "set_read_only" => Command::SetReadOnly {
                node,
                read_only: need(self.read_only, "read_only", action)?,
                super_read_only: self.super_read_only.unwrap_or(false),
            },
            "change_source" => Command::ChangeSource {
                node,
                source: need(self.source, "source", action)?,
            },
            "sql" => Command::Sql {
                node,
                sql: need(self.sql, "sql", action)?,
            },
            _ => Command::SetPromotionRule {
                node,
                rule: need(self.rule, "rule", action)?,
            },
        })
    }

    /// New servers, backups and restores.
    fn provision_command(self, action: &str) -> Result<Command, String> {
        let node = need(self.node, "node", action)?;
        Ok(match action {
            "add_server" => Command::AddServer { node },
            "backup" => Command::Backup { node },
            _ => Command::Restore {
                backup: need(self.backup, "backup", action)?,
                node,
            },
        })
    }

    /// Faults and repairs of the network.
    fn network_command(self, action: &str) -> Result<Command, String> {
        let both_ways = self.both_ways.unwrap_or(true);
        Ok(match action {
            "partition" => Command::Partition {
                nodes: need(self.nodes, "nodes", action)?,
            },
            "heal_all" => Command::HealAll,
            "cut_link" => Command::CutLink {
                from: need(self.from, "from", action)?,
                to: need(self.to, "to", action)?,
                both_ways,
            },
            "heal_link" => Command::HealLink {
                from: need(self.from, "from", action)?,
                to: need(self.to, "to", action)?,
                both_ways,
            },
            _ => Command::SetLink {
                from: need(self.from, "from", action)?,
                to: need(self.to, "to", action)?,
                latency_us: need(self.latency_us, "latency_us", action)?,
                jitter_us: self.jitter_us.unwrap_or(0),
                loss_permille: self.loss_permille.unwrap_or(0),
                both_ways,
            },
        })
    }

    /// The failover manager, the workload and the resharding workflow.
    fn control_command(self, action: &str) -> Result<Command, String> {
        Ok(match action {
            "switchover" => Command::Switchover {
                to: need(self.to, "to", action)?,
            },
            "acknowledge_recoveries" => Command::AcknowledgeRecoveries,
            "set_automatic_failover" => Command::SetAutomaticFailover {
                enabled: need(self.enabled, "enabled", action)?,
            },
            "reshard" => Command::Reshard {
                step: need(self.step, "step", action)?,
            },
            _ => Command::SetWorkload {
                client: need(self.client, "client", action)?,
                writes_per_s: need(self.writes_per_s, "writes_per_s", action)?,
                reads_per_s: need(self.reads_per_s, "reads_per_s", action)?,
            },
        })
    }
}

fn need<T>(v: Option<T>, field: &str, action: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("missing field `{field}` for the action `{action}`"))
}

/// The fields each action takes (besides `action` and `at_ms`); `None` for an unknown action.
fn allowed_fields(action: &str) -> Option<&'static [&'static str]> {
    Some(match action {
        "crash" => &["node", "power_loss"],
        "restart" | "stop_replica" | "start_replica" | "skip_transaction" | "promote" => &["node"],
        "cut_link" | "heal_link" => &["from", "to", "both_ways"],
        "partition" => &["nodes"],
        "heal_all" | "acknowledge_recoveries" => &[],
        "set_link" => &[
            "from",
            "to",
            "latency_us",
            "jitter_us",
            "loss_permille",
            "both_ways",
        ],
        "slow_applier" => &["node", "factor"],
        "direct_write" => &["node", "key", "value"],
        "set_read_only" => &["node", "read_only", "super_read_only"],
        "change_source" => &["node", "source"],
        "switchover" => &["to"],
        "set_promotion_rule" => &["node", "rule"],
        "set_automatic_failover" => &["enabled"],
        "set_workload" => &["client", "writes_per_s", "reads_per_s"],
        "reshard" => &["step"],
        "sql" => &["node", "sql"],
        "add_server" | "backup" => &["node"],
        "restore" => &["backup", "node"],
        _ => return None,
    })
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawAction::deserialize(d)?;
        if raw.at_ms.is_some() {
            return Err(D::Error::custom(
                "unknown field `at_ms` (only timeline entries have a time)",
            ));
        }
        raw.into_command().map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_command() -> Vec<Command> {
        let n = || "db1".to_string();
        vec![
            Command::Crash {
                node: n(),
                power_loss: true,
            },
            Command::Restart { node: n() },
            Command::CutLink {
                from: n(),
                to: "router".into(),
                both_ways: false,
            },
            Command::HealLink {
                from: n(),
                to: "db2".into(),
                both_ways: true,
            },
            Command::Partition {
                nodes: vec![n(), "manager".into()],
            },
            Command::HealAll,
            Command::SetLink {
                from: n(),
                to: "db2".into(),
                latency_us: 5,
                jitter_us: 6,
                loss_permille: 7,
                both_ways: false,
            },
            Command::StopReplica { node: n() },
            Command::StartReplica { node: n() },
            Command::SlowApplier {
                node: n(),
                factor: 3,
            },
            Command::DirectWrite {
                node: n(),
                key: 1,
                value: 2,
            },
            Command::SetReadOnly {
                node: n(),
                read_only: true,
                super_read_only: true,
            },
            Command::SkipTransaction { node: n() },
            Command::ChangeSource {
                node: n(),
                source: "db2".into(),
            },
            Command::Switchover { to: n() },
            Command::Promote { node: n() },
            Command::SetPromotionRule {
                node: n(),
                rule: PromotionRule::MustNot,
            },
            Command::SetAutomaticFailover { enabled: false },
            Command::AcknowledgeRecoveries,
            Command::SetWorkload {
                client: 1,
                writes_per_s: 2,
                reads_per_s: 3,
            },
        ]
        .into_iter()
        .chain(workflow_and_console_commands())
        .collect()
    }

    fn workflow_and_console_commands() -> Vec<Command> {
        let n = || "db1".to_string();
        vec![
            Command::Reshard {
                step: ReshardStep::SwitchWrites,
            },
            Command::Reshard {
                step: ReshardStep::ReverseTraffic,
            },
            Command::Sql {
                node: n(),
                sql: "SHOW REPLICA STATUS\\G".into(),
            },
        ]
    }

    fn provision_commands() -> Vec<Command> {
        vec![
            Command::AddServer { node: "db4".into() },
            Command::Backup { node: "db1".into() },
            Command::Restore {
                backup: "backup-1".into(),
                node: "db4".into(),
            },
        ]
    }

    #[test]
    fn every_command_reads_back_what_it_writes() {
        for c in every_command().into_iter().chain(provision_commands()) {
            let json = serde_json::to_string(&c).unwrap();
            let back: Command =
                serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(back, c, "{json}");
        }
    }

    #[test]
    fn defaults_wrong_fields_and_missing_fields() {
        let read = |j: &str| serde_json::from_str::<Command>(j).map_err(|e| e.to_string());
        assert_eq!(
            read(r#"{"action":"crash","node":"db1"}"#),
            Ok(Command::Crash {
                node: "db1".into(),
                power_loss: false
            })
        );
        assert_eq!(
            read(r#"{"action":"cut_link","from":"a","to":"b"}"#),
            Ok(Command::CutLink {
                from: "a".into(),
                to: "b".into(),
                both_ways: true
            })
        );
        assert!(
            read(r#"{"action":"crash","node":"db1","factor":2}"#)
                .unwrap_err()
                .contains("`factor`")
        );
        assert!(
            read(r#"{"action":"crash"}"#)
                .unwrap_err()
                .contains("missing field `node`")
        );
        assert!(
            read(r#"{"action":"explode"}"#)
                .unwrap_err()
                .contains("unknown action")
        );
        assert!(
            read(r#"{"action":"crash","node":"db1","bogus":1}"#)
                .unwrap_err()
                .contains("bogus")
        );
        assert!(read(r#"{"action":"crash","node":"db1","at_ms":5}"#).is_err());
        assert!(read(r#"{"node":"db1"}"#).unwrap_err().contains("action"));
        assert!(
            read(r#"{"action":"sql","node":"db1"}"#)
                .unwrap_err()
                .contains("missing field `sql`")
        );
        assert!(
            read(r#"{"action":"crash","node":"db1","sql":"SELECT 1"}"#)
                .unwrap_err()
                .contains("`sql`")
        );
    }
}
