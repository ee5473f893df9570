//! A node's side of a logical backup: the consistent snapshot `mysqldump
//! --single-transaction --source-data` reads, and loading a dump on an empty server with
//! `SET @@GLOBAL.GTID_PURGED` (docs/semantics.md §12).

use super::Node;
use crate::binlog::{BinlogPos, FIRST_EVENT_POS};
use crate::gtid::GtidSet;
use crate::rows::Table;

/// ER_CANT_SET_GTID_PURGED_WHEN_GTID_EXECUTED_IS_NOT_EMPTY.
pub const ER_GTID_PURGED_NOT_EMPTY: u16 = 1840;

impl Node {
    /// The committed rows, `gtid_executed` and the binlog coordinates of the last committed
    /// transaction. mysqldump's FLUSH TABLES WITH READ LOCK waits for commits in progress;
    /// the snapshot is taken as of the last one completed, so a group flushed to the binlog
    /// but not yet committed in the engine is in neither the rows nor the coordinates.
    pub fn backup_snapshot(&self) -> (Table, GtidSet, BinlogPos) {
        let committed = self
            .binlog
            .entries()
            .rev()
            .find(|e| self.gtid_executed.contains(e.trx.gtid))
            .map(|e| e.end());
        let pos = match (self.binlog.entries().next_back(), committed) {
            // Nothing in flight: where the next transaction will start.
            (Some(last), Some(end)) if end == last.end() => self.binlog.end(),
            (None, _) => self.binlog.end(),
            (Some(_), Some(end)) => end,
            // Every retained entry is still in flight: the oldest starts its file (purging
            // drops whole files).
            (Some(_), None) => BinlogPos {
                file: self.binlog.first_file(),
                pos: FIRST_EVENT_POS,
            },
        };
        (self.data.clone(), self.gtid_executed.clone(), pos)
    }

    /// Loads a dump: its rows replace the table (the dump's DROP TABLE / CREATE TABLE /
    /// INSERT, run with sql_log_bin=0, so nothing is binlogged) and its GTID set becomes
    /// `gtid_purged` and `gtid_executed`. MySQL refuses GTID_PURGED unless gtid_executed is
    /// empty (1840 before 8.0's `+` form; here a restore always needs a fresh server).
    pub fn load_dump(&mut self, rows: &Table, gtids: &GtidSet) -> Result<(), (u16, String)> {
        if !self.gtid_executed.is_empty() {
            return Err((
                ER_GTID_PURGED_NOT_EMPTY,
                "@@GLOBAL.GTID_PURGED can only be set when @@GLOBAL.GTID_EXECUTED is empty.".into(),
            ));
        }
        self.data = rows.clone();
        // Not in any binlog here: kept in mysql.gtid_executed, i.e. purged for every replica.
        self.gtid_table = gtids.clone();
        self.gtid_executed = gtids.clone();
        if self.cfg.flavor.is_mariadb() {
            // mariadb-dump --gtid --master-data writes `SET GLOBAL gtid_slave_pos='…'`
            // (client/mysqldump.c, do_show_master_status): the restored server replicates
            // on from the dump's position, the last GTID of each domain.
            for uuid in gtids.uuids() {
                let last = crate::gtid::Gtid {
                    uuid,
                    gno: gtids.last_gno(uuid),
                };
                if let Some(g) = crate::mariadb::MariaGtid::from_gtid(last)
                    && self
                        .slave_pos
                        .get(&g.domain_id)
                        .is_none_or(|p| p.seq_no < g.seq_no)
                {
                    self.slave_pos.insert(g.domain_id, g);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;
    use crate::testkit::{gtids, node};

    #[test]
    fn a_dump_loads_only_on_a_server_with_an_empty_gtid_executed() {
        let mut rows = Table::default();
        rows.put(7, Some(70));
        let mut db4 = node(3, NodeConfig::default(), None);
        assert_eq!(db4.load_dump(&rows, &gtids(1, 1, 9)), Ok(()));
        assert_eq!(db4.data.get(7), Some(70));
        assert_eq!(db4.gtid_executed, gtids(1, 1, 9));
        assert_eq!(db4.binlog.entries().len(), 0, "a restore writes no binlog");
        let (_, set, _) = db4.backup_snapshot();
        assert_eq!(set, gtids(1, 1, 9));

        let again = db4.load_dump(&rows, &gtids(1, 1, 12));
        assert_eq!(again.map_err(|e| e.0), Err(1840));
        assert_eq!(db4.gtid_executed, gtids(1, 1, 9), "left as it was");
    }

    #[test]
    fn a_mariadb_dump_restores_the_position_as_gtid_slave_pos() {
        use crate::mariadb::{Flavor, MariaGtid, server_uuid};
        let mut set = crate::gtid::GtidSet::new();
        set.insert_interval(server_uuid(0, 1), 1, 2);
        set.insert_interval(server_uuid(0, 2), 3, 5);
        let cfg = NodeConfig {
            flavor: Flavor::Mariadb,
            ..NodeConfig::default()
        };
        let mut db3 = node(2, cfg, None);
        assert_eq!(db3.load_dump(&Table::default(), &set), Ok(()));
        let want = MariaGtid {
            domain_id: 0,
            server_id: 2,
            seq_no: 5,
        };
        assert_eq!(db3.slave_pos.get(&0), Some(&want), "the domain's last GTID");
    }
}
