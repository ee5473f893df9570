//! The recursive-descent parser: a cursor over one statement's tokens, the statement
//! families' dispatch, and the errors MySQL gives for what the subset does not read.
//!
//! A syntax error quotes the statement from the offending token on, as the server's
//! `ER_PARSE_ERROR` does (`sql/sql_parse.cc`, `syntax_error_at`: the text from the token's
//! start, printed with `%-.80s` — 80 bytes, cut to whole characters — and the token's line
//! counted from the statement's first).
//! A statement that is valid MySQL but outside the playground's subset gets
//! `ER_NOT_SUPPORTED_YET` (1235) naming it, with a hint of what is supported.

use super::ast::{SqlError, SqlStmt};
use super::lex::{Tok, Token};
use super::{account, admin, dml, set};

/// The statement families a console runs, for the hint of a 1235.
pub(crate) const SUPPORTED: &str = "SELECT/INSERT/REPLACE/UPDATE/DELETE on kv, BEGIN/COMMIT/\
ROLLBACK, SET, SELECT @@variable, SHOW REPLICA STATUS/BINARY LOG STATUS/BINARY LOGS/BINLOG \
EVENTS/RELAYLOG EVENTS/REPLICAS/PROCESSLIST/STATUS/VARIABLES, CHANGE REPLICATION SOURCE TO, \
START/STOP/RESET REPLICA, RESET BINARY LOGS AND GTIDS, FLUSH BINARY/RELAY LOGS, PURGE BINARY \
LOGS, SHUTDOWN, RESTART";

/// Statements of MySQL 8.4 the console does not run: refused by name (1235), not as a
/// syntax error, because they are valid SQL.
const OTHER_STATEMENTS: &[&str] = &[
    "ALTER",
    "ANALYZE",
    "BINLOG",
    "CACHE",
    "CALL",
    "CHECK",
    "CHECKSUM",
    "CLONE",
    "CREATE",
    "DEALLOCATE",
    "DESC",
    "DESCRIBE",
    "DO",
    "DROP",
    "EXECUTE",
    "EXPLAIN",
    "GET",
    "GRANT",
    "HANDLER",
    "HELP",
    "IMPORT",
    "INSTALL",
    "KILL",
    "LOAD",
    "LOCK",
    "OPTIMIZE",
    "PREPARE",
    "RELEASE",
    "RENAME",
    "REPAIR",
    "REVOKE",
    "SAVEPOINT",
    "SIGNAL",
    "RESIGNAL",
    "TABLE",
    "TRUNCATE",
    "UNINSTALL",
    "UNLOCK",
    "USE",
    "VALUES",
    "WITH",
    "XA",
];

/// Words that cannot be an unquoted table or column name (the subset of MySQL's reserved
/// words that can stand where the grammar here reads a name).
const RESERVED: &[&str] = &[
    "AND", "AS", "BETWEEN", "BY", "FROM", "IN", "INTO", "LIMIT", "NOT", "NULL", "OR", "ORDER",
    "SELECT", "SET", "VALUES", "WHERE",
];

/// A cursor over the tokens of one statement (its terminator excluded).
pub(crate) struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    i: usize,
    /// The statement's span in `src`: "near" text runs to `end`, lines count from `start`.
    start: usize,
    end: usize,
}

pub(crate) type Res<T> = Result<T, SqlError>;

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, toks: &'a [Token], start: usize, end: usize) -> Self {
        Parser {
            src,
            toks,
            i: 0,
            start,
            end,
        }
    }

    pub(crate) fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.i)
    }

    pub(crate) fn peek_at(&self, ahead: usize) -> Option<&'a Token> {
        self.toks.get(self.i + ahead)
    }

    pub(crate) fn advance(&mut self) {
        self.i += 1;
    }

    /// The index of the current token, to come back to it for an error.
    pub(crate) fn mark(&self) -> usize {
        self.i
    }

    pub(crate) fn text(&self, t: &Token) -> &'a str {
        self.src.get(t.start..t.end).unwrap_or("")
    }

    /// The input from the token at `from` to the end of the token before the cursor.
    pub(crate) fn text_since(&self, from: usize) -> &'a str {
        let start = self.toks.get(from).map_or(self.end, |t| t.start);
        let end = self
            .i
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(start, |t| t.end);
        self.src.get(start..end.max(start)).unwrap_or("")
    }

    /// The current token's text upper-cased if it is an unquoted word.
    pub(crate) fn word(&self) -> Option<String> {
        self.word_at(0)
    }

    pub(crate) fn word_at(&self, ahead: usize) -> Option<String> {
        let t = self.peek_at(ahead)?;
        (t.tok == Tok::Word).then(|| self.text(t).to_ascii_uppercase())
    }

    pub(crate) fn is_kw(&self, kw: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.tok == Tok::Word && self.text(t).eq_ignore_ascii_case(kw))
    }

    pub(crate) fn eat_kw(&mut self, kw: &str) -> bool {
        let found = self.is_kw(kw);
        if found {
            self.advance();
        }
        found
    }

    /// Eats the first of `kws` that is the current word, returning it.
    pub(crate) fn eat_any(&mut self, kws: &[&'static str]) -> Option<&'static str> {
        let found = kws.iter().copied().find(|kw| self.is_kw(kw))?;
        self.advance();
        Some(found)
    }

    pub(crate) fn expect_kw(&mut self, kw: &str) -> Res<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    pub(crate) fn is_punct(&self, p: &str) -> bool {
        self.peek()
            .is_some_and(|t| matches!(t.tok, Tok::Punct(q) if q == p))
    }

    pub(crate) fn eat_punct(&mut self, p: &str) -> bool {
        let found = self.is_punct(p);
        if found {
            self.advance();
        }
        found
    }

    pub(crate) fn expect_punct(&mut self, p: &str) -> Res<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    /// `=` (or `:=`, which MySQL also takes in SET and option lists).
    pub(crate) fn expect_equals(&mut self) -> Res<()> {
        if self.eat_punct("=") || self.eat_punct(":=") {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    pub(crate) fn at_end(&self) -> bool {
        self.i >= self.toks.len()
    }

    /// The statement must end here.
    pub(crate) fn done(&self) -> Res<()> {
        if self.at_end() {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    /// A 1064 at the current token (`near ''` at the end of the statement).
    pub(crate) fn syntax(&self) -> SqlError {
        self.syntax_at(self.i)
    }

    pub(crate) fn syntax_at(&self, index: usize) -> SqlError {
        let pos = self
            .toks
            .get(index)
            .map_or(self.end, |t| t.start.min(self.end));
        let rest = self.src.get(pos..self.end).unwrap_or("");
        // `%-.80s`: at most 80 bytes, cut back to a whole character (my_vsnprintf's
        // process_str_arg keeps the well-formed prefix).
        let mut cut = rest.len().min(80);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let near = &rest[..cut];
        let line = 1 + self
            .src
            .get(self.start..pos)
            .unwrap_or("")
            .matches('\n')
            .count();
        syntax_error(near, line)
    }

    /// A quoted string (MySQL's `TEXT_STRING`).
    pub(crate) fn string(&mut self) -> Res<String> {
        match self.peek() {
            Some(Token {
                tok: Tok::Str(s), ..
            }) => {
                self.advance();
                Ok(s.clone())
            }
            _ => Err(self.syntax()),
        }
    }

    /// An unsigned integer literal (MySQL's `ulong_num` / `ulonglong_num`).
    pub(crate) fn uint(&mut self) -> Res<u64> {
        let value = self.peek().filter(|t| t.tok == Tok::Num).and_then(|t| {
            let text = self.text(t);
            (!text.contains('.'))
                .then(|| text.parse::<u64>().ok())
                .flatten()
        });
        match value {
            Some(v) => {
                self.advance();
                Ok(v)
            }
            None => Err(self.syntax()),
        }
    }

    /// A number, in thousandths (`0.5` is 500; digits past the third are dropped).
    pub(crate) fn decimal_ms(&mut self) -> Res<u64> {
        let value = self
            .peek()
            .filter(|t| t.tok == Tok::Num)
            .map(|t| millis(self.text(t)));
        match value {
            Some(ms) => {
                self.advance();
                Ok(ms)
            }
            None => Err(self.syntax()),
        }
    }

    /// A signed integer literal, saturating at the bounds of `i128` (so an id far out of
    /// range is reported as out of range, not misread).
    pub(crate) fn int(&mut self) -> Option<i128> {
        let negative = match self.peek().map(|t| &t.tok) {
            Some(Tok::Punct("-")) => true,
            Some(Tok::Punct("+")) => false,
            _ => return self.unsigned_int(),
        };
        let back = self.i;
        self.advance();
        let n = self.unsigned_int();
        if n.is_none() {
            self.i = back;
        }
        n.map(|n| if negative { -n } else { n })
    }

    /// Digits without a fraction, saturating at `i128::MAX`.
    fn unsigned_int(&mut self) -> Option<i128> {
        let t = self.peek().filter(|t| t.tok == Tok::Num)?;
        let text = self.text(t);
        if text.contains('.') {
            return None;
        }
        self.advance();
        Some(text.parse::<i128>().unwrap_or(i128::MAX))
    }

    /// A table or column name: an unquoted non-reserved word or a quoted identifier.
    pub(crate) fn ident(&mut self) -> Option<String> {
        let t = self.peek()?;
        let name = match &t.tok {
            Tok::QuotedIdent(name) => name.clone(),
            Tok::Word
                if !RESERVED
                    .iter()
                    .any(|r| self.text(t).eq_ignore_ascii_case(r)) =>
            {
                self.text(t).to_string()
            }
            _ => return None,
        };
        self.advance();
        Some(name)
    }

    /// `FOR CHANNEL 'name'`: only the default channel ('') exists here.
    pub(crate) fn channel(&mut self) -> Res<()> {
        if !self.eat_kw("FOR") {
            return Ok(());
        }
        self.expect_kw("CHANNEL")?;
        let name = self.string()?;
        if name.is_empty() {
            Ok(())
        } else {
            Err(not_supported(
                &format!("a replication channel named {name}"),
                "one replication channel per node, the default one: FOR CHANNEL '' or no FOR CHANNEL",
            ))
        }
    }
}

/// `"12.3456"` → 12_345 thousandths, saturating.
fn millis(text: &str) -> u64 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let whole = whole.parse::<u64>().unwrap_or(u64::MAX);
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    whole
        .saturating_mul(1_000)
        .saturating_add(frac.parse::<u64>().unwrap_or(0))
}

/// Reads one statement (its tokens, no terminator).
pub(crate) fn statement(p: &mut Parser<'_>) -> Res<SqlStmt> {
    let Some(first) = p.word() else {
        return Err(p.syntax());
    };
    match first.as_str() {
        "SELECT" => dml::select(p),
        "INSERT" => dml::insert(p, false),
        "REPLACE" => dml::insert(p, true),
        "UPDATE" => dml::update(p),
        "DELETE" => dml::delete(p),
        "BEGIN" | "COMMIT" | "ROLLBACK" => dml::transaction(p),
        "SET" => set::set(p),
        "SHOW" => admin::show(p),
        "CHANGE" => admin::change(p),
        "START" => admin::start(p),
        "STOP" => admin::stop(p),
        "RESET" => admin::reset(p),
        "FLUSH" => admin::flush(p),
        "PURGE" => admin::purge(p),
        "CREATE" => account::create(p),
        "GRANT" => account::grant(p),
        "SHUTDOWN" | "RESTART" => {
            p.advance();
            p.done()?;
            Ok(if first == "SHUTDOWN" {
                SqlStmt::Shutdown
            } else {
                SqlStmt::Restart
            })
        }
        w if OTHER_STATEMENTS.contains(&w) => Err(not_supported(w, SUPPORTED)),
        _ => Err(p.syntax()),
    }
}

// ----- MySQL's errors (numbers, SQLSTATEs and texts of share/messages_to_clients.txt) -----

/// 1064 ER_PARSE_ERROR.
pub(crate) fn syntax_error(near: &str, line: usize) -> SqlError {
    SqlError::new(
        1064,
        "42000",
        format!(
            "You have an error in your SQL syntax; check the manual that corresponds to your \
             MySQL server version for the right syntax to use near '{near}' at line {line}"
        ),
    )
}

/// 1235 ER_NOT_SUPPORTED_YET, and what the console runs instead.
pub(crate) fn not_supported(what: &str, hint: &str) -> SqlError {
    SqlError::new(
        1235,
        "42000",
        format!("This version of MySQL doesn't yet support '{what}' (the playground runs: {hint})"),
    )
}

/// 1146 ER_NO_SUCH_TABLE.
pub(crate) fn no_such_table(schema: &str, table: &str) -> SqlError {
    SqlError::new(
        1146,
        "42S02",
        format!("Table '{schema}.{table}' doesn't exist"),
    )
}

/// 1054 ER_BAD_FIELD_ERROR; `clause` is `field list` or `where clause`.
pub(crate) fn unknown_column(name: &str, clause: &str) -> SqlError {
    SqlError::new(
        1054,
        "42S22",
        format!("Unknown column '{name}' in '{clause}'"),
    )
}

/// 1193 ER_UNKNOWN_SYSTEM_VARIABLE.
pub(crate) fn unknown_variable(name: &str) -> SqlError {
    SqlError::new(1193, "HY000", format!("Unknown system variable '{name}'"))
}

/// 1238 ER_INCORRECT_GLOBAL_LOCAL_VAR: `kind` is `GLOBAL`, `SESSION` or `read only`.
pub(crate) fn wrong_scope(name: &str, kind: &str) -> SqlError {
    SqlError::new(
        1238,
        "HY000",
        format!("Variable '{name}' is a {kind} variable"),
    )
}

/// 1772 ER_MALFORMED_GTID_SET_SPECIFICATION.
pub(crate) fn malformed_gtid_set(text: &str) -> SqlError {
    let text: String = text.chars().take(200).collect();
    SqlError::new(
        1772,
        "HY000",
        format!("Malformed GTID set specification '{text}'."),
    )
}

/// The GTID set text, checked as MySQL checks it (1772 when malformed).
pub(crate) fn gtid_set(text: String) -> Res<String> {
    match text.parse::<crate::gtid::GtidSet>() {
        Ok(_) => Ok(text),
        Err(_) => Err(malformed_gtid_set(&text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_reads_decimals() {
        assert_eq!(millis("0.5"), 500);
        assert_eq!(millis("2"), 2_000);
        assert_eq!(millis("1.23456"), 1_234);
        assert_eq!(millis("99999999999999999999999"), u64::MAX);
    }
}
