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
        v
    }

    pub(crate) fn into_command(self) -> Result<Command, String> {
        let action = self.action.clone();
        let allowed: &[&str] = match action.as_str() {
            "crash" => &["node", "power_loss"],
            "restart" | "stop_replica" | "start_replica" | "skip_transaction" | "promote" => {
                &["node"]
            }
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
            other => return Err(format!("unknown action `{other}`")),
        };
        if let Some(extra) = self.given().into_iter().find(|f| !allowed.contains(f)) {
            return Err(format!(
                "unknown field `{extra}` for the action `{action}`, expected one of {allowed:?}"
            ));
        }
        let need = |v: Option<String>, f: &str| {
            v.ok_or_else(|| format!("missing field `{f}` for the action `{action}`"))
        };
        let need_n = |v: Option<u64>, f: &str| {
            v.ok_or_else(|| format!("missing field `{f}` for the action `{action}`"))
        };
        let need_b = |v: Option<bool>, f: &str| {
            v.ok_or_else(|| format!("missing field `{f}` for the action `{action}`"))
        };
        let need_u = |v: Option<u32>, f: &str| {
            v.ok_or_else(|| format!("missing field `{f}` for the action `{action}`"))
        };
        let both_ways = self.both_ways.unwrap_or(true);
        Ok(match action.as_str() {
            "crash" => Command::Crash {
                node: need(self.node, "node")?,
                power_loss: self.power_loss.unwrap_or(false),
            },
            "restart" => Command::Restart {
                node: need(self.node, "node")?,
            },
            "stop_replica" => Command::StopReplica {
                node: need(self.node, "node")?,
            },
            "start_replica" => Command::StartReplica {
                node: need(self.node, "node")?,
            },
            "skip_transaction" => Command::SkipTransaction {
                node: need(self.node, "node")?,
            },
            "promote" => Command::Promote {
                node: need(self.node, "node")?,
            },
            "cut_link" => Command::CutLink {
                from: need(self.from, "from")?,
                to: need(self.to, "to")?,
                both_ways,
            },
            "heal_link" => Command::HealLink {
                from: need(self.from, "from")?,
                to: need(self.to, "to")?,
                both_ways,
            },
            "partition" => Command::Partition {
                nodes: self
                    .nodes
                    .ok_or_else(|| format!("missing field `nodes` for the action `{action}`"))?,
            },
            "heal_all" => Command::HealAll,
            "acknowledge_recoveries" => Command::AcknowledgeRecoveries,
            "set_link" => Command::SetLink {
                from: need(self.from, "from")?,
                to: need(self.to, "to")?,
                latency_us: need_n(self.latency_us, "latency_us")?,
                jitter_us: self.jitter_us.unwrap_or(0),
                loss_permille: self.loss_permille.unwrap_or(0),
                both_ways,
            },
            "slow_applier" => Command::SlowApplier {
                node: need(self.node, "node")?,
                factor: need_u(self.factor, "factor")?,
            },
            "direct_write" => Command::DirectWrite {
                node: need(self.node, "node")?,
                key: need_n(self.key, "key")?,
                value: need_n(self.value, "value")?,
            },
            "set_read_only" => Command::SetReadOnly {
                node: need(self.node, "node")?,
                read_only: need_b(self.read_only, "read_only")?,
                super_read_only: self.super_read_only.unwrap_or(false),
            },
            "change_source" => Command::ChangeSource {
                node: need(self.node, "node")?,
                source: need(self.source, "source")?,
            },
            "switchover" => Command::Switchover {
                to: need(self.to, "to")?,
            },
            "set_promotion_rule" => Command::SetPromotionRule {
                node: need(self.node, "node")?,
                rule: self
                    .rule
                    .ok_or_else(|| format!("missing field `rule` for the action `{action}`"))?,
            },
            "set_automatic_failover" => Command::SetAutomaticFailover {
                enabled: need_b(self.enabled, "enabled")?,
            },
            "reshard" => Command::Reshard {
                step: self
                    .step
                    .ok_or_else(|| format!("missing field `step` for the action `{action}`"))?,
            },
            _ => Command::SetWorkload {
                client: need_u(self.client, "client")?,
                writes_per_s: need_u(self.writes_per_s, "writes_per_s")?,
                reads_per_s: need_u(self.reads_per_s, "reads_per_s")?,
            },
        })
    }
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
            Command::Reshard {
                step: ReshardStep::SwitchWrites,
            },
            Command::Reshard {
                step: ReshardStep::ReverseTraffic,
            },
        ]
    }

    #[test]
    fn every_command_reads_back_what_it_writes() {
        for c in every_command() {
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
    }
}
