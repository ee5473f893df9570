//! The statements the console understands, as typed values: the contract between the
//! parser (`sql::parse`) and the executor on a node.
//!
//! One variant per statement *form*, whatever its spelling: MySQL 8.4's words and the 8.0
//! ones (`SHOW SLAVE STATUS`, `CHANGE MASTER TO MASTER_HOST=…`, `START SLAVE`, `RESET
//! MASTER`, …; removed in 8.4.0, read here as an 8.0 server reads them so that 8.0 habits and
//! scripts still work) parse to the same variant, so the executor has one case each.
//! Values are already checked and typed here (numbers as `u64`, GTID sets as their text,
//! variable names in their 8.4 spelling, lower case); the executor only decides what the
//! statement does to the node.

use std::fmt;

/// One statement of a console line, as the parser read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub stmt: SqlStmt,
    /// Ended by `\G`: the mysql client prints each row vertically (`*** 1. row ***`).
    pub vertical: bool,
    /// The statement's own text, trimmed, without its terminator (what the transcript
    /// echoes and what a `Command::Sql` records).
    pub text: String,
}

/// Every statement form of the playground's subset of MySQL 8.4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlStmt {
    // ----- a session: the `playground.kv` table -----
    /// `INSERT [INTO] kv [(id, val)] VALUES (id, val)[, …]`, rows as (id, val) whatever the
    /// column order typed.
    Insert { rows: Vec<(u64, u64)> },
    /// `REPLACE [INTO] kv [(id, val)] VALUES (id, val)[, …]`: delete-then-insert per row.
    Replace { rows: Vec<(u64, u64)> },
    /// `UPDATE kv SET val = N [WHERE …]`.
    Update { target: RowTarget, value: u64 },
    /// `DELETE FROM kv [WHERE …]`; no WHERE is `RowTarget::All`.
    Delete { target: RowTarget },
    /// `SELECT * | id | val | id, val | COUNT(*) FROM kv [WHERE …] [ORDER BY id] [LIMIT n]`.
    Select {
        projection: Projection,
        target: RowTarget,
        limit: Option<u64>,
    },
    /// `SELECT @@var[, @@GLOBAL.var, @@SESSION.var …]`.
    SelectVars(Vec<VarRef>),
    /// `SELECT WAIT_FOR_EXECUTED_GTID_SET('gtids'[, timeout])`: 0 once applied, 1 on timeout.
    WaitForExecutedGtidSet {
        gtids: String,
        /// Seconds; `None` waits forever (as MySQL's default 0 does).
        timeout_s: Option<u64>,
    },
    /// `BEGIN [WORK]` / `START TRANSACTION`.
    Begin,
    /// `COMMIT [WORK]`.
    Commit,
    /// `ROLLBACK [WORK]`.
    Rollback,
    /// `SET [GLOBAL | SESSION | PERSIST | PERSIST_ONLY] name = value`, also `SET @@GLOBAL.name
    /// = value`. `name` is a known variable (see [`super::variables`]) in its 8.4 spelling,
    /// settable at that scope; covers `SET GTID_NEXT`, `SET GLOBAL gtid_purged`, `SET GLOBAL
    /// sql_replica_skip_counter`, `SET SESSION sql_log_bin`.
    SetVar {
        scope: SetScope,
        name: String,
        value: SqlValue,
    },

    // ----- status -----
    /// `SHOW REPLICA STATUS` / `SHOW SLAVE STATUS`.
    ShowReplicaStatus,
    /// `SHOW BINARY LOG STATUS` / `SHOW MASTER STATUS`.
    ShowBinaryLogStatus,
    /// `SHOW BINARY LOGS` / `SHOW MASTER LOGS`.
    ShowBinaryLogs,
    /// `SHOW BINLOG EVENTS [IN 'file'] [FROM pos] [LIMIT [offset,] count]`.
    ShowBinlogEvents(EventsQuery),
    /// `SHOW RELAYLOG EVENTS [IN 'file'] [FROM pos] [LIMIT [offset,] count]`.
    ShowRelaylogEvents(EventsQuery),
    /// `SHOW REPLICAS` / `SHOW SLAVE HOSTS`.
    ShowReplicas,
    /// `SHOW [FULL] PROCESSLIST`.
    ShowProcesslist { full: bool },
    /// `SHOW [GLOBAL | SESSION] STATUS [LIKE 'pattern']`.
    ShowStatus { global: bool, like: Option<String> },
    /// `SHOW [GLOBAL | SESSION] VARIABLES [LIKE 'pattern']`.
    ShowVariables { global: bool, like: Option<String> },

    // ----- replication -----
    /// `CHANGE REPLICATION SOURCE TO opt = v[, …]` / `CHANGE MASTER TO MASTER_… = v`; at
    /// least one option, in the order typed.
    ChangeSource(Vec<SourceOption>),
    /// `START REPLICA [IO_THREAD][, SQL_THREAD] [UNTIL …]` / `START SLAVE …`.
    StartReplica {
        threads: Threads,
        until: Option<Until>,
    },
    /// `STOP REPLICA [IO_THREAD][, SQL_THREAD]` / `STOP SLAVE …`.
    StopReplica { threads: Threads },
    /// `RESET REPLICA [ALL]` / `RESET SLAVE [ALL]`.
    ResetReplica { all: bool },
    /// `RESET BINARY LOGS AND GTIDS` / `RESET MASTER`.
    ResetBinaryLogsAndGtids,
    /// `FLUSH BINARY LOGS`: rotate to a new binlog file.
    FlushBinaryLogs,
    /// `FLUSH RELAY LOGS`: rotate to a new relay log file.
    FlushRelayLogs,
    /// `PURGE BINARY LOGS TO 'file' | BEFORE datetime` / `PURGE MASTER LOGS …`.
    PurgeBinaryLogs(Purge),

    // ----- accounts and the schema (what an exported setup script runs) -----
    /// `CREATE USER [IF NOT EXISTS] user [IDENTIFIED [WITH plugin] BY 'password']`.
    CreateUser { user: UserSpec, if_not_exists: bool },
    /// `GRANT priv[, priv …] ON what TO user`; privileges upper-cased, `on` as typed
    /// without spaces (`*.*`, `playground.*`).
    Grant {
        privileges: Vec<String>,
        on: String,
        user: UserSpec,
    },
    /// `CREATE DATABASE | SCHEMA [IF NOT EXISTS] name`.
    CreateDatabase { name: String, if_not_exists: bool },
    /// `CREATE TABLE [IF NOT EXISTS] [playground.]kv …` (the rest is not read).
    CreateTable { if_not_exists: bool },

    // ----- the server -----
    /// `SHUTDOWN`: a clean stop (unlike a crash, nothing is lost).
    Shutdown,
    /// `RESTART`: a clean stop, then start again.
    Restart,
}

/// An account: `'user'@'host'` (a bare `'user'` is `'user'@'%'`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSpec {
    pub user: String,
    pub host: String,
}

/// Which rows a SELECT, UPDATE or DELETE touches (`id` is the primary key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowTarget {
    /// `WHERE id = N` (and any WHERE whose range holds exactly one id).
    WhereId(u64),
    /// `WHERE id BETWEEN lo AND hi`, or a pair of `>=`/`>`/`<=`/`<` bounds (a lone bound
    /// runs to 0 or `u64::MAX`), both ends inclusive; `lo > hi` is an empty range.
    Range { lo: u64, hi: u64 },
    /// No WHERE clause: every row.
    All,
}

/// What a SELECT on `kv` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Projection {
    /// The columns in the order typed (`*` is `[Id, Val]`).
    Columns(Vec<Column>),
    /// `COUNT(*)` (also `COUNT(id)`, `COUNT(1)`: no NULLs in this table).
    CountStar,
}

/// A column of `kv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Id,
    Val,
}

/// One `@@name` of a `SELECT @@…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarRef {
    /// `None` for a bare `@@name` (the session value if the variable has one, else global).
    pub scope: Option<VarScope>,
    /// A known variable, 8.4 spelling, lower case.
    pub name: String,
    /// The column header MySQL prints: the expression as typed (`@@GLOBAL.gtid_executed`).
    pub label: String,
}

/// The scope named in `@@GLOBAL.x` / `@@SESSION.x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarScope {
    Global,
    Session,
}

/// The scope of a SET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetScope {
    /// `SET x`, `SET SESSION x`, `SET @@x`, `SET @@SESSION.x`, `SET LOCAL x`.
    Session,
    /// `SET GLOBAL x`, `SET @@GLOBAL.x`.
    Global,
    /// `SET PERSIST x`: global now and after a restart.
    Persist,
    /// `SET PERSIST_ONLY x`: only after a restart.
    PersistOnly,
}

/// The right-hand side of a SET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlValue {
    /// A number (`1`, `0`, `-1`).
    Int(i64),
    /// A quoted string (`'ON'`, `'3E11FA47-…:1-5'`, `'AUTOMATIC'`).
    Str(String),
    /// A bare word, upper-cased (`ON`, `OFF`, `TRUE`, `FALSE`, `AFTER_SYNC`).
    Word(String),
    /// A decimal with a fractional part, in thousandths (`0.5` is 500): timeouts in seconds.
    Millis(u64),
    /// `DEFAULT`: the compiled-in default.
    Default,
}

impl SqlValue {
    /// The boolean MySQL reads from it: `ON`/`OFF`, `TRUE`/`FALSE`, `1`/`0`, quoted or not.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            SqlValue::Int(1) => Some(true),
            SqlValue::Int(0) => Some(false),
            SqlValue::Str(s) | SqlValue::Word(s) => match s.to_ascii_uppercase().as_str() {
                "ON" | "TRUE" | "1" => Some(true),
                "OFF" | "FALSE" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The unsigned number in it, if it is one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            SqlValue::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// The text in it: a quoted string or a bare word.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            SqlValue::Str(s) | SqlValue::Word(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for SqlValue {
    /// As MySQL quotes it in an error message (`Variable 'x' can't be set to the value of 'v'`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlValue::Int(n) => write!(f, "{n}"),
            SqlValue::Str(s) | SqlValue::Word(s) => f.write_str(s),
            SqlValue::Millis(ms) => write!(f, "{}.{:03}", ms / 1_000, ms % 1_000),
            SqlValue::Default => f.write_str("DEFAULT"),
        }
    }
}

/// The optional clauses of SHOW BINLOG / RELAYLOG EVENTS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventsQuery {
    /// `IN 'file'`; `None` is the first file.
    pub file: Option<String>,
    /// `FROM pos`: the position of the first event shown.
    pub from: Option<u64>,
    /// `LIMIT [offset,] count`.
    pub limit: Option<Limit>,
}

/// `LIMIT [offset,] count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub offset: u64,
    pub count: u64,
}

/// One option of CHANGE REPLICATION SOURCE TO (8.0 `MASTER_…` spellings map here too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceOption {
    /// `SOURCE_HOST = 'db1'`: a node's name.
    Host(String),
    /// `SOURCE_PORT = 3306`: accepted, not modelled.
    Port(u64),
    /// `SOURCE_USER = 'repl'`: accepted, not modelled.
    User(String),
    /// `SOURCE_PASSWORD = '…'`: accepted, not modelled.
    Password(String),
    /// `SOURCE_AUTO_POSITION = 0 | 1`.
    AutoPosition(bool),
    /// `SOURCE_LOG_FILE = 'binlog.000003'`.
    LogFile(String),
    /// `SOURCE_LOG_POS = 4`.
    LogPos(u64),
    /// `RELAY_LOG_FILE = '…'`.
    RelayLogFile(String),
    /// `RELAY_LOG_POS = 4`.
    RelayLogPos(u64),
    /// `SOURCE_DELAY = seconds`: apply each transaction this long after its original commit.
    DelayS(u64),
    /// `SOURCE_CONNECT_RETRY = seconds`.
    ConnectRetryS(u64),
    /// `SOURCE_RETRY_COUNT = n`.
    RetryCount(u64),
    /// `SOURCE_HEARTBEAT_PERIOD = seconds` (a decimal, kept in milliseconds; 0 disables).
    HeartbeatPeriodMs(u64),
    /// `GET_SOURCE_PUBLIC_KEY = 0 | 1`: accepted, not modelled.
    GetSourcePublicKey(bool),
    /// MariaDB's `MASTER_USE_GTID = slave_pos | current_pos | no` (`None`: no, by position).
    UseGtid(Option<crate::mariadb::UseGtid>),
}

impl SourceOption {
    /// The 8.4 name of the option, as MySQL names it in error messages.
    pub fn name(&self) -> &'static str {
        match self {
            SourceOption::Host(_) => "SOURCE_HOST",
            SourceOption::Port(_) => "SOURCE_PORT",
            SourceOption::User(_) => "SOURCE_USER",
            SourceOption::Password(_) => "SOURCE_PASSWORD",
            SourceOption::AutoPosition(_) => "SOURCE_AUTO_POSITION",
            SourceOption::LogFile(_) => "SOURCE_LOG_FILE",
            SourceOption::LogPos(_) => "SOURCE_LOG_POS",
            SourceOption::RelayLogFile(_) => "RELAY_LOG_FILE",
            SourceOption::RelayLogPos(_) => "RELAY_LOG_POS",
            SourceOption::DelayS(_) => "SOURCE_DELAY",
            SourceOption::ConnectRetryS(_) => "SOURCE_CONNECT_RETRY",
            SourceOption::RetryCount(_) => "SOURCE_RETRY_COUNT",
            SourceOption::HeartbeatPeriodMs(_) => "SOURCE_HEARTBEAT_PERIOD",
            SourceOption::GetSourcePublicKey(_) => "GET_SOURCE_PUBLIC_KEY",
            SourceOption::UseGtid(_) => "MASTER_USE_GTID",
        }
    }
}

/// Which replication threads START / STOP REPLICA names; neither named means both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Threads {
    /// The receiver (I/O) thread: `IO_THREAD`.
    pub io: bool,
    /// The applier (SQL) thread: `SQL_THREAD`.
    pub sql: bool,
}

impl Threads {
    pub const BOTH: Threads = Threads {
        io: true,
        sql: true,
    };
}

/// Where `START REPLICA … UNTIL` stops the applier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Until {
    /// `UNTIL SQL_BEFORE_GTIDS = 'set'`: stop before the first transaction in the set.
    SqlBeforeGtids(String),
    /// `UNTIL SQL_AFTER_GTIDS = 'set'`: stop once every transaction in the set is applied.
    SqlAfterGtids(String),
    /// `UNTIL SQL_AFTER_MTS_GAPS`.
    SqlAfterMtsGaps,
    /// `UNTIL SOURCE_LOG_FILE = 'f', SOURCE_LOG_POS = p` (coordinates in the source's binlog).
    SourceLog { file: String, pos: u64 },
    /// `UNTIL RELAY_LOG_FILE = 'f', RELAY_LOG_POS = p`.
    RelayLog { file: String, pos: u64 },
}

/// Which binlog files PURGE BINARY LOGS removes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purge {
    /// `TO 'binlog.000003'`: every file before this one.
    To(String),
    /// `BEFORE 'YYYY-MM-DD hh:mm:ss'`: files last written before this instant, in seconds
    /// since 1970-01-01 UTC (the executor maps simulated time onto its wall-clock epoch).
    BeforeUnixS(u64),
    /// `BEFORE NOW() - INTERVAL n unit`, in seconds back from now.
    BeforeAgoS(u64),
}

/// An error as the mysql client prints it: `ERROR 1064 (42000): You have an error …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlError {
    /// MySQL's error number (`ER_PARSE_ERROR` = 1064, …).
    pub errno: u16,
    /// The SQLSTATE MySQL pairs with it.
    pub sqlstate: &'static str,
    pub message: String,
}

impl SqlError {
    pub fn new(errno: u16, sqlstate: &'static str, message: impl Into<String>) -> Self {
        SqlError {
            errno,
            sqlstate,
            message: message.into(),
        }
    }
}

impl fmt::Display for SqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ERROR {} ({}): {}",
            self.errno, self.sqlstate, self.message
        )
    }
}

impl std::error::Error for SqlError {}
