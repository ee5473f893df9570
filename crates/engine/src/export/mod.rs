//! Export: the files that build a playground cluster on real servers.
//!
//! For any [`ClusterConfig`] (a preset, a built or an edited cluster) and a [`Flavor`]
//! (`mysql-8.4`, `mysql-8.0`, `mariadb-10.11`), [`bundle`] writes one option file and one
//! setup script per node, the Orchestrator settings and the ProxySQL statements that match
//! the playground's failover manager and router, and a README saying the order to run them
//! in and what the simulator models that a real server has no setting for.
//!
//! One module per job: [`options`] (`[mysqld]` option files), [`setup`] (accounts, schema,
//! replication channel), [`orchestrator`], [`proxysql`]. docs/export.md maps every config
//! field and cites the manuals and sources each name and value comes from.
//!
//! ```
//! use replication_engine::config::{ClusterConfig, NodeConfig};
//! use replication_engine::export::{self, Flavor};
//!
//! let node = |name: &str, source: Option<&str>| NodeConfig {
//!     name: name.into(),
//!     source: source.map(Into::into),
//!     read_only: source.is_some(),
//!     ..NodeConfig::default()
//! };
//! let cluster = ClusterConfig {
//!     nodes: vec![node("db1", None), node("db2", Some("db1"))],
//!     primary: "db1".into(),
//!     ..ClusterConfig::default()
//! };
//! let files = export::bundle(&cluster, Flavor::Mariadb1011).unwrap();
//! let db2 = files.iter().find(|f| f.path == "db2.sql").unwrap();
//! assert!(db2.text.contains("MASTER_HOST='127.0.0.1', MASTER_PORT=3306"));
//! assert!(db2.text.contains("MASTER_USE_GTID=slave_pos"));
//! ```

use crate::config::{ClusterConfig, NodeConfig};
use std::fmt;

pub mod options;
pub mod orchestrator;
pub mod proxysql;
pub mod setup;

/// The server the files are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flavor {
    /// MySQL 8.4 LTS: the playground's own dialect.
    Mysql84,
    /// MySQL 8.0, 8.0.26 or later (the `replica`/`source` names; see docs/export.md).
    Mysql80,
    /// MariaDB 10.11 LTS: what Debian and Ubuntu install as "mysql".
    Mariadb1011,
}

impl Flavor {
    pub const ALL: [Flavor; 3] = [Flavor::Mysql84, Flavor::Mysql80, Flavor::Mariadb1011];

    /// The name on the command line and in the page (`mysql-8.4`, …).
    pub fn name(self) -> &'static str {
        match self {
            Flavor::Mysql84 => "mysql-8.4",
            Flavor::Mysql80 => "mysql-8.0",
            Flavor::Mariadb1011 => "mariadb-10.11",
        }
    }

    /// The flavor a name means (case-insensitive), if any.
    pub fn parse(name: &str) -> Option<Flavor> {
        Flavor::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }

    /// How a person names the server (`MySQL 8.4`).
    pub fn title(self) -> &'static str {
        match self {
            Flavor::Mysql84 => "MySQL 8.4",
            Flavor::Mysql80 => "MySQL 8.0 (8.0.26 or later)",
            Flavor::Mariadb1011 => "MariaDB 10.11",
        }
    }

    pub fn is_mariadb(self) -> bool {
        self == Flavor::Mariadb1011
    }

    /// The flavor a scenario runs as: MariaDB 10.11 if its nodes are MariaDB, else MySQL 8.4.
    pub fn of(cfg: &ClusterConfig) -> Flavor {
        if cfg.nodes.iter().any(|n| n.flavor.is_mariadb()) {
            Flavor::Mariadb1011
        } else {
            Flavor::Mysql84
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where one node's server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub host: String,
    pub port: u16,
}

/// Where the nodes' servers listen: the export writes these into every channel, every
/// `report_host` and the Orchestrator and ProxySQL files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressPlan {
    /// Every server on 127.0.0.1, node i (from 0, in config order) on `first_port + i`:
    /// a whole cluster on one machine, as the conformance tier runs it.
    Loopback { first_port: u16 },
    /// Every server on its own host named like the node, all on `port`.
    Hostnames { port: u16 },
    /// One address per node, in config order.
    Each(Vec<Address>),
}

impl Default for AddressPlan {
    fn default() -> Self {
        AddressPlan::Loopback { first_port: 3306 }
    }
}

impl AddressPlan {
    fn addresses(&self, cfg: &ClusterConfig) -> Result<Vec<Address>, ExportError> {
        let n = cfg.nodes.len();
        match self {
            AddressPlan::Loopback { first_port } => (0..n)
                .map(|i| {
                    let port = u16::try_from(i)
                        .ok()
                        .and_then(|i| first_port.checked_add(i))
                        .ok_or_else(|| {
                            ExportError(format!("port {first_port} + {i} is past 65535"))
                        })?;
                    Ok(Address {
                        host: "127.0.0.1".into(),
                        port,
                    })
                })
                .collect(),
            AddressPlan::Hostnames { port } => Ok(cfg
                .nodes
                .iter()
                .map(|node| Address {
                    host: node.name.clone(),
                    port: *port,
                })
                .collect()),
            AddressPlan::Each(list) if list.len() == n => Ok(list.clone()),
            AddressPlan::Each(list) => Err(ExportError(format!(
                "the address plan names {} servers for {n} nodes",
                list.len()
            ))),
        }
    }
}

/// One exported file: a relative path (no directories) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportFile {
    pub path: String,
    pub text: String,
}

/// Why a cluster cannot be exported (a config the page's validation would also refuse).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError(pub String);

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExportError {}

/// The accounts the setup scripts create (the same on every node, made with
/// `sql_log_bin=0` so they are no transactions of their own). Change the passwords before
/// anything but a class exercise.
pub const REPL_USER: &str = "repl";
pub const REPL_PASSWORD: &str = "repl-pass";
pub const ORCHESTRATOR_USER: &str = "orchestrator";
pub const ORCHESTRATOR_PASSWORD: &str = "orc-pass";
pub const MONITOR_USER: &str = "monitor";
pub const MONITOR_PASSWORD: &str = "monitor-pass";
pub const APP_USER: &str = "app";
pub const APP_PASSWORD: &str = "app-pass";

/// The first binlog file of a freshly initialised server (`log_bin = binlog`): where a
/// channel without auto-positioning starts.
pub const FIRST_BINLOG: &str = "binlog.000001";

/// Everything the exporters read about one node: its config, where it listens, its
/// server_id, its source's address and whether it starts as a writer.
pub struct Node<'a> {
    pub cfg: &'a NodeConfig,
    pub address: Address,
    pub server_id: u32,
    pub source: Option<Address>,
    /// The node a workload writes to at the start (the primary, a shard's primary, or an
    /// active–active co-primary).
    pub writer: bool,
    /// MariaDB's gtid_domain_id: the node's own if set, else 0, or 1, 2, … for each
    /// active–active co-primary so that each keeps its own sequence (docs/export.md).
    pub domain_id: u32,
}

/// The whole cluster as the exporters see it.
pub struct Plan<'a> {
    pub cfg: &'a ClusterConfig,
    pub flavor: Flavor,
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Plan<'a> {
    fn new(
        cfg: &'a ClusterConfig,
        flavor: Flavor,
        addresses: &AddressPlan,
    ) -> Result<Plan<'a>, ExportError> {
        if cfg.nodes.is_empty() {
            return Err(ExportError("the cluster has no nodes".into()));
        }
        // The same checks the page and the scenario loader make: names are safe file
        // names and every source is a node.
        cfg.validate().map_err(|e| ExportError(e.to_string()))?;
        let addresses = addresses.addresses(cfg)?;
        let writers = writers(cfg);
        let mut nodes = Vec::with_capacity(cfg.nodes.len());
        for (i, node) in cfg.nodes.iter().enumerate() {
            let source = match &node.source {
                None => None,
                Some(name) => {
                    let at = cfg
                        .nodes
                        .iter()
                        .position(|n| &n.name == name)
                        .ok_or_else(|| {
                            ExportError(format!("{}'s source '{name}' is no node", node.name))
                        })?;
                    Some(addresses[at].clone())
                }
            };
            let domain = cfg.active_active.iter().position(|n| n == &node.name);
            nodes.push(Node {
                cfg: node,
                address: addresses[i].clone(),
                server_id: node.server_id.unwrap_or(i as u32 + 1),
                source,
                writer: writers.contains(&node.name.as_str()),
                // The scenario's own domain (a MariaDB scenario sets it), else one per
                // co-primary.
                domain_id: match node.gtid_domain_id {
                    0 => domain.map_or(0, |d| d as u32 + 1),
                    set => set,
                },
            });
        }
        Ok(Plan { cfg, flavor, nodes })
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&Node<'a>> {
        self.nodes.iter().find(|n| n.cfg.name == name)
    }

    /// The primary of each replication cluster (a shard is one): where Orchestrator
    /// discovers the cluster.
    pub fn cluster_primaries(&self) -> Vec<&Node<'a>> {
        let primaries: Vec<&str> = if self.cfg.shards.is_empty() {
            vec![self.cfg.primary.as_str()]
        } else {
            self.cfg.shards.iter().map(|s| s.primary.as_str()).collect()
        };
        self.nodes
            .iter()
            .filter(|n| primaries.contains(&n.cfg.name.as_str()))
            .collect()
    }
}

/// The nodes taking writes at the start.
fn writers(cfg: &ClusterConfig) -> Vec<&str> {
    let mut names: Vec<&str> = vec![cfg.primary.as_str()];
    names.extend(cfg.active_active.iter().map(String::as_str));
    names.extend(cfg.shards.iter().map(|s| s.primary.as_str()));
    names
}

/// The files that build `cfg` on real `flavor` servers on 127.0.0.1, node i on port
/// 3306 + i.
pub fn bundle(cfg: &ClusterConfig, flavor: Flavor) -> Result<Vec<ExportFile>, ExportError> {
    bundle_at(cfg, flavor, &AddressPlan::default())
}

/// The files that build `cfg` on real `flavor` servers listening where `addresses` says.
pub fn bundle_at(
    cfg: &ClusterConfig,
    flavor: Flavor,
    addresses: &AddressPlan,
) -> Result<Vec<ExportFile>, ExportError> {
    let plan = Plan::new(cfg, flavor, addresses)?;
    let mut files = vec![ExportFile {
        path: "README.txt".into(),
        text: readme(&plan),
    }];
    for node in &plan.nodes {
        files.push(ExportFile {
            path: format!("{}.cnf", node.cfg.name),
            text: options::option_file(&plan, node),
        });
    }
    for node in setup::run_order(&plan) {
        files.push(ExportFile {
            path: format!("{}.sql", node.cfg.name),
            text: setup::setup_sql(&plan, node),
        });
    }
    files.push(ExportFile {
        path: "orchestrator.conf.json".into(),
        text: orchestrator::conf_json(&plan),
    });
    files.push(ExportFile {
        path: "orchestrator.sh".into(),
        text: orchestrator::commands(&plan),
    });
    files.push(ExportFile {
        path: "proxysql.sql".into(),
        text: proxysql::admin_sql(&plan),
    });
    Ok(files)
}

/// All files as one text, each under a `==> path <==` header (as `tail` prints several
/// files): what `rplay export` prints without `--out` and the page's single download.
pub fn concatenated(files: &[ExportFile]) -> String {
    let mut out = String::new();
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("==> {} <==\n", file.path));
        out.push_str(&file.text);
        if !file.text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn readme(plan: &Plan<'_>) -> String {
    let mut t = format!(
        "Replication Playground export for {}\n\n\
         Servers (node, server_id, address, source):\n",
        plan.flavor.title()
    );
    for n in &plan.nodes {
        let source = n.cfg.source.as_deref().unwrap_or("-");
        t.push_str(&format!(
            "  {:<12} {:>5}  {}:{}  {}\n",
            n.cfg.name, n.server_id, n.address.host, n.address.port, source
        ));
    }
    let order: Vec<&str> = setup::run_order(plan)
        .iter()
        .map(|n| n.cfg.name.as_str())
        .collect();
    t.push_str(&format!(
        "\nSteps:\n\
         1. Start each server with its option file, e.g. `mysqld --defaults-extra-file=db1.cnf \
         --datadir=...` (give each its own datadir and socket).\n\
         2. Run each node's .sql file on it as an administrator, in this order: {}.\n   \
         Sources come first, so every channel finds its account; in a dual-primary ring the \
         first channel connects on its next retry once the other co-primary has run its file.\n\
         3. Orchestrator: merge orchestrator.conf.json into its config, then run orchestrator.sh.\n\
         4. ProxySQL: run proxysql.sql on its admin interface (port 6032).\n\n\
         The accounts ({REPL_USER}, {ORCHESTRATOR_USER}, {MONITOR_USER}, {APP_USER}) have \
         class-exercise passwords: change them for anything else.\n",
        order.join(", ")
    ));
    let warnings = warnings(plan);
    if !warnings.is_empty() {
        t.push_str("\nWhat these servers will do differently from the playground:\n");
        for w in warnings {
            t.push_str(&format!("- {w}\n"));
        }
    }
    t.push_str(
        "\nSimulator-only settings (no server setting; the hardware and network decide): \
         binlog_write_us, fsync_us, engine_commit_us, apply_us, read_us, recovery_ms, \
         os_writeback_ms, the network's latency/jitter/loss, the workload clients and the \
         seed. docs/export.md lists every field.\n",
    );
    t
}

/// Settings this flavor cannot express as the playground models them.
fn warnings(plan: &Plan<'_>) -> Vec<String> {
    let mut w = Vec::new();
    for n in &plan.nodes {
        w.extend(options::warnings(plan.flavor, n));
    }
    w.extend(orchestrator::warnings(plan));
    w.extend(proxysql::warnings(plan));
    w
}

#[cfg(test)]
mod tests;
