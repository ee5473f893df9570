//! Topology shorthands: each expands to plain node configurations with sources. The
//! engine never special-cases a topology: these only decide names, sources and settings.

use replication_engine::config::{NodeConfig, ShardConfig};
use replication_engine::keyspace::{KeyRange, Vindex};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DualMode {
    /// Both co-primaries take writes (auto_increment_increment=2, offsets 1 and 2).
    ActiveActive,
    /// Only the first takes writes; the second is read_only until a takeover.
    ActivePassive,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Topology {
    /// db1 is the primary; db2.. replicate from it.
    PrimaryReplicas { replicas: u32 },
    /// db1 ← db2 (intermediate source) ← db3..; plus `replicas` more directly under db1.
    Chained {
        intermediate_replicas: u32,
        #[serde(default)]
        replicas: u32,
    },
    /// db1 ⇄ db2 replicate from each other; `replicas` more replicate from db1.
    DualPrimary {
        mode: DualMode,
        #[serde(default)]
        replicas: u32,
    },
    /// Any shape: nodes by name with their source, and which one is the primary.
    Custom {
        nodes: Vec<CustomNode>,
        primary: String,
    },
    /// Vitess-style: the keyspace split into key ranges (`["-80", "80-"]`), each served by
    /// its own primary with `replicas` replicas. Shard 1's nodes are a1, a2…, shard 2's
    /// b1, b2… (the first of each is its primary).
    Sharded {
        shards: Vec<KeyRange>,
        #[serde(default)]
        replicas: u32,
        #[serde(default = "default_vindex")]
        vindex: Vindex,
        /// Shards provisioned for resharding (their nodes continue the letters), serving
        /// nothing until a `reshard` workflow switches traffic to them.
        #[serde(default)]
        targets: Vec<KeyRange>,
    },
}

fn default_vindex() -> Vindex {
    Vindex::Hash
}

/// The name of node `i` (from 1) of shard `shard` (from 0): a1, a2, b1…
fn shard_node(shard: usize, i: u32) -> String {
    let letter = char::from(b'a' + (shard % 26) as u8);
    format!("{letter}{i}")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomNode {
    pub name: String,
    #[serde(default)]
    pub source: Option<String>,
}

/// One node of an expanded topology, before scenario settings are applied.
pub(super) struct Shape {
    pub name: String,
    pub source: Option<String>,
    pub read_only: bool,
    pub auto_increment: Option<(u64, u64)>,
}

fn db(i: u32) -> String {
    format!("db{i}")
}

impl Topology {
    pub fn node_count(&self) -> u64 {
        match self {
            Topology::PrimaryReplicas { replicas } => 1 + u64::from(*replicas),
            Topology::Chained {
                intermediate_replicas,
                replicas,
            } => 2 + u64::from(*intermediate_replicas) + u64::from(*replicas),
            Topology::DualPrimary { replicas, .. } => 2 + u64::from(*replicas),
            Topology::Custom { nodes, .. } => nodes.len() as u64,
            Topology::Sharded {
                shards,
                replicas,
                targets,
                ..
            } => (shards.len() + targets.len()) as u64 * (1 + u64::from(*replicas)),
        }
    }

    /// The shards and how keys map to them (empty when not sharded).
    pub fn shards(&self) -> (Vec<ShardConfig>, Vindex) {
        let Topology::Sharded {
            shards,
            replicas,
            vindex,
            targets,
        } = self
        else {
            return (Vec::new(), Vindex::Hash);
        };
        let serving = shards.iter().map(|r| (r, true));
        let targets = targets.iter().map(|r| (r, false));
        let shards = serving
            .chain(targets)
            .enumerate()
            .map(|(g, (range, serving))| ShardConfig {
                range: *range,
                primary: shard_node(g, 1),
                nodes: (1..=replicas + 1).map(|i| shard_node(g, i)).collect(),
                serving,
            })
            .collect();
        (shards, *vindex)
    }

    /// The nodes, the initial primary, and the nodes meant to take writes together.
    pub(super) fn expand(&self) -> (Vec<Shape>, String, Vec<String>) {
        match self {
            Topology::PrimaryReplicas { replicas } => {
                let mut v = vec![Shape::primary(db(1))];
                v.extend((2..=replicas + 1).map(|i| Shape::replica(db(i), "db1")));
                (v, db(1), vec![])
            }
            Topology::Chained {
                intermediate_replicas,
                replicas,
            } => {
                let mut v = vec![Shape::primary(db(1)), Shape::replica(db(2), "db1")];
                let next = 3 + intermediate_replicas;
                v.extend((3..next).map(|i| Shape::replica(db(i), "db2")));
                v.extend((next..next + replicas).map(|i| Shape::replica(db(i), "db1")));
                (v, db(1), vec![])
            }
            Topology::DualPrimary { mode, replicas } => dual_primary(*mode, *replicas),
            Topology::Custom { nodes, primary } => {
                let v = nodes
                    .iter()
                    .map(|n| Shape {
                        name: n.name.clone(),
                        source: n.source.clone(),
                        read_only: &n.name != primary,
                        auto_increment: None,
                    })
                    .collect();
                (v, primary.clone(), vec![])
            }
            Topology::Sharded {
                shards,
                replicas,
                targets,
                ..
            } => {
                let mut v = Vec::new();
                for g in 0..shards.len() + targets.len() {
                    let primary = shard_node(g, 1);
                    v.push(Shape::primary(primary.clone()));
                    v.extend(
                        (2..=replicas + 1).map(|i| Shape::replica(shard_node(g, i), &primary)),
                    );
                }
                // The router learns each shard's primary from the shard table.
                (v, shard_node(0, 1), vec![])
            }
        }
    }
}

/// Two sources replicating from each other (auto-increment interleaved so their inserts
/// never collide), the passive one read-only unless both take writes; replicas of db1.
fn dual_primary(mode: DualMode, replicas: u32) -> (Vec<Shape>, String, Vec<String>) {
    let active = mode == DualMode::ActiveActive;
    let co_primary = |i: u32, other: u32, read_only: bool| Shape {
        name: db(i),
        source: Some(db(other)),
        read_only,
        auto_increment: Some((2, u64::from(i))),
    };
    let mut v = vec![co_primary(1, 2, false), co_primary(2, 1, !active)];
    v.extend((3..3 + replicas).map(|i| Shape::replica(db(i), "db1")));
    let writers = if active { vec![db(1), db(2)] } else { vec![] };
    (v, db(1), writers)
}

impl Shape {
    fn primary(name: String) -> Shape {
        Shape {
            name,
            source: None,
            read_only: false,
            auto_increment: None,
        }
    }

    fn replica(name: String, source: &str) -> Shape {
        Shape {
            name,
            source: Some(source.to_string()),
            read_only: true,
            auto_increment: None,
        }
    }

    pub(super) fn apply(&self, cfg: &mut NodeConfig) {
        cfg.name = self.name.clone();
        cfg.source = self.source.clone();
        cfg.read_only = self.read_only;
        if let Some((inc, off)) = self.auto_increment {
            cfg.auto_increment_increment = inc;
            cfg.auto_increment_offset = off;
        }
    }
}
