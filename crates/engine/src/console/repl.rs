//! The replication statements: CHANGE REPLICATION SOURCE TO, START / STOP / RESET
//! REPLICA, RESET BINARY LOGS AND GTIDS, FLUSH BINARY LOGS, PURGE BINARY LOGS, and the
//! server's SHUTDOWN and RESTART, with the checks and errors of sql/rpl_replica.cc
//! (`change_master`, `start_slave`, `reset_slave`) and sql/rpl_source.cc.

use super::exec::{Answer, Outcome};
use super::show::{WALL_CLOCK_EPOCH_UNIX_S, has_binlog_file};
use crate::binlog::{BinlogPos, PurgeStop};
use crate::gtid::GtidSet;
use crate::ids::NodeId;
use crate::node::{ApplierUntil, ChannelChange};
use crate::sql::{Purge, SourceOption, SqlError, Threads, Until};
use crate::status::IoRunning;
use crate::time::{Instant, secs};
use crate::world::World;

fn ok() -> Outcome {
    Ok(Answer::Ok {
        affected: 0,
        info: None,
    })
}

/// ER_REPLICA_CONFIGURATION: no CHANGE REPLICATION SOURCE TO yet.
fn not_configured() -> SqlError {
    SqlError::new(
        1200,
        "HY000",
        "The server is not configured as replica; fix in config file or with CHANGE REPLICATION SOURCE TO",
    )
}

fn io_must_stop() -> SqlError {
    SqlError::new(
        3021,
        "HY000",
        "This operation cannot be performed with a running replica io thread; run STOP REPLICA IO_THREAD FOR CHANNEL '' first.",
    )
}

fn sql_must_stop() -> SqlError {
    SqlError::new(
        3085,
        "HY000",
        "This operation cannot be performed with a running replica sql thread; run STOP REPLICA SQL_THREAD FOR CHANNEL '' first.",
    )
}

fn threads_must_stop() -> SqlError {
    SqlError::new(
        3081,
        "HY000",
        "This operation cannot be performed with running replication threads; run STOP REPLICA FOR CHANNEL '' first",
    )
}

/// The number of `binlog.000003` (any prefix before the last dot).
fn binlog_number(name: &str) -> Option<u32> {
    name.rsplit('.').next()?.parse().ok()
}

fn gtid_set(text: &str) -> Result<GtidSet, SqlError> {
    text.parse().map_err(|_| {
        SqlError::new(
            1772,
            "HY000",
            format!("Malformed GTID set specification '{text}'."),
        )
    })
}

impl World {
    /// CHANGE REPLICATION SOURCE TO: receiver options need the receiver stopped (3021),
    /// applier options the applier (3085), SOURCE_AUTO_POSITION both (3081); coordinates
    /// and auto-positioning exclude each other (1776).
    pub(super) fn change_source_to(&mut self, id: NodeId, options: &[SourceOption]) -> Outcome {
        let (mut change, file, pos) = self.read_source_options(id, options)?;
        let n = &mut self.nodes[id.index()];
        if n.channel.is_none() && change.source.is_none() {
            return Err(SqlError::new(
                1210,
                "HY000",
                "Incorrect arguments to CHANGE REPLICATION SOURCE TO: SOURCE_HOST is needed to set up replication",
            ));
        }
        if file.is_some() || pos.is_some() {
            let current =
                (n.channel.as_ref()).map_or(BinlogPos { file: 0, pos: 4 }, |c| c.read_source_pos);
            change.position = Some(BinlogPos {
                file: file.unwrap_or(current.file),
                pos: pos.unwrap_or(4).max(4),
            });
        }
        for o in options {
            match o {
                SourceOption::ConnectRetryS(s) => {
                    // MySQL keeps SOURCE_CONNECT_RETRY within a year (31536000 s).
                    n.cfg.source_connect_retry_s = (*s).clamp(1, 31_536_000);
                }
                SourceOption::RetryCount(c) => n.cfg.source_retry_count = *c,
                SourceOption::UseGtid(Some(u)) => n.cfg.master_use_gtid = *u,
                _ => {}
            }
        }
        n.change_channel(change);
        ok()
    }

    /// The options' change, file number and position, after the checks of which
    /// threads must be stopped.
    fn read_source_options(
        &self,
        id: NodeId,
        options: &[SourceOption],
    ) -> Result<(ChannelChange, Option<u32>, Option<u64>), SqlError> {
        let (io_on, sql_on) = self.threads_running(id);
        let mut change = ChannelChange::default();
        let (mut file, mut pos) = (None, None);
        let mut receiver = false;
        for o in options {
            match o {
                SourceOption::Host(h) => {
                    let s = self.node_id(h).filter(|s| *s != id).ok_or_else(|| {
                        SqlError::new(
                            2005,
                            "HY000",
                            format!("Unknown MySQL server host '{h}' (-2)"),
                        )
                    })?;
                    change.source = Some(s);
                    receiver = true;
                }
                SourceOption::AutoPosition(_) if io_on || sql_on => {
                    return Err(threads_must_stop());
                }
                SourceOption::AutoPosition(a) => change.auto_position = Some(*a),
                SourceOption::UseGtid(_) if !self.nodes[id.index()].cfg.flavor.is_mariadb() => {
                    return Err(SqlError::new(
                        1064,
                        "42000",
                        "MASTER_USE_GTID is MariaDB's option: MySQL uses SOURCE_AUTO_POSITION = 1",
                    ));
                }
                SourceOption::UseGtid(_) if io_on || sql_on => {
                    return Err(threads_must_stop());
                }
                SourceOption::UseGtid(u) => change.auto_position = Some(u.is_some()),
                SourceOption::LogFile(f) => {
                    file = Some(binlog_number(f).ok_or_else(|| {
                        SqlError::new(
                            1380,
                            "HY000",
                            format!(
                                "Failed initializing replica source info: bad SOURCE_LOG_FILE '{f}'"
                            ),
                        )
                    })?);
                    receiver = true;
                }
                SourceOption::LogPos(p) => {
                    pos = Some(*p);
                    receiver = true;
                }
                SourceOption::DelayS(_)
                | SourceOption::RelayLogFile(_)
                | SourceOption::RelayLogPos(_)
                    if sql_on =>
                {
                    return Err(sql_must_stop());
                }
                SourceOption::DelayS(s) => change.delay = Some(secs(*s)),
                SourceOption::HeartbeatPeriodMs(p) => {
                    change.heartbeat_ms = Some(*p);
                    receiver = true;
                }
                SourceOption::RelayLogFile(_) | SourceOption::RelayLogPos(_) => {}
                _ => receiver = true,
            }
        }
        if receiver && io_on {
            return Err(io_must_stop());
        }
        self.check_coordinates(id, &change, options)?;
        Ok((change, file, pos))
    }

    /// SOURCE_LOG_FILE / POS and RELAY_LOG_FILE / POS are refused under auto-positioning.
    fn check_coordinates(
        &self,
        id: NodeId,
        change: &ChannelChange,
        options: &[SourceOption],
    ) -> Result<(), SqlError> {
        let channel = self.nodes[id.index()].channel.as_ref();
        let auto =
            (change.auto_position).unwrap_or_else(|| channel.is_none_or(|c| c.auto_position));
        let coordinates = options.iter().any(|o| {
            matches!(
                o,
                SourceOption::LogFile(_)
                    | SourceOption::LogPos(_)
                    | SourceOption::RelayLogFile(_)
                    | SourceOption::RelayLogPos(_)
            )
        });
        if auto && coordinates {
            return Err(SqlError::new(
                1776,
                "HY000",
                "Parameters SOURCE_LOG_FILE, SOURCE_LOG_POS, RELAY_LOG_FILE and RELAY_LOG_POS cannot be set when SOURCE_AUTO_POSITION is active.",
            ));
        }
        Ok(())
    }

    /// Whether the receiver and the applier run.
    fn threads_running(&self, id: NodeId) -> (bool, bool) {
        self.nodes[id.index()]
            .channel
            .as_ref()
            .map_or((false, false), |c| (c.io != IoRunning::No, c.sql_running))
    }

    /// START REPLICA [threads] [UNTIL …].
    pub(super) fn start_replica_threads(
        &mut self,
        id: NodeId,
        threads: Threads,
        until: Option<&Until>,
    ) -> Outcome {
        if self.nodes[id.index()].channel.is_none() {
            return Err(not_configured());
        }
        let until = match until {
            None => None,
            Some(Until::SqlBeforeGtids(s)) => Some(ApplierUntil::BeforeGtids(gtid_set(s)?)),
            Some(Until::SqlAfterGtids(s)) => Some(ApplierUntil::AfterGtids(gtid_set(s)?)),
            Some(Until::SourceLog { file, pos }) => {
                let number = file
                    .rsplit('.')
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(0);
                Some(ApplierUntil::SourcePos(BinlogPos {
                    file: number,
                    pos: *pos,
                }))
            }
            // A single-threaded applier leaves no gaps: it stops as soon as it starts.
            Some(Until::SqlAfterMtsGaps) => Some(ApplierUntil::AfterGtids(GtidSet::new())),
            Some(Until::RelayLog { .. }) => {
                return Err(SqlError::new(
                    1235,
                    "42000",
                    "This version of MySQL doesn't yet support 'UNTIL RELAY_LOG_FILE in the playground (use SOURCE_LOG_FILE or SQL_AFTER_GTIDS)'",
                ));
            }
        };
        let now = self.now();
        let n = &mut self.nodes[id.index()];
        if !n.start_threads(now, threads.io, threads.sql, until, &mut self.fx) {
            // Warning 3083: Replication thread(s) for channel '' are already runnning.
            return Ok(Answer::Warned { warnings: 1 });
        }
        ok()
    }

    /// STOP REPLICA [threads].
    pub(super) fn stop_replica_threads(&mut self, id: NodeId, threads: Threads) -> Outcome {
        if self.nodes[id.index()].channel.is_none() {
            return Err(not_configured());
        }
        if !self.nodes[id.index()].stop_threads(threads.io, threads.sql, &mut self.fx) {
            // Warning 3084: Replication thread(s) for channel '' are already stopped.
            return Ok(Answer::Warned { warnings: 1 });
        }
        ok()
    }

    /// RESET REPLICA [ALL]: only with both threads stopped (3081).
    pub(super) fn reset_replica(&mut self, id: NodeId, all: bool) -> Outcome {
        let (io, sql) = self.threads_running(id);
        if io || sql {
            return Err(threads_must_stop());
        }
        self.nodes[id.index()].reset_channel(all);
        ok()
    }

    /// RESET BINARY LOGS AND GTIDS: a new first binlog file, empty gtid_executed and
    /// gtid_purged. Connected replicas lose their dump threads.
    pub(super) fn reset_binary_logs(&mut self, id: NodeId) -> Outcome {
        if self.console.session(id).trx.is_some() {
            return Err(SqlError::new(
                1192,
                "HY000",
                "Can't execute the given command because you have active locked tables or an active transaction",
            ));
        }
        self.nodes[id.index()].reset_binary_logs_and_gtids(&mut self.fx);
        ok()
    }

    /// FLUSH BINARY LOGS: the next file; expired files are purged as at any rotation.
    pub(super) fn flush_binary_logs(&mut self, id: NodeId) -> Outcome {
        let now = self.now();
        self.nodes[id.index()].rotate_binlog(now);
        ok()
    }

    /// PURGE BINARY LOGS TO 'file' | BEFORE datetime: never the active file, nor one a
    /// replica still reads. Stopping at either is a warning (`MYSQL_BIN_LOG::purge_logs`,
    /// `purge_logs_before_date` with auto_purge false).
    pub(super) fn purge_binary_logs(&mut self, id: NodeId, purge: &Purge) -> Outcome {
        let now = self.now();
        let n = &mut self.nodes[id.index()];
        let purged = match purge {
            Purge::To(file) => {
                let number = has_binlog_file(n, file).ok_or_else(|| {
                    SqlError::new(1373, "HY000", "Target log not found in binlog index")
                })?;
                n.purge_binlogs_to(number)
            }
            Purge::BeforeUnixS(unix) => {
                let at = Instant::ZERO + secs(unix.saturating_sub(WALL_CLOCK_EPOCH_UNIX_S));
                n.purge_binlogs_before(at)
            }
            Purge::BeforeAgoS(ago) => {
                let back_us = ago.saturating_mul(1_000_000);
                let at = Instant::from_micros(now.as_micros().saturating_sub(back_us));
                n.purge_binlogs_before(at)
            }
        };
        match purged.stop {
            PurgeStop::Reached => ok(),
            // Warning 1868: file ./binlog.000003 was not purged because it is the active
            // log file. Warning 1867: file ./binlog.000002 was not purged because it was
            // being read by 1 thread(s), purged only 1 out of 3 files.
            PurgeStop::Active(_) | PurgeStop::InUse(_) => Ok(Answer::Warned { warnings: 1 }),
        }
    }
}
