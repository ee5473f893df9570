//! The two MariaDB 10.11 settings that move GTID positions by hand (docs/semantics.md
//! §13.3): `SET GLOBAL gtid_slave_pos = '…'` (`Sys_var_gtid_slave_pos::do_check`
//! and `global_update`, sql/sys_vars.cc; `rpl_gtid_pos_check`, sql/sql_repl.cc) and
//! `SET gtid_seq_no = N` (`check_gtid_seq_no`, sql/sys_vars.cc), with the errors and
//! texts of sql/share/errmsg-utf8.txt.

use super::exec::{Answer, Outcome};
use crate::ids::NodeId;
use crate::mariadb::{self, MariaGtid};
use crate::node::mariadb::{ER_GTID_STRICT_OUT_OF_ORDER, strict_out_of_order};
use crate::sql::{SqlError, SqlValue};
use crate::world::World;

fn hy000(errno: u16, message: String) -> SqlError {
    SqlError::new(errno, "HY000", message)
}

/// ER_SLAVE_MUST_STOP as `give_error_if_slave_running` (sql/rpl_mi.cc) raises it for the
/// default (unnamed) connection: it checks the SQL thread (`mi->rli.slave_running`).
fn slave_must_stop() -> SqlError {
    hy000(
        1198,
        "This operation cannot be performed as you have a running slave ''; run STOP SLAVE '' \
         first"
            .into(),
    )
}

/// What `rpl_gtid_pos_check` finds wrong with a new `gtid_slave_pos` on a server whose
/// binlog holds later transactions of its own (server_id): per domain, 1948 when the new
/// position lacks the domain, 1947 when it is behind. Strict mode makes the first an error;
/// otherwise each kind is a warning, given once.
fn pos_conflicts(
    binlog_pos: &std::collections::BTreeMap<u32, MariaGtid>,
    new: &std::collections::BTreeMap<u32, MariaGtid>,
    server_id: u32,
) -> Vec<SqlError> {
    let mut found: Vec<SqlError> = Vec::new();
    for b in binlog_pos.values().filter(|b| b.server_id == server_id) {
        let e = match new.get(&b.domain_id) {
            None => hy000(
                1948,
                format!(
                    "Specified value for @@gtid_slave_pos contains no value for replication \
                     domain {d}. This conflicts with the binary log which contains GTID {b}. If \
                     MASTER_GTID_POS=CURRENT_POS is used, the binlog position will override the \
                     new value of @@gtid_slave_pos",
                    d = b.domain_id
                ),
            ),
            Some(s) if s.seq_no < b.seq_no => hy000(
                1947,
                format!(
                    "Specified GTID {s} conflicts with the binary log which contains a more \
                     recent GTID {b}. If MASTER_GTID_POS=CURRENT_POS is used, the binlog \
                     position will override the new value of @@gtid_slave_pos"
                ),
            ),
            Some(_) => continue,
        };
        if !found.iter().any(|f| f.errno == e.errno) {
            found.push(e);
        }
    }
    found
}

impl World {
    /// `SET GLOBAL gtid_slave_pos = '0-1-100,…'`: refused while the SQL thread runs (1198)
    /// or inside a transaction (1179); the text must parse (1941, 1943); then the whole
    /// slave state is replaced (`rpl_slave_state::load` with reset), which is where a
    /// replica asking with MASTER_USE_GTID=slave_pos starts next time.
    pub(super) fn set_gtid_slave_pos(&mut self, id: NodeId, value: &SqlValue) -> Outcome {
        let node = &self.nodes[id.index()];
        if node.channel.as_ref().is_some_and(|c| c.sql_running) {
            return Err(slave_must_stop());
        }
        let text = value
            .as_text()
            .ok_or_else(|| hy000(1941, "Could not parse GTID list".into()))?;
        if self.console.session(id).trx.is_some() {
            return Err(hy000(
                1179,
                "You are not allowed to execute this command in a transaction".into(),
            ));
        }
        let new = mariadb::parse_pos(text).map_err(|e| {
            if e.contains("duplicate domain") {
                hy000(1943, e)
            } else {
                hy000(1941, "Could not parse GTID list".into())
            }
        })?;
        let node = &mut self.nodes[id.index()];
        let conflicts = pos_conflicts(&node.gtid_binlog_pos(), &new, node.server_id);
        if node.cfg.gtid_strict_mode
            && let Some(e) = conflicts.into_iter().next()
        {
            return Err(e);
        }
        let warnings = pos_conflicts(&node.gtid_binlog_pos(), &new, node.server_id).len();
        node.slave_pos = new;
        Ok(if warnings == 0 {
            Answer::Ok {
                affected: 0,
                info: None,
            }
        } else {
            Answer::Warned {
                warnings: warnings as u64,
            }
        })
    }

    /// `SET gtid_seq_no = N` (session only): the next transaction this session binlogs
    /// takes seq_no N in its domain. Refused inside a transaction (1953); under
    /// gtid_strict_mode refused at once when the domain already logged N or more (1950,
    /// `check_strict_gtid_sequence`), as MariaDB's rpl_gtid_strict test shows.
    pub(super) fn set_gtid_seq_no(&mut self, id: NodeId, value: &SqlValue) -> Outcome {
        let SqlValue::Int(n) = value else {
            return Err(SqlError::new(
                1232,
                "42000",
                "Incorrect argument type to variable 'gtid_seq_no'",
            ));
        };
        let seq_no = u64::try_from(*n).unwrap_or(0);
        if self.console.session(id).trx.is_some() {
            return Err(hy000(
                1953,
                "Cannot modify @@session.gtid_domain_id or @@session.gtid_seq_no inside a \
                 transaction"
                    .into(),
            ));
        }
        if seq_no > 0 {
            self.check_seq_no(id, seq_no)?;
        }
        self.console.session(id).gtid_seq_no = seq_no;
        Ok(Answer::Ok {
            affected: 0,
            info: None,
        })
    }

    /// The strict-mode check of a chosen seq_no against the domain's last logged GTID
    /// (`rpl_binlog_state::check_strict_sequence`), at SET time and again when the
    /// transaction is binlogged (`MYSQL_BIN_LOG::write_gtid_event`).
    pub(super) fn check_seq_no(&self, id: NodeId, seq_no: u64) -> Result<(), SqlError> {
        let node = &self.nodes[id.index()];
        if !node.cfg.gtid_strict_mode {
            return Ok(());
        }
        let new = MariaGtid {
            domain_id: node.cfg.gtid_domain_id,
            server_id: node.server_id,
            seq_no,
        };
        match node.gtid_binlog_pos().get(&new.domain_id) {
            Some(last) if last.seq_no >= seq_no => Err(hy000(
                ER_GTID_STRICT_OUT_OF_ORDER,
                strict_out_of_order(new, *last),
            )),
            _ => Ok(()),
        }
    }

    /// The GTID the session's next binlogged transaction takes, if it set gtid_seq_no
    /// (used once: `write_gtid_event` clears it whether or not the commit succeeds).
    pub(super) fn take_seq_no_gtid(&mut self, id: NodeId) -> Result<Option<MariaGtid>, SqlError> {
        let session = self.console.session(id);
        let seq_no = std::mem::take(&mut session.gtid_seq_no);
        if seq_no == 0 || !self.nodes[id.index()].cfg.flavor.is_mariadb() {
            return Ok(None);
        }
        self.check_seq_no(id, seq_no)?;
        let node = &self.nodes[id.index()];
        Ok(Some(MariaGtid {
            domain_id: node.cfg.gtid_domain_id,
            server_id: node.server_id,
            seq_no,
        }))
    }
}
