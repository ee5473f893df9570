//! Small `Copy` identities for everything on the simulated network.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A database node (a `mysqld` on its own host). Index into the world's node list.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a process stands on the network. The router host also runs the workload clients
/// (an application server with its proxy beside it), so partitioning it cuts the application off.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum Addr {
    Node(NodeId),
    Router,
    Manager,
}

impl Addr {
    /// A small stable number for the trace: nodes are 0.., the router and manager sit above them.
    pub fn code(self) -> u32 {
        match self {
            Addr::Node(n) => n.0,
            Addr::Router => 0xFFFF_FF00,
            Addr::Manager => 0xFFFF_FF01,
        }
    }

    pub fn node(self) -> Option<NodeId> {
        match self {
            Addr::Node(n) => Some(n),
            _ => None,
        }
    }
}

/// Names a node may not take: they name the router's and the manager's hosts, in a command,
/// a scenario's timeline and a link ("app" and "orchestrator" are what students also call them).
pub const RESERVED_NAMES: [&str; 4] = ["router", "app", "manager", "orchestrator"];

impl Addr {
    /// The one reader of endpoint names: `router`/`app`, `manager`/`orchestrator`, or a node
    /// by name through `node_id`.
    pub fn parse(name: &str, node_id: impl Fn(&str) -> Option<NodeId>) -> Option<Addr> {
        match name {
            "router" | "app" => Some(Addr::Router),
            "manager" | "orchestrator" => Some(Addr::Manager),
            _ => node_id(name).map(Addr::Node),
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Node(n) => write!(f, "node{}", n.0),
            Addr::Router => f.write_str("router"),
            Addr::Manager => f.write_str("manager"),
        }
    }
}

impl From<NodeId> for Addr {
    fn from(n: NodeId) -> Addr {
        Addr::Node(n)
    }
}

/// A shard: one replication cluster serving one key range (its index in the routing
/// table, the list of failover managers and the topology's `shards`). An unsharded cluster
/// is shard 0.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
pub struct ShardId(pub u16);

impl ShardId {
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// Every shard of a table of `count` shards, in order.
    pub fn all(count: usize) -> impl Iterator<Item = ShardId> {
        (0..count.min(usize::from(u16::MAX))).map(|i| ShardId(i as u16))
    }
}

impl fmt::Display for ShardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shard {}", self.0)
    }
}

/// Which shard each node serves: built once with the world and shared (behind an `Arc`)
/// by the world, the router and the checker, so all three read the same map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardMap {
    of_node: Vec<ShardId>,
    shards: usize,
}

impl ShardMap {
    /// Every node in shard 0.
    pub fn unsharded(nodes: usize) -> Self {
        ShardMap {
            of_node: vec![ShardId(0); nodes],
            shards: 1,
        }
    }

    /// `members[s]` are the nodes of shard `s`; a node in none stays in shard 0.
    pub fn from_members(nodes: usize, members: &[Vec<NodeId>]) -> Self {
        let mut map = ShardMap::unsharded(nodes);
        map.shards = members.len().max(1);
        for (shard, nodes) in ShardId::all(members.len()).zip(members) {
            for n in nodes {
                if let Some(s) = map.of_node.get_mut(n.index()) {
                    *s = shard;
                }
            }
        }
        map
    }

    /// The shard `n` serves (shard 0 for a node the map does not know).
    pub fn of(&self, n: NodeId) -> ShardId {
        self.of_node.get(n.index()).copied().unwrap_or_default()
    }

    /// More than one shard: the cluster is split by key range.
    pub fn is_sharded(&self) -> bool {
        self.shards > 1
    }

    pub fn shard_count(&self) -> usize {
        self.shards
    }

    /// The nodes of `shard`, in id order.
    pub fn members(&self, shard: ShardId) -> impl Iterator<Item = NodeId> + '_ {
        self.of_node
            .iter()
            .enumerate()
            .filter(move |(_, s)| **s == shard)
            .map(|(i, _)| NodeId(i as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names_and_their_aliases() {
        let nodes = |n: &str| (n == "db2").then_some(NodeId(1));
        assert_eq!(Addr::parse("router", nodes), Some(Addr::Router));
        assert_eq!(Addr::parse("app", nodes), Some(Addr::Router));
        assert_eq!(Addr::parse("manager", nodes), Some(Addr::Manager));
        assert_eq!(Addr::parse("orchestrator", nodes), Some(Addr::Manager));
        assert_eq!(Addr::parse("db2", nodes), Some(Addr::Node(NodeId(1))));
        assert_eq!(Addr::parse("db9", nodes), None);
    }

    #[test]
    fn the_shard_map_knows_every_node_and_nothing_else() {
        let map =
            ShardMap::from_members(5, &[vec![NodeId(0), NodeId(1)], vec![NodeId(2), NodeId(4)]]);
        assert!(map.is_sharded());
        assert_eq!(map.shard_count(), 2);
        assert_eq!(map.of(NodeId(4)), ShardId(1));
        assert_eq!(
            map.of(NodeId(3)),
            ShardId(0),
            "a node in no shard stays in the first"
        );
        assert_eq!(map.of(NodeId(99)), ShardId(0));
        let second: Vec<NodeId> = map.members(ShardId(1)).collect();
        assert_eq!(second, [NodeId(2), NodeId(4)]);
        assert!(!ShardMap::unsharded(3).is_sharded());
    }
}
