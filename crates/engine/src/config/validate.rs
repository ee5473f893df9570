//! `ClusterConfig::validate`: every limit and cross-reference a cluster must satisfy before
//! a world is built from it, with a message that names the field. Validating builds nothing.

use super::{ClientConfig, ClusterConfig, InsertMode, NodeConfig};
use crate::ids::RESERVED_NAMES;
use crate::keyspace;

/// Limits that keep a run — and a page — bounded whatever a scenario or link asks for.
pub const MAX_NODES: usize = 64;
pub const MAX_CLIENTS: usize = 64;
pub const MAX_RATE_PER_S: u32 = 100_000;
/// Shards a sharded cluster may have.
pub const MAX_SHARDS: usize = 16;
/// SOURCE_DELAY's maximum in MySQL (2^31 - 1 seconds; a larger value is error 1729).
pub const MAX_SOURCE_DELAY_S: u64 = (1 << 31) - 1;

/// Why a cluster cannot be built, naming the field (`nodes[2].name: …`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

type Checked = Result<(), ConfigError>;

/// What is wrong with a node name, if anything: the rule for configured servers and for
/// servers added at run time alike.
pub fn node_name_problem(name: &str) -> Option<String> {
    let well_formed = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if !well_formed {
        return Some(format!("'{name}' must be 1–32 letters, digits, '-' or '_'"));
    }
    if RESERVED_NAMES.contains(&name) {
        return Some(format!("'{name}' is reserved"));
    }
    None
}

fn err(s: String) -> Checked {
    Err(ConfigError(s))
}

impl ClusterConfig {
    /// Checks every limit and every name the cluster refers to.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.nodes.is_empty() {
            return err("nodes: a cluster needs at least one node".into());
        }
        if self.nodes.len() > MAX_NODES {
            return err(format!(
                "nodes: at most {MAX_NODES} nodes (got {})",
                self.nodes.len()
            ));
        }
        if self.clients.len() > MAX_CLIENTS {
            return err(format!("workload.clients: at most {MAX_CLIENTS} clients"));
        }
        for (i, n) in self.nodes.iter().enumerate() {
            self.validate_node(i, n)?;
        }
        if !self.primary.is_empty() && !self.has_node(&self.primary) {
            return err(format!(
                "primary: there is no node called '{}'",
                self.primary
            ));
        }
        for (i, cl) in self.clients.iter().enumerate() {
            self.validate_client(i, cl)?;
        }
        self.validate_shards()
    }

    fn has_node(&self, name: &str) -> bool {
        self.nodes.iter().any(|m| m.name == name)
    }

    fn validate_node(&self, i: usize, n: &NodeConfig) -> Checked {
        if let Some(problem) = node_name_problem(&n.name) {
            return err(format!("nodes[{i}].name: {problem}"));
        }
        if self.nodes[..i].iter().any(|m| m.name == n.name) {
            return err(format!("nodes[{i}].name: '{}' is used twice", n.name));
        }
        if n.flavor.is_mariadb() && n.rpl_semi_sync_source_wait_for_replica_count != 1 {
            return err(format!(
                "nodes[{i}].rpl_semi_sync_source_wait_for_replica_count: MariaDB's semi-sync waits for one replica's ack (it has no wait_for_slave_count)"
            ));
        }
        // One server kind per cluster: MySQL and MariaDB GTIDs do not replicate to each other.
        if n.flavor != self.nodes[0].flavor {
            return err(format!(
                "nodes[{i}].flavor: every node must be of one flavor (set \"flavor\" once, at the top of the scenario)"
            ));
        }
        if let Some(s) = &n.source {
            if s == &n.name {
                return err(format!(
                    "nodes[{i}].source: {} cannot replicate from itself",
                    n.name
                ));
            }
            if !self.has_node(s) {
                return err(format!("nodes[{i}].source: there is no node called '{s}'"));
            }
        }
        validate_node_settings(i, n)
    }

    fn validate_client(&self, i: usize, cl: &ClientConfig) -> Checked {
        if cl.writes_per_s > MAX_RATE_PER_S || cl.reads_per_s > MAX_RATE_PER_S {
            return err(format!(
                "workload.clients[{i}].writes_per_s/reads_per_s: rates are limited to {MAX_RATE_PER_S} per second"
            ));
        }
        if cl.hot_permille > 1_000 {
            return err(format!(
                "workload.clients[{i}].hot_permille: at most 1000 (every operation)"
            ));
        }
        if cl.key_space == 0 {
            return err(format!(
                "workload.clients[{i}].key_space: must be at least 1"
            ));
        }
        if let Some(p) = cl.pin_writes_to.as_deref().filter(|p| !self.has_node(p)) {
            return err(format!(
                "workload.clients[{i}].pin_writes_to: there is no node called '{p}'"
            ));
        }
        Ok(())
    }

    /// Shards tile the keyspace, and every node serves exactly one of them.
    fn validate_shards(&self) -> Checked {
        if self.shards.is_empty() {
            return Ok(());
        }
        if self.shards.len() > MAX_SHARDS {
            return err(format!("shards: at most {MAX_SHARDS} shards"));
        }
        self.validate_key_ranges()?;
        self.validate_shard_members()?;
        if let Some(i) = self
            .clients
            .iter()
            .position(|cl| cl.insert_mode == InsertMode::AutoIncrement)
        {
            return err(format!(
                "workload.clients[{i}].insert_mode: a sharded cluster cannot hand out auto-increment ids (Vitess needs a sequence); use \"upsert\""
            ));
        }
        Ok(())
    }

    /// Serving shards tile the keyspace; targets cover exactly the shards they replace.
    fn validate_key_ranges(&self) -> Checked {
        let ranges = |serving: bool| -> Vec<_> {
            self.shards
                .iter()
                .filter(|s| s.serving == serving)
                .map(|s| s.range)
                .collect()
        };
        let serving = ranges(true);
        keyspace::tiling(&serving).or_else(|e| err(format!("shards: {e}")))?;
        let targets = ranges(false);
        if targets.is_empty() {
            return Ok(());
        }
        let sources: Vec<_> = serving
            .iter()
            .filter(|s| targets.iter().any(|t| t.overlaps(s)))
            .copied()
            .collect();
        if !keyspace::same_span(&sources, &targets) {
            return err(
                "targets: the new shards must cover exactly the shards they replace (split -80 into -40 and 40-80, or merge -40 and 40-80 into -80)".into(),
            );
        }
        Ok(())
    }

    /// Every node serves one shard, every shard's nodes exist and replicate inside it.
    fn validate_shard_members(&self) -> Checked {
        for n in &self.nodes {
            let owners = self
                .shards
                .iter()
                .filter(|s| s.nodes.contains(&n.name))
                .count();
            if owners != 1 {
                return err(format!(
                    "shards: node '{}' must belong to exactly one shard (it belongs to {owners})",
                    n.name
                ));
            }
        }
        for s in &self.shards {
            if let Some(bad) = s.nodes.iter().find(|m| !self.has_node(m)) {
                return err(format!(
                    "shards.{}: there is no node called '{bad}'",
                    s.range
                ));
            }
            if !s.nodes.contains(&s.primary) {
                return err(format!(
                    "shards.{}: its primary '{}' is not one of its nodes",
                    s.range, s.primary
                ));
            }
            let outside = s.nodes.iter().find_map(|m| {
                let src = self.nodes.iter().find(|n| &n.name == m)?.source.as_ref()?;
                (!s.nodes.contains(src)).then_some((m, src))
            });
            if let Some((m, src)) = outside {
                return err(format!(
                    "shards.{}: {m} replicates from {src}, which serves another shard",
                    s.range
                ));
            }
        }
        Ok(())
    }
}

fn validate_node_settings(i: usize, n: &NodeConfig) -> Checked {
    if n.innodb_flush_log_at_trx_commit > 2 {
        return err(format!(
            "nodes[{i}].innodb_flush_log_at_trx_commit: must be 0, 1 or 2"
        ));
    }
    if !(4_096..=1 << 30).contains(&n.max_binlog_size) {
        return err(format!(
            "nodes[{i}].max_binlog_size: must be between 4096 and 1073741824 (1 GiB, MySQL's limit)"
        ));
    }
    if n.server_id == Some(0) {
        return err(format!("nodes[{i}].server_id: must be at least 1"));
    }
    if n.source_delay_s > MAX_SOURCE_DELAY_S {
        return err(format!(
            "nodes[{i}].source_delay_s: must be at most {MAX_SOURCE_DELAY_S} (MySQL's limit)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, source: Option<&str>) -> NodeConfig {
        NodeConfig {
            name: name.into(),
            source: source.map(Into::into),
            ..NodeConfig::default()
        }
    }

    fn cluster(nodes: Vec<NodeConfig>) -> ClusterConfig {
        ClusterConfig {
            primary: "db1".into(),
            nodes,
            ..ClusterConfig::default()
        }
    }

    #[test]
    fn a_valid_cluster_passes() {
        let c = cluster(vec![node("db1", None), node("db2", Some("db1"))]);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (vec![], "nodes: a cluster needs at least one node"),
            (
                vec![node("db1", None), node("db1", None)],
                "nodes[1].name: 'db1' is used twice",
            ),
            (
                vec![node("db1", Some("db1"))],
                "nodes[0].source: db1 cannot replicate from itself",
            ),
            (
                vec![node("db1", Some("db9"))],
                "nodes[0].source: there is no node called 'db9'",
            ),
            (vec![node("db 1", None)], "nodes[0].name: 'db 1' must be"),
            (
                vec![NodeConfig {
                    source_delay_s: MAX_SOURCE_DELAY_S + 1,
                    ..node("db1", None)
                }],
                "nodes[0].source_delay_s: must be at most 2147483647",
            ),
        ];
        for (nodes, want) in cases {
            let got = cluster(nodes).validate().unwrap_err().0;
            assert!(got.starts_with(want), "{got:?} should start with {want:?}");
        }
    }

    #[test]
    fn every_endpoint_alias_is_reserved() {
        for name in RESERVED_NAMES {
            let c = cluster(vec![node("db1", None), node(name, Some("db1"))]);
            assert_eq!(
                c.validate().unwrap_err().0,
                format!("nodes[1].name: '{name}' is reserved")
            );
        }
    }

    #[test]
    fn rates_are_bounded() {
        let mut c = cluster(vec![node("db1", None)]);
        c.clients = vec![ClientConfig {
            writes_per_s: MAX_RATE_PER_S + 1,
            ..ClientConfig::default()
        }];
        assert!(c.validate().unwrap_err().0.contains("rates are limited"));
    }
}
