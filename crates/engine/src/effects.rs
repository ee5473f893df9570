//! What a process handler asks the world to do. Handlers never touch the network or the
//! clock: they take `now` and an input and record sends, timers and notes here.

use super::gtid::{Gtid, GtidSet};
use super::ids::{Addr, NodeId};
use super::message::Msg;
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
    /// A failover manager's timer; `group` is its shard group (0 when unsharded).
    Manager {
        group: u16,
        timer: ManagerTimer,
    },
    /// The resharding workflow's tick (the control plane runs on the manager's host).
    Workflow,
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
    /// A node finished crash recovery (lost-write check for acknowledged writes).
    Recovered {
        node: NodeId,
    },
    Promoted {
        node: NodeId,
    },
}

#[derive(Clone, Debug, Default)]
pub struct Effects {
    pub sends: Vec<(Addr, Addr, Msg)>,
    pub timers: Vec<(Instant, Addr, Timer)>,
    pub notes: Vec<Note>,
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

    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.timers.is_empty() && self.notes.is_empty()
    }
}
