//! The same case in the simulator: the engine's World, driven by its console
//! (`Command::Sql`, the statements of docs/sql.md) and its fault verbs (`Command::Crash`,
//! `Command::Restart`, `Command::SkipTransaction`, `Command::Backup`/`Restore`).

use super::side::{Answer, Side, Topo, UseGtid, WaitPoint, Waited, vertical_fields};
use replication_playground::engine::config::{ClusterConfig, FailoverConfig, NodeConfig};
use replication_playground::engine::console::Reply;
use replication_playground::engine::mariadb::Flavor;
use replication_playground::engine::time::Duration;
use replication_playground::engine::{Command, World};
use std::collections::BTreeMap;

/// The case's nodes with the real servers' settings: no automatic failover (the case
/// fails over by hand), replication attached by the case, slave_net_timeout=4 and
/// MASTER_CONNECT_RETRY=1 as on the real side.
pub fn blank_config(topo: &Topo) -> ClusterConfig {
    let nodes = topo
        .nodes
        .iter()
        .enumerate()
        .map(|(i, name)| NodeConfig {
            name: (*name).into(),
            replica_net_timeout_s: 4,
            source_connect_retry_s: 1,
            // The real servers' options: the MariaDB flavor, --gtid-strict-mode=ON and, for
            // dual-primary, --gtid-domain-id=server_id.
            flavor: Flavor::Mariadb,
            gtid_strict_mode: true,
            gtid_domain_id: if topo.domain_per_node {
                i as u32 + 1
            } else {
                0
            },
            ..NodeConfig::default()
        })
        .collect();
    ClusterConfig {
        seed: 1,
        nodes,
        primary: "db1".into(),
        failover: FailoverConfig {
            automatic: false,
            ..FailoverConfig::default()
        },
        clients: vec![],
        ..ClusterConfig::default()
    }
}

pub struct Sim {
    pub w: World,
    backups: u32,
}

impl Sim {
    /// The cluster as configured (replication already attached): the export case.
    pub fn from_config(cfg: ClusterConfig) -> Sim {
        let mut sim = Sim {
            w: World::new(cfg).expect("a valid cluster"),
            backups: 0,
        };
        sim.pass(0.5);
        sim
    }

    /// The case's nodes with nothing attached: `blank_config`.
    pub fn build(topo: &Topo) -> Sim {
        Sim::from_config(blank_config(topo))
    }

    /// Every console transcript, for RPLAY_CONFORMANCE_TRACE.
    pub fn transcript(&self) -> String {
        let mut t = String::new();
        for n in ["db1", "db2", "db3", "db4"] {
            for e in self.w.console(n) {
                t += &format!("[{:?} {n}] {}\n{}\n", e.at, e.sql, e.reply.text());
            }
        }
        t
    }

    fn act(&mut self, c: Command) {
        self.w
            .apply(c.clone())
            .unwrap_or_else(|e| panic!("{c:?}: {e}"));
    }

    /// Types a line at the node's console and runs the clock until every statement of it
    /// is answered (at most 60 simulated seconds); the replies in order.
    fn type_line(&mut self, node: &str, sql: &str) -> Vec<Reply> {
        let before = self.w.console(node).len();
        self.act(Command::Sql {
            node: node.into(),
            sql: sql.into(),
        });
        for _ in 0..600 {
            if self.w.console(node)[before..]
                .iter()
                .all(|e| !e.reply.is_pending())
            {
                break;
            }
            self.pass(0.1);
        }
        self.w.console(node)[before..]
            .iter()
            .map(|e| e.reply.clone())
            .collect()
    }

    fn must(&mut self, node: &str, sql: &str) {
        for r in self.type_line(node, sql) {
            assert!(!matches!(r, Reply::Error { .. }), "{node}: {sql}: {r:?}");
        }
    }
}

/// The rows of a `+----+` table (the header dropped), none for `Query OK`/`Empty set`.
fn table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with('|'))
        .skip(1)
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|f| f.trim().to_string())
                .collect()
        })
        .collect()
}

/// "(1.02 sec)" → 1020.
fn client_ms(text: &str) -> u64 {
    let secs = text
        .rsplit('(')
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(0.0);
    (secs * 1000.0).round() as u64
}

impl Side for Sim {
    fn sql(&mut self, node: &str, sql: &str) -> Answer {
        let mut rows = Vec::new();
        for r in self.type_line(node, sql) {
            match r {
                Reply::Error { errno, .. } => return Err(errno),
                Reply::Done { text } => rows = table_rows(&text),
                Reply::Pending => return Err(0),
            }
        }
        Ok(rows)
    }

    fn replica_status(&mut self, node: &str) -> BTreeMap<String, String> {
        match self.type_line(node, "SHOW SLAVE STATUS\\G").pop() {
            Some(Reply::Done { text }) => vertical_fields(&text),
            _ => BTreeMap::new(),
        }
    }

    fn kill9(&mut self, node: &str) {
        self.act(Command::Crash {
            node: node.into(),
            power_loss: false,
        });
    }

    fn shutdown(&mut self, node: &str) {
        self.type_line(node, "SHUTDOWN");
        self.pass(0.5);
    }

    fn start(&mut self, node: &str) {
        self.act(Command::Restart { node: node.into() });
        // Until crash recovery is done and the server accepts connections (at most 60 s).
        let id = self.w.node_id(node).expect("a node");
        for _ in 0..600 {
            self.pass(0.1);
            if self.w.node(id).is_some_and(|n| n.is_running()) {
                break;
            }
        }
    }

    fn attach(&mut self, replica: &str, source: &str, use_gtid: UseGtid, delay_s: u32) {
        let pos = match use_gtid {
            UseGtid::SlavePos => "slave_pos",
            UseGtid::CurrentPos => "current_pos",
        };
        let sql = format!(
            "CHANGE MASTER TO MASTER_HOST='{source}', MASTER_USER='repl', \
             MASTER_PASSWORD='repl', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID={pos}, \
             MASTER_DELAY={delay_s}; START SLAVE"
        );
        // A node that never replicated answers STOP SLAVE with 1200 here (real MariaDB: a
        // note); only its answer to CHANGE … and START matters.
        self.type_line(replica, "STOP SLAVE");
        self.must(replica, &sql);
        self.pass(0.2);
    }

    fn stop_io(&mut self, node: &str) {
        self.must(node, "STOP SLAVE IO_THREAD");
    }

    fn start_io(&mut self, node: &str) {
        self.must(node, "START SLAVE IO_THREAD");
    }

    fn stop_replica(&mut self, node: &str) {
        self.must(node, "STOP SLAVE");
    }

    fn start_replica(&mut self, node: &str) {
        self.must(node, "START SLAVE");
    }

    fn promote(&mut self, node: &str) {
        self.must(node, "STOP SLAVE; RESET SLAVE ALL");
    }

    fn skip_failed(&mut self, node: &str) {
        self.act(Command::SkipTransaction { node: node.into() });
        self.pass(0.2);
    }

    fn semi_sync(&mut self, primary: &str, replica: &str, wait: WaitPoint, timeout_ms: u64) {
        let (p, r) = wait.semi_sync_statements(timeout_ms);
        self.must(primary, &p);
        self.must(replica, r);
        self.pass(0.5);
    }

    fn semi_sync_on(&mut self, primary: &str) -> bool {
        let rows = self
            .sql(
                primary,
                "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'",
            )
            .unwrap_or_default();
        rows.first()
            .and_then(|r| r.get(1))
            .is_some_and(|v| v == "ON")
    }

    fn gtid(&mut self, node: &str) -> String {
        match self.sql(node, "SELECT @@GLOBAL.gtid_current_pos") {
            Ok(rows) => rows
                .first()
                .and_then(|r| r.first())
                .cloned()
                .unwrap_or_default(),
            Err(_) => "down".into(),
        }
    }

    fn pass(&mut self, secs: f64) {
        let t = self.w.now() + Duration::from_secs_f64(secs);
        self.w.run_until(t);
    }

    fn waiting_write(&mut self, node: &str, sql: &str, key: u64, peek_s: f64) -> Waited {
        let before = self.w.console(node).len();
        self.act(Command::Sql {
            node: node.into(),
            sql: sql.into(),
        });
        self.pass(peek_s);
        // Another session's read sees what InnoDB has committed on the node.
        let id = self.w.node_id(node).expect("a node");
        let visible = self.w.node(id).is_some_and(|n| n.data.get(key).is_some());
        for _ in 0..600 {
            if !self.w.console(node)[before].reply.is_pending() {
                break;
            }
            self.pass(0.1);
        }
        let reply = self.w.console(node)[before].reply.clone();
        let (blocked_ms, errno) = match reply {
            Reply::Done { text } => (client_ms(&text), None),
            Reply::Error { errno, .. } => (0, Some(errno)),
            Reply::Pending => (60_000, Some(0)),
        };
        Waited {
            visible_while_waiting: visible,
            blocked_ms,
            errno,
        }
    }

    fn backup_restore(&mut self, from: &str, to: &str) {
        self.act(Command::Backup { node: from.into() });
        self.backups += 1;
        self.pass(1.0);
        self.act(Command::Restore {
            backup: format!("backup-{}", self.backups),
            node: to.into(),
        });
        self.pass(1.0);
    }

    fn purge_to_current(&mut self, node: &str) {
        self.must(node, "FLUSH BINARY LOGS");
        let status = self.sql(node, "SHOW MASTER STATUS").expect("status");
        let file = status[0][0].clone();
        self.must(node, &format!("PURGE BINARY LOGS TO '{file}'"));
    }

    fn flavor(&self) -> &'static str {
        "mariadb"
    }
}
