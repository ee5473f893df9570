//! A `mysqld` on its own host: binlog, InnoDB table, commit pipeline, dump threads for its
//! replicas and at most one replication channel from its source.
//!
//! The node is a state machine without I/O: every handler takes `now` and an input and
//! records what should happen in [`Effects`]. Primary, replica, intermediate source and
//! co-primary are all this same struct, configured differently.

mod backup;
mod commit;
mod crash;
mod dba;
pub(crate) mod mariadb;
mod replica;
mod source;

pub use backup::ER_GTID_PURGED_NOT_EMPTY;
pub use commit::SemiSyncState;
pub use dba::{SetError, Setting};
pub use replica::{
    ApplierUntil, Channel, ChannelChange, RelayEntry, STATE_SQL_DELAY, STATE_SQL_IDLE,
};
pub use source::DumpThread;

use super::binlog::{Binlog, BinlogPos};
use super::config::NodeConfig;
use super::effects::{Effects, NodeTimer, Timer};
use super::gtid::{GtidSet, Uuid};
use super::ids::{Addr, NodeId};
use super::mariadb::MariaGtid;
use super::message::{AdminCmd, Msg, QueryResult, Statement};
use super::rows::Table;
use super::status::NodeStatus;
use crate::time::{Instant, ms, secs};
use commit::Pipeline;
use crash::Durability;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Process {
    Running,
    /// `mysqld` is down. `power_loss` tells whether the host died too (no TCP resets,
    /// page cache lost) or only the process (peers see resets at once).
    Crashed {
        power_loss: bool,
    },
    /// Restarted, replaying redo and resolving prepared transactions.
    Booting,
}

/// A read waiting for the replica to apply the session's last write.
#[derive(Clone, Debug)]
struct WaitingRead {
    req: u64,
    from: Addr,
    key: u64,
    after: super::gtid::Gtid,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    pub cfg: NodeConfig,
    pub server_id: u32,
    pub uuid: Uuid,
    pub process: Process,
    pub read_only: bool,
    pub super_read_only: bool,
    pub data: Table,
    pub binlog: Binlog,
    pub gtid_executed: GtidSet,
    /// GTIDs committed without a binlog entry (applied with log_replica_updates=OFF): MySQL
    /// keeps them in the mysql.gtid_executed table, protected by the redo log.
    gtid_table: GtidSet,
    pub channel: Option<Channel>,
    pub dumps: Vec<DumpThread>,
    pub semi_sync: SemiSyncState,
    pipeline: Pipeline,
    durability: Durability,
    waiting_reads: Vec<WaitingRead>,
    /// Bumped on every crash so timers set before it are recognised as void.
    pub epoch: u64,
    /// Vitess's DeniedTables during and after a resharding switch: client writes are
    /// refused here (the shard no longer owns the rows); VReplication's own writes are not.
    pub writes_denied: bool,
    /// Applier slow-down factor (1 = normal): "slow this node's applier".
    pub apply_slowdown: u32,
    /// Client transactions committed here (not replicated ones).
    pub client_commits: u64,
    /// Undo image of the transaction the applier has applied but not yet committed.
    pending_undo: Option<Vec<(u64, Option<u64>)>>,
    /// Sessions whose SET GLOBAL read_only=ON waits for pending commits.
    read_only_waiters: Vec<(Addr, u64)>,
    /// The configuration the next start reads (my.cnf and mysqld-auto.cnf) when SET GLOBAL
    /// made the running one differ; `None` while they are the same.
    boot_cfg: Option<Box<NodeConfig>>,
    /// MariaDB's `gtid_slave_pos` (the mysql.gtid_slave_pos table): per domain, the last
    /// transaction the applier committed. Empty on a MySQL node.
    pub slave_pos: BTreeMap<u32, MariaGtid>,
}

impl Node {
    pub fn new(
        id: NodeId,
        cfg: NodeConfig,
        server_id: u32,
        uuid: Uuid,
        source: Option<NodeId>,
    ) -> Self {
        // A MariaDB server's GTIDs name its domain and server_id, not a UUID (mariadb.rs).
        let uuid = if cfg.flavor.is_mariadb() {
            crate::mariadb::server_uuid(cfg.gtid_domain_id, server_id)
        } else {
            uuid
        };
        let channel = source.map(|s| {
            let mut ch = Channel::new(s, cfg.auto_position, cfg.rpl_semi_sync_replica_enabled);
            ch.sql_delay = secs(cfg.source_delay_s);
            ch
        });
        Node {
            id,
            server_id,
            uuid,
            process: Process::Running,
            read_only: cfg.read_only || cfg.super_read_only,
            super_read_only: cfg.super_read_only && !cfg.flavor.is_mariadb(),
            data: Table::default(),
            binlog: Binlog::new(cfg.max_binlog_size),
            gtid_executed: GtidSet::new(),
            gtid_table: GtidSet::new(),
            channel,
            dumps: Vec::new(),
            semi_sync: SemiSyncState::new(cfg.rpl_semi_sync_source_enabled),
            pipeline: Pipeline::default(),
            durability: Durability::default(),
            waiting_reads: Vec::new(),
            epoch: 0,
            writes_denied: false,
            apply_slowdown: 1,
            client_commits: 0,
            pending_undo: None,
            read_only_waiters: Vec::new(),
            boot_cfg: None,
            slave_pos: BTreeMap::new(),
            cfg,
        }
    }

    pub fn addr(&self) -> Addr {
        Addr::Node(self.id)
    }

    pub fn name(&self) -> &str {
        &self.cfg.name
    }

    pub fn is_running(&self) -> bool {
        self.process == Process::Running
    }

    pub(crate) fn timer(&self, fx: &mut Effects, at: Instant, timer: NodeTimer) {
        fx.timer(
            at,
            self.addr(),
            Timer::Node {
                epoch: self.epoch,
                timer,
            },
        );
    }

    /// Starts the node's background work at time zero.
    pub fn start(&mut self, now: Instant, fx: &mut Effects) {
        self.start_background(now, fx);
        if self.channel.is_some() {
            let _ = self.start_replica(now, fx);
        }
    }

    fn start_background(&mut self, now: Instant, fx: &mut Effects) {
        if self.cfg.innodb_flush_log_at_trx_commit != 1 {
            self.timer(fx, now + secs(1), NodeTimer::RedoFlush);
        }
        if self.cfg.sync_binlog != 1 {
            self.timer(
                fx,
                now + ms(self.cfg.os_writeback_ms.max(1)),
                NodeTimer::OsWriteback,
            );
        }
    }

    pub fn status(&self, now: Instant) -> NodeStatus {
        NodeStatus {
            node: self.id,
            server_id: self.server_id,
            server_uuid: self.uuid,
            read_only: self.read_only,
            super_read_only: self.super_read_only,
            gtid_executed: self.gtid_executed.clone(),
            binlog_end: self.binlog.end(),
            log_replica_updates: self.cfg.log_replica_updates,
            semi_sync_source_on: self.semi_sync.enabled && self.semi_sync.on,
            replica: self
                .channel
                .as_ref()
                .map(|c| c.status(now, self.is_running())),
        }
    }

    /// Handles one delivered message. A node that is not running never gets here: the
    /// world answers for it (refused) or drops the message (host down).
    pub fn on_message(&mut self, now: Instant, from: Addr, msg: Msg, fx: &mut Effects) {
        match msg {
            Msg::DumpRequest {
                conn,
                server_id,
                uuid,
                start,
                semi_sync,
                heartbeat_ms,
            } => {
                let replica = (conn, server_id, uuid, semi_sync, heartbeat_ms);
                self.on_dump_request(now, from, replica, start, fx)
            }
            Msg::SemiSyncAck { conn, pos } => self.on_semi_sync_ack(now, from, conn, pos, fx),
            Msg::DumpAccepted { conn } => self.on_dump_accepted(now, from, conn, fx),
            Msg::BinlogTrx {
                conn,
                seq,
                trx,
                end,
            } => self.on_binlog_trx(now, from, conn, seq, trx, end, fx),
            Msg::Heartbeat { conn, seq, pos } => self.on_heartbeat(now, from, conn, seq, pos, fx),
            Msg::DumpError {
                conn,
                errno,
                message,
            } => self.on_dump_error(now, from, conn, errno, message, fx),
            Msg::ConnReset => self.on_conn_reset(now, from, fx),
            Msg::Refused { req } => self.on_refused(now, from, req, fx),
            Msg::Query { req, stmt } => self.on_query(now, from, req, stmt, false, fx),
            Msg::Probe { req } => {
                let status = Box::new(self.status(now));
                fx.send(self.addr(), from, Msg::ProbeReply { req, status });
            }
            Msg::Admin { req, cmd } => {
                let sets_read_only = matches!(
                    cmd,
                    AdminCmd::SetReadOnly {
                        read_only: true,
                        ..
                    } | AdminCmd::SetReadOnly {
                        super_read_only: true,
                        ..
                    }
                );
                let result = self.operator(now, cmd, fx);
                if sets_read_only && result.is_ok() && self.pipeline.waiting() > 0 {
                    // SET GLOBAL read_only=ON blocks until pending commits complete.
                    self.read_only_waiters.push((from, req));
                } else {
                    fx.send(self.addr(), from, Msg::AdminReply { req, result });
                }
            }
            Msg::QueryOk { .. }
            | Msg::QueryErr { .. }
            | Msg::ProbeReply { .. }
            | Msg::AdminReply { .. }
            | Msg::SetWriter { .. } => {}
        }
    }

    pub fn on_timer(&mut self, now: Instant, timer: NodeTimer, fx: &mut Effects) {
        match timer {
            NodeTimer::FlushDone => self.on_flush_done(now, fx),
            NodeTimer::CommitDone => self.on_commit_done(now, fx),
            NodeTimer::SemiSyncTimeout { wait } => self.on_semi_sync_timeout(now, wait, fx),
            NodeTimer::ApplyDone { conn_epoch } => self.on_apply_done(now, conn_epoch, fx),
            NodeTimer::DumpPump { server_id, conn } => self.pump_dump(now, server_id, conn, fx),
            NodeTimer::Heartbeat { server_id, conn } => {
                self.on_heartbeat_timer(now, server_id, conn, fx)
            }
            NodeTimer::NetTimeout { conn } => self.on_net_timeout(now, conn, fx),
            NodeTimer::Reconnect { conn } => self.on_reconnect(now, conn, fx),
            NodeTimer::RedoFlush => self.on_redo_flush(now, fx),
            NodeTimer::OsWriteback => self.on_os_writeback(now, fx),
            NodeTimer::BootDone => self.on_boot_done(now, fx),
            NodeTimer::ReadWaitTimeout { req } => self.on_read_wait_timeout(req, fx),
        }
    }

    /// A client statement. `admin` marks a DBA session with SUPER: it passes `read_only`
    /// (creating errant transactions on replicas) but not `super_read_only`.
    pub fn on_query(
        &mut self,
        now: Instant,
        from: Addr,
        req: u64,
        stmt: Statement,
        admin: bool,
        fx: &mut Effects,
    ) {
        if let Statement::Read { key, after } = stmt {
            match after {
                Some(g) if !self.gtid_executed.contains(g) => {
                    self.waiting_reads.push(WaitingRead {
                        req,
                        from,
                        key,
                        after: g,
                    });
                    let wait = secs(1);
                    self.timer(fx, now + wait, NodeTimer::ReadWaitTimeout { req });
                }
                _ => {
                    let value = self.data.get(key);
                    fx.send(
                        self.addr(),
                        from,
                        Msg::QueryOk {
                            req,
                            result: QueryResult::Read { value },
                        },
                    );
                }
            }
            return;
        }
        if self.writes_denied && !admin {
            let message =
                "table is denied: its rows are moving to other shards (resharding)".to_string();
            fx.send(
                self.addr(),
                from,
                Msg::QueryErr {
                    req,
                    errno: 1105,
                    message,
                },
            );
            return;
        }
        let blocked = if admin {
            self.super_read_only
        } else {
            self.read_only
        };
        if blocked {
            let message = self.read_only_message();
            fx.send(
                self.addr(),
                from,
                Msg::QueryErr {
                    req,
                    errno: 1290,
                    message,
                },
            );
            return;
        }
        self.enqueue_write(now, from, req, commit::Write::Client(stmt), fx);
    }

    /// ER_OPTION_PREVENTS_STATEMENT (1290) for a write refused by (super_)read_only.
    fn read_only_message(&self) -> String {
        let option = if self.super_read_only {
            "--super-read-only"
        } else {
            "--read-only"
        };
        let server = if self.cfg.flavor.is_mariadb() {
            "MariaDB"
        } else {
            "MySQL"
        };
        format!(
            "The {server} server is running with the {option} option so it cannot execute this statement"
        )
    }

    /// Answers SET GLOBAL read_only sessions once no commit is pending.
    pub(crate) fn release_read_only_waiters(&mut self, fx: &mut Effects) {
        if self.pipeline.waiting() == 0 {
            for (to, req) in std::mem::take(&mut self.read_only_waiters) {
                fx.send(
                    self.addr(),
                    to,
                    Msg::AdminReply {
                        req,
                        result: Ok(()),
                    },
                );
            }
        }
    }

    /// Answers reads that were waiting for a GTID this node has now applied.
    fn release_waiting_reads(&mut self, fx: &mut Effects) {
        if self.waiting_reads.is_empty() {
            return;
        }
        let (ready, waiting): (Vec<_>, Vec<_>) = self
            .waiting_reads
            .drain(..)
            .partition(|w| self.gtid_executed.contains(w.after));
        self.waiting_reads = waiting;
        for w in ready {
            let value = self.data.get(w.key);
            fx.send(
                self.addr(),
                w.from,
                Msg::QueryOk {
                    req: w.req,
                    result: QueryResult::Read { value },
                },
            );
        }
    }

    fn on_read_wait_timeout(&mut self, req: u64, fx: &mut Effects) {
        if let Some(i) = self.waiting_reads.iter().position(|w| w.req == req) {
            let w = self.waiting_reads.remove(i);
            let message = format!(
                "WAIT_FOR_EXECUTED_GTID_SET timed out waiting for {}",
                w.after
            );
            fx.send(
                self.addr(),
                w.from,
                Msg::QueryErr {
                    req,
                    errno: 3024,
                    message,
                },
            );
        }
    }

    /// A DBA or failover-manager command (the SQL they would type), applied now.
    pub fn operator(
        &mut self,
        now: Instant,
        cmd: AdminCmd,
        fx: &mut Effects,
    ) -> Result<(), String> {
        match cmd {
            AdminCmd::SetReadOnly {
                read_only,
                super_read_only,
            } => {
                // super_read_only forces read_only on; read_only off forces super_read_only off.
                // MariaDB has no super_read_only: a fence sets read_only only, which a
                // session with READ ONLY ADMIN (root's ALL PRIVILEGES) still passes.
                self.super_read_only = super_read_only && !self.cfg.flavor.is_mariadb();
                self.read_only = read_only || super_read_only;
                Ok(())
            }
            AdminCmd::StopReplica => {
                self.close_source_connection(fx);
                self.stop_replica()
            }
            AdminCmd::StartReplica => self.start_replica(now, fx),
            AdminCmd::DrainRelayLog => {
                if self.channel.is_none() {
                    return Err(
                        "ER_REPLICA_CONFIGURATION: no replication source is configured".into(),
                    );
                }
                self.stop_threads(true, false, fx);
                self.start_threads(now, false, true, None, fx);
                Ok(())
            }
            AdminCmd::ResetReplicaAll => {
                self.close_source_connection(fx);
                self.reset_replica_all()
            }
            AdminCmd::ChangeSource {
                source,
                auto_position,
            } => self.change_source(now, source, auto_position, fx),
            AdminCmd::SkipFailedTransaction => self.skip_failed_transaction(now, fx),
            AdminCmd::ChangeMasterUseGtid { source, use_gtid } => {
                // The mode is the channel's, kept by later CHANGE MASTER TO that omit it.
                self.cfg.master_use_gtid = use_gtid;
                self.change_source(now, source, true, fx)
            }
        }
    }

    /// A write VReplication makes on this (target) primary: a local transaction with this
    /// server's own GTID, not subject to read_only (it runs as the tablet's own user).
    pub fn vreplication_write(&mut self, now: Instant, stmt: Statement, fx: &mut Effects) {
        let me = self.addr();
        self.enqueue_write(now, me, 0, commit::Write::Client(stmt), fx);
    }

    /// Sets or clears DeniedTables (the resharding workflow asks for it at a switch).
    pub fn set_writes_denied(&mut self, denied: bool) {
        self.writes_denied = denied;
    }

    /// Writes accepted but not yet committed (VDiff waits for none).
    pub fn pending_writes(&self) -> u64 {
        self.pipeline.waiting()
    }

    pub fn binlog_end(&self) -> BinlogPos {
        self.binlog.end()
    }

    /// Transactions in the relay log not yet applied.
    pub fn relay_pending(&self) -> u64 {
        self.channel
            .as_ref()
            .map_or(0, |c| c.relay_log.len() as u64)
    }

    /// Adds what this server holds to `f`: binlog, table and GTID sets in full; relay log,
    /// dump threads and commits in flight by count (they hold transactions the binlogs
    /// already account for).
    pub fn footprint(&self, f: &mut crate::footprint::Footprint) {
        self.binlog.footprint(f);
        self.data.footprint(f);
        let channel = self.channel.as_ref().map_or(0, |c| {
            c.relay_log.capacity() * size_of::<RelayEntry>() + c.retrieved_gtid_set.heap_bytes()
        });
        let in_flight = self.pending_writes() as usize + self.waiting_reads.len();
        f.add(
            size_of::<Node>()
                + self.gtid_executed.heap_bytes()
                + self.gtid_table.heap_bytes()
                + channel
                + self.dumps.capacity() * size_of::<DumpThread>()
                + in_flight * 128,
        );
    }
}
