//! Building a world from a validated configuration: the nodes with their server ids and
//! UUIDs, the router, one failover manager per replication cluster, the checker.

use super::{CHECK_EVERY, World};
use crate::checker::Checker;
use crate::config::{ClusterConfig, ConfigError, WriterSource};
use crate::effects::Effects;
use crate::gtid::Uuid;
use crate::history::History;
use crate::ids::{NodeId, ShardId, ShardMap};
use crate::manager::Manager;
use crate::net::Network;
use crate::node::Node;
use crate::queue::EventQueue;
use crate::rng::{SimRng, Stream};
use crate::router::Router;
use crate::time::Instant;
use crate::trace::Trace;
use std::collections::VecDeque;
use std::sync::Arc;

/// A node's index by its name in the configuration.
fn ids(config: &ClusterConfig) -> impl Fn(&str) -> Option<NodeId> + '_ {
    |name| {
        config
            .nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
    }
}

impl World {
    pub fn new(config: ClusterConfig) -> Result<World, ConfigError> {
        config.validate()?;
        let seed = config.seed;
        let nodes = build_nodes(&config);
        let (managers, router, shard_map) = build_control(&config);
        let checker = build_checker(&config, &shard_map);
        let mut world = World {
            now: Instant::ZERO,
            queue: EventQueue::default(),
            net: Network::new(nodes.len() as u32, config.network),
            nodes,
            router,
            managers,
            shard_map,
            reshard: None,
            rng_net: SimRng::new(seed, Stream::Network),
            trace: Trace::default(),
            history: History::default(),
            checker,
            log: VecDeque::new(),
            statements: VecDeque::new(),
            lag_samples: VecDeque::new(),
            next_check: Instant::ZERO + CHECK_EVERY,
            power_lost_at: vec![Vec::new(); config.nodes.len()],
            fx: Effects::default(),
            console: crate::console::Console::new(config.nodes.len()),
            backups: Vec::new(),
            config,
        };
        world.start();
        Ok(world)
    }

    fn start(&mut self) {
        for n in &mut self.nodes {
            n.start(Instant::ZERO, &mut self.fx);
        }
        self.router.start(Instant::ZERO, &mut self.fx);
        for m in &mut self.managers {
            m.start(Instant::ZERO, &mut self.fx);
        }
        self.carry_out();
    }
}

fn build_checker(config: &ClusterConfig, shard_map: &Arc<ShardMap>) -> Checker {
    let id = ids(config);
    let names = config.nodes.iter().map(|n| n.name.clone()).collect();
    let active_active = config.active_active.iter().filter_map(|n| id(n)).collect();
    Checker::new(names, active_active).with_shard_map(Arc::clone(shard_map))
}

/// Every node, with the server id and the UUID (`auto.cnf`) it starts with.
fn build_nodes(config: &ClusterConfig) -> Vec<Node> {
    let mut setup = SimRng::new(config.seed, Stream::Setup);
    let id = ids(config);
    let mut nodes = Vec::with_capacity(config.nodes.len());
    for (i, cfg) in config.nodes.iter().enumerate() {
        let server_id = cfg.server_id.unwrap_or(i as u32 + 1);
        let uuid = Uuid::version4(setup.next_u128());
        let source = cfg.source.as_deref().and_then(&id);
        nodes.push(Node::new(
            NodeId(i as u32),
            cfg.clone(),
            server_id,
            uuid,
            source,
        ));
    }
    nodes
}

/// The router and one failover manager per replication cluster (one per shard when sharded),
/// with the map of which shard each node serves, shared by the world, router and checker.
fn build_control(config: &ClusterConfig) -> (Vec<Manager>, Router, Arc<ShardMap>) {
    let id = ids(config);
    let names: Vec<String> = config.nodes.iter().map(|n| n.name.clone()).collect();
    let primary = id(&config.primary);
    let clients = config
        .clients
        .iter()
        .map(|c| (c.clone(), c.pin_writes_to.as_deref().and_then(&id)))
        .collect();
    let count = config.nodes.len();
    let router = Router::new(
        config.router.clone(),
        clients,
        primary,
        count as u32,
        config.seed,
    );
    let rules: Vec<_> = config.nodes.iter().map(|n| n.promotion_rule).collect();
    if config.shards.is_empty() {
        let mut manager = Manager::new(config.failover.clone(), names, rules, primary);
        // A failover hook moves ProxySQL's writer only when the proxy takes its writer from
        // the manager; with read_only hostgroups ProxySQL's monitor moves it by itself.
        manager.proxysql_hook = config.router.writer_source == WriterSource::Manager;
        return (vec![manager], router, Arc::new(ShardMap::unsharded(count)));
    }
    let members: Vec<Vec<NodeId>> = config
        .shards
        .iter()
        .map(|shard| shard.nodes.iter().filter_map(|n| id(n)).collect())
        .collect();
    let shard_map = Arc::new(ShardMap::from_members(count, &members));
    let managers = ShardId::all(config.shards.len())
        .zip(&config.shards)
        .zip(members)
        .map(|((shard, cfg), members)| {
            let primary = id(&cfg.primary);
            Manager::new(
                config.failover.clone(),
                names.clone(),
                rules.clone(),
                primary,
            )
            .for_shard(shard, members)
            // vtgate learns a shard's new primary from the topology, not from ProxySQL.
            .without_proxysql_hook()
        })
        .collect();
    let table = config
        .shards
        .iter()
        .map(|s| (s.range, id(&s.primary), s.serving))
        .collect();
    let router = router.sharded(config.vindex, table, Arc::clone(&shard_map));
    (managers, router, shard_map)
}
