//! What a DBA's console session does to the server beyond the workload's statements
//! (docs/sql.md): transactions of several rows, writes kept out of the binlog, one
//! replication thread at a time, the source's coordinates, and the server's variables.

use super::Node;
use super::commit::Write;
use crate::binlog::{Binlog, Purged};
use crate::config::{NodeConfig, WaitPoint};
use crate::effects::{Effects, NodeTimer};
use crate::gtid::{Gtid, GtidSet};
use crate::message::Msg;
use crate::rows::{Key, Value};
use crate::sql::SetScope;
use crate::time::{Instant, ms, secs};

impl Node {
    /// Commits a console transaction through the commit pipeline (binlog, GTID, semi-sync
    /// wait): the answer comes back to the node's own address with request id `req`.
    pub fn console_write(
        &mut self,
        now: Instant,
        req: u64,
        rows: Vec<(Key, Option<Value>)>,
        gtid: Option<Gtid>,
        fx: &mut Effects,
    ) {
        let me = self.addr();
        self.enqueue_write(now, me, req, Write::Session { rows, gtid }, fx);
    }

    /// `SET sql_log_bin = 0`: the rows change in InnoDB only; no binlog event, no GTID
    /// (MySQL skips both for such a session), so replicas never see it.
    pub fn write_unlogged(&mut self, rows: &[(Key, Option<Value>)]) {
        for &(key, value) in rows {
            self.data.put(key, value);
        }
    }
}

/// A system variable's new value, typed by the console (`None`: DEFAULT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    Bool(bool),
    Number(u64),
    /// An enum's word, upper case.
    Word(String),
}

/// Why a SET GLOBAL was refused by the server itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetError {
    /// A value the variable does not take (1231).
    WrongValue,
    /// The playground does not model that change (1235, named).
    NotModelled(&'static str),
}

impl Node {
    /// Answers request `req` (to this node itself: its console) once no commit is pending,
    /// as SET GLOBAL read_only = ON waits for them.
    pub fn answer_when_no_commit_is_pending(&mut self, req: u64) {
        let me = self.addr();
        self.read_only_waiters.push((me, req));
    }

    /// gtid_purged: the GTIDs this server executed that no binlog file of it holds.
    pub fn gtid_purged(&self) -> GtidSet {
        self.binlog.gtid_purged().union(&self.gtid_table_purged())
    }

    /// `SET GLOBAL gtid_purged`: the GTIDs become executed with no binlog (as a restored
    /// backup's are); the console has checked they do not overlap gtid_executed.
    pub fn add_purged_gtids(&mut self, added: &GtidSet) {
        self.gtid_executed.union_with(added);
        self.gtid_table.union_with(added);
    }

    /// RESET BINARY LOGS AND GTIDS: every binlog file goes, a new `binlog.000001` starts,
    /// gtid_executed and gtid_purged are emptied. The dump threads end (their replicas see
    /// the connection close and reconnect to a source that has forgotten everything).
    pub fn reset_binary_logs_and_gtids(&mut self, fx: &mut Effects) {
        self.binlog = Binlog::new(self.cfg.max_binlog_size);
        self.gtid_executed = GtidSet::new();
        self.gtid_table = GtidSet::new();
        self.durability.binlog_reset();
        for d in std::mem::take(&mut self.dumps) {
            fx.send(self.addr(), d.replica, Msg::ConnReset);
        }
    }

    /// FLUSH BINARY LOGS: closes the active file and opens the next; then expiry runs, as
    /// at every rotation (`MYSQL_BIN_LOG::rotate_and_purge`: `rotate()`, `auto_purge()`).
    pub fn rotate_binlog(&mut self, now: Instant) {
        self.binlog.rotate(now);
        self.auto_purge(now);
    }

    /// PURGE BINARY LOGS TO 'binlog.NNNNNN': the files before it go, up to the first one
    /// a dump thread still reads.
    pub fn purge_binlogs_to(&mut self, number: u32) -> Purged {
        let in_use = self.binlog_in_use_from();
        self.binlog.purge_to_file(number, in_use)
    }

    /// PURGE BINARY LOGS BEFORE: the closed files last written before `at` go, up to the
    /// first one a dump thread still reads; never the active file.
    pub fn purge_binlogs_before(&mut self, at: Instant) -> Purged {
        let in_use = self.binlog_in_use_from();
        self.binlog.purge_closed_before(at, in_use)
    }

    /// SET GLOBAL / PERSIST / PERSIST_ONLY of a variable the node models. GLOBAL changes
    /// the running server only (a restart reads the configuration again), PERSIST both,
    /// PERSIST_ONLY the configuration only.
    pub fn set_variable(
        &mut self,
        now: Instant,
        name: &str,
        value: Option<Setting>,
        scope: SetScope,
        fx: &mut Effects,
    ) -> Result<(), SetError> {
        if scope != SetScope::PersistOnly {
            let before = self.cfg.clone();
            let mut cfg = self.cfg.clone();
            set_in(&mut cfg, name, value.clone())?;
            if scope == SetScope::Persist {
                // PERSIST also writes mysqld-auto.cnf, read at the next start.
                self.boot_cfg = self.boot_cfg.take().map(|mut b| {
                    let _ = set_in(&mut b, name, value.clone());
                    b
                });
            } else if self.boot_cfg.is_none() {
                // What the next start reads, with the server id this one started with.
                let mut boot = before.clone();
                boot.server_id = Some(boot.server_id.unwrap_or(self.server_id));
                self.boot_cfg = Some(Box::new(boot));
            }
            self.cfg = cfg;
            self.after_set(now, name, &before, fx);
        } else {
            let mut boot = self
                .boot_cfg
                .take()
                .unwrap_or_else(|| Box::new(self.cfg.clone()));
            let result = set_in(&mut boot, name, value);
            self.boot_cfg = Some(boot);
            result?;
        }
        Ok(())
    }

    /// What changing a variable does to the running server beyond its value.
    fn after_set(&mut self, now: Instant, name: &str, before: &NodeConfig, fx: &mut Effects) {
        match name {
            "read_only" => {
                self.read_only = self.cfg.read_only;
                if !self.read_only {
                    self.super_read_only = false;
                    self.cfg.super_read_only = false;
                }
            }
            "super_read_only" => {
                self.super_read_only = self.cfg.super_read_only;
                if self.super_read_only {
                    self.read_only = true;
                    self.cfg.read_only = true;
                }
            }
            "rpl_semi_sync_source_enabled" => self.set_semi_sync_enabled(now, fx),
            "sync_binlog" if before.sync_binlog == 1 && self.cfg.sync_binlog != 1 => {
                let at = now + ms(self.cfg.os_writeback_ms.max(1));
                self.timer(fx, at, NodeTimer::OsWriteback);
            }
            "innodb_flush_log_at_trx_commit"
                if before.innodb_flush_log_at_trx_commit == 1
                    && self.cfg.innodb_flush_log_at_trx_commit != 1 =>
            {
                self.timer(fx, now + secs(1), NodeTimer::RedoFlush);
            }
            "max_binlog_size" => self.binlog.set_max_file_size(self.cfg.max_binlog_size),
            "server_id" => self.server_id = self.cfg.server_id.unwrap_or(self.server_id),
            _ => {}
        }
        if self.cfg.flavor.is_mariadb() && matches!(name, "server_id" | "gtid_domain_id") {
            // The next GTID this server logs names the new domain and server_id.
            self.uuid = crate::mariadb::server_uuid(self.cfg.gtid_domain_id, self.server_id);
        }
    }
}

/// The switch a boolean variable is kept in.
fn flag_of<'a>(cfg: &'a mut NodeConfig, name: &str) -> Option<&'a mut bool> {
    Some(match name {
        "read_only" => &mut cfg.read_only,
        "super_read_only" => &mut cfg.super_read_only,
        "rpl_semi_sync_source_enabled" => &mut cfg.rpl_semi_sync_source_enabled,
        "rpl_semi_sync_replica_enabled" => &mut cfg.rpl_semi_sync_replica_enabled,
        "rpl_semi_sync_source_wait_no_replica" => &mut cfg.rpl_semi_sync_source_wait_no_replica,
        "binlog_expire_logs_auto_purge" => &mut cfg.binlog_expire_logs_auto_purge,
        "gtid_strict_mode" => &mut cfg.gtid_strict_mode,
        _ => return None,
    })
}

/// The number a numeric variable is kept in (in the unit MySQL gives it).
fn number_of<'a>(cfg: &'a mut NodeConfig, name: &str) -> Option<&'a mut u64> {
    Some(match name {
        "rpl_semi_sync_source_timeout" => &mut cfg.rpl_semi_sync_source_timeout_ms,
        "replica_net_timeout" => &mut cfg.replica_net_timeout_s,
        "max_binlog_size" => &mut cfg.max_binlog_size,
        "binlog_expire_logs_seconds" => &mut cfg.binlog_expire_logs_seconds,
        "auto_increment_increment" => &mut cfg.auto_increment_increment,
        "auto_increment_offset" => &mut cfg.auto_increment_offset,
        _ => return None,
    })
}

/// Sets one variable in a configuration (`None`: its default).
fn set_in(cfg: &mut NodeConfig, name: &str, value: Option<Setting>) -> Result<(), SetError> {
    let mut default = NodeConfig::default();
    if let (Some(field), Some(d)) = (flag_of(cfg, name), flag_of(&mut default, name)) {
        *field = match value {
            Some(Setting::Bool(b)) => b,
            None => *d,
            _ => return Err(SetError::WrongValue),
        };
        return Ok(());
    }
    if let (Some(field), Some(d)) = (number_of(cfg, name), number_of(&mut default, name)) {
        *field = match value {
            Some(Setting::Number(n)) => n,
            None => *d,
            _ => return Err(SetError::WrongValue),
        };
        return Ok(());
    }
    let number = |d: u64| match &value {
        Some(Setting::Number(n)) => Ok(*n),
        None => Ok(d),
        _ => Err(SetError::WrongValue),
    };
    let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    match name {
        "rpl_semi_sync_source_wait_for_replica_count" => {
            cfg.rpl_semi_sync_source_wait_for_replica_count = narrow(number(1)?);
        }
        "sync_binlog" => cfg.sync_binlog = narrow(number(u64::from(default.sync_binlog))?),
        "innodb_flush_log_at_trx_commit" => {
            let n = number(u64::from(default.innodb_flush_log_at_trx_commit))?;
            cfg.innodb_flush_log_at_trx_commit = u8::try_from(n).unwrap_or(1);
        }
        "server_id" => cfg.server_id = Some(narrow(number(1)?)),
        "gtid_domain_id" => cfg.gtid_domain_id = narrow(number(0)?),
        "rpl_semi_sync_source_wait_point" => {
            cfg.rpl_semi_sync_source_wait_point = match &value {
                Some(Setting::Word(w)) if w == "AFTER_COMMIT" => WaitPoint::AfterCommit,
                Some(Setting::Word(w)) if w == "AFTER_SYNC" => WaitPoint::AfterSync,
                None => default.rpl_semi_sync_source_wait_point,
                _ => return Err(SetError::WrongValue),
            };
        }
        _ => return fixed_setting(name, value),
    }
    Ok(())
}

/// Variables the playground shows with one value only: setting that value (or DEFAULT)
/// is accepted, another is refused by name.
fn fixed_setting(name: &str, value: Option<Setting>) -> Result<(), SetError> {
    let (only, what) = match name {
        "gtid_mode" => (
            Setting::Word("ON".into()),
            "a GTID_MODE other than ON in the playground",
        ),
        "enforce_gtid_consistency" => (
            Setting::Word("ON".into()),
            "an ENFORCE_GTID_CONSISTENCY other than ON in the playground",
        ),
        "binlog_format" => (
            Setting::Word("ROW".into()),
            "a binlog_format other than ROW in the playground",
        ),
        "binlog_row_image" => (
            Setting::Word("FULL".into()),
            "a binlog_row_image other than FULL in the playground",
        ),
        "autocommit" => (
            Setting::Bool(true),
            "autocommit=0 in the playground (use BEGIN ... COMMIT)",
        ),
        _ => {
            return Err(SetError::NotModelled(
                "setting this variable in the playground",
            ));
        }
    };
    match value {
        Some(v) if v != only => Err(SetError::NotModelled(what)),
        _ => Ok(()),
    }
}
