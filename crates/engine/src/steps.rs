//! The statements behind every automated step (docs/semantics.md §11).
//!
//! When the failover manager promotes a replica, the proxy moves its writer, or the
//! resharding workflow switches traffic, a person would see — in Orchestrator's log, in
//! ProxySQL's admin interface, in the shell running `vtctldclient` — the statements each
//! of them ran. The actors record them here, as values, through `Effects`; the world keeps
//! the last `STATEMENT_WINDOW` of them and shows each in the event log. They are
//! observations: they are not part of the trace, so no trace hash depends on them, and
//! they are made per recovery or per operator step, never per transaction.

use super::ids::{NodeId, ShardId};
use super::message::AdminCmd;
use crate::time::Instant;
use serde::Serialize;

/// The MySQL port every simulated server listens on (the one a CHANGE REPLICATION SOURCE
/// TO names; the playground has no other).
pub const MYSQL_PORT: u16 = 3306;
/// The ProxySQL hostgroups the playground's proxy is configured with: writers and readers
/// (the numbers are the playground's configuration; ProxySQL lets the user choose them).
pub const WRITER_HOSTGROUP: u32 = 10;
pub const READER_HOSTGROUP: u32 = 20;
/// The names `vtctldclient` is given for the one resharding workflow: the keyspace is the
/// playground's schema, the workflow is called after what it does.
pub const KEYSPACE: &str = "playground";
pub const WORKFLOW: &str = "reshard";

/// Who ran the statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The failover manager (Orchestrator) of a shard's replication cluster.
    Manager { shard: ShardId },
    /// The proxy's own monitor (ProxySQL).
    Router,
    /// The resharding workflow's operator (vtctld, driven by `vtctldclient`).
    Workflow,
}

/// Where the statement was typed: a MySQL session, ProxySQL's admin interface (port
/// 6032), or a shell running `vtctldclient`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    Mysql,
    ProxysqlAdmin,
    /// ProxySQL's own monitor acting on a backend: not a statement anyone typed, but the
    /// change of `runtime_mysql_servers` it makes, described.
    ProxysqlMonitor,
    Vtctldclient,
}

impl Tool {
    /// The prompt a person would see before the statement.
    pub fn prompt(self) -> &'static str {
        match self {
            Tool::Mysql => "mysql>",
            Tool::ProxysqlAdmin => "ProxySQL Admin>",
            Tool::ProxysqlMonitor => "ProxySQL monitor:",
            Tool::Vtctldclient => "$",
        }
    }
}

/// One statement an automated actor ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepStatement {
    pub at: Instant,
    pub actor: Actor,
    /// The recovery (of the manager's shard) it belongs to, numbered as the manager
    /// numbers them.
    pub recovery: Option<u64>,
    /// The MySQL server it ran on (none for ProxySQL's admin or `vtctldclient`).
    pub node: Option<NodeId>,
    pub tool: Tool,
    pub text: String,
}

impl StepStatement {
    pub fn new(at: Instant, actor: Actor, tool: Tool, text: String) -> Self {
        StepStatement {
            at,
            actor,
            recovery: None,
            node: None,
            tool,
            text,
        }
    }

    pub fn on(mut self, node: NodeId) -> Self {
        self.node = Some(node);
        self
    }

    pub fn in_recovery(mut self, id: u64) -> Self {
        self.recovery = Some(id);
        self
    }
}

/// `SET GLOBAL … = ON|OFF;`
fn set_global(name: &str, on: bool) -> String {
    format!("SET GLOBAL {name}={};", if on { "ON" } else { "OFF" })
}

/// The SQL statements an admin command is, in the order the server carries them out;
/// `host` names a node as its host name.
///
/// `super_read_only=ON` turns `read_only` on with it and `read_only=OFF` turns
/// `super_read_only` off (MySQL 8.4 manual, server-system-variables), so the engine's one
/// command is one or two statements. `ChangeSource` stops the channel, changes it and
/// starts it again: three statements.
pub fn admin_statements(cmd: &AdminCmd, host: impl Fn(NodeId) -> String) -> Vec<String> {
    match cmd {
        AdminCmd::SetReadOnly {
            super_read_only: true,
            ..
        } => vec![set_global("super_read_only", true)],
        AdminCmd::SetReadOnly { read_only, .. } => vec![
            set_global("super_read_only", false),
            set_global("read_only", *read_only),
        ],
        AdminCmd::StopReplica => vec!["STOP REPLICA;".into()],
        AdminCmd::StartReplica => vec!["START REPLICA;".into()],
        AdminCmd::DrainRelayLog => vec![
            "STOP REPLICA IO_THREAD;".into(),
            "START REPLICA SQL_THREAD;".into(),
        ],
        AdminCmd::ResetReplicaAll => vec!["RESET REPLICA ALL;".into()],
        AdminCmd::ChangeSource {
            source,
            auto_position,
        } => vec![
            "STOP REPLICA;".into(),
            format!(
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST='{}', SOURCE_PORT={MYSQL_PORT}, SOURCE_AUTO_POSITION={};",
                host(*source),
                u8::from(*auto_position)
            ),
            "START REPLICA;".into(),
        ],
        AdminCmd::ChangeMasterUseGtid { source, use_gtid } => vec![
            "STOP SLAVE;".into(),
            format!(
                "CHANGE MASTER TO MASTER_HOST='{}', MASTER_PORT={MYSQL_PORT}, MASTER_USE_GTID={};",
                host(*source),
                use_gtid.keyword()
            ),
            "START SLAVE;".into(),
        ],
        AdminCmd::SkipFailedTransaction => vec![
            "STOP REPLICA;".into(),
            "SET GTID_NEXT='<failed GTID>'; BEGIN; COMMIT; SET GTID_NEXT='AUTOMATIC';".into(),
            "START REPLICA;".into(),
        ],
    }
}

/// The same commands as Orchestrator sends them to a MariaDB 10.11 server
/// (go/inst/instance_topology_dao.go): `stop slave`, `start slave`, `reset slave all`,
/// `set global read_only = ?` (no super_read_only: UseSuperReadOnly is off for MariaDB),
/// and `change master to master_host=?, master_port=?`, which keeps the replica's
/// MASTER_USE_GTID mode (docs/semantics.md §13.7).
pub fn mariadb_admin_statements(cmd: &AdminCmd, host: impl Fn(NodeId) -> String) -> Vec<String> {
    match cmd {
        AdminCmd::SetReadOnly {
            read_only,
            super_read_only,
        } => vec![set_global("read_only", *read_only || *super_read_only)],
        AdminCmd::StopReplica => vec!["STOP SLAVE;".into()],
        AdminCmd::StartReplica => vec!["START SLAVE;".into()],
        AdminCmd::DrainRelayLog => vec![
            "STOP SLAVE IO_THREAD;".into(),
            "START SLAVE SQL_THREAD;".into(),
        ],
        AdminCmd::ResetReplicaAll => vec!["RESET SLAVE ALL;".into()],
        AdminCmd::ChangeSource { source, .. } => vec![
            "STOP SLAVE;".into(),
            format!(
                "CHANGE MASTER TO MASTER_HOST='{}', MASTER_PORT={MYSQL_PORT};",
                host(*source)
            ),
            "START SLAVE;".into(),
        ],
        AdminCmd::ChangeMasterUseGtid { .. } | AdminCmd::SkipFailedTransaction => {
            admin_statements(cmd, host)
        }
    }
}

/// What a failover hook runs on ProxySQL's admin interface to move the writer: the old
/// writer becomes a reader, the new one the writer, then the change is made live and kept.
pub fn proxysql_writer_change(old: Option<&str>, new: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(old) = old.filter(|o| *o != new) {
        out.push(format!(
            "UPDATE mysql_servers SET hostgroup_id={READER_HOSTGROUP} WHERE hostname='{old}' AND hostgroup_id={WRITER_HOSTGROUP};"
        ));
    }
    out.push(format!(
        "UPDATE mysql_servers SET hostgroup_id={WRITER_HOSTGROUP} WHERE hostname='{new}' AND hostgroup_id={READER_HOSTGROUP};"
    ));
    out.push("LOAD MYSQL SERVERS TO RUNTIME;".into());
    out.push("SAVE MYSQL SERVERS TO DISK;".into());
    out
}

/// `vtctldclient Reshard --workflow reshard --target-keyspace playground <action> …`.
pub fn vtctldclient_reshard(action: &str) -> String {
    format!("vtctldclient Reshard --workflow {WORKFLOW} --target-keyspace {KEYSPACE} {action}")
}

/// `vtctldclient VDiff --workflow reshard --target-keyspace playground <action>`.
pub fn vtctldclient_vdiff(action: &str) -> String {
    format!("vtctldclient VDiff --workflow {WORKFLOW} --target-keyspace {KEYSPACE} {action}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(n: NodeId) -> String {
        format!("db{}", n.0 + 1)
    }

    #[test]
    fn each_admin_command_is_the_sql_a_dba_would_type() {
        let table: Vec<(AdminCmd, Vec<&str>)> = vec![
            (AdminCmd::StopReplica, vec!["STOP REPLICA;"]),
            (AdminCmd::ResetReplicaAll, vec!["RESET REPLICA ALL;"]),
            (
                AdminCmd::SetReadOnly {
                    read_only: false,
                    super_read_only: false,
                },
                vec![
                    "SET GLOBAL super_read_only=OFF;",
                    "SET GLOBAL read_only=OFF;",
                ],
            ),
            (
                AdminCmd::SetReadOnly {
                    read_only: true,
                    super_read_only: true,
                },
                vec!["SET GLOBAL super_read_only=ON;"],
            ),
            (
                AdminCmd::ChangeSource {
                    source: NodeId(1),
                    auto_position: true,
                },
                vec![
                    "STOP REPLICA;",
                    "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db2', SOURCE_PORT=3306, SOURCE_AUTO_POSITION=1;",
                    "START REPLICA;",
                ],
            ),
        ];
        for (cmd, want) in table {
            assert_eq!(admin_statements(&cmd, host), want, "{cmd:?}");
        }
    }

    #[test]
    fn a_writer_change_moves_both_servers_then_loads_to_runtime() {
        assert_eq!(
            proxysql_writer_change(Some("db1"), "db2"),
            [
                "UPDATE mysql_servers SET hostgroup_id=20 WHERE hostname='db1' AND hostgroup_id=10;",
                "UPDATE mysql_servers SET hostgroup_id=10 WHERE hostname='db2' AND hostgroup_id=20;",
                "LOAD MYSQL SERVERS TO RUNTIME;",
                "SAVE MYSQL SERVERS TO DISK;",
            ]
        );
        assert_eq!(proxysql_writer_change(None, "db2").len(), 3);
    }

    #[test]
    fn vtctldclient_lines_name_the_workflow_and_keyspace() {
        assert_eq!(
            vtctldclient_reshard("switchtraffic --tablet-types primary"),
            "vtctldclient Reshard --workflow reshard --target-keyspace playground switchtraffic --tablet-types primary"
        );
    }

    /// Orchestrator's statements to a MariaDB server (go/inst/instance_topology_dao.go):
    /// no super_read_only anywhere, SLAVE/MASTER words, and a repoint that names no mode.
    #[test]
    fn a_mariadb_server_gets_orchestrators_mariadb_statements() {
        let table: Vec<(AdminCmd, Vec<&str>)> = vec![
            (
                AdminCmd::SetReadOnly {
                    read_only: true,
                    super_read_only: true,
                },
                vec!["SET GLOBAL read_only=ON;"],
            ),
            (
                AdminCmd::SetReadOnly {
                    read_only: false,
                    super_read_only: false,
                },
                vec!["SET GLOBAL read_only=OFF;"],
            ),
            (AdminCmd::StopReplica, vec!["STOP SLAVE;"]),
            (AdminCmd::ResetReplicaAll, vec!["RESET SLAVE ALL;"]),
            (
                AdminCmd::ChangeSource {
                    source: NodeId(2),
                    auto_position: true,
                },
                vec![
                    "STOP SLAVE;",
                    "CHANGE MASTER TO MASTER_HOST='db3', MASTER_PORT=3306;",
                    "START SLAVE;",
                ],
            ),
            (
                AdminCmd::ChangeMasterUseGtid {
                    source: NodeId(2),
                    use_gtid: crate::mariadb::UseGtid::CurrentPos,
                },
                vec![
                    "STOP SLAVE;",
                    "CHANGE MASTER TO MASTER_HOST='db3', MASTER_PORT=3306, MASTER_USE_GTID=current_pos;",
                    "START SLAVE;",
                ],
            ),
        ];
        for (cmd, want) in table {
            assert_eq!(mariadb_admin_statements(&cmd, host), want, "{cmd:?}");
        }
    }
}
