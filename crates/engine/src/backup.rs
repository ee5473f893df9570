//! Backups as `mysqldump --single-transaction --source-data=2 --set-gtid-purged=ON` takes
//! them: the rows of one consistent snapshot, the server's `gtid_executed` and its binlog
//! coordinates at that instant (docs/semantics.md §12).

use crate::binlog::BinlogPos;
use crate::gtid::GtidSet;
use crate::rows::Table;
use crate::time::Instant;

/// One dump kept by the world (`backup-1`, `backup-2`, …).
#[derive(Clone, Debug)]
pub struct Backup {
    /// `backup-N`, numbered in the order they were taken.
    pub name: String,
    /// The server it was taken on.
    pub node: String,
    pub taken_at: Instant,
    /// The table as the snapshot saw it: committed rows only.
    pub rows: Table,
    /// What the dump's `SET @@GLOBAL.GTID_PURGED` sets on the server it is loaded on.
    pub gtid_executed: GtidSet,
    /// The dumped server's own binlog coordinates, the dump's commented-out
    /// `CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE=…, SOURCE_LOG_POS=…` (--source-data=2).
    pub binlog_pos: BinlogPos,
}

impl Backup {
    /// The binlog file name as MySQL writes it (`binlog.000003`).
    pub fn log_file(&self) -> String {
        format!("binlog.{:06}", self.binlog_pos.file)
    }

    /// The replication lines at the top of the dump file, as mysqldump writes them.
    pub fn header(&self) -> Vec<String> {
        vec![
            format!(
                "-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='{}', SOURCE_LOG_POS={};",
                self.log_file(),
                self.binlog_pos.pos
            ),
            format!(
                "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '{}';",
                self.gtid_executed
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::gtids;

    #[test]
    fn the_header_reads_like_a_dump_file() {
        let b = Backup {
            name: "backup-1".into(),
            node: "db1".into(),
            taken_at: Instant::from_secs(3),
            rows: Table::default(),
            gtid_executed: gtids(1, 1, 42),
            binlog_pos: BinlogPos { file: 2, pos: 1234 },
        };
        let header = b.header();
        assert_eq!(
            header[0],
            "-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=1234;"
        );
        assert!(header[1].starts_with("SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '"));
        assert!(header[1].ends_with(":1-42';"), "{}", header[1]);
    }
}
