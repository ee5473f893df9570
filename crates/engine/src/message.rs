//! Everything that crosses the simulated network (docs/semantics.md §1.2).

use super::binlog::{BinlogPos, Trx};
use super::gtid::{Gtid, GtidSet, Uuid};
use super::ids::NodeId;
use super::rows::{Key, Value};
use super::status::NodeStatus;
use std::sync::Arc;

/// Where a replica asks its source to start streaming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DumpStart {
    /// COM_BINLOG_DUMP_GTID: "everything I don't have" (gtid_executed ∪ Retrieved_Gtid_Set).
    Gtids(GtidSet),
    /// COM_BINLOG_DUMP: file and position.
    Position(BinlogPos),
}

/// A client statement, as the router forwards it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statement {
    /// INSERT … ON DUPLICATE KEY UPDATE.
    Upsert {
        key: Key,
        value: Value,
    },
    /// INSERT with an AUTO_INCREMENT key chosen by the server.
    InsertAuto {
        value: Value,
    },
    Delete {
        key: Key,
    },
    /// SELECT val FROM kv WHERE id = key; with read-your-writes, first
    /// WAIT_FOR_EXECUTED_GTID_SET(after).
    Read {
        key: Key,
        after: Option<Gtid>,
    },
}

impl Statement {
    pub fn is_write(&self) -> bool {
        !matches!(self, Statement::Read { .. })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryResult {
    Written {
        gtid: Gtid,
        key: Key,
    },
    Read {
        value: Option<Value>,
    },
    /// A DELETE that matched no row: nothing logged, no GTID.
    Unchanged {
        key: Key,
    },
}

/// Operator and failover-manager commands (SQL a DBA would type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminCmd {
    SetReadOnly {
        read_only: bool,
        super_read_only: bool,
    },
    StopReplica,
    StartReplica,
    /// STOP REPLICA IO_THREAD; START REPLICA SQL_THREAD: receive nothing more and apply
    /// what the relay log holds (the first half of Orchestrator's StopReplicationNicely).
    DrainRelayLog,
    /// RESET REPLICA ALL: forget the channel and its relay log.
    ResetReplicaAll,
    /// CHANGE REPLICATION SOURCE TO … ; START REPLICA.
    ChangeSource {
        source: NodeId,
        auto_position: bool,
    },
    /// Inject an empty transaction for the failing GTID so the applier can go on.
    SkipFailedTransaction,
    /// MariaDB: CHANGE MASTER TO … MASTER_USE_GTID = slave_pos | current_pos; START SLAVE
    /// (Orchestrator's `ChangeMasterTo` turning a MariaDB server to GTID).
    ChangeMasterUseGtid {
        source: NodeId,
        use_gtid: crate::mariadb::UseGtid,
    },
}

#[derive(Clone, Debug)]
pub enum Msg {
    // Replication: replica IO thread <-> source dump thread. `conn` names the TCP
    // connection so packets of an old connection are recognised and dropped.
    DumpRequest {
        conn: u64,
        server_id: u32,
        uuid: Uuid,
        start: DumpStart,
        semi_sync: bool,
        /// SOURCE_HEARTBEAT_PERIOD the replica asks for (ms; 0 disables), when set by
        /// CHANGE REPLICATION SOURCE TO; `None` leaves it to the source's default.
        heartbeat_ms: Option<u64>,
    },
    DumpAccepted {
        conn: u64,
    },
    /// One transaction; `seq` numbers the packets of a connection so a gap (a packet lost
    /// to a cut link) shows up as the broken connection it would be in TCP.
    BinlogTrx {
        conn: u64,
        seq: u64,
        trx: Arc<Trx>,
        end: BinlogPos,
    },
    Heartbeat {
        conn: u64,
        seq: u64,
        pos: BinlogPos,
    },
    DumpError {
        conn: u64,
        errno: u16,
        message: String,
    },
    SemiSyncAck {
        conn: u64,
        pos: BinlogPos,
    },
    /// TCP RST from a host whose mysqld died: every connection to it breaks at once.
    ConnReset,
    /// The host answered but no mysqld listens (crashed or still recovering).
    Refused {
        req: u64,
    },
    // Application traffic: router <-> node.
    Query {
        req: u64,
        stmt: Statement,
    },
    QueryOk {
        req: u64,
        result: QueryResult,
    },
    QueryErr {
        req: u64,
        errno: u16,
        message: String,
    },
    // Failover manager (and router monitor) <-> node.
    Probe {
        req: u64,
    },
    ProbeReply {
        req: u64,
        status: Box<NodeStatus>,
    },
    Admin {
        req: u64,
        cmd: AdminCmd,
    },
    AdminReply {
        req: u64,
        result: Result<(), String>,
    },
    /// Manager -> router: send writes here from now on.
    SetWriter {
        node: NodeId,
    },
}

/// Kinds of messages, for colouring them in the UI and for the trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgKind {
    Binlog,
    Ack,
    Heartbeat,
    Connection,
    Client,
    Probe,
    Admin,
}

impl Msg {
    pub fn kind(&self) -> MsgKind {
        match self {
            Msg::BinlogTrx { .. } => MsgKind::Binlog,
            Msg::SemiSyncAck { .. } => MsgKind::Ack,
            Msg::Heartbeat { .. } => MsgKind::Heartbeat,
            Msg::DumpRequest { .. }
            | Msg::DumpAccepted { .. }
            | Msg::DumpError { .. }
            | Msg::ConnReset
            | Msg::Refused { .. } => MsgKind::Connection,
            Msg::Query { .. } | Msg::QueryOk { .. } | Msg::QueryErr { .. } => MsgKind::Client,
            Msg::Probe { .. } | Msg::ProbeReply { .. } => MsgKind::Probe,
            Msg::Admin { .. } | Msg::AdminReply { .. } | Msg::SetWriter { .. } => MsgKind::Admin,
        }
    }

    /// A stable small number per variant for the trace hash.
    pub fn code(&self) -> u8 {
        match self {
            Msg::DumpRequest { .. } => 1,
            Msg::DumpAccepted { .. } => 2,
            Msg::BinlogTrx { .. } => 3,
            Msg::Heartbeat { .. } => 4,
            Msg::DumpError { .. } => 5,
            Msg::SemiSyncAck { .. } => 6,
            Msg::ConnReset => 7,
            Msg::Refused { .. } => 8,
            Msg::Query { .. } => 9,
            Msg::QueryOk { .. } => 10,
            Msg::QueryErr { .. } => 11,
            Msg::Probe { .. } => 12,
            Msg::ProbeReply { .. } => 13,
            Msg::Admin { .. } => 14,
            Msg::AdminReply { .. } => 15,
            Msg::SetWriter { .. } => 16,
        }
    }

    /// The request id a refused connection should answer, if this opens one.
    pub fn request_id(&self) -> Option<u64> {
        match self {
            Msg::DumpRequest { conn, .. } => Some(*conn),
            Msg::Query { req, .. } | Msg::Probe { req } | Msg::Admin { req, .. } => Some(*req),
            _ => None,
        }
    }
}
