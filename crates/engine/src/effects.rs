//! What a process handler asks the world to do. Handlers never touch the network or the
//! clock: they take `now` and an input and record sends, timers and notes here — and,
//! for an actor that steers others (the resharding workflow), the changes it asks of them.

use super::gtid::{Gtid, GtidSet};
use super::history::Op;
use super::ids::{Addr, NodeId, ShardId};
use super::message::{Msg, Statement};
use super::steps::StepStatement;
use crate::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeTimer {
    /// The flush (and, if due, sync) stage of the current commit group is done.
    FlushDone,
    /// The engine commit stage of the current group is done.
    CommitDone,
    /// rpl_semi_sync_source_timeout for the wait numbered `wait`.
    SemiSyncTimeout {
        wait: u64,
    },
    /// The applier finished the transaction at the head of the relay log.
    ApplyDone {
        conn_epoch: u64,
    },
    /// Send the next batch of binlog to a replica that is catching up.
    DumpPump {
        server_id: u32,
        conn: u64,
    },
    Heartbeat {
        server_id: u32,
        conn: u64,
    },
    /// replica_net_timeout check for the IO thread's connection.
    NetTimeout {
        conn: u64,
    },
    /// SOURCE_CONNECT_RETRY elapsed: try connecting again.
    Reconnect {
        conn: u64,
    },
    /// InnoDB's once-a-second redo write/fsync (innodb_flush_log_at_trx_commit = 0 or 2).
    RedoFlush,
    /// The OS writes back an un-fsynced binlog (sync_binlog = 0 or N).
    OsWriteback,
    /// Crash recovery finished; the server accepts connections.
    BootDone,
    /// A read waiting for the session's GTID gave up.
    ReadWaitTimeout {
        req: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouterTimer {
    Monitor,
    ClientOp { client: u32 },
    QueryTimeout { req: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManagerTimer {
    Poll,
    ProbeTimeout { req: u64 },
    Analysis,
    RecoveryStep { recovery: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Node timers carry the node's restart epoch: a timer set before a crash is void after it.
    Node {
        epoch: u64,
        timer: NodeTimer,
    },
    Router(RouterTimer),
    /// A failover manager's timer; `shard` is the cluster it looks after (0 when unsharded).
    Manager {
        shard: ShardId,
        timer: ManagerTimer,
    },
    /// The resharding workflow's tick (the control plane runs on the manager's host).
    Workflow,
}

impl Timer {
    /// The timer's number in the trace (part of the trace hash: never renumber one).
    pub fn code(&self) -> u8 {
        use {ManagerTimer as M, NodeTimer as N, RouterTimer as R};
        match self {
            Timer::Node { timer, .. } => match timer {
                N::FlushDone => 1,
                N::CommitDone => 2,
                N::SemiSyncTimeout { .. } => 3,
                N::ApplyDone { .. } => 4,
                N::DumpPump { .. } => 5,
                N::Heartbeat { .. } => 6,
                N::NetTimeout { .. } => 7,
                N::Reconnect { .. } => 8,
                N::RedoFlush => 9,
                N::OsWriteback => 10,
                N::BootDone => 11,
                N::ReadWaitTimeout { .. } => 12,
            },
            Timer::Router(r) => match r {
                R::Monitor => 20,
                R::ClientOp { .. } => 21,
                R::QueryTimeout { .. } => 22,
            },
            Timer::Workflow => 40,
            Timer::Manager { timer: m, .. } => match m {
                M::Poll => 30,
                M::ProbeTimeout { .. } => 31,
                M::Analysis => 32,
                M::RecoveryStep { .. } => 33,
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplThread {
    Io,
    Sql,
}

/// Facts the checker and the trace need that are not messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    ReplicationError {
        node: NodeId,
        thread: ReplThread,
        errno: u16,
        message: String,
    },
    SemiSyncStatus {
        node: NodeId,
        on: bool,
    },
    /// A client (not replicated) transaction committed on a writable node.
    ClientCommit {
        node: NodeId,
        gtid: Gtid,
    },
    /// Crash recovery rolled these transactions back (they were acknowledged or not).
    RolledBack {
        node: NodeId,
        gtids: GtidSet,
    },
    /// After crash recovery a node's data and binlog disagree: `data_only` are committed
    /// in its tables but their binlog events were lost (sync_binlog != 1), `binlog_only`
    /// are in its binlog but recovery undid them (innodb_flush_log_at_trx_commit != 1).
    BinlogMismatch {
        node: NodeId,
        data_only: GtidSet,
        binlog_only: GtidSet,
    },
    /// A node finished crash recovery (lost-write check for acknowledged writes).
    Recovered {
        node: NodeId,
    },
    Promoted {
        node: NodeId,
    },
}

/// A change one actor asks of another whose state it does not own. The resharding
/// workflow steers the router and the nodes this way, as vtctld does through the topology
/// server and the tablets; the world carries the asks out in the order they were made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Whether a routing-table row (Vitess's SrvKeyspace partition) serves reads and
    /// writes for its range; `None` leaves that side as it is.
    Serve {
        shard: ShardId,
        reads: Option<bool>,
        writes: Option<bool>,
    },
    /// Stops writes to a shard at the router while traffic switches (or lets them through).
    StopWrites { shard: ShardId, stopped: bool },
    /// Vitess's DeniedTables on every node of a shard: client writes are refused there.
    DenyWrites { shard: ShardId, denied: bool },
    /// A row change VReplication writes on a target primary (an upsert or a delete).
    VReplicationWrite { node: NodeId, stmt: Statement },
    /// VDiff found rows that differ when traffic switched: a finding against these nodes.
    VDiffMismatch {
        nodes: Vec<NodeId>,
        rows: u64,
        diff: u64,
    },
    /// A line for the event log, as an operator's action.
    Log(String),
}

#[derive(Clone, Debug, Default)]
pub struct Effects {
    pub sends: Vec<(Addr, Addr, Msg)>,
    pub timers: Vec<(Instant, Addr, Timer)>,
    pub notes: Vec<Note>,
    /// Client operations that completed (the router's), for the history and the checker.
    pub ops: Vec<Op>,
    /// Changes asked of other actors, in order.
    pub asks: Vec<Ask>,
    /// The statements an automated step ran (observations: the world keeps and shows them).
    pub statements: Vec<StepStatement>,
}

impl Effects {
    pub fn send(&mut self, from: Addr, to: Addr, msg: Msg) {
        self.sends.push((from, to, msg));
    }

    pub fn timer(&mut self, at: Instant, owner: Addr, timer: Timer) {
        self.timers.push((at, owner, timer));
    }

    pub fn note(&mut self, note: Note) {
        self.notes.push(note);
    }

    /// A client operation completed (acknowledged, failed, or with an unknown outcome).
    pub fn op_done(&mut self, op: Op) {
        self.ops.push(op);
    }

    /// Another actor should change (see `Ask`).
    pub fn ask(&mut self, ask: Ask) {
        self.asks.push(ask);
    }

    /// An automated step ran this statement (see `steps`).
    pub fn statement(&mut self, s: StepStatement) {
        self.statements.push(s);
    }

    pub fn is_empty(&self) -> bool {
        self.sends.is_empty()
            && self.timers.is_empty()
            && self.notes.is_empty()
            && self.ops.is_empty()
            && self.asks.is_empty()
            && self.statements.is_empty()
    }
}
