//! Fixtures for the unit tests beside each actor. A test builds one actor, hands it
//! messages and timers itself, and reads what the handler recorded in [`Effects`]: no
//! `World`, no network, no queue — the sans-I/O design cashed in, as Stateright tests actors.

use crate::binlog::{BinlogPos, Trx};
use crate::config::NodeConfig;
use crate::effects::{Effects, NodeTimer, Timer};
use crate::gtid::{Gtid, GtidSet, Uuid};
use crate::ids::{Addr, NodeId};
use crate::message::Msg;
use crate::node::Node;
use crate::rows::RowEvent;
use crate::status::{IoRunning, NodeStatus, ReplicaStatus};
use crate::time::{Duration, Instant};
use std::sync::Arc;

/// Runs one handler call and returns what it recorded.
pub(crate) fn effects(handler: impl FnOnce(&mut Effects)) -> Effects {
    let mut fx = Effects::default();
    handler(&mut fx);
    fx
}

/// The server UUID of the node with server_id `server_id` in these tests.
pub(crate) fn uuid(server_id: u32) -> Uuid {
    Uuid::from_u128(u128::from(server_id))
}

pub(crate) fn gtid(server_id: u32, gno: u64) -> Gtid {
    Gtid {
        uuid: uuid(server_id),
        gno,
    }
}

/// `uuid(server_id):first-last`.
pub(crate) fn gtids(server_id: u32, first: u64, last: u64) -> GtidSet {
    let mut set = GtidSet::new();
    set.insert_interval(uuid(server_id), first, last);
    set
}

pub(crate) fn pos(file: u32, pos: u64) -> BinlogPos {
    BinlogPos { file, pos }
}

pub(crate) fn at_ms(v: u64) -> Instant {
    Instant::from_millis(v)
}

/// A node named `db{id+1}` with server_id `id + 1` and `uuid(id + 1)`, replicating from
/// `source` if given.
pub(crate) fn node(id: u32, cfg: NodeConfig, source: Option<u32>) -> Node {
    let cfg = NodeConfig {
        name: format!("db{}", id + 1),
        ..cfg
    };
    Node::new(NodeId(id), cfg, id + 1, uuid(id + 1), source.map(NodeId))
}

/// A transaction of one row change as the server with `server_id` committed it.
pub(crate) fn trx(server_id: u32, gno: u64, row: RowEvent, timestamp: Instant) -> Arc<Trx> {
    Arc::new(Trx {
        gtid: gtid(server_id, gno),
        server_id,
        timestamp,
        rows: smallvec::smallvec![row],
    })
}

/// The node timers recorded, with when they fire.
pub(crate) fn node_timers(fx: &Effects) -> Vec<(Instant, NodeTimer)> {
    fx.timers
        .iter()
        .filter_map(|(at, _, t)| match t {
            Timer::Node { timer, .. } => Some((*at, *timer)),
            _ => None,
        })
        .collect()
}

/// The messages recorded, each with its destination.
pub(crate) fn sent(fx: &Effects) -> Vec<(Addr, &Msg)> {
    fx.sends.iter().map(|(_, to, m)| (*to, m)).collect()
}

/// What a probe of a primary returns: writable, no replication channel.
pub(crate) fn primary_status(node: u32, executed: GtidSet) -> NodeStatus {
    NodeStatus {
        node: NodeId(node),
        server_id: node + 1,
        server_uuid: uuid(node + 1),
        read_only: false,
        super_read_only: false,
        gtid_executed: executed,
        binlog_end: pos(1, 157),
        log_replica_updates: true,
        semi_sync_source_on: false,
        replica: None,
    }
}

/// What a probe of a healthy, caught-up replica of `source` returns.
pub(crate) fn replica_status(node: u32, source: u32, lag: Option<Duration>) -> NodeStatus {
    NodeStatus {
        read_only: true,
        replica: Some(ReplicaStatus {
            source: NodeId(source),
            auto_position: true,
            io_running: IoRunning::Yes,
            sql_running: true,
            last_io_error: None,
            last_sql_error: None,
            read_source_pos: pos(1, 157),
            exec_source_pos: pos(1, 157),
            retrieved_gtid_set: GtidSet::new(),
            replication_lag: lag,
            relay_log_pending: 0,
            semi_sync: false,
            sql_delay_s: 0,
            sql_remaining_delay_s: None,
            sql_state: crate::node::STATE_SQL_IDLE,
        }),
        ..primary_status(node, GtidSet::new())
    }
}
