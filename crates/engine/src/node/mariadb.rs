//! A MariaDB 10.11 node's replication positions (docs/semantics.md, "MariaDB flavor"):
//! the replica asks for a position per domain (MASTER_USE_GTID), the source looks for it
//! in its binlog (`check_slave_start_position` in MariaDB's sql/sql_repl.cc) and refuses
//! with 1236 what it cannot find; gtid_strict_mode refuses an out-of-order seq_no (1950).

use super::Node;
use super::replica::Channel;
use crate::binlog::Trx;
use crate::gtid::{Gtid, GtidSet};
use crate::mariadb::{self, MariaGtid, UseGtid};
use std::collections::BTreeMap;

/// ER_GTID_STRICT_OUT_OF_ORDER.
pub const ER_GTID_STRICT_OUT_OF_ORDER: u16 = 1950;
/// ER_MASTER_FATAL_ERROR_READING_BINLOG: what the replica's IO thread stops with.
const ER_MASTER_FATAL_ERROR_READING_BINLOG: u16 = 1236;

type Position = BTreeMap<u32, MariaGtid>;

/// The position the IO thread asks for: the configured one, moved on in each domain past
/// what it already received into the relay log but not yet applied (MariaDB's receiver keeps
/// `mi->gtid_current_pos` while the relay log is kept).
pub(super) fn received_pos(mut pos: Position, ch: &Channel) -> Position {
    for e in &ch.relay_log {
        if let Some(g) = MariaGtid::from_gtid(e.trx.gtid) {
            pos.insert(g.domain_id, g);
        }
    }
    pos
}

impl Node {
    /// The server's GTID state as its flavor shows it: MySQL's gtid_executed set, MariaDB's
    /// `@@gtid_current_pos` (one GTID per domain, `0-2-5493`).
    pub fn gtid_text(&self) -> String {
        if self.cfg.flavor.is_mariadb() {
            mariadb::pos_text(&self.gtid_current_pos())
        } else {
            self.gtid_executed.to_string()
        }
    }

    /// `@@gtid_binlog_pos`.
    pub fn gtid_binlog_pos(&self) -> Position {
        mariadb::binlog_pos(&self.binlog)
    }

    /// `@@gtid_current_pos`.
    pub fn gtid_current_pos(&self) -> Position {
        mariadb::current_pos(&self.gtid_binlog_pos(), &self.slave_pos, self.server_id)
    }

    /// What MASTER_USE_GTID makes a replica send its source.
    pub fn use_gtid_pos(&self) -> Position {
        match self.cfg.master_use_gtid {
            UseGtid::SlavePos => self.slave_pos.clone(),
            UseGtid::CurrentPos => self.gtid_current_pos(),
        }
    }

    /// The applier committed `gtid`: the mysql.gtid_slave_pos row of its domain moves.
    /// Returns the domain and the GTID the row held before (for crash recovery to undo).
    pub(super) fn record_slave_pos(&mut self, gtid: Gtid) -> Option<(u32, Option<MariaGtid>)> {
        if !self.cfg.flavor.is_mariadb() {
            return None;
        }
        let g = MariaGtid::from_gtid(gtid)?;
        Some((g.domain_id, self.slave_pos.insert(g.domain_id, g)))
    }

    /// gtid_strict_mode on a replica that logs what it applies: `Gtid_log_event::
    /// do_apply_event` calls `rpl_binlog_state::check_strict_sequence`, which refuses a
    /// seq_no not above the last one logged in the domain (sql/rpl_gtid.cc).
    pub(super) fn check_strict_sequence(&self, trx: &Trx) -> Result<(), (u16, String)> {
        if !(self.cfg.flavor.is_mariadb()
            && self.cfg.gtid_strict_mode
            && self.cfg.log_replica_updates)
        {
            return Ok(());
        }
        let Some(g) = MariaGtid::from_gtid(trx.gtid) else {
            return Ok(());
        };
        match self.gtid_binlog_pos().get(&g.domain_id) {
            Some(last) if last.seq_no >= g.seq_no => {
                Err((ER_GTID_STRICT_OUT_OF_ORDER, strict_out_of_order(g, *last)))
            }
            _ => Ok(()),
        }
    }

    /// A MariaDB source's answer to a replica's GTID position: the first binlog entry to
    /// send and the GTIDs to skip before it, or the 1236 that `mysql_binlog_send` sends.
    pub(super) fn mariadb_dump_start(
        &self,
        requested: &GtidSet,
    ) -> Result<(u64, Option<GtidSet>), (u16, String)> {
        let mut skip = GtidSet::new();
        let mut asked = Position::new();
        for g in requested.iter().filter_map(MariaGtid::from_gtid) {
            asked.insert(g.domain_id, g);
        }
        let state = self.gtid_binlog_pos();
        for want in asked.values() {
            let domain_skip = self.check_slave_start(*want, state.get(&want.domain_id))?;
            skip.union_with(&domain_skip);
        }
        self.check_purged(&skip)?;
        Ok((self.binlog.gtid_start(&skip), Some(skip)))
    }

    /// One domain of `check_slave_start_position`: the GTIDs of the domain the replica
    /// already has (everything up to and including `want` in binlog order).
    fn check_slave_start(
        &self,
        want: MariaGtid,
        domain_last: Option<&MariaGtid>,
    ) -> Result<GtidSet, (u16, String)> {
        let in_domain =
            |g: &Gtid| MariaGtid::from_gtid(*g).is_some_and(|m| m.domain_id == want.domain_id);
        let logged = self.binlog.logged();
        let found = logged.last_gno(want.to_gtid().uuid) >= want.seq_no;
        if found {
            return Ok(self.domain_prefix(want));
        }
        let own_slave_pos = self.slave_pos.get(&want.domain_id) == Some(&want);
        let Some(last) = domain_last else {
            // START_ON_EMPTY_DOMAIN: nothing of this domain here; another master serves it.
            return Ok(GtidSet::new());
        };
        if !own_slave_pos {
            return Err((
                ER_MASTER_FATAL_ERROR_READING_BINLOG,
                start_pos_missing(want, last.seq_no >= want.seq_no),
            ));
        }
        // The replica asks for the last GTID this server applied as a replica without
        // logging it: start with what this server logged itself after it.
        let me = self.server_id;
        Ok(logged
            .iter()
            .filter(|g| in_domain(g))
            .filter(|g| {
                MariaGtid::from_gtid(*g)
                    .is_none_or(|m| m.server_id != me || m.seq_no <= want.seq_no)
            })
            .collect())
    }

    /// The domain's GTIDs logged before `want`, `want` included: purged ones (all of
    /// them precede the retained files) and retained ones in file order.
    fn domain_prefix(&self, want: MariaGtid) -> GtidSet {
        let target = want.to_gtid();
        let in_domain =
            |g: Gtid| MariaGtid::from_gtid(g).is_some_and(|m| m.domain_id == want.domain_id);
        let mut have: GtidSet = self
            .binlog
            .gtid_purged()
            .iter()
            .filter(|g| in_domain(*g))
            .collect();
        if have.contains(target) {
            // Only the domain's last purged GTID can be started after (the Gtid_list of the
            // first retained file names it); later purged ones stay lacking.
            return have.iter().filter(|g| g.gno <= want.seq_no).collect();
        }
        for e in self.binlog.entries() {
            if in_domain(e.trx.gtid) {
                have.insert(e.trx.gtid);
                if e.trx.gtid == target {
                    break;
                }
            }
        }
        have
    }

    /// `gtid_find_binlog_file`: every transaction the replica lacks must still be in a
    /// retained file (a domain the replica did not name starts at its very beginning).
    fn check_purged(&self, skip: &GtidSet) -> Result<(), (u16, String)> {
        if !self.binlog.gtid_purged().is_subset_of(skip) {
            let msg = "Could not find GTID state requested by slave in any binlog files. \
                       Probably the slave state is too old and required binlog files have \
                       been purged.";
            return Err((ER_MASTER_FATAL_ERROR_READING_BINLOG, msg.to_string()));
        }
        Ok(())
    }
}

/// `give_error_start_pos_missing_in_binlog` and the texts `mysql_binlog_send` makes of it
/// (sql/sql_repl.cc): with a higher seq_no in the domain the replica has diverged.
fn start_pos_missing(want: MariaGtid, diverged: bool) -> String {
    let base = format!(
        "Error: connecting slave requested to start from GTID {want}, which is not in the \
         master's binlog"
    );
    if diverged {
        format!(
            "{base}. Since the master's binlog contains GTIDs with higher sequence numbers, \
             it probably means that the slave has diverged due to executing extra erroneous \
             transactions"
        )
    } else {
        base
    }
}

/// ER_GTID_STRICT_OUT_OF_ORDER's text (sql/share/errmsg-utf8.txt).
pub fn strict_out_of_order(new: MariaGtid, last: MariaGtid) -> String {
    format!(
        "An attempt was made to binlog GTID {new} which would create an out-of-order sequence \
         number with existing GTID {last}, and gtid strict mode is enabled"
    )
}
