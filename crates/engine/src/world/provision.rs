//! Run-time servers, backups and restores (docs/semantics.md §12): the three steps of
//! provisioning a replica by hand — an empty mysqld, a dump of a live server, the dump
//! loaded on the new one — after which CHANGE REPLICATION SOURCE + START REPLICA make it
//! catch up.

use super::World;
use crate::backup::Backup;
use crate::command::CommandError;
use crate::config::{MAX_NODES, NodeConfig, node_name_problem};
use crate::gtid::Uuid;
use crate::ids::NodeId;
use crate::node::Node;
use crate::rng::{SimRng, Stream};

type Done = Result<(), CommandError>;

fn refuse(text: impl Into<String>) -> Done {
    Err(CommandError(text.into()))
}

impl World {
    /// An empty mysqld joins: every per-node table (network, proxy, managers, checker)
    /// grows by one, so a node that appears mid-run is indexed like any other.
    pub(super) fn add_server(&mut self, name: &str) -> Done {
        if let Some(problem) = node_name_problem(name) {
            return refuse(format!("add server: {problem}"));
        }
        if self.node_id(name).is_some() {
            return refuse(format!(
                "add server: there is already a node called '{name}'"
            ));
        }
        if self.nodes.len() >= MAX_NODES {
            return refuse(format!("add server: at most {MAX_NODES} nodes"));
        }
        let cfg = self.new_server_config(name);
        let id = NodeId(self.nodes.len() as u32);
        let server_id = self.nodes.iter().map(|n| n.server_id).max().unwrap_or(0) + 1;
        let mut node = Node::new(id, cfg, server_id, self.new_server_uuid(), None);
        node.start(self.now, &mut self.fx);
        let rule = node.cfg.promotion_rule;
        self.nodes.push(node);
        self.net.add_node(self.config.network);
        self.router.add_backend();
        // A server not in the shard map serves shard 0: it joins that cluster's manager.
        for (i, m) in self.managers.iter_mut().enumerate() {
            m.add_node(id, name.to_string(), rule, i == 0);
        }
        self.checker.add_node(name.to_string());
        self.console.add_node();
        self.power_lost_at.push(Vec::new());
        Ok(())
    }

    /// The new server's my.cnf: what configuration management gives every replica here (a
    /// copy of the first replica's settings, or of the first server's made read-only),
    /// with no replication configured and no delay.
    fn new_server_config(&self, name: &str) -> NodeConfig {
        let template = self
            .nodes
            .iter()
            .find(|n| n.cfg.source.is_some())
            .map(|n| n.cfg.clone());
        let read_only_copy = || NodeConfig {
            read_only: true,
            ..self.nodes[0].cfg.clone()
        };
        NodeConfig {
            name: name.to_string(),
            server_id: None,
            source: None,
            source_delay_s: 0,
            ..template.unwrap_or_else(read_only_copy)
        }
    }

    /// `auto.cnf`: the UUID the node would have had at this position in the configuration,
    /// drawn from the setup stream replayed, so no other stream moves.
    fn new_server_uuid(&self) -> Uuid {
        let mut setup = SimRng::new(self.config.seed, Stream::Setup);
        let mut uuid = 0;
        for _ in 0..=self.nodes.len() {
            uuid = setup.next_u128();
        }
        Uuid::version4(uuid)
    }

    /// mysqldump of a running server: its committed rows, gtid_executed and binlog
    /// coordinates at one instant, kept as `backup-N`.
    pub(super) fn backup(&mut self, node: &str) -> Done {
        let id = self.resolve(node)?;
        if !self.nodes[id.index()].is_running() {
            return refuse(format!(
                "mysqldump: Got error: 2003: Can't connect to MySQL server on '{node}' (it is down)"
            ));
        }
        let (rows, gtid_executed, binlog_pos) = self.nodes[id.index()].backup_snapshot();
        self.backups.push(Backup {
            name: format!("backup-{}", self.backups.len() + 1),
            node: node.to_string(),
            taken_at: self.now,
            rows,
            gtid_executed,
            binlog_pos,
        });
        Ok(())
    }

    /// Loads a backup on a running, empty server (`SET @@GLOBAL.GTID_PURGED` refuses one
    /// whose gtid_executed is not empty: 1840).
    pub(super) fn restore(&mut self, backup: &str, node: &str) -> Done {
        let Some(b) = self.backups.iter().find(|b| b.name == backup) else {
            return refuse(format!("there is no backup called '{backup}'"));
        };
        let id = self.resolve(node)?;
        let target = &mut self.nodes[id.index()];
        if !target.is_running() {
            return refuse(format!("{node} is down"));
        }
        target
            .load_dump(&b.rows, &b.gtid_executed)
            .map_err(|(errno, message)| CommandError(format!("ERROR {errno} (HY000): {message}")))
    }

    /// The backups taken so far, oldest first.
    pub fn backups(&self) -> &[Backup] {
        &self.backups
    }
}
