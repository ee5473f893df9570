//! Tab completion for the console: statement keywords in context (`SHOW RE` → `SHOW
//! REPLICA STATUS`, `SHOW RELAYLOG EVENTS`, `SHOW REPLICAS`), system variable names after
//! `@@` and `SET GLOBAL`, the options of CHANGE REPLICATION SOURCE TO, and node names after
//! `SOURCE_HOST=` (quoted, as MySQL wants them).

use super::variables::{self, Kind, Scope};

/// The statements (and their fixed leading words) the console completes, 8.4 spellings
/// first; the 8.0 ones complete too once their first letters are typed.
const TEMPLATES: &[&str] = &[
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "START TRANSACTION",
    "SELECT * FROM kv WHERE id =",
    "SELECT * FROM kv WHERE id BETWEEN",
    "SELECT COUNT(*) FROM kv",
    "SELECT @@",
    "SELECT WAIT_FOR_EXECUTED_GTID_SET(",
    "INSERT INTO kv (id, val) VALUES",
    "REPLACE INTO kv (id, val) VALUES",
    "UPDATE kv SET val =",
    "DELETE FROM kv WHERE id =",
    "SET GLOBAL",
    "SET PERSIST",
    "SET SESSION",
    "SHOW REPLICA STATUS",
    "SHOW BINARY LOG STATUS",
    "SHOW BINARY LOGS",
    "SHOW BINLOG EVENTS",
    "SHOW RELAYLOG EVENTS",
    "SHOW REPLICAS",
    "SHOW PROCESSLIST",
    "SHOW FULL PROCESSLIST",
    "SHOW GLOBAL STATUS LIKE",
    "SHOW GLOBAL VARIABLES LIKE",
    "SHOW STATUS LIKE",
    "SHOW VARIABLES LIKE",
    "SHOW SLAVE STATUS",
    "SHOW SLAVE HOSTS",
    "SHOW MASTER STATUS",
    "CHANGE REPLICATION SOURCE TO",
    "CHANGE MASTER TO",
    "START REPLICA",
    "START REPLICA IO_THREAD",
    "START REPLICA SQL_THREAD",
    "START REPLICA UNTIL SQL_BEFORE_GTIDS =",
    "START REPLICA UNTIL SQL_AFTER_GTIDS =",
    "START REPLICA UNTIL SOURCE_LOG_FILE =",
    "START SLAVE",
    "STOP REPLICA",
    "STOP REPLICA IO_THREAD",
    "STOP REPLICA SQL_THREAD",
    "STOP SLAVE",
    "RESET REPLICA",
    "RESET REPLICA ALL",
    "RESET BINARY LOGS AND GTIDS",
    "RESET MASTER",
    "FLUSH BINARY LOGS",
    "FLUSH RELAY LOGS",
    "PURGE BINARY LOGS TO",
    "PURGE BINARY LOGS BEFORE",
    "SHUTDOWN",
    "RESTART",
];

/// The options of CHANGE REPLICATION SOURCE TO, as typed before their value.
const SOURCE_OPTIONS: &[&str] = &[
    "SOURCE_HOST=",
    "SOURCE_PORT=",
    "SOURCE_USER=",
    "SOURCE_PASSWORD=",
    "SOURCE_AUTO_POSITION=",
    "SOURCE_LOG_FILE=",
    "SOURCE_LOG_POS=",
    "RELAY_LOG_FILE=",
    "RELAY_LOG_POS=",
    "SOURCE_DELAY=",
    "SOURCE_CONNECT_RETRY=",
    "SOURCE_RETRY_COUNT=",
    "SOURCE_HEARTBEAT_PERIOD=",
    "GET_SOURCE_PUBLIC_KEY=",
];

/// The completions of `line` at `cursor` (a byte offset, moved back to a char boundary):
/// each is the new text of `line[..cursor]` (the rest of the line stays), sorted, without
/// duplicates; empty when nothing fits.
pub fn complete(line: &str, cursor: usize, node_names: &[&str]) -> Vec<String> {
    let mut cursor = cursor.min(line.len());
    while !line.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let head = &line[..cursor];
    let start = statement_start(head);
    let stmt = &head[start..];
    let found = node_name(stmt, node_names)
        .or_else(|| set_value(stmt))
        .or_else(|| variable(stmt))
        .or_else(|| source_option(stmt))
        .unwrap_or_else(|| keywords(stmt));
    let mut out: Vec<String> = found
        .into_iter()
        .map(|(at, text)| format!("{}{text}", &head[..start + at]))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A completion: the offset in the statement where the replaced text starts, and the text.
type Found = Vec<(usize, String)>;

/// Where the statement under the cursor starts: after the last `;` or `\G` outside quotes.
fn statement_start(head: &str) -> usize {
    let mut quote = None;
    let mut start = 0;
    let mut chars = head.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, ';') => start = i + 1,
            (None, '\\') if matches!(chars.peek(), Some((_, 'G' | 'g'))) => {
                chars.next();
                start = i + 2;
            }
            _ => {}
        }
    }
    start
}

/// The word being typed: its start in `stmt` and its text (empty after white space).
fn partial(stmt: &str) -> (usize, &str) {
    let at = stmt
        .rfind(|c: char| c.is_whitespace() || c == ',' || c == '(')
        .map_or(0, |i| {
            i + stmt[i..].chars().next().map_or(1, char::len_utf8)
        });
    (at, &stmt[at..])
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// After `SOURCE_HOST=` (or `MASTER_HOST =`, an opening quote typed or not): node names.
fn node_name(stmt: &str, node_names: &[&str]) -> Option<Found> {
    let eq = stmt.rfind('=')?;
    let key = stmt[..eq].trim_end();
    let is_host = ["SOURCE_HOST", "MASTER_HOST"].iter().any(|k| {
        key.len()
            .checked_sub(k.len())
            .and_then(|i| key.get(i..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(k))
    });
    let value = &stmt[eq + 1..];
    let value_at = eq + 1 + (value.len() - value.trim_start().len());
    let typed = value.trim_start();
    let name = typed.strip_prefix(['\'', '"']).unwrap_or(typed);
    if !is_host || name.contains(['\'', '"', ',', ' ']) {
        return None;
    }
    Some(
        node_names
            .iter()
            .filter(|n| starts_with_ignore_case(n, name))
            .map(|n| (value_at, format!("'{n}'")))
            .collect(),
    )
}

/// After `@@`, `@@GLOBAL.`, or `SET [GLOBAL | SESSION | PERSIST | PERSIST_ONLY] `: the
/// variables of that scope (and the scope words right after SET).
fn variable(stmt: &str) -> Option<Found> {
    let (at, word) = partial(stmt);
    if let Some(i) = word.rfind("@@") {
        let name = &word[i + 2..];
        let (scope, name, name_at) = match name.split_once('.') {
            Some((scope, rest)) => (Some(scope), rest, at + i + 2 + scope.len() + 1),
            None => (None, name, at + i + 2),
        };
        let global = scope.map(|s| s.eq_ignore_ascii_case("GLOBAL"));
        return Some(variables_like(name, global, name_at));
    }
    let words: Vec<&str> = stmt[..at].split_whitespace().collect();
    match words.as_slice() {
        [set] if set.eq_ignore_ascii_case("SET") => {
            let mut found = variables_like(word, Some(false), at);
            for scope in ["GLOBAL", "SESSION", "PERSIST", "PERSIST_ONLY"] {
                if starts_with_ignore_case(scope, word) {
                    found.push((at, scope.to_string()));
                }
            }
            Some(found)
        }
        [set, scope] if set.eq_ignore_ascii_case("SET") => {
            let global = ["GLOBAL", "PERSIST", "PERSIST_ONLY"]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(scope));
            let session = ["SESSION", "LOCAL"]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(scope));
            (global || session).then(|| variables_like(word, Some(global), at))
        }
        _ => None,
    }
}

/// After `SET [scope] name = `: the words a boolean or enum variable takes.
fn set_value(stmt: &str) -> Option<Found> {
    let eq = stmt.find('=')?;
    let words: Vec<&str> = stmt[..eq].split_whitespace().collect();
    let name = match words.as_slice() {
        [set, name] | [set, _, name] if set.eq_ignore_ascii_case("SET") => name,
        _ => return None,
    };
    let name = name
        .rsplit('.')
        .next()
        .unwrap_or(name)
        .trim_start_matches('@');
    let var = variables::lookup(name)?;
    let value = &stmt[eq + 1..];
    let word = value.trim_start();
    let at = eq + 1 + (value.len() - word.len());
    if word.contains(char::is_whitespace) {
        return None;
    }
    let values: &[&str] = match var.kind {
        Kind::Bool => &["ON", "OFF"],
        Kind::Enum(values) => values,
        _ => &[],
    };
    let lower = word.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    Some(
        values
            .iter()
            .filter(|v| starts_with_ignore_case(v, word))
            .map(|v| {
                (
                    at,
                    if lower {
                        v.to_ascii_lowercase()
                    } else {
                        v.to_string()
                    },
                )
            })
            .collect(),
    )
}

/// Variable names starting with `prefix`; `global`: `Some(true)` global ones, `Some(false)`
/// session ones, `None` any.
fn variables_like(prefix: &str, global: Option<bool>, at: usize) -> Found {
    variables::VARIABLES
        .iter()
        .filter(|v| {
            !matches!(
                (global, v.scope),
                (Some(true), Scope::Session) | (Some(false), Scope::Global)
            )
        })
        .filter(|v| starts_with_ignore_case(v.name, prefix))
        .map(|v| (at, v.name.to_string()))
        .collect()
}

/// After `CHANGE REPLICATION SOURCE TO ` or a `,` in its option list: the option names.
fn source_option(stmt: &str) -> Option<Found> {
    let upper = stmt.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let master = words.starts_with(&["CHANGE", "MASTER", "TO"]);
    if !(master || words.starts_with(&["CHANGE", "REPLICATION", "SOURCE", "TO"])) {
        return None;
    }
    let (at, word) = partial(stmt);
    let before = stmt[..at].trim_end();
    let after_list_mark = before.ends_with(',') || before.to_ascii_uppercase().ends_with(" TO");
    if !after_list_mark || word.contains('=') {
        return None;
    }
    let spelled = |o: &&str| {
        if master {
            o.replacen("SOURCE", "MASTER", 1)
        } else {
            o.to_string()
        }
    };
    Some(
        SOURCE_OPTIONS
            .iter()
            .map(spelled)
            .filter(|o| starts_with_ignore_case(o, word))
            .map(|o| (at, o))
            .collect(),
    )
}

/// The statement templates that extend what is typed, completed to their end, in the
/// typist's case (lower case if the word being typed is).
fn keywords(stmt: &str) -> Found {
    let (at, word) = partial(stmt);
    let typed: Vec<&str> = stmt[..at].split_whitespace().collect();
    let lower = word
        .chars()
        .chain(typed.last().map_or("", |w| w).chars())
        .find(char::is_ascii_alphabetic)
        .is_some_and(|c| c.is_ascii_lowercase());
    let mut found = Found::new();
    for template in TEMPLATES {
        let words: Vec<&str> = template.split(' ').collect();
        let fits = words.len() > typed.len()
            && typed
                .iter()
                .zip(&words)
                .all(|(t, w)| t.eq_ignore_ascii_case(w))
            && starts_with_ignore_case(words[typed.len()], word);
        if fits {
            let rest = words[typed.len()..].join(" ");
            let rest = if lower {
                rest.to_ascii_lowercase()
            } else {
                rest
            };
            found.push((at, rest));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &[&str] = &["db1", "db2", "db3"];

    #[test]
    fn statement_keywords_in_context() {
        assert_eq!(
            complete("SHOW RE", 7, NODES),
            [
                "SHOW RELAYLOG EVENTS",
                "SHOW REPLICA STATUS",
                "SHOW REPLICAS"
            ]
        );
        assert_eq!(
            complete("show bin", 8, NODES),
            [
                "show binary log status",
                "show binary logs",
                "show binlog events"
            ]
        );
        assert_eq!(
            complete("RESET B", 7, NODES),
            ["RESET BINARY LOGS AND GTIDS"]
        );
        assert_eq!(
            complete("STOP REPLICA ", 13, NODES),
            ["STOP REPLICA IO_THREAD", "STOP REPLICA SQL_THREAD"]
        );
        assert!(complete("SHOW NOTHING", 12, NODES).is_empty());
    }

    #[test]
    fn only_the_statement_under_the_cursor_is_completed() {
        assert_eq!(complete("BEGIN; COMM", 11, NODES), ["BEGIN; COMMIT"]);
        // The cursor in the middle: the rest of the line is the caller's to keep.
        assert_eq!(complete("SHUT; BEGIN", 4, NODES), ["SHUTDOWN"]);
        assert_eq!(
            complete("SELECT ';' ; ROLL", 17, NODES),
            ["SELECT ';' ; ROLLBACK"]
        );
    }

    #[test]
    fn variables_after_at_at_and_set() {
        assert_eq!(
            complete("SELECT @@gtid_e", 15, NODES),
            ["SELECT @@gtid_executed"]
        );
        assert_eq!(
            complete("SELECT @@GLOBAL.super", 21, NODES),
            ["SELECT @@GLOBAL.super_read_only"]
        );
        assert_eq!(
            complete("SET GLOBAL rpl_semi_sync_source_wait_", 37, NODES),
            [
                "SET GLOBAL rpl_semi_sync_source_wait_for_replica_count",
                "SET GLOBAL rpl_semi_sync_source_wait_no_replica",
                "SET GLOBAL rpl_semi_sync_source_wait_point",
            ]
        );
        // sql_log_bin is a session variable: not offered after SET GLOBAL.
        assert!(complete("SET GLOBAL sql_l", 16, NODES).is_empty());
        assert_eq!(complete("SET sql_l", 9, NODES), ["SET sql_log_bin"]);
        assert_eq!(
            complete("SET PERS", 8, NODES),
            ["SET PERSIST", "SET PERSIST_ONLY"]
        );
    }

    #[test]
    fn the_values_of_a_boolean_or_enum_variable_after_set() {
        assert_eq!(
            complete("SET GLOBAL read_only = O", 24, NODES),
            ["SET GLOBAL read_only = OFF", "SET GLOBAL read_only = ON"]
        );
        assert_eq!(
            complete(
                "SET GLOBAL rpl_semi_sync_source_wait_point=after_s",
                50,
                NODES
            ),
            ["SET GLOBAL rpl_semi_sync_source_wait_point=after_sync"]
        );
        assert_eq!(
            complete("SET @@GLOBAL.super_read_only = ", 31, NODES),
            [
                "SET @@GLOBAL.super_read_only = OFF",
                "SET @@GLOBAL.super_read_only = ON"
            ]
        );
        assert!(complete("SET GLOBAL sync_binlog = ", 25, NODES).is_empty());
    }

    #[test]
    fn node_names_after_source_host_quoted() {
        assert_eq!(
            complete("CHANGE REPLICATION SOURCE TO SOURCE_HOST=", 42, NODES),
            [
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1'",
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db2'",
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db3'",
            ]
        );
        assert_eq!(
            complete("CHANGE MASTER TO MASTER_HOST = 'db2", 35, NODES),
            ["CHANGE MASTER TO MASTER_HOST = 'db2'"]
        );
    }

    #[test]
    fn options_of_change_replication_source() {
        assert_eq!(
            complete(
                "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_AU",
                57,
                NODES
            ),
            ["CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_AUTO_POSITION="]
        );
        assert_eq!(
            complete("CHANGE MASTER TO MASTER_D", 25, NODES),
            ["CHANGE MASTER TO MASTER_DELAY="]
        );
    }

    #[test]
    fn any_cursor_is_safe() {
        for cursor in 0..20 {
            let _ = complete("SELECT 'é' @@", cursor, NODES);
        }
        assert_eq!(complete("", 0, NODES).len(), TEMPLATES.len());
    }
}
