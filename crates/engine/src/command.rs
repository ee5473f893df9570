//! Every fault and operator action is a `Command`, through one door (`World::apply`), so a
//! run — including what a user did by hand — is (scenario, seed, commands) and replays.
//! Commands name nodes as users do (`db1`); the network endpoints are also `router` and
//! `manager`.

use super::config::PromotionRule;
use serde::Serialize;

/// Serialized as `{"action": "crash", "node": "db1"}`; read by `command_de` (by hand: the
/// derived reader of an internally tagged enum is large in the browser bundle).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    /// Kill mysqld; with `power_loss` the host dies too (no TCP resets, page cache lost).
    Crash {
        node: String,
        power_loss: bool,
    },
    Restart {
        node: String,
    },
    /// Cut the link from `from` to `to` (and back, if `both_ways`).
    CutLink {
        from: String,
        to: String,
        both_ways: bool,
    },
    HealLink {
        from: String,
        to: String,
        both_ways: bool,
    },
    /// Cut every link between these endpoints and all the others.
    Partition {
        nodes: Vec<String>,
    },
    HealAll,
    SetLink {
        from: String,
        to: String,
        latency_us: u64,
        jitter_us: u64,
        loss_permille: u32,
        both_ways: bool,
    },
    StopReplica {
        node: String,
    },
    StartReplica {
        node: String,
    },
    /// Multiply the time the node's applier takes per transaction (1 = normal).
    SlowApplier {
        node: String,
        factor: u32,
    },
    /// A DBA with SUPER writes directly on the node (an errant transaction on a replica).
    DirectWrite {
        node: String,
        key: u64,
        value: u64,
    },
    SetReadOnly {
        node: String,
        read_only: bool,
        super_read_only: bool,
    },
    /// Skip the transaction the applier failed on (inject an empty transaction).
    SkipTransaction {
        node: String,
    },
    ChangeSource {
        node: String,
        source: String,
    },
    /// Planned, lossless switchover to a replica (graceful takeover).
    Switchover {
        to: String,
    },
    /// Promote a node by hand, now: stop its replication, make it writable, send writes to it.
    Promote {
        node: String,
    },
    SetPromotionRule {
        node: String,
        rule: PromotionRule,
    },
    SetAutomaticFailover {
        enabled: bool,
    },
    /// Lift the anti-flapping block after a recovery.
    AcknowledgeRecoveries,
    SetWorkload {
        client: u32,
        writes_per_s: u32,
        reads_per_s: u32,
    },
    /// A new, empty mysqld joins at run time (empty data directory, its own server_id and
    /// UUID, no replication configured).
    AddServer {
        node: String,
    },
    /// A consistent logical backup of the node (mysqldump --single-transaction
    /// --source-data=2 --set-gtid-purged=ON), kept as `backup-N`.
    Backup {
        node: String,
    },
    /// Loads a backup on an empty server: its rows, and its GTID set as gtid_purged.
    Restore {
        backup: String,
        node: String,
    },
    /// A step of the online resharding workflow: create, switch_reads, switch_writes,
    /// reverse_traffic, complete, cancel.
    Reshard {
        step: super::reshard::Step,
    },
    /// Statements typed at a node's MySQL console (`mysql -uroot` on its host). Always
    /// carried out: MySQL's answer, an error included, goes to the node's transcript.
    Sql {
        node: String,
        sql: String,
    },
}

impl Command {
    /// A short label for timelines and logs.
    pub fn label(&self) -> String {
        match self {
            Command::Crash {
                node,
                power_loss: true,
            } => format!("power off {node}"),
            Command::Crash { node, .. } => format!("crash {node}"),
            Command::Restart { node } => format!("restart {node}"),
            Command::CutLink {
                from,
                to,
                both_ways,
            } => format!("cut {from} {} {to}", arrow(*both_ways)),
            Command::HealLink {
                from,
                to,
                both_ways,
            } => format!("heal {from} {} {to}", arrow(*both_ways)),
            Command::Partition { nodes } => format!("partition {{{}}}", nodes.join(", ")),
            Command::HealAll => "heal all links".into(),
            Command::SetLink {
                from,
                to,
                latency_us,
                loss_permille,
                ..
            } => link_label(from, to, *latency_us, *loss_permille),
            Command::StopReplica { node } => format!("STOP REPLICA on {node}"),
            Command::StartReplica { node } => format!("START REPLICA on {node}"),
            Command::SlowApplier { node, factor } => format!("slow {node}'s applier ×{factor}"),
            Command::DirectWrite { node, key, value } => {
                format!("direct write {key}={value} on {node}")
            }
            Command::SetReadOnly {
                node,
                read_only,
                super_read_only,
            } => {
                format!(
                    "{node}: read_only={} super_read_only={}",
                    on_off(*read_only),
                    on_off(*super_read_only)
                )
            }
            Command::SkipTransaction { node } => format!("skip failed transaction on {node}"),
            Command::ChangeSource { node, source } => format!("{node} replicates from {source}"),
            Command::Switchover { to } => format!("switchover to {to}"),
            Command::Promote { node } => format!("promote {node}"),
            Command::SetPromotionRule { node, rule } => {
                format!("{node}: promotion rule {}", rule.name())
            }
            Command::SetAutomaticFailover { enabled } => {
                format!("automatic failover {}", on_off(*enabled))
            }
            Command::AcknowledgeRecoveries => "acknowledge recoveries".into(),
            Command::SetWorkload {
                client,
                writes_per_s,
                reads_per_s,
            } => {
                format!("client {client}: {writes_per_s} writes/s, {reads_per_s} reads/s")
            }
            Command::Reshard { step } => format!("reshard: {}", super::reshard::step_name(*step)),
            Command::Sql { node, sql } => format!("{node}> {}", sql_label(sql)),
            Command::AddServer { node } => format!("add server {node}"),
            Command::Backup { node } => format!("back up {node}"),
            Command::Restore { backup, node } => format!("restore {backup} on {node}"),
        }
    }

    /// The node or endpoint names this command refers to (for validating a scenario).
    pub fn names(&self) -> Vec<&str> {
        match self {
            Command::Crash { node, .. }
            | Command::Restart { node }
            | Command::StopReplica { node }
            | Command::StartReplica { node }
            | Command::SlowApplier { node, .. }
            | Command::DirectWrite { node, .. }
            | Command::SetReadOnly { node, .. }
            | Command::SkipTransaction { node }
            | Command::Promote { node }
            | Command::SetPromotionRule { node, .. }
            | Command::Sql { node, .. }
            | Command::Backup { node }
            | Command::Restore { node, .. } => vec![node],
            Command::ChangeSource { node, source } => vec![node, source],
            Command::Switchover { to } => vec![to],
            Command::CutLink { from, to, .. }
            | Command::HealLink { from, to, .. }
            | Command::SetLink { from, to, .. } => vec![from, to],
            Command::Partition { nodes } => nodes.iter().map(String::as_str).collect(),
            Command::HealAll
            | Command::SetAutomaticFailover { .. }
            | Command::AcknowledgeRecoveries
            | Command::SetWorkload { .. }
            | Command::Reshard { .. }
            // The name it introduces is not a reference (see `added_node`).
            | Command::AddServer { .. } => vec![],
        }
    }

    /// The node this command adds to the run, so a scenario's later actions may name it.
    pub fn added_node(&self) -> Option<&str> {
        match self {
            Command::AddServer { node } => Some(node),
            _ => None,
        }
    }

    /// Whether this is a fault (drawn as a fault marker on the timeline).
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Command::Crash { .. }
                | Command::CutLink { .. }
                | Command::Partition { .. }
                | Command::SetLink { .. }
                | Command::SlowApplier { .. }
                | Command::DirectWrite { .. }
        )
    }
}

/// The statement as one short line: whitespace folded, long text cut with an ellipsis.
fn sql_label(sql: &str) -> String {
    const LONGEST: usize = 80;
    let folded = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(LONGEST) {
        Some((cut, _)) => format!("{}…", &folded[..cut]),
        None => folded,
    }
}

fn link_label(from: &str, to: &str, latency_us: u64, loss_permille: u32) -> String {
    let latency_ms = crate::time::us(latency_us).as_millis();
    format!("link {from}–{to}: {latency_ms} ms, {loss_permille}‰ loss")
}

fn arrow(both: bool) -> &'static str {
    if both { "↔" } else { "→" }
}

fn on_off(b: bool) -> &'static str {
    if b { "ON" } else { "OFF" }
}

/// Why a command could not be carried out; the run is left exactly as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError(pub String);

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandError {}
