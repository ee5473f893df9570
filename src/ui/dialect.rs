//! The words the page shows for a node in its server's flavor (docs/semantics.md §13):
//! MySQL 8.4's GTID sets, `SHOW REPLICA STATUS` and `super_read_only`, or MariaDB 10.11's
//! `domain-server_id-seq_no` positions, `SHOW SLAVE STATUS` and `read_only`. The values
//! come from the engine's own per-flavor texts (`Node::gtid_text`, `mariadb::pos_text`,
//! `World::replica_status_fields`), the ones the console prints, so page and console
//! never disagree.

use crate::engine::checker::FindingKind;
use crate::engine::mariadb;
use crate::engine::node::Node;
use crate::engine::steps::Tool;
use crate::engine::{NodeId, World};

/// One inspector row: its name (a glossary term when `term` is set) and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub term: Option<&'static str>,
    pub name: String,
    pub value: String,
}

fn row(term: Option<&'static str>, name: &str, value: String) -> Row {
    Row {
        term,
        name: name.to_string(),
        value,
    }
}

pub fn is_mariadb(n: &Node) -> bool {
    n.cfg.flavor.is_mariadb()
}

/// A world is of one flavor (a scenario's `flavor` applies to every node).
pub fn world_is_mariadb(world: &World) -> bool {
    world.nodes.first().is_some_and(is_mariadb)
}

/// The GTID state a node's tooltip ends with: MySQL's `gtid_executed` set, MariaDB's
/// `gtid_current_pos` (one GTID per domain).
pub fn gtid_state(n: &Node) -> String {
    if !is_mariadb(n) {
        return n.gtid_executed.to_string();
    }
    match n.gtid_text() {
        pos if pos.is_empty() => "gtid_current_pos empty".into(),
        pos => format!("gtid_current_pos {pos}"),
    }
}

/// What identifies the server beside its server_id: MySQL's `server_uuid` (the GTIDs'
/// source id), MariaDB's `gtid_domain_id` (MariaDB has no server_uuid).
pub fn identity(n: &Node) -> String {
    if is_mariadb(n) {
        format!(
            "server_id {} · gtid_domain_id {}",
            n.server_id, n.cfg.gtid_domain_id
        )
    } else {
        format!("server_id {} · uuid {}", n.server_id, n.uuid.short())
    }
}

fn on_off(b: bool) -> String {
    if b { "ON" } else { "OFF" }.into()
}

/// A MariaDB node's own rows, as `SELECT @@…` prints them: `read_only` (no
/// super_read_only), the domain, and the three GTID positions (`0-1-460,1-3-7`).
pub fn mariadb_server_rows(n: &Node) -> Vec<Row> {
    let pos = |p: &std::collections::BTreeMap<u32, mariadb::MariaGtid>| mariadb::pos_text(p);
    vec![
        row(Some("read_only"), "read_only", on_off(n.read_only)),
        row(None, "gtid_domain_id", n.cfg.gtid_domain_id.to_string()),
        row(None, "gtid_strict_mode", on_off(n.cfg.gtid_strict_mode)),
        row(
            Some("gtid_set"),
            "gtid_binlog_pos",
            pos(&n.gtid_binlog_pos()),
        ),
        row(None, "gtid_slave_pos", pos(&n.slave_pos)),
        row(None, "gtid_current_pos", pos(&n.gtid_current_pos())),
    ]
}

/// SHOW SLAVE STATUS columns the inspector shows, with their glossary terms; the error
/// columns only when an error is set.
const SLAVE_STATUS_SHOWN: &[(&str, Option<&str>)] = &[
    ("Master_Host", None),
    ("Slave_IO_Running", Some("io_thread")),
    ("Slave_SQL_Running", Some("sql_thread")),
    ("Read_Master_Log_Pos", None),
    ("Exec_Master_Log_Pos", None),
    ("Seconds_Behind_Master", Some("lag")),
    ("Using_Gtid", None),
    ("Gtid_IO_Pos", Some("relay_log")),
    ("SQL_Delay", None),
    ("SQL_Remaining_Delay", None),
    ("Slave_SQL_Running_State", None),
    ("Last_IO_Errno", None),
    ("Last_IO_Error", None),
    ("Last_SQL_Errno", None),
    ("Last_SQL_Error", None),
];

/// A MariaDB replica's SHOW SLAVE STATUS rows, read from the console's own result; empty
/// without a channel.
pub fn mariadb_replica_rows(world: &World, id: NodeId) -> Vec<Row> {
    let fields = world.replica_status_fields(id);
    let get = |name: &str| {
        fields
            .iter()
            .find(|(c, _)| c == name)
            .map(|(_, v)| v.clone())
    };
    let errno_set = |name: &str| get(name).is_some_and(|v| v != "0");
    SLAVE_STATUS_SHOWN
        .iter()
        .filter(|(name, _)| match *name {
            "Last_IO_Errno" | "Last_IO_Error" => errno_set("Last_IO_Errno"),
            "Last_SQL_Errno" | "Last_SQL_Error" => errno_set("Last_SQL_Errno"),
            _ => true,
        })
        .filter_map(|&(name, term)| Some(row(term, name, get(name)?)))
        .collect()
}

/// The statements and programs a button names, in the node's flavor.
pub struct Words {
    pub replica_status: &'static str,
    pub stop_replica: &'static str,
    pub start_replica: &'static str,
    pub server: &'static str,
    pub backup: &'static str,
    pub restore_gtid: &'static str,
    pub direct_write: &'static str,
}

pub fn words(n: &Node) -> Words {
    if is_mariadb(n) {
        Words {
            replica_status: "SHOW SLAVE STATUS",
            stop_replica: "STOP SLAVE",
            start_replica: "START SLAVE",
            server: "mariadbd",
            backup: "mariadb-dump --single-transaction --gtid --master-data=2: rows and the binlog position with its gtid_binlog_pos now",
            restore_gtid: "gtid_slave_pos = its position (SET GLOBAL gtid_slave_pos in the dump)",
            direct_write: "a DBA with READ ONLY ADMIN writes directly here (an extra transaction on a replica: it takes the domain's next seq_no)",
        }
    } else {
        Words {
            replica_status: "SHOW REPLICA STATUS",
            stop_replica: "STOP REPLICA",
            start_replica: "START REPLICA",
            server: "mysqld",
            backup: "mysqldump --single-transaction --source-data=2 --set-gtid-purged=ON: rows, gtid_executed and binlog coordinates now",
            restore_gtid: "GTID_PURGED = its set",
            direct_write: "a DBA with SUPER writes directly here (errant transaction on a replica)",
        }
    }
}

/// A finding kind's words where MariaDB names the thing differently: it has no "errant
/// GTID"; a replica's own transaction is what its 1236 calls "extra erroneous
/// transactions" of a diverged slave (sql/sql_repl.cc `give_error_start_pos_missing_in_binlog`).
pub fn finding_words(world: &World, kind: FindingKind) -> Option<(&'static str, &'static str)> {
    (world_is_mariadb(world) && kind == FindingKind::ErrantGtid).then_some((
        "extra transaction on a replica",
        "extra transactions on replicas",
    ))
}

/// What the MariaDB extra transaction means (the findings' tooltip).
pub const MARIADB_EXTRA_TRX_MEANING: &str = "a replica logged a transaction of its own that its source never had: under gtid_strict_mode its applier stops with 1950 when the source's transaction with that seq_no arrives; repointed with MASTER_USE_GTID=current_pos, or promoted, it is refused with 1236 (the slave has diverged) or ships the transaction everywhere";

/// The Failover panel's ranking note, in the flavor's option names: how Orchestrator
/// reads the candidate table (go/inst/instance_utils.go `InstancesSorterByExec`,
/// go/inst/instance_topology.go `chooseCandidateReplica`), rows in ranked order.
pub fn candidate_order(world: &World) -> String {
    let (updates, extra) = if world_is_mariadb(world) {
        ("log_slave_updates", "no extra transactions of its own")
    } else {
        ("log_replica_updates", "no errant GTIDs")
    };
    format!(
        "Ranked as Orchestrator does: executed position first; only on a tie {updates}, then \
         {extra}, then the promotion rule. The first reachable replica with {updates} that is \
         not must_not is chosen; replicas ahead of it or unable to replicate from it are lost. \
         Lag and applier errors rank nothing."
    )
}

/// The client's prompt before a statement the manager or router ran: the `mariadb`
/// client prints `MariaDB [(none)]>` where `mysql` prints `mysql>`.
pub fn prompt(world: &World, tool: Tool) -> &'static str {
    match tool {
        Tool::Mysql if world_is_mariadb(world) => "MariaDB [(none)]>",
        _ => tool.prompt(),
    }
}

/// A candidate's reason (the manager's ranking text, manager/ranking.rs) in the flavor's
/// terms: MariaDB's option is log_slave_updates and it has no "errant GTID".
pub fn candidate_reason(world: &World, reason: &str) -> String {
    if !world_is_mariadb(world) {
        return reason.to_string();
    }
    reason
        .replace("log_replica_updates", "log_slave_updates")
        .replace("no errant GTIDs", "no extra transactions of its own")
        .replace("errant GTIDs", "extra transactions")
}

/// Why a writable replica is warned about, in the flavor's terms.
pub fn writable_replica_why(world: &World) -> &'static str {
    if world_is_mariadb(world) {
        "read_only is off, so a write made there is an extra transaction of its own: strict mode stops on it (1950), a repoint refuses it (1236)."
    } else {
        "read_only is off, so a write made there is an errant transaction that the next failover trips over."
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::Instant;
    use crate::scenario::Scenario;
    use crate::scenario::presets::preset;

    fn world_at(name: &str, ms: u64) -> World {
        let s = Scenario::from_json(preset(name).unwrap()).unwrap();
        let mut w = s.world().unwrap();
        w.run_until(Instant::from_millis(ms));
        w
    }

    fn node<'w>(w: &'w World, name: &str) -> &'w Node {
        w.nodes.iter().find(|n| n.name() == name).unwrap()
    }

    fn value(rows: &[Row], name: &str) -> String {
        let r = rows.iter().find(|r| r.name == name);
        r.unwrap_or_else(|| panic!("no {name} in {rows:?}"))
            .value
            .clone()
    }

    #[test]
    fn a_mariadb_node_shows_domain_positions_and_no_mysql_set() {
        let w = world_at("mariadb-strict-mode", 2_000);
        let db1 = node(&w, "db1");
        let state = gtid_state(db1);
        assert!(state.starts_with("gtid_current_pos 0-1-"), "{state}");
        assert!(!state.contains(':'), "no uuid:gno set: {state}");
        assert_eq!(identity(db1), "server_id 1 · gtid_domain_id 0");
        let rows = mariadb_server_rows(db1);
        assert!(value(&rows, "gtid_binlog_pos").starts_with("0-1-"));
        assert_eq!(value(&rows, "gtid_current_pos"), db1.gtid_text());
        assert!(rows.iter().all(|r| !r.name.contains("super_read_only")));
        // A replica's positions are its source's transactions, applied.
        let db2 = node(&w, "db2");
        let rows = mariadb_server_rows(db2);
        assert_eq!(value(&rows, "read_only"), "ON");
        assert_eq!(value(&rows, "gtid_strict_mode"), "ON");
        assert!(value(&rows, "gtid_slave_pos").starts_with("0-1-"));
    }

    #[test]
    fn a_mariadb_replica_reads_show_slave_status_columns() {
        let w = world_at("mariadb-strict-mode", 2_000);
        let rows = mariadb_replica_rows(&w, node(&w, "db2").id);
        assert_eq!(value(&rows, "Slave_IO_Running"), "Yes");
        assert_eq!(value(&rows, "Slave_SQL_Running"), "Yes");
        assert_eq!(value(&rows, "Using_Gtid"), "Slave_Pos");
        assert!(value(&rows, "Gtid_IO_Pos").starts_with("0-1-"));
        assert!(rows.iter().all(|r| !r.name.contains("Last_SQL")));
        assert!(mariadb_replica_rows(&w, node(&w, "db1").id).is_empty());
        // Strict mode stops db2 with 1950; the error rows appear.
        let w = world_at("mariadb-strict-mode", 12_000);
        let rows = mariadb_replica_rows(&w, node(&w, "db2").id);
        assert_eq!(value(&rows, "Slave_SQL_Running"), "No");
        assert_eq!(value(&rows, "Last_SQL_Errno"), "1950");
        assert!(value(&rows, "Last_SQL_Error").contains("out-of-order"));
    }

    #[test]
    fn mysql_nodes_keep_mysql_words() {
        let w = world_at("free-play", 1_000);
        let db1 = node(&w, "db1");
        assert_eq!(gtid_state(db1), db1.gtid_executed.to_string());
        assert!(identity(db1).contains("uuid"));
        assert_eq!(words(db1).replica_status, "SHOW REPLICA STATUS");
        assert_eq!(finding_words(&w, FindingKind::ErrantGtid), None);
        assert!(candidate_order(&w).contains("errant GTIDs"));
        let m = world_at("mariadb-strict-mode", 0);
        assert_eq!(words(node(&m, "db2")).stop_replica, "STOP SLAVE");
        assert!(finding_words(&m, FindingKind::ErrantGtid).is_some());
        assert!(candidate_order(&m).contains("log_slave_updates"));
        assert!(!candidate_order(&m).contains("errant"));
        assert!(writable_replica_why(&m).contains("1950"));
        assert_eq!(prompt(&m, Tool::Mysql), "MariaDB [(none)]>");
        assert_eq!(prompt(&w, Tool::Mysql), "mysql>");
        assert_eq!(prompt(&m, Tool::ProxysqlAdmin), "ProxySQL Admin>");
        let why = "errant GTIDs 0-2-5: they would be shipped to every replica";
        assert_eq!(
            candidate_reason(&m, why),
            "extra transactions 0-2-5: they would be shipped to every replica"
        );
        assert_eq!(
            candidate_reason(&m, "log_replica_updates=ON"),
            "log_slave_updates=ON"
        );
        assert_eq!(candidate_reason(&w, why), why);
        assert!(writable_replica_why(&w).contains("errant transaction"));
    }
}
