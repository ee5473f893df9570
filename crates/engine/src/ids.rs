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

/// Which shard group each node serves (every node in group 0 when unsharded): one map the
/// world, the router and the checker each hold a copy of, as each knows its own topology.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardGroups(Vec<u16>);

impl ShardGroups {
    pub fn unsharded(nodes: usize) -> Self {
        ShardGroups(vec![0; nodes])
    }

    pub fn set(&mut self, n: NodeId, group: u16) {
        if let Some(g) = self.0.get_mut(n.index()) {
            *g = group;
        }
    }

    /// The group of `n` (0 for a node it does not know).
    pub fn of(&self, n: NodeId) -> usize {
        self.0.get(n.index()).map_or(0, |g| usize::from(*g))
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
}
