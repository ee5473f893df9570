//! A DBA's control of the channel, one thread at a time (START/STOP REPLICA IO_THREAD |
//! SQL_THREAD, START REPLICA … UNTIL, RESET REPLICA, CHANGE REPLICATION SOURCE TO without
//! starting anything), next to the receiver and applier it steers.

use super::super::Node;
use super::Channel;
use crate::binlog::{BinlogPos, Trx};
use crate::effects::Effects;
use crate::gtid::GtidSet;
use crate::ids::NodeId;
use crate::status::IoRunning;
use crate::time::{Duration, Instant};

/// Where START REPLICA … UNTIL stops the applier (sql/rpl_replica.cc `Until_*` classes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplierUntil {
    /// SQL_BEFORE_GTIDS: stop before applying the first transaction in the set.
    BeforeGtids(GtidSet),
    /// SQL_AFTER_GTIDS: stop once every transaction in the set is applied.
    AfterGtids(GtidSet),
    /// SOURCE_LOG_FILE + SOURCE_LOG_POS: stop once applied up to that source position.
    SourcePos(BinlogPos),
}

/// What CHANGE REPLICATION SOURCE TO sets on the channel (None: left as it is).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChannelChange {
    pub source: Option<NodeId>,
    pub auto_position: Option<bool>,
    /// SOURCE_LOG_FILE / SOURCE_LOG_POS: where the receiver starts reading (file 0: the
    /// source's first file, as after a new SOURCE_HOST without coordinates).
    pub position: Option<BinlogPos>,
    pub delay: Option<Duration>,
}

impl ApplierUntil {
    /// Whether the applier stops before applying `trx`.
    pub(super) fn stops_before(&self, trx: &Trx) -> bool {
        matches!(self, ApplierUntil::BeforeGtids(set) if set.contains(trx.gtid))
    }

    /// Whether the applier, having applied up to here, stops.
    fn reached(&self, executed: &GtidSet, exec_pos: BinlogPos) -> bool {
        match self {
            ApplierUntil::BeforeGtids(_) => false,
            ApplierUntil::AfterGtids(set) => set.is_subset_of(executed),
            ApplierUntil::SourcePos(pos) => exec_pos >= *pos,
        }
    }
}

impl Channel {
    pub(super) fn stop_sql(&mut self) {
        self.sql_running = false;
        self.sql_epoch += 1;
        self.applying = false;
        self.sql_delay_end = None;
        self.until = None;
    }
}

impl Node {
    /// START REPLICA [IO_THREAD] [SQL_THREAD] [UNTIL …]: starts the named threads that are
    /// stopped. Returns whether any was.
    pub fn start_threads(
        &mut self,
        now: Instant,
        io: bool,
        sql: bool,
        until: Option<ApplierUntil>,
        fx: &mut Effects,
    ) -> bool {
        let executed = self.gtid_executed.clone();
        let Some(ch) = &mut self.channel else {
            return false;
        };
        let mut started = false;
        if sql && !ch.sql_running {
            ch.sql_running = true;
            ch.last_sql_error = None;
            ch.sql_epoch += 1;
            ch.applying = false;
            ch.sql_delay_end = None;
            ch.until = until;
            started = true;
            if ch
                .until
                .as_ref()
                .is_some_and(|u| u.reached(&executed, ch.exec_source_pos))
            {
                ch.stop_sql();
            }
        }
        if io && ch.io == IoRunning::No {
            ch.connect_attempts = 0;
            started = true;
            self.connect(now, fx);
        }
        self.kick_applier(now, fx);
        started
    }

    /// STOP REPLICA [IO_THREAD] [SQL_THREAD]: stops the named threads. Returns whether
    /// any was running.
    pub fn stop_threads(&mut self, io: bool, sql: bool, fx: &mut Effects) -> bool {
        let Some(ch) = &mut self.channel else {
            return false;
        };
        let mut stopped = false;
        if sql && ch.sql_running {
            ch.stop_sql();
            stopped = true;
        }
        if io && ch.io != IoRunning::No {
            ch.io = IoRunning::No;
            ch.conn += 1;
            stopped = true;
            self.close_source_connection(fx);
        }
        stopped
    }

    /// RESET REPLICA (ALL drops the channel): the relay log, the retrieved GTIDs, the
    /// coordinates and the errors go; the source and its options stay.
    pub fn reset_channel(&mut self, all: bool) {
        if all {
            self.channel = None;
            return;
        }
        if let Some(ch) = &mut self.channel {
            let mut fresh = Channel::new(ch.source, ch.auto_position, ch.semi_sync);
            fresh.conn = ch.conn;
            fresh.sql_delay = ch.sql_delay;
            *ch = fresh;
        }
    }

    /// CHANGE REPLICATION SOURCE TO: creates the channel or changes it, starting nothing
    /// (the console checked which threads must be stopped). A new source or new
    /// coordinates discard the relay log, as MySQL purges it.
    pub fn change_channel(&mut self, change: ChannelChange) {
        let semi_sync = self.cfg.rpl_semi_sync_replica_enabled;
        let ch = self.channel.get_or_insert_with(|| {
            let src = change.source.unwrap_or(NodeId(0));
            Channel::new(src, true, semi_sync)
        });
        let new_source = change.source.is_some_and(|s| s != ch.source);
        if let Some(s) = change.source {
            ch.source = s;
        }
        if let Some(a) = change.auto_position {
            ch.auto_position = a;
        }
        if let Some(d) = change.delay {
            ch.sql_delay = d;
        }
        let restart_at = change
            .position
            .or_else(|| (new_source && !ch.auto_position).then_some(BinlogPos { file: 0, pos: 4 }));
        if new_source || restart_at.is_some() {
            ch.relay_log.clear();
            ch.retrieved_gtid_set = GtidSet::new();
            ch.semi_sync = semi_sync;
        }
        if let Some(at) = restart_at {
            ch.read_source_pos = at;
            ch.exec_source_pos = at;
        }
    }

    /// After the applier committed a transaction: stop if the UNTIL point is reached.
    pub(super) fn until_check_after(&mut self) {
        let executed = &self.gtid_executed;
        let Some(ch) = &mut self.channel else { return };
        if ch
            .until
            .as_ref()
            .is_some_and(|u| u.reached(executed, ch.exec_source_pos))
        {
            ch.stop_sql();
        }
    }
}
