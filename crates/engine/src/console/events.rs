//! SHOW BINLOG EVENTS and SHOW RELAYLOG EVENTS: each transaction as the events MySQL
//! writes for it (Gtid, Query `BEGIN`, Table_map, the rows events, Xid), after the file's
//! Format_desc and Previous_gtids, ending with Rotate in a closed file
//! (sql/rpl_source.cc `show_binlog_events`; the event sizes add up to `Trx::size`).

use super::format::ResultSet;
use super::show::{binlog_name, relay_file, relay_log_name};
use crate::binlog::{FIRST_EVENT_POS, ROTATE_EVENT_BYTES, Trx};
use crate::gtid::GtidSet;
use crate::ids::NodeId;
use crate::rows::RowEvent;
use crate::sql::{EventsQuery, SqlError};
use crate::world::World;

/// The table id MySQL's Table_map gives `playground.kv` (any number; it is stable).
const TABLE_ID: u64 = 91;
/// Bytes of the Format_description event after the 4-byte magic number.
const FORMAT_DESC_END: u64 = 126;

/// One event: type, start, end, server id, Info.
struct Event {
    kind: &'static str,
    pos: u64,
    end: u64,
    server_id: u32,
    info: String,
}

fn not_found(what: &str) -> SqlError {
    SqlError::new(
        1220,
        "HY000",
        format!("Error when executing command {what}: Could not find target log"),
    )
}

fn wrong_offset(what: &str) -> SqlError {
    SqlError::new(
        1220,
        "HY000",
        format!("Error when executing command {what}: Wrong offset or I/O error"),
    )
}

/// The header events every file starts with.
fn file_header(server_id: u32, previous: &GtidSet) -> Vec<Event> {
    vec![
        Event {
            kind: "Format_desc",
            pos: 4,
            end: FORMAT_DESC_END,
            server_id,
            info: "Server ver: 8.4.3, Binlog ver: 4".into(),
        },
        Event {
            kind: "Previous_gtids",
            pos: FORMAT_DESC_END,
            end: FIRST_EVENT_POS,
            server_id,
            info: previous.to_string(),
        },
    ]
}

/// Lays events end to end from a start position.
struct Writer {
    pos: u64,
    server_id: u32,
    out: Vec<Event>,
}

impl Writer {
    fn push(&mut self, kind: &'static str, bytes: u64, info: String) {
        self.out.push(Event {
            kind,
            pos: self.pos,
            end: self.pos + bytes,
            server_id: self.server_id,
            info,
        });
        self.pos += bytes;
    }
}

/// The events of one transaction ending at `end`; `xid` numbers its commit.
fn trx_events(trx: &Trx, end: u64, xid: u64) -> Vec<Event> {
    let mut w = Writer {
        pos: end - trx.size(),
        server_id: trx.server_id,
        out: Vec::new(),
    };
    w.push(
        "Gtid",
        79,
        format!("SET @@SESSION.GTID_NEXT= '{}'", trx.gtid),
    );
    w.push("Query", 75, "BEGIN".into());
    if trx.rows.is_empty() {
        // An empty transaction (a GTID skipped by hand) commits with a Query event.
        w.push("Query", end - w.pos, "COMMIT".into());
        return w.out;
    }
    w.push(
        "Table_map",
        50,
        format!("table_id: {TABLE_ID} (playground.kv)"),
    );
    // One rows event per run of rows of the same kind; the header bytes go to the first.
    let mut runs: Vec<(&'static str, u64)> = Vec::new();
    for r in &trx.rows {
        let kind = match r {
            RowEvent::Write { .. } => "Write_rows",
            RowEvent::Update { .. } => "Update_rows",
            RowEvent::Delete { .. } => "Delete_rows",
        };
        match runs.last_mut() {
            Some((k, n)) if *k == kind => *n += 1,
            _ => runs.push((kind, 1)),
        }
    }
    let last = runs.len() - 1;
    for (i, (kind, n)) in runs.into_iter().enumerate() {
        let bytes = 18 * n + if i == 0 { 29 } else { 0 };
        let flags = if i == last { " flags: STMT_END_F" } else { "" };
        w.push(kind, bytes, format!("table_id: {TABLE_ID}{flags}"));
    }
    let rest = end - w.pos;
    w.push("Xid", rest, format!("COMMIT /* xid={xid} */"));
    w.out
}

/// The answer: FROM must name an event's start; LIMIT skips and counts events.
fn answer(
    events: Vec<Event>,
    log_name: &str,
    q: &EventsQuery,
    what: &str,
) -> Result<ResultSet, SqlError> {
    let from = q.from.unwrap_or(4);
    let Some(first) = events.iter().position(|e| e.pos >= from) else {
        return if from <= 4 {
            Ok(events_set())
        } else {
            Err(wrong_offset(what))
        };
    };
    if events[first].pos != from && from > 4 {
        return Err(wrong_offset(what));
    }
    let (offset, count) = q.limit.map_or((0, u64::MAX), |l| (l.offset, l.count));
    let mut rs = events_set();
    let skip = usize::try_from(offset).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(usize::MAX);
    for e in events.into_iter().skip(first).skip(skip).take(take) {
        rs.push(vec![
            Some(log_name.to_string()),
            Some(e.pos.to_string()),
            Some(e.kind.to_string()),
            Some(e.server_id.to_string()),
            Some(e.end.to_string()),
            Some(e.info),
        ]);
    }
    Ok(rs)
}

fn events_set() -> ResultSet {
    ResultSet::new(&[
        ("Log_name", false),
        ("Pos", true),
        ("Event_type", false),
        ("Server_id", true),
        ("End_log_pos", true),
        ("Info", false),
    ])
}

impl World {
    /// SHOW BINLOG EVENTS [IN 'file'] [FROM pos] [LIMIT …]: the first file by default.
    pub(super) fn show_binlog_events(
        &self,
        id: NodeId,
        q: &EventsQuery,
    ) -> Result<ResultSet, SqlError> {
        const WHAT: &str = "SHOW BINLOG EVENTS";
        let n = &self.nodes[id.index()];
        let files = n.binlog.files();
        let file = match &q.file {
            Some(name) => files.iter().find(|f| binlog_name(f.number) == *name),
            None => files.first(),
        }
        .ok_or_else(|| not_found(WHAT))?;
        let mut events = file_header(n.server_id, &file.previous_gtids);
        for idx in file.first_idx..file.end_idx {
            if let Some(e) = n.binlog.get(idx) {
                events.extend(trx_events(&e.trx, e.end().pos, idx + 1));
            }
        }
        if file.closed {
            let pos = file.size - ROTATE_EVENT_BYTES;
            events.push(Event {
                kind: "Rotate",
                pos,
                end: file.size,
                server_id: n.server_id,
                info: format!("{};pos=4", binlog_name(file.number + 1)),
            });
        }
        answer(events, &binlog_name(file.number), q, WHAT)
    }

    /// SHOW RELAYLOG EVENTS: the channel's relay log file, holding the transactions
    /// received and not yet applied (applied ones are purged at once, relay_log_purge=ON).
    pub(super) fn show_relaylog_events(
        &self,
        id: NodeId,
        q: &EventsQuery,
    ) -> Result<ResultSet, SqlError> {
        const WHAT: &str = "SHOW RELAYLOG EVENTS";
        let n = &self.nodes[id.index()];
        let Some(ch) = &n.channel else {
            return Err(super::show::no_channel());
        };
        let name = relay_log_name(n.name(), relay_file(ch.conn));
        if q.file.as_ref().is_some_and(|f| *f != name) {
            return Err(not_found(WHAT));
        }
        let mut events = file_header(n.server_id, &n.gtid_executed);
        let mut end = FIRST_EVENT_POS;
        for (i, e) in ch.relay_log.iter().enumerate() {
            end += e.trx.size();
            events.extend(trx_events(&e.trx, end, i as u64 + 1));
        }
        answer(events, &name, q, WHAT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::trx;
    use crate::time::Instant;

    #[test]
    fn a_transaction_is_five_events_that_fill_its_bytes() {
        let t = trx(1, 3, RowEvent::Write { key: 7, after: 70 }, Instant::ZERO);
        let events = trx_events(&t, 439, 3);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["Gtid", "Query", "Table_map", "Write_rows", "Xid"]);
        assert_eq!(events[0].pos, FIRST_EVENT_POS);
        assert_eq!(events[4].end, 439);
        assert!(events.windows(2).all(|w| w[0].end == w[1].pos));
        assert_eq!(events[4].info, "COMMIT /* xid=3 */");
    }
}
