//! The binary log: transactions in commit order, in numbered files, with byte positions.
//!
//! Each entry is one whole transaction (Gtid, Query BEGIN, Table_map, rows, Xid events):
//! a transaction never straddles files, so it is the unit replicas receive, ack and apply.
//! Positions use plausible byte sizes; what matters for teaching is that they grow
//! monotonically and look like `binlog.000003:1234`.

use super::chunked::ChunkedVec;
use super::footprint::Footprint;
use super::gtid::{Gtid, GtidSet};
use super::rows::RowEvent;
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::fmt;
use std::sync::Arc;

/// Where the first transaction of a file starts in MySQL 8.0 (after the magic number,
/// Format_description and an empty Previous_gtids event): the familiar `binlog.000001:157`.
pub const FIRST_EVENT_POS: u64 = 157;

/// A binlog coordinate: file number and byte offset (`binlog.000007:4711`).
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Serialize, Deserialize,
)]
pub struct BinlogPos {
    pub file: u32,
    pub pos: u64,
}

impl fmt::Display for BinlogPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "binlog.{:06}:{}", self.file, self.pos)
    }
}

/// Bytes of each event of a transaction, as `Trx::size` adds them up (and as
/// `mysqlbinlog` positions them): Gtid, Query BEGIN, Table_map, a rows event's header and
/// each row image in it, Xid.
pub const GTID_EVENT_BYTES: u64 = 79;
pub const QUERY_BEGIN_BYTES: u64 = 75;
pub const TABLE_MAP_BYTES: u64 = 50;
pub const ROWS_HEADER_BYTES: u64 = 29;
pub const ROW_IMAGE_BYTES: u64 = 18;
pub const XID_EVENT_BYTES: u64 = 31;

/// One committed transaction as written by the server that originated it. Replicas log it
/// again (log_replica_updates) with the same GTID, origin server_id and timestamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trx {
    pub gtid: Gtid,
    /// server_id of the originating server: replicas drop their own events by it (loop prevention).
    pub server_id: u32,
    /// When the originating server ran it; feeds Seconds_Behind_Source.
    pub timestamp: Instant,
    /// Almost every transaction changes one row: kept inline, no allocation.
    pub rows: SmallVec<[RowEvent; 1]>,
}

impl Trx {
    /// Bytes the transaction takes in a binlog: Gtid (79) + Query BEGIN (75) + Table_map (50)
    /// + one rows event (header 19 + 10 + 18 per row image) + Xid (31).
    pub fn size(&self) -> u64 {
        GTID_EVENT_BYTES
            + QUERY_BEGIN_BYTES
            + TABLE_MAP_BYTES
            + ROWS_HEADER_BYTES
            + ROW_IMAGE_BYTES * self.rows.len() as u64
            + XID_EVENT_BYTES
    }
}

/// A retained transaction. Its end position is packed in 8 bytes (file number and offset:
/// a file never exceeds max_binlog_size, at most 1 GiB, by more than one transaction), so
/// an hour of binlog across nine servers stays small.
#[derive(Clone, Debug)]
pub struct BinlogEntry {
    pub trx: Arc<Trx>,
    end_file: u32,
    end_pos: u32,
}

impl BinlogEntry {
    /// Position just after this transaction in this server's binlog.
    pub fn end(&self) -> BinlogPos {
        BinlogPos {
            file: self.end_file,
            pos: u64::from(self.end_pos),
        }
    }
}

#[derive(Clone, Debug)]
struct BinlogFile {
    number: u32,
    /// GTIDs logged in all earlier files: where a GTID dump starts its scan.
    previous_gtids: GtidSet,
    first_idx: u64,
    /// When the file was closed by a rotation (purge age counts from then).
    closed_at: Option<Instant>,
}

/// A retained binlog file as SHOW BINARY LOGS and SHOW BINLOG EVENTS see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    pub number: u32,
    /// Index of its first transaction (entries up to the next file's first are in it).
    pub first_idx: u64,
    /// Index just past its last transaction.
    pub end_idx: u64,
    /// Its size in bytes: where the next event would go (a closed file ends with its
    /// Rotate event).
    pub size: u64,
    pub closed: bool,
    pub previous_gtids: GtidSet,
}

/// Bytes of the Rotate event that closes a file (header 19, position 8, the next file's
/// name `binlog.000002` 13, checksum 4).
pub const ROTATE_EVENT_BYTES: u64 = 44;

/// Where a purge stopped. MySQL's PURGE BINARY LOGS warns of the last two (1868
/// ER_WARN_PURGE_LOG_IS_ACTIVE, 1867 ER_WARN_PURGE_LOG_IN_USE); expiry stops silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PurgeStop {
    /// At the file asked for, or at the first file too young to go.
    Reached,
    /// At the active file (binlog.NNNNNN), which is never deleted.
    Active(u32),
    /// At a file a connected replica's dump thread still reads.
    InUse(u32),
}

/// What a purge did: how many files went, and why it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purged {
    pub files: u32,
    pub stop: PurgeStop,
}

/// Why a dump request cannot be served from this binlog (both are MySQL's fatal 1236).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DumpStartError {
    NoSuchFile(u32),
    BadPosition(BinlogPos),
}

#[derive(Clone, Debug)]
pub struct Binlog {
    files: ChunkedVec<BinlogFile>,
    /// In chunks that snapshots of the world share (see `chunked`).
    entries: ChunkedVec<BinlogEntry>,
    next_idx: u64,
    end: BinlogPos,
    /// Every GTID ever logged here, purged or not.
    logged: GtidSet,
    max_file_size: u64,
}

impl Binlog {
    pub fn new(max_file_size: u64) -> Self {
        let first = BinlogFile {
            number: 1,
            previous_gtids: GtidSet::new(),
            first_idx: 0,
            closed_at: None,
        };
        Binlog {
            files: [first].into_iter().collect(),
            entries: ChunkedVec::new(),
            next_idx: 0,
            end: BinlogPos {
                file: 1,
                pos: FIRST_EVENT_POS,
            },
            logged: GtidSet::new(),
            max_file_size: max_file_size.max(FIRST_EVENT_POS + 1),
        }
    }

    /// Appends a transaction (flush stage: written to the OS, not yet fsynced) and
    /// rotates afterwards if the file has grown past `max_binlog_size`.
    pub fn append(&mut self, trx: Arc<Trx>, now: Instant) -> u64 {
        let idx = self.next_idx;
        self.end.pos += trx.size();
        self.logged.insert(trx.gtid);
        let end_pos = u32::try_from(self.end.pos).unwrap_or(u32::MAX);
        self.entries.push_back(BinlogEntry {
            trx,
            end_file: self.end.file,
            end_pos,
        });
        self.next_idx += 1;
        if self.end.pos > self.max_file_size {
            self.rotate(now);
        }
        idx
    }

    /// Every retained file, oldest first.
    pub fn files(&self) -> Vec<FileInfo> {
        let n = self.files.len();
        (0..n)
            .map(|i| {
                let f = &self.files[i];
                let end_idx = if i + 1 < n {
                    self.files[i + 1].first_idx
                } else {
                    self.next_idx
                };
                let last_end = end_idx
                    .checked_sub(1)
                    .filter(|&last| last >= f.first_idx)
                    .and_then(|last| self.get(last))
                    .map_or(FIRST_EVENT_POS, |e| u64::from(e.end_pos));
                let closed = i + 1 < n;
                FileInfo {
                    number: f.number,
                    first_idx: f.first_idx,
                    end_idx,
                    size: if closed {
                        last_end + ROTATE_EVENT_BYTES
                    } else {
                        self.end.pos
                    },
                    closed,
                    previous_gtids: f.previous_gtids.clone(),
                }
            })
            .collect()
    }

    /// PURGE BINARY LOGS TO (MySQL's `MYSQL_BIN_LOG::purge_logs`): deletes the files
    /// before file `number`, oldest first, and stops at the first one a dump thread still
    /// reads (`in_use_from` and later): that file and every later one stay.
    pub fn purge_to_file(&mut self, number: u32, in_use_from: u64) -> Purged {
        self.purge_while(in_use_from, |f| f.number < number)
    }

    /// PURGE BINARY LOGS BEFORE, and expiry with `before` = now - binlog_expire_logs_seconds
    /// (MySQL's `MYSQL_BIN_LOG::purge_logs_before_date`): deletes the closed files last
    /// written before `before` (a file's mtime: when its Rotate event closed it), oldest
    /// first; it stops at the first younger file, at the active file, or at the first
    /// file a dump thread still reads.
    pub fn purge_closed_before(&mut self, before: Instant, in_use_from: u64) -> Purged {
        self.purge_while(in_use_from, |f| f.closed_at.is_none_or(|t| t < before))
    }

    /// The loop of both purges, in MySQL's order of checks: the file is wanted, it is not
    /// the active file, no dump thread reads it. Their GTIDs become `gtid_purged` (the
    /// Previous_gtids of the first file kept).
    fn purge_while(&mut self, in_use_from: u64, wanted: impl Fn(&BinlogFile) -> bool) -> Purged {
        let mut files = 0;
        let stop = loop {
            let oldest = &self.files[0];
            if !wanted(oldest) {
                break PurgeStop::Reached;
            }
            if self.files.len() == 1 {
                break PurgeStop::Active(oldest.number);
            }
            if self.files[1].first_idx > in_use_from {
                break PurgeStop::InUse(oldest.number);
            }
            self.drop_first_file();
            files += 1;
        };
        Purged { files, stop }
    }

    /// When file `number` was closed (None while it is the active one, or unknown).
    pub fn closed_at(&self, number: u32) -> Option<Instant> {
        self.files
            .iter()
            .find(|f| f.number == number)
            .and_then(|f| f.closed_at)
    }

    /// SET GLOBAL max_binlog_size: files rotate at the new size from the next write.
    pub fn set_max_file_size(&mut self, bytes: u64) {
        self.max_file_size = bytes.max(FIRST_EVENT_POS + 1);
    }

    /// Closes the active file and opens the next (FLUSH LOGS, size limit, or restart).
    /// A file a clean shutdown closed keeps that time (see `stop`).
    pub fn rotate(&mut self, now: Instant) {
        if let Some(active) = self.active_file_mut() {
            active.closed_at.get_or_insert(now);
        }
        let number = self.end.file + 1;
        self.files.push_back(BinlogFile {
            number,
            previous_gtids: self.logged.clone(),
            first_idx: self.next_idx,
            closed_at: None,
        });
        self.end = BinlogPos {
            file: number,
            pos: FIRST_EVENT_POS,
        };
    }

    /// A clean shutdown writes a Stop event to the active file and closes it
    /// (`MYSQL_BIN_LOG::close` with LOG_CLOSE_STOP_EVENT): its age counts from then; the
    /// next start opens a new file.
    pub fn stop(&mut self, now: Instant) {
        if let Some(active) = self.active_file_mut() {
            active.closed_at = Some(now);
        }
    }

    /// Deletes the oldest file and the transactions it held (the purge of both PURGE forms).
    fn drop_first_file(&mut self) {
        self.files.drop_front(1);
        let keep_from = self.files[0].first_idx;
        let purged_entries = keep_from.saturating_sub(self.base_idx());
        self.entries
            .drop_front(usize::try_from(purged_entries).unwrap_or(usize::MAX));
    }

    fn active_file_mut(&mut self) -> Option<&mut BinlogFile> {
        let last = self.files.len().checked_sub(1)?;
        self.files.get_mut(last)
    }

    pub fn gtid_purged(&self) -> &GtidSet {
        &self.files[0].previous_gtids
    }

    pub fn logged(&self) -> &GtidSet {
        &self.logged
    }

    pub fn end(&self) -> BinlogPos {
        self.end
    }

    /// End position of entry `idx`, or the current end if it is not retained.
    pub fn end_of(&self, idx: u64) -> BinlogPos {
        self.get(idx).map_or(self.end, |e| e.end())
    }

    /// End of the last transaction written (rotation does not move it).
    pub fn last_end(&self) -> BinlogPos {
        self.entries.back().map_or(self.end, |e| e.end())
    }

    pub fn next_idx(&self) -> u64 {
        self.next_idx
    }

    pub fn first_file(&self) -> u32 {
        self.files[0].number
    }

    pub fn file_count(&self) -> u32 {
        self.files.len() as u32
    }

    /// A retained file's Previous_gtids (what all earlier files logged) and when a
    /// rotation closed it (None while it is the active file).
    pub fn file_info(&self, number: u32) -> Option<(&GtidSet, Option<Instant>)> {
        self.files
            .iter()
            .find(|f| f.number == number)
            .map(|f| (&f.previous_gtids, f.closed_at))
    }

    /// The index of the oldest retained entry (entries are numbered from 0 since the
    /// server started logging; purged ones keep their numbers).
    pub fn first_idx(&self) -> u64 {
        self.base_idx()
    }

    fn base_idx(&self) -> u64 {
        self.next_idx - self.entries.len() as u64
    }

    pub fn get(&self, idx: u64) -> Option<&BinlogEntry> {
        let base = self.base_idx();
        if idx < base {
            return None;
        }
        self.entries.get(usize::try_from(idx - base).ok()?)
    }

    /// Retained entries, oldest first (for the inspector).
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &BinlogEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    /// Adds what this binlog holds to `f`: a chunk of entries carries the transactions it
    /// points to (binlogs that share the chunk share them too).
    pub fn footprint(&self, f: &mut Footprint) {
        let trx = size_of::<Trx>() + 2 * size_of::<usize>();
        f.add_chunked(&self.entries, |chunk| chunk.len() * trx);
        f.add_chunked(&self.files, |files| {
            files.iter().map(|x| x.previous_gtids.heap_bytes()).sum()
        });
        f.add(self.logged.heap_bytes());
    }

    /// Stores this binlog's entries in `other`'s chunks wherever they hold the same
    /// transactions at the same positions (a replica that logged what its source logged,
    /// in step): nine binlogs of one stream then take the memory of one. Returns the
    /// number of chunks newly shared; nothing a reader can see changes.
    pub fn share_chunks_with(&mut self, other: &Binlog) -> usize {
        self.entries.share_equal_chunks(&other.entries, |a, b| {
            Arc::ptr_eq(&a.trx, &b.trx) && a.end_file == b.end_file && a.end_pos == b.end_pos
        })
    }

    /// First entry to send a replica that already has `have` (GTID auto-positioning):
    /// scan from the oldest file whose Previous_gtids ⊆ `have`; the caller skips entries
    /// whose GTID the replica has.
    pub fn gtid_start(&self, have: &GtidSet) -> u64 {
        self.files
            .iter()
            .rev()
            .find(|f| f.previous_gtids.is_subset_of(have))
            .map_or(self.files[0].first_idx, |f| f.first_idx)
    }

    /// First entry to send for a `COM_BINLOG_DUMP(file, pos)` request.
    pub fn position_start(&self, at: BinlogPos) -> Result<u64, DumpStartError> {
        if at.file == 0 {
            // No file named (a new source without coordinates): from the first one kept.
            return Ok(self.files[0].first_idx);
        }
        let Some(file) = self.files.iter().find(|f| f.number == at.file) else {
            return Err(DumpStartError::NoSuchFile(at.file));
        };
        if at.pos < 4 {
            return Err(DumpStartError::BadPosition(at));
        }
        let mut idx = file.first_idx;
        let mut pos = FIRST_EVENT_POS;
        while let Some(e) = self.get(idx).filter(|e| e.end_file == at.file) {
            if pos >= at.pos {
                break;
            }
            pos = u64::from(e.end_pos);
            idx += 1;
        }
        if pos != at.pos && at.pos > FIRST_EVENT_POS {
            return Err(DumpStartError::BadPosition(at));
        }
        Ok(idx)
    }

    /// Crash recovery: drops every entry from `idx` on (the non-durable tail) and rebuilds
    /// the set of logged GTIDs from what survived.
    pub fn truncate_from(&mut self, idx: u64) {
        if idx >= self.next_idx {
            return;
        }
        let base = self.base_idx();
        self.entries.truncate(idx.saturating_sub(base) as usize);
        while self.files.len() > 1 && self.files.back().is_some_and(|f| f.first_idx > idx) {
            self.files.truncate(self.files.len() - 1);
        }
        if let Some(active) = self.active_file_mut() {
            active.closed_at = None;
        }
        self.next_idx = base + self.entries.len() as u64;
        let mut logged = self.files[0].previous_gtids.clone();
        for e in self.entries.iter() {
            logged.insert(e.trx.gtid);
        }
        self.logged = logged;
        let file = self.files.back().map_or(1, |f| f.number);
        let pos = self
            .entries
            .back()
            .filter(|e| e.end_file == file)
            .map_or(FIRST_EVENT_POS, |e| u64::from(e.end_pos));
        self.end = BinlogPos { file, pos };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gtid::Uuid;

    fn at(v: u64) -> Instant {
        Instant::from_micros(v)
    }

    fn trx(gno: u64) -> Arc<Trx> {
        Arc::new(Trx {
            gtid: Gtid {
                uuid: Uuid::from_u128(7),
                gno,
            },
            server_id: 1,
            timestamp: at(gno),
            rows: smallvec::smallvec![RowEvent::Write {
                key: gno,
                after: gno,
            }],
        })
    }

    #[test]
    fn positions_grow_and_files_rotate_past_the_size_limit() {
        let mut b = Binlog::new(1_000);
        let mut last = b.end();
        for g in 1..=20 {
            b.append(trx(g), at(g));
            assert!(b.end() > last);
            last = b.end();
        }
        assert!(b.file_count() > 3);
        assert_eq!(b.get(0).unwrap().trx.gtid.gno, 1);
        assert!(b.get(19).is_some());
        assert!(b.get(20).is_none());
    }

    #[test]
    fn purge_moves_gtids_into_gtid_purged() {
        let mut b = Binlog::new(1_000);
        for g in 1..=20 {
            b.append(trx(g), Instant::ZERO);
        }
        assert!(b.gtid_purged().is_empty());
        let files = b.file_count();
        let purged = b.purge_closed_before(at(50), u64::MAX);
        assert_eq!(purged.files, files - 1);
        assert_eq!(purged.stop, PurgeStop::Active(files));
        assert_eq!(b.file_count(), 1);
        assert!(files > 1);
        assert!(b.gtid_purged().count() > 0);
        let first_kept = b.entries().next().map(|e| e.trx.gtid.gno);
        assert!(first_kept.is_none_or(|g| g == b.gtid_purged().count() + 1));
    }

    #[test]
    fn gtid_start_skips_files_the_replica_already_has() {
        let mut b = Binlog::new(1_000);
        for g in 1..=20 {
            b.append(trx(g), Instant::ZERO);
        }
        let have: GtidSet = (1..=12)
            .map(|g| Gtid {
                uuid: Uuid::from_u128(7),
                gno: g,
            })
            .collect();
        let start = b.gtid_start(&have);
        assert!(start > 0 && start <= 12);
        assert_eq!(b.gtid_start(&GtidSet::new()), 0);
    }

    #[test]
    fn truncation_forgets_the_lost_tail() {
        let mut b = Binlog::new(1_000_000);
        for g in 1..=5 {
            b.append(trx(g), Instant::ZERO);
        }
        b.truncate_from(3);
        assert_eq!(b.next_idx(), 3);
        assert_eq!(b.logged().count(), 3);
        assert_eq!(b.end(), b.get(2).unwrap().end());
        let idx = b.append(trx(4), at(1));
        assert_eq!(idx, 3);
    }

    #[test]
    fn position_requests_are_validated() {
        let mut b = Binlog::new(1_000_000);
        for g in 1..=3 {
            b.append(trx(g), Instant::ZERO);
        }
        assert_eq!(b.position_start(BinlogPos { file: 1, pos: 4 }), Ok(0));
        let after_first = b.get(0).unwrap().end();
        assert_eq!(b.position_start(after_first), Ok(1));
        assert_eq!(
            b.position_start(BinlogPos { file: 9, pos: 4 }),
            Err(DumpStartError::NoSuchFile(9))
        );
        assert!(b.position_start(BinlogPos { file: 1, pos: 2 }).is_err());
        assert!(
            b.position_start(BinlogPos {
                file: 1,
                pos: after_first.pos + 1
            })
            .is_err()
        );
    }

    #[test]
    fn files_list_their_sizes_and_purge_stops_at_a_file_still_read() {
        let mut b = Binlog::new(1 << 30);
        b.append(trx(1), at(1));
        b.rotate(at(2));
        b.append(trx(2), at(3));
        b.rotate(at(4));
        let files = b.files();
        let sizes: Vec<(u32, u64, bool)> =
            files.iter().map(|f| (f.number, f.size, f.closed)).collect();
        // 157 + 282 for the transaction, + 44 for the Rotate event of a closed file.
        assert_eq!(sizes, [(1, 483, true), (2, 483, true), (3, 157, false)]);
        assert_eq!((files[1].first_idx, files[1].end_idx), (1, 2));
        // A dump thread still has entry 1 (file 2) to send: file 2 stays.
        let purged = b.purge_to_file(3, 1);
        assert_eq!((purged.files, purged.stop), (1, PurgeStop::InUse(2)));
        assert_eq!(b.first_file(), 2);
        assert_eq!(b.gtid_purged().count(), 1);
        let purged = b.purge_to_file(3, u64::MAX);
        assert_eq!((purged.files, purged.stop), (1, PurgeStop::Reached));
        let purged = b.purge_to_file(3, u64::MAX);
        assert_eq!(
            (purged.files, purged.stop),
            (0, PurgeStop::Reached),
            "TO the active file"
        );
        assert_eq!(b.closed_at(3), None);
    }

    #[test]
    fn purge_before_a_time_keeps_files_closed_at_or_after_it() {
        let mut b = Binlog::new(1 << 30);
        for (g, closed) in [(1, 10), (2, 20), (3, 30)] {
            b.append(trx(g), at(closed - 1));
            b.rotate(at(closed));
        }
        // purge_logs_before_date compares `st_mtime < purge_time`: a file closed exactly
        // at the bound stays.
        let purged = b.purge_closed_before(at(20), u64::MAX);
        assert_eq!((purged.files, purged.stop), (1, PurgeStop::Reached));
        assert_eq!(b.first_file(), 2);
        // Nothing younger stops it: it runs into the active file.
        let purged = b.purge_closed_before(at(1_000), u64::MAX);
        assert_eq!((purged.files, purged.stop), (2, PurgeStop::Active(4)));
        assert_eq!(b.gtid_purged().count(), 3);
        assert_eq!(b.get(2).map(|e| e.trx.gtid.gno), None);
    }
}
