//! The console's SQL parser (and its completion) survives any input: valid statements mutated (cut, bytes
//! changed, tokens inserted, statements spliced) and random text, from one seed, with the
//! same bounds as the link fuzz (tests/links.rs) plus inputs past `MAX_SQL_BYTES`.
//! `SQL_FUZZ_INPUTS=1000000 cargo test --release --test sql_fuzz -- --nocapture` runs the
//! long fuzz (CI runs 100,000).
#![cfg(not(target_arch = "wasm32"))]

use replication_playground::engine::rng::{SimRng, Stream};
use replication_playground::engine::sql::{self, MAX_SQL_BYTES, Parsed, SqlError};

/// Valid statements of every family (the mutations' starting points).
const BASES: &[&str] = &[
    "INSERT INTO kv VALUES (1, 10), (2, 20)",
    "REPLACE INTO playground.kv (val, id) VALUES (5, 6)",
    "INSERT INTO `kv` SET id = 3, val = 4",
    "UPDATE kv SET val = 7 WHERE id BETWEEN 2 AND 9",
    "DELETE FROM kv WHERE id >= 3 AND id < 8",
    "DELETE FROM kv",
    "SELECT * FROM kv WHERE id = 7",
    "SELECT id, val FROM kv WHERE id > 1 ORDER BY id LIMIT 5",
    "SELECT COUNT(*) FROM kv",
    "SELECT @@gtid_executed, @@GLOBAL.read_only",
    "SELECT WAIT_FOR_EXECUTED_GTID_SET('3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5', 10)",
    "BEGIN; INSERT INTO kv VALUES (1, 2); COMMIT",
    "START TRANSACTION",
    "ROLLBACK",
    "SET SESSION sql_log_bin = 0",
    "SET GLOBAL read_only = ON",
    "SET PERSIST rpl_semi_sync_source_timeout = 1000",
    "SET GTID_NEXT = '3E11FA47-71CA-11E1-9E33-C80AA9429562:23'",
    "SET GLOBAL gtid_purged = '+3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5'",
    "SET GLOBAL sql_replica_skip_counter = 1",
    "SHOW REPLICA STATUS\\G",
    "SHOW SLAVE STATUS",
    "SHOW BINARY LOG STATUS",
    "SHOW MASTER STATUS",
    "SHOW BINARY LOGS",
    "SHOW BINLOG EVENTS IN 'binlog.000002' FROM 4 LIMIT 2, 10",
    "SHOW RELAYLOG EVENTS LIMIT 5",
    "SHOW REPLICAS",
    "SHOW SLAVE HOSTS",
    "SHOW FULL PROCESSLIST",
    "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'",
    "SHOW VARIABLES LIKE 'gtid%'",
    "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db1', SOURCE_AUTO_POSITION=1, SOURCE_DELAY=3600",
    "CHANGE MASTER TO MASTER_HOST='db2', MASTER_LOG_FILE='binlog.000003', MASTER_LOG_POS=1234",
    "CHANGE REPLICATION SOURCE TO SOURCE_HEARTBEAT_PERIOD=2.5, SOURCE_CONNECT_RETRY=10",
    "START REPLICA",
    "START SLAVE IO_THREAD",
    "START REPLICA SQL_THREAD UNTIL SQL_BEFORE_GTIDS='3E11FA47-71CA-11E1-9E33-C80AA9429562:7'",
    "START REPLICA UNTIL SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=900",
    "STOP REPLICA IO_THREAD",
    "STOP SLAVE",
    "RESET REPLICA ALL",
    "RESET MASTER",
    "RESET BINARY LOGS AND GTIDS",
    "FLUSH BINARY LOGS",
    "PURGE BINARY LOGS TO 'binlog.000003'",
    "PURGE BINARY LOGS BEFORE NOW() - INTERVAL 1 HOUR",
    "PURGE MASTER LOGS BEFORE '2026-01-02 03:04:05'",
    "SHUTDOWN",
    "RESTART",
    "/* a note */ SHOW /*!80000 BINARY */ LOGS -- done",
];

/// Tokens a mutation inserts: keywords, literals, and the characters the lexer treats
/// specially (quotes, comments, terminators, multi-byte text).
const TOKENS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "SET",
    "GLOBAL",
    "@@",
    "@",
    "'",
    "\"",
    "`",
    ";",
    "\\G",
    "\\",
    "--",
    "-- ",
    "#",
    "/*",
    "*/",
    "/*!",
    "(",
    ")",
    ",",
    ".",
    "=",
    ":=",
    "<=",
    "-",
    "*",
    "0",
    "1.5",
    "18446744073709551616",
    "99999999999999999999999999999999999999999",
    "'x'",
    "é",
    "\u{0}",
    "\n",
    "AND",
    "BETWEEN",
    "UNTIL",
    "FOR CHANNEL ''",
    "LIMIT",
    "kv",
    "id",
    "val",
    "DEFAULT",
];

/// Statement shapes with holes: `{n}` a number, `{f}` a file, `{g}` a GTID set, `{v}` a
/// variable, `{w}` a value, filled with edge values (bounds of u32, i64, u64, malformed).
const SHAPES: &[&str] = &[
    "INSERT INTO kv VALUES ({n}, {n}), ({n}, {n})",
    "UPDATE kv SET val = {n} WHERE id BETWEEN {n} AND {n}",
    "DELETE FROM kv WHERE id > {n} AND id <= {n}",
    "SELECT * FROM kv WHERE id = {n} LIMIT {n}",
    "SET GLOBAL {v} = {w}",
    "SET {v} = {w}",
    "SET PERSIST {v} = {w}",
    "SELECT @@{v}, @@GLOBAL.{v}",
    "SHOW BINLOG EVENTS IN '{f}' FROM {n} LIMIT {n}, {n}",
    "CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='{f}', SOURCE_LOG_POS={n}, SOURCE_DELAY={n}",
    "CHANGE MASTER TO MASTER_HEARTBEAT_PERIOD={w}, MASTER_CONNECT_RETRY={n}",
    "START REPLICA UNTIL SQL_AFTER_GTIDS='{g}'",
    "START REPLICA SQL_THREAD UNTIL RELAY_LOG_FILE='{f}', RELAY_LOG_POS={n}",
    "SELECT WAIT_FOR_EXECUTED_GTID_SET('{g}', {w})",
    "SET GLOBAL gtid_purged = '{g}'",
    "SET gtid_next = '{g}'",
    "PURGE BINARY LOGS BEFORE NOW() - INTERVAL {n} WEEK",
    "PURGE BINARY LOGS BEFORE '{f}'",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "4",
    "4294967295",
    "4294967296",
    "2147483647",
    "2147483648",
    "4294967.5",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "-1",
    "00012",
];
const FILES: &[&str] = &[
    "binlog.000001",
    "",
    "relay.000002",
    "2026-02-29 10:00:00",
    "1969-12-31",
    "9999-12-31 23:59:59",
    "é'",
];
const GTIDS: &[&str] = &[
    "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5",
    "3E11FA47-71CA-11E1-9E33-C80AA9429562:5",
    "3E11FA47-71CA-11E1-9E33-C80AA9429562:0",
    "3E11FA47-71CA-11E1-9E33-C80AA9429562:5-1",
    "3E11FA47:1",
    "",
    "AUTOMATIC",
];
const VALUES: &[&str] = &[
    "ON",
    "off",
    "1",
    "0",
    "2",
    "-1",
    "'x'",
    "DEFAULT",
    "2.5",
    "AFTER_SYNC",
    "99999999999999999999",
];

/// A statement of a shape with its holes filled.
fn generate(rng: &mut SimRng) -> String {
    let mut pick = |list: &[&str]| list[rng.between(0, list.len() as u64 - 1) as usize].to_string();
    let shape = pick(SHAPES);
    let mut out = String::new();
    let mut rest = shape.as_str();
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let hole = &rest[i..i + 3];
        let names: Vec<&str> = sql::variables::VARIABLES.iter().map(|v| v.name).collect();
        out.push_str(&match hole {
            "{n}" => pick(NUMBERS),
            "{f}" => pick(FILES),
            "{g}" => pick(GTIDS),
            "{v}" => pick(&[&names[..], &["no_such", "slave_net_timeout"]].concat()),
            _ => pick(VALUES),
        });
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

fn mutate(rng: &mut SimRng, base: &str, other: &str) -> String {
    if rng.between(0, 7) == 0 {
        return generate(rng);
    }
    let alphabet: Vec<char> =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.#v1%=+/ ;'\"`\\@()*,<>!\n\u{0}é€"
            .chars()
            .collect();
    let pick = |rng: &mut SimRng| alphabet[rng.between(0, alphabet.len() as u64 - 1) as usize];
    let mut chars: Vec<char> = base.chars().collect();
    let at = |rng: &mut SimRng, len: usize| rng.between(0, len as u64) as usize;
    match rng.between(0, 6) {
        0 => chars.truncate(at(rng, chars.len())),
        1 => {
            for _ in 0..rng.between(1, 4) {
                let i = at(rng, chars.len().saturating_sub(1));
                if let Some(c) = chars.get_mut(i) {
                    *c = pick(rng);
                }
            }
        }
        2 => chars = (0..rng.between(0, 80)).map(|_| pick(rng)).collect(),
        3 => chars.extend((0..rng.between(1, 40)).map(|_| pick(rng))),
        4 => {
            for _ in 0..rng.between(1, 3) {
                let token = TOKENS[rng.between(0, TOKENS.len() as u64 - 1) as usize];
                let i = at(rng, chars.len());
                chars.splice(i..i, format!(" {token} ").chars());
            }
        }
        5 => {
            let i = at(rng, chars.len());
            let j = at(rng, other.chars().count());
            chars.truncate(i);
            chars.extend(other.chars().skip(j));
        }
        _ => {
            // Past the length limit: refused whole, never read.
            let n = MAX_SQL_BYTES / base.len().max(1) + 1;
            chars = base.repeat(n).chars().collect();
        }
    }
    chars.into_iter().collect()
}

/// What every answer must satisfy besides not panicking.
fn check(input: &str, results: &[Result<Parsed, SqlError>]) {
    for r in results {
        match r {
            Ok(parsed) => {
                // A statement's own text reads back to the same statement (what a recorded
                // `Command::Sql` replays); a versioned comment cut in two is the exception.
                if !input.contains("/*!") {
                    let again = sql::parse(&parsed.text);
                    assert!(
                        matches!(&again, Ok(v) if v.len() == 1 && v[0].stmt == parsed.stmt),
                        "{input:?}: {:?} reads back as {again:?}",
                        parsed.text
                    );
                }
            }
            Err(e) => {
                let shown = e.to_string();
                assert!(
                    shown.starts_with(&format!("ERROR {} (", e.errno)),
                    "{shown}"
                );
                if let Some((_, near)) = shown.split_once(" near '") {
                    let quoted = near.rsplit_once("' at line ").unwrap().0;
                    assert!(quoted.len() <= 80, "{shown}");
                }
            }
        }
    }
}

#[test]
fn the_parser_never_panics_on_any_input() {
    let inputs: u64 = std::env::var("SQL_FUZZ_INPUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut rng = SimRng::new(2026, Stream::Faults);
    let (mut statements, mut errors) = (0u64, 0u64);
    for i in 0..inputs {
        let base = BASES[(i % BASES.len() as u64) as usize];
        let other = BASES[rng.between(0, BASES.len() as u64 - 1) as usize];
        let input = mutate(&mut rng, base, other);
        let results = sql::parse_each(&input);
        // Completion at any cursor of the same text (a byte offset, maybe mid-character).
        let cursor = rng.between(0, input.len() as u64 + 2) as usize;
        let _ = sql::complete(&input, cursor, &["db1", "db2"]);
        check(&input, &results);
        statements += results.iter().filter(|r| r.is_ok()).count() as u64;
        errors += results.iter().filter(|r| r.is_err()).count() as u64;
    }
    assert!(
        statements > inputs / 40,
        "too few inputs still parse: {statements}"
    );
    assert!(errors > inputs / 4, "too few inputs fail: {errors}");
    println!("sql fuzz: {inputs} inputs, {statements} statements read, {errors} errors, 0 panics");
}

/// `base` with white space replaced, here and there, by other white space or a comment
/// (outside its quoted text): the same statements must come out.
fn respace(rng: &mut SimRng, base: &str) -> String {
    const GAPS: &[&str] = &[
        " ",
        "\n",
        "\t ",
        "  /* why */ ",
        " -- a note\n",
        " # a note\n",
    ];
    let mut out = String::new();
    let mut quote = None;
    for c in base.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, ' ') if rng.between(0, 2) == 0 => {
                out.push_str(GAPS[rng.between(0, GAPS.len() as u64 - 1) as usize]);
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

#[test]
fn white_space_and_comments_between_tokens_change_nothing() {
    let mut rng = SimRng::new(2026, Stream::Workload);
    for round in 0..200 {
        // (Not inside a base's own comments.)
        for base in BASES
            .iter()
            .filter(|b| !b.contains("/*") && !b.contains("--"))
        {
            let spaced = respace(&mut rng, base);
            let stmts = |text: &str| {
                sql::parse(text).map(|v| {
                    v.into_iter()
                        .map(|p| (p.stmt, p.vertical))
                        .collect::<Vec<_>>()
                })
            };
            assert_eq!(stmts(&spaced), stmts(base), "round {round}: {spaced:?}");
        }
    }
}

#[test]
fn every_base_statement_parses() {
    for base in BASES {
        assert!(sql::parse(base).is_ok(), "{base}: {:?}", sql::parse(base));
    }
}
