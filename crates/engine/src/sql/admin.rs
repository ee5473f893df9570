//! The DBA's statements: SHOW, CHANGE REPLICATION SOURCE, START / STOP / RESET REPLICA,
//! RESET BINARY LOGS AND GTIDS, FLUSH and PURGE — each in its 8.4 spelling and the 8.0 one
//! (`SLAVE`, `MASTER`, `MASTER_…` options). MySQL 8.4.0 removed the 8.0 ones; the console
//! reads them as an 8.0 server does, so a student's 8.0 habits and scripts still work.
//!
//! The grammar follows `sql/sql_yacc.yy` of MySQL 8.4 (`change_replication_source`,
//! `start_replica_stmt`, `show_…`, `purge`), limited to the options the playground models;
//! the other real options are refused by name (1235).

use super::ast::{EventsQuery, Limit, Purge, SourceOption, SqlError, SqlStmt, Threads, Until};
use super::parse::{Parser, Res, gtid_set, not_supported};

const SHOW_FORMS: &str = "SHOW REPLICA STATUS, SHOW BINARY LOG STATUS, SHOW BINARY LOGS, SHOW \
BINLOG EVENTS, SHOW RELAYLOG EVENTS, SHOW REPLICAS, SHOW PROCESSLIST, SHOW [GLOBAL] STATUS, SHOW \
[GLOBAL] VARIABLES";
const CHANGE_FORMS: &str = "SOURCE_HOST, SOURCE_PORT, SOURCE_USER, SOURCE_PASSWORD, \
SOURCE_AUTO_POSITION, SOURCE_LOG_FILE, SOURCE_LOG_POS, RELAY_LOG_FILE, RELAY_LOG_POS, \
SOURCE_DELAY, SOURCE_CONNECT_RETRY, SOURCE_RETRY_COUNT, SOURCE_HEARTBEAT_PERIOD, \
GET_SOURCE_PUBLIC_KEY";
const REPLICA_FORMS: &str = "START/STOP REPLICA [IO_THREAD | SQL_THREAD] [UNTIL …], RESET \
REPLICA [ALL], RESET BINARY LOGS AND GTIDS, FLUSH BINARY LOGS, FLUSH RELAY LOGS, PURGE BINARY \
LOGS TO | BEFORE";

/// What SHOW lists that the console does not: refused by name, not as a syntax error.
const OTHER_SHOWS: &[&str] = &[
    "CHARACTER",
    "CHARSET",
    "COLLATION",
    "COLUMNS",
    "CREATE",
    "DATABASES",
    "ENGINE",
    "ENGINES",
    "ERRORS",
    "EVENTS",
    "EXTENDED",
    "FIELDS",
    "FUNCTION",
    "GRANTS",
    "INDEX",
    "INDEXES",
    "KEYS",
    "OPEN",
    "PLUGINS",
    "PRIVILEGES",
    "PROCEDURE",
    "PROFILE",
    "PROFILES",
    "SCHEMAS",
    "TABLE",
    "TABLES",
    "TRIGGERS",
    "WARNINGS",
    "COUNT",
    "STORAGE",
];

/// `SHOW …`.
pub(crate) fn show(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    let Some(what) = p.word() else {
        return Err(p.syntax());
    };
    p.advance();
    let stmt = match what.as_str() {
        "REPLICA" | "SLAVE" if p.eat_kw("STATUS") => {
            p.channel()?;
            SqlStmt::ShowReplicaStatus
        }
        "SLAVE" if p.eat_kw("HOSTS") => SqlStmt::ShowReplicas,
        "REPLICAS" => SqlStmt::ShowReplicas,
        "MASTER" if p.eat_kw("STATUS") => SqlStmt::ShowBinaryLogStatus,
        "MASTER" if p.eat_kw("LOGS") => SqlStmt::ShowBinaryLogs,
        "BINARY" if p.eat_kw("LOGS") => SqlStmt::ShowBinaryLogs,
        "BINARY" => {
            p.expect_kw("LOG")?;
            p.expect_kw("STATUS")?;
            SqlStmt::ShowBinaryLogStatus
        }
        "BINLOG" => SqlStmt::ShowBinlogEvents(events_query(p)?),
        "RELAYLOG" => {
            let query = events_query(p)?;
            p.channel()?;
            SqlStmt::ShowRelaylogEvents(query)
        }
        "FULL" if p.eat_kw("PROCESSLIST") => SqlStmt::ShowProcesslist { full: true },
        "PROCESSLIST" => SqlStmt::ShowProcesslist { full: false },
        "GLOBAL" | "SESSION" | "LOCAL" | "STATUS" | "VARIABLES" => show_status(p, &what)?,
        w if OTHER_SHOWS.contains(&w) || (w == "FULL" && p.word().is_some()) => {
            return Err(not_supported(&format!("SHOW {w}"), SHOW_FORMS));
        }
        "REPLICA" | "SLAVE" | "MASTER" | "FULL" => return Err(p.syntax()),
        _ => return Err(p.syntax_at(p.mark().saturating_sub(1))),
    };
    p.done()?;
    Ok(stmt)
}

/// `SHOW [GLOBAL | SESSION] STATUS | VARIABLES [LIKE 'pattern']`; `first` is the word read.
fn show_status(p: &mut Parser<'_>, first: &str) -> Res<SqlStmt> {
    let global = first == "GLOBAL";
    let what = if first == "STATUS" || first == "VARIABLES" {
        first.to_string()
    } else {
        p.eat_any(&["STATUS", "VARIABLES"])
            .ok_or_else(|| p.syntax())?
            .to_string()
    };
    let like = if p.eat_kw("LIKE") {
        Some(p.string()?)
    } else if p.is_kw("WHERE") {
        return Err(not_supported(
            &format!("SHOW {what} WHERE"),
            "SHOW … LIKE 'pattern'",
        ));
    } else {
        None
    };
    Ok(if what == "STATUS" {
        SqlStmt::ShowStatus { global, like }
    } else {
        SqlStmt::ShowVariables { global, like }
    })
}

/// `EVENTS [IN 'file'] [FROM pos] [LIMIT [offset,] count]`.
fn events_query(p: &mut Parser<'_>) -> Res<EventsQuery> {
    p.expect_kw("EVENTS")?;
    let file = if p.eat_kw("IN") {
        Some(p.string()?)
    } else {
        None
    };
    let from = if p.eat_kw("FROM") {
        Some(p.uint()?)
    } else {
        None
    };
    let limit = if p.eat_kw("LIMIT") {
        let first = p.uint()?;
        Some(if p.eat_punct(",") {
            Limit {
                offset: first,
                count: p.uint()?,
            }
        } else if p.eat_kw("OFFSET") {
            Limit {
                offset: p.uint()?,
                count: first,
            }
        } else {
            Limit {
                offset: 0,
                count: first,
            }
        })
    } else {
        None
    };
    Ok(EventsQuery { file, from, limit })
}

/// How an option's value is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Value {
    Text,
    Number,
    Flag,
    Seconds,
}

/// The options of CHANGE REPLICATION SOURCE TO the playground reads: 8.4 name, 8.0 name.
const OPTIONS: &[(&str, &str, Value)] = &[
    ("SOURCE_HOST", "MASTER_HOST", Value::Text),
    ("SOURCE_PORT", "MASTER_PORT", Value::Number),
    ("SOURCE_USER", "MASTER_USER", Value::Text),
    ("SOURCE_PASSWORD", "MASTER_PASSWORD", Value::Text),
    ("SOURCE_AUTO_POSITION", "MASTER_AUTO_POSITION", Value::Flag),
    ("SOURCE_LOG_FILE", "MASTER_LOG_FILE", Value::Text),
    ("SOURCE_LOG_POS", "MASTER_LOG_POS", Value::Number),
    ("RELAY_LOG_FILE", "RELAY_LOG_FILE", Value::Text),
    ("RELAY_LOG_POS", "RELAY_LOG_POS", Value::Number),
    ("SOURCE_DELAY", "MASTER_DELAY", Value::Number),
    (
        "SOURCE_CONNECT_RETRY",
        "MASTER_CONNECT_RETRY",
        Value::Number,
    ),
    ("SOURCE_RETRY_COUNT", "MASTER_RETRY_COUNT", Value::Number),
    (
        "SOURCE_HEARTBEAT_PERIOD",
        "MASTER_HEARTBEAT_PERIOD",
        Value::Seconds,
    ),
    (
        "GET_SOURCE_PUBLIC_KEY",
        "GET_MASTER_PUBLIC_KEY",
        Value::Flag,
    ),
];

/// Real options of CHANGE REPLICATION SOURCE TO that the playground does not model
/// (besides every other `SOURCE_…` / `MASTER_…` one: SSL, TLS, compression, bind).
const OTHER_OPTIONS: &[&str] = &[
    "ASSIGN_GTIDS_TO_ANONYMOUS_TRANSACTIONS",
    "GTID_ONLY",
    "IGNORE_SERVER_IDS",
    "NETWORK_NAMESPACE",
    "PRIVILEGE_CHECKS_USER",
    "REQUIRE_ROW_FORMAT",
    "REQUIRE_TABLE_PRIMARY_KEY_CHECK",
];

/// The largest SOURCE_DELAY (`MASTER_DELAY_MAX` in `sql/rpl_replica.h`).
const SOURCE_DELAY_MAX_S: u64 = 2_147_483_647;
/// The largest SOURCE_HEARTBEAT_PERIOD (`SLAVE_MAX_HEARTBEAT_PERIOD`), in seconds.
const HEARTBEAT_MAX_S: u64 = 4_294_967;

/// `CHANGE REPLICATION SOURCE TO opt = v, …` / `CHANGE MASTER TO …` `[FOR CHANNEL '']`.
pub(crate) fn change(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    if p.eat_kw("REPLICATION") {
        if p.is_kw("FILTER") {
            return Err(not_supported("CHANGE REPLICATION FILTER", CHANGE_FORMS));
        }
        p.expect_kw("SOURCE")?;
    } else {
        p.expect_kw("MASTER")?;
    }
    p.expect_kw("TO")?;
    let mut options = Vec::new();
    loop {
        options.push(source_option(p)?);
        if !p.eat_punct(",") {
            break;
        }
    }
    p.channel()?;
    p.done()?;
    Ok(SqlStmt::ChangeSource(options))
}

fn source_option(p: &mut Parser<'_>) -> Res<SourceOption> {
    let Some(name) = p.word() else {
        return Err(p.syntax());
    };
    if name == "MASTER_USE_GTID" {
        return use_gtid_option(p);
    }
    let Some(&(canonical, _, kind)) = OPTIONS.iter().find(|(a, b, _)| name == *a || name == *b)
    else {
        let real = OTHER_OPTIONS.contains(&name.as_str())
            || name.starts_with("SOURCE_")
            || name.starts_with("MASTER_");
        return Err(if real {
            not_supported(
                &format!("CHANGE REPLICATION SOURCE TO {name}"),
                CHANGE_FORMS,
            )
        } else {
            p.syntax()
        });
    };
    p.advance();
    p.expect_punct("=")?;
    let option = match kind {
        Value::Text => text_option(canonical, p.string()?),
        Value::Flag => match canonical {
            "SOURCE_AUTO_POSITION" => SourceOption::AutoPosition(p.uint()? != 0),
            _ => SourceOption::GetSourcePublicKey(p.uint()? != 0),
        },
        Value::Seconds => {
            let ms = p.decimal_ms()?;
            if ms > HEARTBEAT_MAX_S * 1_000 {
                return Err(SqlError::new(
                    1624,
                    "HY000",
                    format!(
                        "The requested value for the heartbeat period is either negative or \
                         exceeds the maximum allowed ({HEARTBEAT_MAX_S} seconds)."
                    ),
                ));
            }
            SourceOption::HeartbeatPeriodMs(ms)
        }
        Value::Number => number_option(canonical, p.uint()?)?,
    };
    Ok(option)
}

/// MariaDB's `MASTER_USE_GTID = slave_pos | current_pos | no` (sql/sql_yacc.yy).
fn use_gtid_option(p: &mut Parser<'_>) -> Res<SourceOption> {
    use crate::mariadb::UseGtid;
    p.advance();
    p.expect_punct("=")?;
    let value = match p.word().as_deref() {
        Some("SLAVE_POS") => Some(UseGtid::SlavePos),
        Some("CURRENT_POS") => Some(UseGtid::CurrentPos),
        Some("NO") => None,
        _ => return Err(p.syntax()),
    };
    p.advance();
    Ok(SourceOption::UseGtid(value))
}

fn text_option(name: &str, text: String) -> SourceOption {
    match name {
        "SOURCE_HOST" => SourceOption::Host(text),
        "SOURCE_USER" => SourceOption::User(text),
        "SOURCE_PASSWORD" => SourceOption::Password(text),
        "SOURCE_LOG_FILE" => SourceOption::LogFile(text),
        _ => SourceOption::RelayLogFile(text),
    }
}

fn number_option(name: &str, n: u64) -> Res<SourceOption> {
    Ok(match name {
        "SOURCE_PORT" => SourceOption::Port(n),
        "SOURCE_LOG_POS" => SourceOption::LogPos(n),
        "RELAY_LOG_POS" => SourceOption::RelayLogPos(n),
        "SOURCE_CONNECT_RETRY" => SourceOption::ConnectRetryS(n),
        "SOURCE_RETRY_COUNT" => SourceOption::RetryCount(n),
        _ if n > SOURCE_DELAY_MAX_S => {
            return Err(SqlError::new(
                1729,
                "HY000",
                format!(
                    "The requested value {n} for the source delay exceeds the maximum \
                     {SOURCE_DELAY_MAX_S}"
                ),
            ));
        }
        _ => SourceOption::DelayS(n),
    })
}

/// `START TRANSACTION` or `START REPLICA | SLAVE [threads] [UNTIL …] [FOR CHANNEL '']`.
pub(crate) fn start(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    if p.eat_kw("TRANSACTION") {
        // WITH CONSISTENT SNAPSHOT is what every InnoDB transaction here already reads.
        if p.eat_kw("WITH") {
            p.expect_kw("CONSISTENT")?;
            p.expect_kw("SNAPSHOT")?;
        }
        if p.is_kw("READ") {
            return Err(not_supported("START TRANSACTION READ ONLY/WRITE", "BEGIN"));
        }
        p.done()?;
        return Ok(SqlStmt::Begin);
    }
    if p.is_kw("GROUP_REPLICATION") {
        return Err(not_supported("START GROUP_REPLICATION", REPLICA_FORMS));
    }
    if p.eat_any(&["REPLICA", "SLAVE"]).is_none() {
        return Err(p.syntax());
    }
    let threads = threads(p)?;
    let until = if p.eat_kw("UNTIL") {
        Some(until(p)?)
    } else {
        None
    };
    if let Some(w) = p.eat_any(&["USER", "PASSWORD", "DEFAULT_AUTH", "PLUGIN_DIR"]) {
        return Err(not_supported(
            &format!("START REPLICA … {w}"),
            REPLICA_FORMS,
        ));
    }
    p.channel()?;
    p.done()?;
    Ok(SqlStmt::StartReplica { threads, until })
}

/// `STOP REPLICA | SLAVE [threads] [FOR CHANNEL '']`.
pub(crate) fn stop(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    if p.is_kw("GROUP_REPLICATION") {
        return Err(not_supported("STOP GROUP_REPLICATION", REPLICA_FORMS));
    }
    if p.eat_any(&["REPLICA", "SLAVE"]).is_none() {
        return Err(p.syntax());
    }
    let threads = threads(p)?;
    p.channel()?;
    p.done()?;
    Ok(SqlStmt::StopReplica { threads })
}

/// `[IO_THREAD | RELAY_THREAD | SQL_THREAD][, …]`; none named means both.
fn threads(p: &mut Parser<'_>) -> Res<Threads> {
    let mut named = Threads {
        io: false,
        sql: false,
    };
    while let Some(w) = p.eat_any(&["IO_THREAD", "RELAY_THREAD", "SQL_THREAD"]) {
        if w == "SQL_THREAD" {
            named.sql = true;
        } else {
            named.io = true;
        }
        if !p.eat_punct(",") {
            break;
        }
        if p.word().is_none_or(|w| !w.ends_with("_THREAD")) {
            return Err(p.syntax());
        }
    }
    Ok(if named.io || named.sql {
        named
    } else {
        Threads::BOTH
    })
}

/// The condition of `START REPLICA UNTIL`; 1277 for a combination MySQL refuses.
fn until(p: &mut Parser<'_>) -> Res<Until> {
    let (mut gtids, mut source, mut relay) = (None, (None, None), (None, None));
    let mut conditions = 0;
    loop {
        let Some(name) = p.word() else {
            return Err(p.syntax());
        };
        p.advance();
        conditions += 1;
        match name.as_str() {
            "SQL_AFTER_MTS_GAPS" => gtids = Some(Until::SqlAfterMtsGaps),
            "SQL_BEFORE_GTIDS" | "SQL_AFTER_GTIDS" => {
                p.expect_punct("=")?;
                let set = gtid_set(p.string()?)?;
                gtids = Some(if name == "SQL_BEFORE_GTIDS" {
                    Until::SqlBeforeGtids(set)
                } else {
                    Until::SqlAfterGtids(set)
                });
            }
            "SOURCE_LOG_FILE" | "MASTER_LOG_FILE" | "RELAY_LOG_FILE" => {
                p.expect_punct("=")?;
                let slot = if name == "RELAY_LOG_FILE" {
                    &mut relay.0
                } else {
                    &mut source.0
                };
                *slot = Some(p.string()?);
            }
            "SOURCE_LOG_POS" | "MASTER_LOG_POS" | "RELAY_LOG_POS" => {
                p.expect_punct("=")?;
                let slot = if name == "RELAY_LOG_POS" {
                    &mut relay.1
                } else {
                    &mut source.1
                };
                *slot = Some(p.uint()?);
            }
            _ => return Err(p.syntax_at(p.mark().saturating_sub(1))),
        }
        if !p.eat_punct(",") {
            break;
        }
    }
    match (gtids, source, relay, conditions) {
        (Some(until), (None, None), (None, None), 1) => Ok(until),
        (None, (Some(file), Some(pos)), (None, None), 2) => Ok(Until::SourceLog { file, pos }),
        (None, (None, None), (Some(file), Some(pos)), 2) => Ok(Until::RelayLog { file, pos }),
        _ => Err(SqlError::new(
            1277,
            "HY000",
            "Incorrect parameter or combination of parameters for START REPLICA UNTIL",
        )),
    }
}

/// `RESET REPLICA | SLAVE [ALL] [FOR CHANNEL '']`, `RESET BINARY LOGS AND GTIDS`,
/// `RESET MASTER`.
pub(crate) fn reset(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    let stmt = if p.eat_any(&["REPLICA", "SLAVE"]).is_some() {
        let all = p.eat_kw("ALL");
        p.channel()?;
        SqlStmt::ResetReplica { all }
    } else if p.eat_kw("MASTER") {
        SqlStmt::ResetBinaryLogsAndGtids
    } else if p.eat_kw("BINARY") {
        p.expect_kw("LOGS")?;
        p.expect_kw("AND")?;
        p.expect_kw("GTIDS")?;
        SqlStmt::ResetBinaryLogsAndGtids
    } else if p.is_kw("PERSIST") {
        return Err(not_supported("RESET PERSIST", REPLICA_FORMS));
    } else {
        return Err(p.syntax());
    };
    if stmt == SqlStmt::ResetBinaryLogsAndGtids && p.is_kw("TO") {
        return Err(not_supported(
            "RESET BINARY LOGS AND GTIDS TO",
            REPLICA_FORMS,
        ));
    }
    p.done()?;
    Ok(stmt)
}

/// `FLUSH [NO_WRITE_TO_BINLOG | LOCAL] BINARY LOGS | RELAY LOGS [FOR CHANNEL '']`.
pub(crate) fn flush(p: &mut Parser<'_>) -> Res<SqlStmt> {
    const OTHER: &[&str] = &[
        "LOGS",
        "TABLES",
        "TABLE",
        "PRIVILEGES",
        "STATUS",
        "HOSTS",
        "ENGINE",
        "ERROR",
        "GENERAL",
        "SLOW",
        "OPTIMIZER_COSTS",
        "USER_RESOURCES",
    ];
    p.advance();
    p.eat_any(&["NO_WRITE_TO_BINLOG", "LOCAL"]);
    let stmt = if p.eat_kw("BINARY") {
        p.expect_kw("LOGS")?;
        SqlStmt::FlushBinaryLogs
    } else if p.eat_kw("RELAY") {
        p.expect_kw("LOGS")?;
        p.channel()?;
        SqlStmt::FlushRelayLogs
    } else if let Some(w) = p.word().filter(|w| OTHER.contains(&w.as_str())) {
        return Err(not_supported(&format!("FLUSH {w}"), REPLICA_FORMS));
    } else {
        return Err(p.syntax());
    };
    if p.is_punct(",") {
        return Err(not_supported("several FLUSH options", REPLICA_FORMS));
    }
    p.done()?;
    Ok(stmt)
}

/// `PURGE BINARY | MASTER LOGS TO 'file' | BEFORE 'datetime' | BEFORE NOW() - INTERVAL n unit`.
pub(crate) fn purge(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    if p.eat_any(&["BINARY", "MASTER"]).is_none() {
        return Err(p.syntax());
    }
    p.expect_kw("LOGS")?;
    let purge = if p.eat_kw("TO") {
        Purge::To(p.string()?)
    } else {
        p.expect_kw("BEFORE")?;
        purge_before(p)?
    };
    p.done()?;
    Ok(SqlStmt::PurgeBinaryLogs(purge))
}

const PURGE_FORMS: &str = "PURGE BINARY LOGS TO 'file', PURGE BINARY LOGS BEFORE 'YYYY-MM-DD \
hh:mm:ss', PURGE BINARY LOGS BEFORE NOW() - INTERVAL n SECOND | MINUTE | HOUR | DAY | WEEK";

fn purge_before(p: &mut Parser<'_>) -> Res<Purge> {
    if p.peek()
        .is_some_and(|t| matches!(t.tok, super::lex::Tok::Str(_)))
    {
        let text = p.string()?;
        return unix_seconds(&text).map(Purge::BeforeUnixS).ok_or_else(|| {
            SqlError::new(1210, "HY000", "Incorrect arguments to PURGE LOGS BEFORE")
        });
    }
    let date_sub = p.is_kw("DATE_SUB");
    if date_sub {
        p.advance();
        p.expect_punct("(")?;
    }
    now(p)?;
    let ago_s = if date_sub {
        p.expect_punct(",")?;
        let s = interval(p)?;
        p.expect_punct(")")?;
        s
    } else if p.eat_punct("-") {
        interval(p)?
    } else {
        0
    };
    Ok(Purge::BeforeAgoS(ago_s))
}

/// `NOW()`, `CURRENT_TIMESTAMP[()]`, `SYSDATE()`, `LOCALTIME[()]`.
fn now(p: &mut Parser<'_>) -> Res<()> {
    let Some(w) = p.eat_any(&[
        "NOW",
        "SYSDATE",
        "CURRENT_TIMESTAMP",
        "LOCALTIME",
        "LOCALTIMESTAMP",
    ]) else {
        return Err(not_supported("this PURGE BINARY LOGS BEFORE", PURGE_FORMS));
    };
    let parens_optional = !matches!(w, "NOW" | "SYSDATE");
    if p.eat_punct("(") {
        p.expect_punct(")")?;
    } else if !parens_optional {
        return Err(p.syntax());
    }
    Ok(())
}

/// `INTERVAL n unit`, in seconds.
fn interval(p: &mut Parser<'_>) -> Res<u64> {
    p.expect_kw("INTERVAL")?;
    let n = p.uint()?;
    let unit_s: u64 = match p.word().as_deref() {
        Some("SECOND") => 1,
        Some("MINUTE") => 60,
        Some("HOUR") => 3_600,
        Some("DAY") => 86_400,
        Some("WEEK") => 604_800,
        Some(_) => return Err(not_supported("this INTERVAL unit", PURGE_FORMS)),
        None => return Err(p.syntax()),
    };
    p.advance();
    Ok(n.saturating_mul(unit_s))
}

/// `'YYYY-MM-DD[ hh:mm:ss[.fraction]]'` (also with a `T`), as seconds since 1970 UTC.
fn unix_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let (date, time) = text.split_once([' ', 'T']).unwrap_or((text, "00:00:00"));
    let mut d = date.splitn(3, '-').map(|f| f.parse::<u64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.split_once('.').map_or(time, |(whole, _)| whole);
    let mut t = time.splitn(3, ':').map(|f| f.parse::<u64>().ok());
    let (h, m, s) = (
        t.next()??,
        t.next().unwrap_or(Some(0))?,
        t.next().unwrap_or(Some(0))?,
    );
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let days_in_month = *month_days.get(usize::try_from(month).ok()?.checked_sub(1)?)?;
    if !(1970..=9999).contains(&year)
        || day == 0
        || day > days_in_month
        || h > 23
        || m > 59
        || s > 59
    {
        return None;
    }
    let days =
        days_before_year(year) + month_days.iter().take(month as usize - 1).sum::<u64>() + day - 1;
    Some(days * 86_400 + h * 3_600 + m * 60 + s)
}

/// Days from 1970-01-01 to January 1st of `year` (≥ 1970).
fn days_before_year(year: u64) -> u64 {
    let leaps = |y: u64| y / 4 - y / 100 + y / 400;
    (year - 1970) * 365 + leaps(year - 1) - leaps(1969)
}
