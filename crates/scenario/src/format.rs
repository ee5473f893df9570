//! Scenario format version 1 and its loader. Files are untrusted: every failure is a
//! `ScenarioError` naming the field, never a panic, and every size is bounded.

use super::lesson::Lesson;
use super::topology::Topology;
use replication_engine::command::Command;
use replication_engine::config::{
    ClientConfig, ClusterConfig, FailoverConfig, Flavor, LinkConfig, NodeConfig, RouterConfig,
};
use replication_engine::ids::{Addr, NodeId};
use replication_engine::time::{Instant, secs};
use replication_engine::world::{MAX_CLIENTS, MAX_NODES};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

pub const CURRENT_VERSION: u32 = 1;
/// Largest scenario file accepted.
pub const MAX_SCENARIO_BYTES: usize = 256 * 1024;
pub const MAX_TIMELINE: usize = 1_000;
/// Longest run: one simulated day.
pub(crate) const MAX_RUN_MS: u64 = secs(24 * 3_600).as_millis();

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where in the document (`timeline[2].node`), empty for the whole document.
    pub path: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() || self.path == "." {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, ScenarioError> {
    Err(ScenarioError {
        path: path.into(),
        message: message.into(),
    })
}

/// A timed action: `{"at_ms": 8000, "action": "crash", "node": "db1"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimedAction {
    pub at_ms: u64,
    #[serde(flatten)]
    pub action: Command,
}

impl<'de> Deserialize<'de> for TimedAction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let (at_ms, action) = replication_engine::read_timed_action(d)?;
        let at_ms = at_ms.ok_or_else(|| D::Error::custom("missing field `at_ms`"))?;
        Ok(TimedAction { at_ms, action })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    pub clients: Vec<ClientConfig>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub seed: u64,
    /// `"mariadb"` runs every node as MariaDB 10.11 (docs/scenario-format.md); absent: MySQL.
    #[serde(default, skip_serializing_if = "Flavor::is_mysql")]
    pub flavor: Flavor,
    pub topology: Topology,
    /// Any node setting (a `NodeConfig` field), for every node.
    #[serde(default)]
    pub defaults: Map<String, Value>,
    /// Per-node settings by name, over the defaults.
    #[serde(default)]
    pub nodes: BTreeMap<String, Map<String, Value>>,
    #[serde(default)]
    pub network: LinkConfig,
    #[serde(default)]
    pub router: RouterConfig,
    #[serde(default)]
    pub failover: FailoverConfig,
    #[serde(default)]
    pub workload: Workload,
    #[serde(default)]
    pub timeline: Vec<TimedAction>,
    pub run_ms: u64,
    /// Narration steps and a goal the simulator checks (see [`super::lesson`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<Lesson>,
}

fn names(c: &ClusterConfig) -> String {
    c.nodes
        .iter()
        .map(|n| n.name.as_str())
        .chain(["router", "manager"])
        .collect::<Vec<_>>()
        .join(", ")
}

impl Scenario {
    /// Parses and validates a scenario document.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        if text.len() > MAX_SCENARIO_BYTES {
            return err(
                "",
                format!(
                    "the scenario is {} KB; the limit is {} KB",
                    text.len() / 1024,
                    MAX_SCENARIO_BYTES / 1024
                ),
            );
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        let s: Scenario = serde_path_to_error::deserialize(de).map_err(|e| ScenarioError {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
        s.validate()?;
        Ok(s)
    }

    /// The same scenario document with another timeline: only `timeline` is replaced, so
    /// everything else the author wrote travels as written. Validated like any file.
    pub fn with_timeline(
        source: &str,
        timeline: &[TimedAction],
    ) -> Result<(Scenario, String), ScenarioError> {
        let mut doc: Map<String, Value> =
            serde_json::from_str(source).map_err(|e| ScenarioError {
                path: String::new(),
                message: e.to_string(),
            })?;
        let mut sorted = timeline.to_vec();
        sorted.sort_by_key(|a| a.at_ms);
        let timeline = serde_json::to_value(&sorted).map_err(|e| ScenarioError {
            path: "timeline".into(),
            message: e.to_string(),
        })?;
        doc.insert("timeline".into(), timeline);
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        Ok((Scenario::from_json(&text)?, text))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    fn validate(&self) -> Result<(), ScenarioError> {
        if self.version != CURRENT_VERSION {
            return err(
                "version",
                format!(
                    "version {} is not known (this playground reads version {CURRENT_VERSION})",
                    self.version
                ),
            );
        }
        if self.name.len() > 200 || self.description.len() > 20_000 {
            return err("name", "name or description is too long");
        }
        let n = self.topology.node_count();
        if n == 0 || n > MAX_NODES as u64 {
            return err(
                "topology",
                format!("a cluster has 1 to {MAX_NODES} nodes (this one has {n})"),
            );
        }
        if self.workload.clients.len() > MAX_CLIENTS {
            return err("workload.clients", format!("at most {MAX_CLIENTS} clients"));
        }
        if self.timeline.len() > MAX_TIMELINE {
            return err("timeline", format!("at most {MAX_TIMELINE} actions"));
        }
        if self.run_ms == 0 || self.run_ms > MAX_RUN_MS {
            return err(
                "run_ms",
                format!("must be between 1 and {MAX_RUN_MS} (one day)"),
            );
        }
        self.check_timeline_moments_and_sql()?;
        let cluster = self.cluster()?;
        self.validate_names(&cluster)
    }

    /// Every node a timeline action or the lesson names exists: configured, or added by
    /// an earlier `add_server`.
    fn validate_names(&self, cluster: &ClusterConfig) -> Result<(), ScenarioError> {
        let node_id = |n: &str| cluster.nodes.iter().position(|c| c.name == n);
        let configured =
            |n: &str| Addr::parse(n, |n| node_id(n).map(|i| NodeId(i as u32))).is_some();
        let added = |upto: usize, n: &str| {
            self.timeline[..upto]
                .iter()
                .any(|b| b.action.added_node() == Some(n))
        };
        let known = |n: &str| configured(n) || added(self.timeline.len(), n);
        for (i, a) in self.timeline.iter().enumerate() {
            let named = |n: &str| configured(n) || added(i, n);
            if let Some(bad) = a.action.names().into_iter().find(|n| !named(n)) {
                return err(
                    format!("timeline[{i}]"),
                    format!(
                        "there is no node called '{bad}' (nodes: {})",
                        names(cluster)
                    ),
                );
            }
        }
        if let Some(lesson) = &self.lesson {
            lesson
                .validate(known, self.timeline.len())
                .or_else(|(path, message)| err(path, message))?;
        }
        Ok(())
    }

    /// No action past the longest run; every `sql` action's statements parse (a console
    /// line that does not is refused here with MySQL's 1064 text, not at its moment).
    fn check_timeline_moments_and_sql(&self) -> Result<(), ScenarioError> {
        if let Some((i, a)) = self
            .timeline
            .iter()
            .enumerate()
            .find(|(_, a)| a.at_ms > MAX_RUN_MS)
        {
            return err(
                format!("timeline[{i}].at_ms"),
                format!("{} is past the longest possible run", a.at_ms),
            );
        }
        for (i, a) in self.timeline.iter().enumerate() {
            if let Command::Sql { sql, .. } = &a.action
                && let Err(e) = replication_engine::sql::parse(sql)
            {
                return err(
                    format!("timeline[{i}].sql"),
                    format!("at {} ms: {e}", a.at_ms),
                );
            }
        }
        Ok(())
    }

    /// The engine configuration this scenario describes.
    pub fn cluster(&self) -> Result<ClusterConfig, ScenarioError> {
        let (shapes, primary, active_active) = self.topology.expand();
        let (shards, vindex) = self.topology.shards();
        for name in self.nodes.keys() {
            if !shapes.iter().any(|s| &s.name == name) {
                return err(
                    format!("nodes.{name}"),
                    format!("there is no node called '{name}' in this topology"),
                );
            }
        }
        let mut nodes = Vec::with_capacity(shapes.len());
        for shape in &shapes {
            let mut merged = self.defaults.clone();
            if let Some(o) = self.nodes.get(&shape.name) {
                merged.extend(o.clone());
            }
            let path = if self.nodes.contains_key(&shape.name) {
                format!("nodes.{}", shape.name)
            } else {
                "defaults".to_string()
            };
            if self.flavor.is_mariadb() {
                merged
                    .entry("flavor")
                    .or_insert_with(|| Value::String("mariadb".into()));
                // MariaDB's built-in semi-sync waits after the commit unless told otherwise
                // (`rpl_semi_sync_master_wait_point` in sql/semisync_master.cc).
                merged
                    .entry("rpl_semi_sync_source_wait_point")
                    .or_insert_with(|| Value::String("AFTER_COMMIT".into()));
            }
            let mut cfg: NodeConfig = serde_path_to_error::deserialize(Value::Object(merged))
                .map_err(|e| ScenarioError {
                    path: format!("{path}.{}", e.path()),
                    message: e.inner().to_string(),
                })?;
            let explicit_read_only = self
                .nodes
                .get(&shape.name)
                .is_some_and(|o| o.contains_key("read_only"));
            let read_only = cfg.read_only;
            shape.apply(&mut cfg);
            if explicit_read_only {
                cfg.read_only = read_only;
            }
            nodes.push(cfg);
        }
        let cluster = ClusterConfig {
            seed: self.seed,
            nodes,
            primary,
            active_active,
            network: self.network,
            router: self.router.clone(),
            failover: self.failover.clone(),
            clients: self.workload.clients.clone(),
            shards,
            vindex,
        };
        cluster.validate().map_err(|e| ScenarioError {
            path: String::new(), // the engine names its own fields
            message: e.0,
        })?;
        Ok(cluster)
    }

    /// The timeline in engine time.
    pub fn actions(&self) -> Vec<(Instant, Command)> {
        self.timeline
            .iter()
            .map(|a| (Instant::from_millis(a.at_ms), a.action.clone()))
            .collect()
    }

    /// Builds the world with the timeline scheduled, ready to run.
    pub fn world(&self) -> Result<replication_engine::World, ScenarioError> {
        let mut w = replication_engine::World::new(self.cluster()?).map_err(|e| ScenarioError {
            path: String::new(),
            message: e.0,
        })?;
        for (at, cmd) in self.actions() {
            w.schedule(at, cmd);
        }
        Ok(w)
    }

    /// Runs the scenario to its end and reports.
    pub fn run(&self) -> Result<replication_engine::Report, ScenarioError> {
        let mut w = self.world()?;
        w.run_until(Instant::from_millis(self.run_ms));
        Ok(replication_engine::Report::of(&w))
    }
}
