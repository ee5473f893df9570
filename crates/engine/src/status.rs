//! What `SHOW REPLICA STATUS` and a few globals tell: the view a probe returns, the UI
//! draws and the report prints. Orchestrator, VTOrc and students all reason in these terms.

use super::binlog::BinlogPos;
use super::gtid::{GtidSet, Uuid};
use super::ids::NodeId;
use crate::time::{Duration, Instant};
use serde::Serialize;

/// Replica_IO_Running: only `Yes` counts as replicating (orchestrator treats `Connecting` as not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum IoRunning {
    Yes,
    Connecting,
    No,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreadError {
    pub errno: u16,
    pub message: String,
    pub at_us: Instant,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplicaStatus {
    pub source: NodeId,
    pub auto_position: bool,
    pub io_running: IoRunning,
    pub sql_running: bool,
    pub last_io_error: Option<ThreadError>,
    pub last_sql_error: Option<ThreadError>,
    /// Read_Source_Log_Pos: the last byte received, in the source's binlog coordinates.
    pub read_source_pos: BinlogPos,
    /// Exec_Source_Log_Pos: the end of the last applied transaction, in source coordinates.
    pub exec_source_pos: BinlogPos,
    pub retrieved_gtid_set: GtidSet,
    /// Seconds_Behind_Source as MySQL computes it (None is NULL), to the microsecond.
    pub replication_lag: Option<Duration>,
    /// Transactions received but not yet applied.
    pub relay_log_pending: u64,
    pub semi_sync: bool,
    /// SQL_Delay: the channel's SOURCE_DELAY in seconds.
    pub sql_delay_s: u64,
    /// SQL_Remaining_Delay: seconds left while the applier waits out SOURCE_DELAY, else NULL.
    pub sql_remaining_delay_s: Option<u64>,
    /// Replica_SQL_Running_State: what the applier is doing (empty when it is stopped).
    pub sql_state: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeStatus {
    pub node: NodeId,
    pub server_id: u32,
    pub server_uuid: Uuid,
    pub read_only: bool,
    pub super_read_only: bool,
    pub gtid_executed: GtidSet,
    pub binlog_end: BinlogPos,
    pub log_replica_updates: bool,
    /// Rpl_semi_sync_source_status.
    pub semi_sync_source_on: bool,
    pub replica: Option<ReplicaStatus>,
}

impl ReplicaStatus {
    /// Seconds_Behind_Source as MySQL shows it: whole seconds, rounded down; None is NULL.
    pub fn seconds_behind_source(&self) -> Option<u64> {
        self.replication_lag.map(Duration::as_secs)
    }
}

impl NodeStatus {
    /// Replicating in orchestrator's sense: IO = Yes and SQL = Yes.
    pub fn replicating(&self) -> bool {
        self.replica
            .as_ref()
            .is_some_and(|r| r.io_running == IoRunning::Yes && r.sql_running)
    }
}
