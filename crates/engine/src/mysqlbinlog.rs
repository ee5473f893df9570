//! A binlog (or a relay log) as `mysqlbinlog -v --base64-output=decode-rows` prints it.
//!
//! Pure text rendering for the inspector (docs/semantics.md §2.6): each event opens with
//! `# at <pos>` and a header line `#<yymmdd hh:mm:ss> server id N  end_log_pos P`, as
//! `Log_event::print_header` in MySQL's `sql/log_event.cc` writes it, then its body. Row
//! events are decoded to the `### INSERT INTO …` pseudo-SQL `-v` prints, with both images
//! of an UPDATE (binlog_row_image=FULL). Only what the engine knows is printed:
//!
//! - no `CRC32 0x…`: the engine computes no checksum, and a made-up one would be a lie, so
//!   headers read as with `binlog_checksum=NONE`;
//! - no `last_committed`/`sequence_number`, `immediate_commit_timestamp` or `thread_id`:
//!   the engine does not keep them per transaction;
//! - simulated time 0 is `EPOCH_UNIX_S` (2024-01-01 00:00:00 UTC), so timestamps read as
//!   dates; a header shows when the originating server ran the transaction, as MySQL's
//!   replicated events keep their original timestamp;
//! - byte positions follow the engine's size model (`binlog::GTID_EVENT_BYTES` …), the same
//!   positions `SHOW BINARY LOG STATUS` and the replicas' coordinates use;
//! - `Xid` is the transaction's number in this server's binlog (MySQL's Xid is also a
//!   per-server counter, so it differs between a source and its replicas); a relay log
//!   does not keep it, so there the Xid event shows none.

use super::binlog::{
    Binlog, BinlogPos, FIRST_EVENT_POS, GTID_EVENT_BYTES, QUERY_BEGIN_BYTES, ROW_IMAGE_BYTES,
    ROWS_HEADER_BYTES, TABLE_MAP_BYTES, Trx,
};
use super::gtid::GtidSet;
use super::rows::RowEvent;
use crate::time::Instant;
use std::fmt::Write as _;

/// Simulated time 0 as a Unix time: 2024-01-01 00:00:00 UTC (a fixed, documented choice).
pub const EPOCH_UNIX_S: u64 = 1_704_067_200;
/// The table id the `kv` table is mapped to: the engine has one table that is never
/// reopened, so one number serves (MySQL assigns them from its table cache).
pub const TABLE_ID: u64 = 92;
/// The server version a Format_description event names.
pub const SERVER_VERSION: &str = "8.4.3";
const TABLE: &str = "`playground`.`kv`";
/// A Rotate event: header, position and the next file's name (`binlog.000002`).
const ROTATE_EVENT_BYTES: u64 = 44;
/// Where a file's Format_description event ends (and Previous_gtids begins).
const FORMAT_DESCRIPTION_END: u64 = 126;

/// Seconds and microseconds since the Unix epoch of a simulated instant.
pub fn unix_time(t: Instant) -> (u64, u64) {
    let us = t.as_micros();
    (EPOCH_UNIX_S + us / 1_000_000, us % 1_000_000)
}

/// Year, month, day of a count of days since 1970-01-01 (the proleptic Gregorian
/// calendar; H. Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// `240101  0:00:07`: `print_timestamp`'s `%02d%02d%02d %2d:%02d:%02d` (the hour is
/// padded with a space, not a zero).
pub fn header_time(t: Instant) -> String {
    let (s, _) = unix_time(t);
    let (y, mo, d) = civil_from_days(s / 86_400);
    let (h, mi, se) = (s / 3_600 % 24, s / 60 % 60, s % 60);
    format!("{:02}{mo:02}{d:02} {h:2}:{mi:02}:{se:02}", y % 100)
}

/// `2024-01-01 00:00:07.123456`, as the `original_commit_timestamp` comment shows it.
fn full_time(t: Instant) -> String {
    let (s, us) = unix_time(t);
    let (y, mo, d) = civil_from_days(s / 86_400);
    let (h, mi, se) = (s / 3_600 % 24, s / 60 % 60, s % 60);
    format!("{y}-{mo:02}-{d:02} {h:02}:{mi:02}:{se:02}.{us:06}")
}

/// `# at <pos>` and the common header of one event, up to and including its tab.
fn header(out: &mut String, at: u64, when: Instant, server_id: u32, end: u64) {
    let _ = write!(
        out,
        "# at {at}\n#{} server id {server_id}  end_log_pos {end} \t",
        header_time(when)
    );
}

/// `SET TIMESTAMP=…/*!*/;` as a Query event sets the session's time.
fn set_timestamp(out: &mut String, when: Instant) {
    let (s, us) = unix_time(when);
    if us == 0 {
        let _ = writeln!(out, "SET TIMESTAMP={s}/*!*/;");
    } else {
        let _ = writeln!(out, "SET TIMESTAMP={s}.{us:06}/*!*/;");
    }
}

/// A Query event carrying `BEGIN` or `COMMIT`.
fn query(out: &mut String, at: u64, end: u64, trx: &Trx, text: &str) {
    header(out, at, trx.timestamp, trx.server_id, end);
    out.push_str("Query\texec_time=0\terror_code=0\n");
    set_timestamp(out, trx.timestamp);
    let _ = writeln!(out, "{text}\n/*!*/;");
}

/// The Gtid event: its header, the commit timestamp and `SET @@SESSION.GTID_NEXT`.
fn gtid_event(out: &mut String, start: u64, trx: &Trx) {
    let (s, us) = unix_time(trx.timestamp);
    let micros = s * 1_000_000 + us;
    header(
        out,
        start,
        trx.timestamp,
        trx.server_id,
        start + GTID_EVENT_BYTES,
    );
    let rbr = if trx.rows.is_empty() { "no" } else { "yes" };
    let _ = writeln!(
        out,
        "GTID\trbr_only={rbr}\toriginal_committed_timestamp={micros}\ttransaction_length={}",
        trx.size()
    );
    if !trx.rows.is_empty() {
        out.push_str("/*!50718 SET TRANSACTION ISOLATION LEVEL READ COMMITTED*//*!*/;\n");
    }
    let _ = writeln!(
        out,
        "# original_commit_timestamp={micros} ({} UTC)",
        full_time(trx.timestamp)
    );
    let _ = writeln!(out, "SET @@SESSION.GTID_NEXT= '{}'/*!*/;", trx.gtid);
}

/// `###   @1=14` / `###   @2=7`: a row image, column by column.
fn image(out: &mut String, key: u64, value: u64) {
    let _ = writeln!(out, "###   @1={key}\n###   @2={value}");
}

/// One row as `-v` decodes it.
fn row(out: &mut String, r: &RowEvent) {
    match *r {
        RowEvent::Write { key, after } => {
            let _ = writeln!(out, "### INSERT INTO {TABLE}\n### SET");
            image(out, key, after);
        }
        RowEvent::Update { key, before, after } => {
            let _ = writeln!(out, "### UPDATE {TABLE}\n### WHERE");
            image(out, key, before);
            out.push_str("### SET\n");
            image(out, key, after);
        }
        RowEvent::Delete { key, before } => {
            let _ = writeln!(out, "### DELETE FROM {TABLE}\n### WHERE");
            image(out, key, before);
        }
    }
}

/// Table_map, then one rows event per run of rows of one kind (MySQL writes a new rows
/// event when the event type changes). The first event carries the header bytes of the
/// size model; the last one has `STMT_END_F`. Returns where the Xid event starts.
fn row_events(out: &mut String, at: u64, trx: &Trx) -> u64 {
    let map_end = at + TABLE_MAP_BYTES;
    header(out, at, trx.timestamp, trx.server_id, map_end);
    let _ = writeln!(out, "Table_map: {TABLE} mapped to number {TABLE_ID}");
    // MySQL 8.0.30+ says whether the key is a generated invisible one; kv's is its own.
    out.push_str("# has_generated_invisible_primary_key=0\n");
    let mut pos = map_end;
    let mut runs: Vec<&[RowEvent]> = Vec::new();
    for chunk in trx.rows.chunk_by(|a, b| a.event_name() == b.event_name()) {
        runs.push(chunk);
    }
    for (i, run) in runs.iter().enumerate() {
        let head = if i == 0 { ROWS_HEADER_BYTES } else { 0 };
        let end = pos + head + ROW_IMAGE_BYTES * run.len() as u64;
        header(out, pos, trx.timestamp, trx.server_id, end);
        let flags = if i + 1 == runs.len() {
            " flags: STMT_END_F"
        } else {
            ""
        };
        let _ = writeln!(out, "{}: table id {TABLE_ID}{flags}", run[0].event_name());
        for r in *run {
            row(out, r);
        }
        pos = end;
    }
    pos
}

/// One whole transaction ending at `end` (Gtid, BEGIN, rows, Xid — or, for an empty
/// transaction such as a skipped GTID, Gtid, BEGIN, COMMIT).
pub fn write_trx(out: &mut String, trx: &Trx, end: u64, xid: Option<u64>) {
    let start = end.saturating_sub(trx.size());
    gtid_event(out, start, trx);
    let begin_at = start + GTID_EVENT_BYTES;
    let rows_at = begin_at + QUERY_BEGIN_BYTES;
    query(out, begin_at, rows_at, trx, "BEGIN");
    if trx.rows.is_empty() {
        query(out, rows_at, end, trx, "COMMIT");
        return;
    }
    let xid_at = row_events(out, rows_at, trx);
    header(out, xid_at, trx.timestamp, trx.server_id, end);
    match xid {
        Some(x) => {
            let _ = writeln!(out, "Xid = {x}");
        }
        None => out.push_str("Xid\n"),
    }
    out.push_str("COMMIT/*!*/;\n");
}

/// The Rotate event closing a file at `at`, naming the next one.
fn rotate(out: &mut String, at: u64, when: Instant, server_id: u32, next: u32) {
    header(out, at, when, server_id, at + ROTATE_EVENT_BYTES);
    let _ = writeln!(out, "Rotate to binlog.{next:06}  pos: 4");
}

/// A file's first events: Format_description (the first file's, written when the server
/// started, says so) and Previous_gtids.
fn file_start(out: &mut String, when: Instant, server_id: u32, number: u32, previous: &GtidSet) {
    header(out, 4, when, server_id, FORMAT_DESCRIPTION_END);
    let created = header_time(when);
    let startup = if number == 1 { " at startup" } else { "" };
    let _ = writeln!(
        out,
        "Start: binlog v 4, server v {SERVER_VERSION} created {created}{startup}"
    );
    header(
        out,
        FORMAT_DESCRIPTION_END,
        when,
        server_id,
        FIRST_EVENT_POS,
    );
    out.push_str("Previous-GTIDs\n");
    if previous.is_empty() {
        out.push_str("# [empty]\n");
    } else {
        let _ = writeln!(out, "# {previous}");
    }
}

/// The last `last` transactions of a server's binlog, oldest first, with the Rotate and
/// file-start events between files (and after the last transaction if its file has been
/// rotated since). `server_id` is this server's, for the events it writes itself.
pub fn render_binlog(b: &Binlog, server_id: u32, last: usize) -> String {
    let mut out = String::new();
    let first_idx = b.first_idx();
    let count = b.entries().len();
    let skip = count.saturating_sub(last);
    let mut prev: Option<(BinlogPos, Instant)> = None;
    for (i, e) in b.entries().enumerate().skip(skip) {
        let end = e.end();
        let start = end.pos.saturating_sub(e.trx.size());
        if let Some((p, _)) = prev.filter(|(p, _)| p.file < end.file) {
            file_change(&mut out, b, server_id, p, end.file);
        } else if prev.is_none() && start == FIRST_EVENT_POS {
            file_start_of(&mut out, b, server_id, end.file);
        }
        write_trx(&mut out, &e.trx, end.pos, Some(first_idx + i as u64 + 1));
        prev = Some((end, e.trx.timestamp));
    }
    if let Some((p, _)) = prev.filter(|(p, _)| p.file < b.end().file) {
        file_change(&mut out, b, server_id, p, b.end().file);
    }
    out
}

/// Rotates from the file ending at `from` to file `to`, through any empty files between.
fn file_change(out: &mut String, b: &Binlog, server_id: u32, from: BinlogPos, to: u32) {
    let mut at = from.pos;
    for file in from.file..to {
        let closed = b
            .file_info(file)
            .and_then(|(_, c)| c)
            .unwrap_or(Instant::ZERO);
        rotate(out, at, closed, server_id, file + 1);
        let _ = writeln!(out, "# --- binlog.{:06} ---", file + 1);
        file_start_of(out, b, server_id, file + 1);
        at = FIRST_EVENT_POS;
    }
}

/// The start of file `number`, opened when the file before it was closed.
fn file_start_of(out: &mut String, b: &Binlog, server_id: u32, number: u32) {
    let opened = b
        .file_info(number.saturating_sub(1))
        .and_then(|(_, c)| c)
        .unwrap_or(Instant::ZERO);
    let empty = GtidSet::new();
    let previous = b.file_info(number).map_or(&empty, |(p, _)| p);
    file_start(out, opened, server_id, number, previous);
}

/// A replica's relay log: the first `first` transactions still to apply, each with its
/// end in the **source's** binlog (a relay log's `end_log_pos` is the source's, as in
/// MySQL; relay-log offsets are not modelled, so `# at` counts in source positions too).
pub fn render_relay_log<'a>(
    entries: impl IntoIterator<Item = (&'a Trx, BinlogPos)>,
    first: usize,
) -> String {
    let mut out = String::new();
    for (trx, source_end) in entries.into_iter().take(first) {
        write_trx(&mut out, trx, source_end.pos, None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gtid::{Gtid, Uuid};
    use crate::time::{ms, secs};
    use smallvec::SmallVec;
    use std::sync::Arc;

    const UUID: u128 = 0x3e11fa47_71ca_11e1_9e33_c80aa9429562;

    fn trx(gno: u64, at: Instant, rows: &[RowEvent]) -> Trx {
        Trx {
            gtid: Gtid {
                uuid: Uuid::from_u128(UUID),
                gno,
            },
            server_id: 1,
            timestamp: at,
            rows: SmallVec::from_slice(rows),
        }
    }

    fn render(t: &Trx, end: u64) -> String {
        let mut out = String::new();
        write_trx(&mut out, t, end, Some(25));
        out
    }

    #[test]
    fn simulated_time_reads_as_a_date_from_the_fixed_epoch() {
        assert_eq!(header_time(Instant::ZERO), "240101  0:00:00");
        let t = Instant::ZERO + secs(86_400 * 59 + 13 * 3_600 + 62) + ms(5);
        assert_eq!(header_time(t), "240229 13:01:02");
        assert_eq!(full_time(t), "2024-02-29 13:01:02.005000");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_783), (2024, 3, 1));
    }

    #[test]
    fn an_insert_is_gtid_begin_table_map_write_rows_and_xid() {
        let t = trx(
            1,
            Instant::ZERO + secs(7),
            &[RowEvent::Write { key: 14, after: 7 }],
        );
        let end = FIRST_EVENT_POS + t.size();
        let want = "\
# at 157
#240101  0:00:07 server id 1  end_log_pos 236 \tGTID\trbr_only=yes\toriginal_committed_timestamp=1704067207000000\ttransaction_length=282
/*!50718 SET TRANSACTION ISOLATION LEVEL READ COMMITTED*//*!*/;
# original_commit_timestamp=1704067207000000 (2024-01-01 00:00:07.000000 UTC)
SET @@SESSION.GTID_NEXT= '3e11fa47-71ca-11e1-9e33-c80aa9429562:1'/*!*/;
# at 236
#240101  0:00:07 server id 1  end_log_pos 311 \tQuery\texec_time=0\terror_code=0
SET TIMESTAMP=1704067207/*!*/;
BEGIN
/*!*/;
# at 311
#240101  0:00:07 server id 1  end_log_pos 361 \tTable_map: `playground`.`kv` mapped to number 92
# has_generated_invisible_primary_key=0
# at 361
#240101  0:00:07 server id 1  end_log_pos 408 \tWrite_rows: table id 92 flags: STMT_END_F
### INSERT INTO `playground`.`kv`
### SET
###   @1=14
###   @2=7
# at 408
#240101  0:00:07 server id 1  end_log_pos 439 \tXid = 25
COMMIT/*!*/;
";
        assert_eq!(render(&t, end), want);
        assert_eq!(end, 439);
    }

    #[test]
    fn an_update_shows_the_before_image_then_the_after_image() {
        let upd = RowEvent::Update {
            key: 14,
            before: 6,
            after: 7,
        };
        let out = render(&trx(2, Instant::ZERO, &[upd]), 1_000);
        assert!(out.contains("\tUpdate_rows: table id 92 flags: STMT_END_F\n### UPDATE `playground`.`kv`\n### WHERE\n###   @1=14\n###   @2=6\n### SET\n###   @1=14\n###   @2=7\n"), "{out}");
    }

    #[test]
    fn a_delete_shows_the_row_it_removed() {
        let del = RowEvent::Delete { key: 14, before: 6 };
        let out = render(&trx(3, Instant::ZERO, &[del]), 1_000);
        assert!(out.contains("\tDelete_rows: table id 92 flags: STMT_END_F\n### DELETE FROM `playground`.`kv`\n### WHERE\n###   @1=14\n###   @2=6\n# at"), "{out}");
    }

    #[test]
    fn a_multi_row_transaction_has_one_rows_event_per_kind_and_ends_where_the_engine_says() {
        let rows = [
            RowEvent::Write { key: 1, after: 10 },
            RowEvent::Write { key: 2, after: 20 },
            RowEvent::Delete { key: 3, before: 30 },
        ];
        let t = trx(4, Instant::ZERO, &rows);
        let end = 5_000;
        let out = render(&t, end);
        assert_eq!(out.matches("### INSERT INTO").count(), 2);
        assert_eq!(out.matches("Write_rows: table id 92\n").count(), 1, "{out}");
        assert_eq!(
            out.matches("Delete_rows: table id 92 flags: STMT_END_F")
                .count(),
            1
        );
        assert!(out.contains(&format!("end_log_pos {end} \tXid = 25\nCOMMIT/*!*/;\n")));
        assert!(out.starts_with(&format!("# at {}\n", end - t.size())));
    }

    #[test]
    fn an_empty_transaction_is_begin_and_commit_with_its_gtid() {
        let t = trx(5, Instant::ZERO, &[]);
        let out = render(&t, 2_000);
        assert!(out.contains("rbr_only=no"));
        assert!(
            out.contains("SET @@SESSION.GTID_NEXT= '3e11fa47-71ca-11e1-9e33-c80aa9429562:5'/*!*/;")
        );
        assert!(out.contains("BEGIN\n/*!*/;\n"));
        assert!(out.ends_with(" end_log_pos 2000 \tQuery\texec_time=0\terror_code=0\nSET TIMESTAMP=1704067200/*!*/;\nCOMMIT\n/*!*/;\n"), "{out}");
        assert!(!out.contains("Table_map") && !out.contains("Xid"));
    }

    #[test]
    fn a_rotation_closes_the_file_and_the_next_starts_with_its_previous_gtids() {
        let mut b = Binlog::new(400);
        let w = |g: u64| RowEvent::Write { key: g, after: g };
        for g in 1..=3 {
            let at = Instant::ZERO + secs(g);
            b.append(Arc::new(trx(g, at, &[w(g)])), at);
        }
        let out = render_binlog(&b, 9, 10);
        assert!(out.starts_with("# at 4\n#240101  0:00:00 server id 9  end_log_pos 126 \tStart: binlog v 4, server v 8.4.3 created 240101  0:00:00 at startup\n# at 126\n"), "{out}");
        assert!(out.contains("\tRotate to binlog.000002  pos: 4\n"), "{out}");
        assert!(
            out.contains("Previous-GTIDs\n# 3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2\n"),
            "{out}"
        );
        assert_eq!(out.matches("Xid = ").count(), 3);
        assert!(out.contains("Xid = 3\n"));
        // The window shows only the last transactions, numbered as in the whole binlog.
        let tail = render_binlog(&b, 9, 1);
        assert_eq!(tail.matches("GTID_NEXT").count(), 1);
        assert!(tail.contains("Xid = 3\n") && tail.contains("Rotate to binlog.000004"));
    }

    #[test]
    fn a_relay_log_keeps_the_source_positions_and_no_xid() {
        let t = trx(6, Instant::ZERO, &[RowEvent::Write { key: 1, after: 1 }]);
        let end = BinlogPos { file: 4, pos: 900 };
        let out = render_relay_log([(&t, end), (&t, end)], 1);
        assert_eq!(out.matches("GTID_NEXT").count(), 1);
        assert!(
            out.contains(" end_log_pos 900 \tXid\nCOMMIT/*!*/;\n"),
            "{out}"
        );
    }
}
