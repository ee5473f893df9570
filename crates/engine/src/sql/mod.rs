//! The console's SQL: a documented subset of MySQL 8.4 (and the 8.0 spellings that 8.4.0
//! removed, read as an 8.0 server reads them), into typed statements ([`ast`]) that a node
//! executes.
//!
//! `parse` turns a console line (or a scenario's `sql` text) into statements, or the error
//! the mysql client would print (`ERROR 1064 (42000): … near '…' at line 1`); it never
//! panics, whatever the input. [`variables`] lists the system variables both the parser and
//! the executor know. [`complete`] gives the console's Tab completions, and
//! [`deprecated_spelling`] the warning an 8.0 server prints for a `SLAVE`/`MASTER` spelling.
//! docs/sql.md lists the syntax read and what is refused.

mod account;
mod admin;
pub mod ast;
mod complete;
mod deprecated;
mod dml;
mod lex;
mod parse;
mod set;
pub mod variables;

pub use ast::{
    Column, EventsQuery, Limit, Parsed, Projection, Purge, RowTarget, SetScope, SourceOption,
    SqlError, SqlStmt, SqlValue, Threads, Until, UserSpec, VarRef, VarScope,
};

pub use complete::complete;
pub use deprecated::{SqlWarning, deprecated_spelling};

use lex::{Tok, Token};

/// The longest input `parse` reads (bytes). A console line or a scenario's statement is
/// short; anything longer is refused with a clear error rather than worked on (as links
/// are capped), and it keeps the fuzz's inputs and the parser's work bounded.
pub const MAX_SQL_BYTES: usize = 4 * 1024;

/// Reads every statement of `text` (`;` or `\G` between them; the last needs none): all
/// of them, or the first error.
///
/// ```
/// use replication_engine::sql::{SqlStmt, Threads, parse};
///
/// let read = parse("STOP REPLICA IO_THREAD; SHOW SLAVE STATUS\\G").unwrap();
/// let io = Threads { io: true, sql: false };
/// assert_eq!(read[0].stmt, SqlStmt::StopReplica { threads: io });
/// assert_eq!((&read[1].stmt, read[1].vertical), (&SqlStmt::ShowReplicaStatus, true));
///
/// let error = parse("SHOW REPLICA STATU").unwrap_err();
/// assert!(error.to_string().starts_with("ERROR 1064 (42000): You have an error in your SQL"));
/// assert!(error.to_string().ends_with("to use near 'STATU' at line 1"));
/// ```
pub fn parse(text: &str) -> Result<Vec<Parsed>, SqlError> {
    parse_each(text).into_iter().collect()
}

/// Reads every statement of `text`, each to its own result, as the mysql client sends the
/// statements of a line one by one (a syntax error in the second does not stop the first).
/// Empty statements (`;;`, a comment alone) are skipped, as the client skips them.
pub fn parse_each(text: &str) -> Vec<Result<Parsed, SqlError>> {
    if text.len() > MAX_SQL_BYTES {
        return vec![Err(SqlError::new(
            1153,
            "08S01",
            format!(
                "Got a packet bigger than 'max_allowed_packet' bytes (the console reads at most \
                 {MAX_SQL_BYTES} bytes at once; this is {})",
                text.len()
            ),
        ))];
    }
    let tokens = lex::tokens(text);
    tokens
        .split_inclusive(|t| matches!(t.tok, Tok::End { .. }))
        .filter_map(|group| statement(text, group))
        .collect()
}

/// One statement from its tokens (its terminator last, if any); `None` if it is empty.
fn statement(src: &str, group: &[Token]) -> Option<Result<Parsed, SqlError>> {
    let (vertical, body) = match group.split_last() {
        Some((
            Token {
                tok: Tok::End { vertical },
                ..
            },
            body,
        )) => (*vertical, body),
        _ => (false, group),
    };
    let (first, last) = (body.first()?, body.last()?);
    let text = src.get(first.start..last.end).unwrap_or("");
    let mut p = parse::Parser::new(src, body, first.start, last.end);
    Some(parse::statement(&mut p).map(|stmt| Parsed {
        stmt,
        vertical,
        text: text.to_string(),
    }))
}

#[cfg(test)]
mod tests;
