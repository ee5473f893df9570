//! Running a console line: parse it, then each statement against the node. Reads and
//! settings answer at once; a write goes through the node's commit pipeline and its
//! entry stays pending until the node answers (`console_reply`).

use super::format::{self, ResultSet};
use super::{CONSOLE_REQ, Reply, error};
use crate::ids::{Addr, NodeId};
use crate::message::{Msg, QueryResult};
use crate::sql::{Parsed, SqlError, SqlStmt};
use crate::time::Duration;
use crate::world::World;

/// What a statement answered, before it is printed.
pub(crate) enum Answer {
    /// A result set (printed as a table, or vertically with `\G`).
    Rows(ResultSet),
    /// `Query OK, n rows affected` and the info line, if any.
    Ok { affected: u64, info: Option<String> },
    /// `Query OK, 0 rows affected, n warnings`: done, with warnings (a thread already
    /// running, a value clamped).
    Warned { warnings: u64 },
    /// A write in the commit pipeline: answered when it commits.
    Pending,
}

pub(crate) type Outcome = Result<Answer, SqlError>;

/// `ERROR 2013 (HY000)`: the server went away while the statement ran.
pub(crate) fn lost_connection() -> SqlError {
    SqlError::new(
        2013,
        "HY000",
        "Lost connection to MySQL server during query",
    )
}

/// Accounts are not modelled (any login works), so CREATE USER and GRANT only answer; the
/// schema and its one table always exist, so creating them answers as MySQL does for an
/// existing one: 1007 / 1050, or a note with IF NOT EXISTS (sql/sql_db.cc
/// `mysql_create_db_internal`, sql/sql_table.cc `mysql_create_table_no_lock`).
fn schema_statement(stmt: &SqlStmt) -> Outcome {
    match stmt {
        SqlStmt::CreateDatabase { name, .. } if name != "playground" => Err(SqlError::new(
            1235,
            "42000",
            format!(
                "This version of MySQL doesn't yet support 'CREATE DATABASE {name}' (the \
                 playground has one schema, playground)"
            ),
        )),
        SqlStmt::CreateDatabase {
            if_not_exists: false,
            ..
        } => Err(SqlError::new(
            1007,
            "HY000",
            "Can't create database 'playground'; database exists",
        )),
        SqlStmt::CreateTable {
            if_not_exists: false,
        } => Err(SqlError::new(1050, "42S01", "Table 'kv' already exists")),
        SqlStmt::CreateDatabase { .. } | SqlStmt::CreateTable { .. } => {
            Ok(Answer::Warned { warnings: 1 })
        }
        _ => Ok(Answer::Ok {
            affected: 0,
            info: None,
        }),
    }
}

/// `ERROR 2002 (HY000)`: nothing listens on the socket (mysqld is down or still starting).
fn cant_connect() -> SqlError {
    SqlError::new(
        2002,
        "HY000",
        "Can't connect to local MySQL server through socket '/var/run/mysqld/mysqld.sock' (111)",
    )
}

impl World {
    /// Runs a console line on node `id`, appending one transcript entry per statement
    /// (one for the whole line when it does not parse or the server is down).
    pub(crate) fn run_console(&mut self, id: NodeId, sql: &str) {
        let now = self.now();
        let epoch = self.nodes[id.index()].epoch;
        if self.console.session(id).epoch != epoch {
            // The server restarted since this session last spoke: a new connection.
            *self.console.session(id) = super::Session {
                epoch,
                ..super::Session::default()
            };
        }
        let text = sql.trim().to_string();
        if !self.nodes[id.index()].is_running() {
            self.console.push(now, id, text, error(&cant_connect()));
            return;
        }
        // Each statement of the line on its own, as the mysql client sends them: a syntax
        // error in one does not stop the others. They run one after the other: one that
        // waits (a commit) holds the next until it is answered.
        for parsed in crate::sql::parse_each(sql) {
            let shown = parsed.as_ref().map_or(text.clone(), |p| p.text.clone());
            let entry = self.console.push(now, id, shown, Reply::Pending);
            self.console.session(id).queue.push_back((entry, parsed));
        }
        self.drain_console(id);
    }

    /// Runs the session's queued statements until one has to wait.
    pub(crate) fn drain_console(&mut self, id: NodeId) {
        loop {
            let session = self.console.session(id);
            if session.busy.is_some() {
                return;
            }
            let Some((entry, parsed)) = session.queue.pop_front() else {
                return;
            };
            match parsed {
                Ok(p) => self.run_statement(id, entry, &p),
                Err(e) => self.console.set(entry, error(&e)),
            }
        }
    }

    /// Runs the sessions whose waiting statement was answered (after the effects that
    /// answered it were carried out), then carries out what they did.
    pub(crate) fn drain_ready_consoles(&mut self) {
        while let Some(id) = self.console.take_ready() {
            self.drain_console(id);
        }
    }

    fn run_statement(&mut self, id: NodeId, entry: u64, p: &Parsed) {
        if !self.nodes[id.index()].is_running() {
            // An earlier statement of the line shut the server down.
            self.console.set(entry, error(&lost_connection()));
            return;
        }
        let reply = match self.exec_stmt(id, entry, p) {
            Ok(Answer::Rows(rs)) => Reply::Done {
                text: format::result(&rs, p.vertical, Duration::ZERO),
            },
            Ok(Answer::Ok { affected, info }) => Reply::Done {
                text: format::ok(affected, info.as_deref(), Duration::ZERO),
            },
            Ok(Answer::Warned { warnings }) => Reply::Done {
                text: format::ok_warned(warnings, Duration::ZERO),
            },
            Ok(Answer::Pending) => {
                self.console.session(id).busy = Some(entry);
                return;
            }
            Err(e) => error(&e),
        };
        self.console.set(entry, reply);
    }

    /// Dispatches one statement to its executor.
    fn exec_stmt(&mut self, id: NodeId, entry: u64, p: &Parsed) -> Outcome {
        let stmt = &p.stmt;
        match stmt {
            SqlStmt::Insert { .. }
            | SqlStmt::Replace { .. }
            | SqlStmt::Update { .. }
            | SqlStmt::Delete { .. }
            | SqlStmt::Select { .. }
            | SqlStmt::Begin
            | SqlStmt::Commit
            | SqlStmt::Rollback => self.exec_session(id, entry, stmt),
            SqlStmt::SetVar { scope, name, value } => self.exec_set(id, entry, *scope, name, value),
            SqlStmt::SelectVars(vars) => Ok(Answer::Rows(self.select_vars(id, vars)?)),
            SqlStmt::WaitForExecutedGtidSet { gtids, timeout_s } => {
                let header = p.text.get(6..).unwrap_or("").trim();
                self.wait_for_executed_gtid_set(id, entry, gtids, *timeout_s, header, p.vertical)
            }
            _ => self.exec_admin(id, stmt),
        }
    }

    /// Status, replication and server statements: none of them waits.
    fn exec_admin(&mut self, id: NodeId, stmt: &SqlStmt) -> Outcome {
        let rows = |rs| Ok(Answer::Rows(rs));
        match stmt {
            SqlStmt::ShowReplicaStatus => rows(self.show_replica_status(id)),
            SqlStmt::ShowBinaryLogStatus => rows(self.show_binary_log_status(id)),
            SqlStmt::ShowBinaryLogs => rows(self.show_binary_logs(id)),
            SqlStmt::ShowBinlogEvents(q) => rows(self.show_binlog_events(id, q)?),
            SqlStmt::ShowRelaylogEvents(q) => rows(self.show_relaylog_events(id, q)?),
            SqlStmt::ShowReplicas => rows(self.show_replicas(id)),
            SqlStmt::ShowProcesslist { full } => rows(self.show_processlist(id, *full)),
            SqlStmt::ShowStatus { like, .. } => rows(self.show_status(id, like.as_deref())),
            SqlStmt::ShowVariables { global, like } => {
                rows(self.show_variables(id, *global, like.as_deref()))
            }
            SqlStmt::ChangeSource(options) => self.change_source_to(id, options),
            SqlStmt::StartReplica { threads, until } => {
                self.start_replica_threads(id, *threads, until.as_ref())
            }
            SqlStmt::StopReplica { threads } => self.stop_replica_threads(id, *threads),
            SqlStmt::ResetReplica { all } => self.reset_replica(id, *all),
            SqlStmt::ResetBinaryLogsAndGtids => self.reset_binary_logs(id),
            SqlStmt::FlushBinaryLogs => self.flush_binary_logs(id),
            // One relay log file per connection here: nothing to rotate by hand.
            SqlStmt::FlushRelayLogs => Ok(Answer::Ok {
                affected: 0,
                info: None,
            }),
            SqlStmt::PurgeBinaryLogs(p) => self.purge_binary_logs(id, p),
            SqlStmt::CreateUser { .. }
            | SqlStmt::Grant { .. }
            | SqlStmt::CreateDatabase { .. }
            | SqlStmt::CreateTable { .. } => schema_statement(stmt),
            SqlStmt::Shutdown | SqlStmt::Restart => {
                self.shut_down(id, *stmt == SqlStmt::Restart);
                Ok(Answer::Ok {
                    affected: 0,
                    info: None,
                })
            }
            // The table's statements and SETs were dispatched before; WAIT_FOR too.
            SqlStmt::Insert { .. }
            | SqlStmt::Replace { .. }
            | SqlStmt::Update { .. }
            | SqlStmt::Delete { .. }
            | SqlStmt::Select { .. }
            | SqlStmt::Begin
            | SqlStmt::Commit
            | SqlStmt::Rollback
            | SqlStmt::SetVar { .. }
            | SqlStmt::SelectVars(_)
            | SqlStmt::WaitForExecutedGtidSet { .. } => Err(SqlError::new(
                1235,
                "42000",
                "This version of MySQL doesn't yet support 'this statement here'",
            )),
        }
    }

    /// A node answered its own console (a commit finished, or failed).
    pub(crate) fn console_reply(&mut self, from: Addr, msg: Msg) {
        let now = self.now();
        let Some(_node) = from.node() else { return };
        match msg {
            Msg::QueryOk { req, result } if req & CONSOLE_REQ != 0 => {
                let entry = req & !CONSOLE_REQ;
                let (affected, info) = self.console.take_ok(entry);
                let affected = match result {
                    QueryResult::Unchanged { .. } => 0,
                    _ => affected,
                };
                self.console.resolve(now, entry, |took| Reply::Done {
                    text: format::ok(affected, info.as_deref(), took),
                });
            }
            Msg::AdminReply { req, .. } if req & CONSOLE_REQ != 0 => {
                // SET GLOBAL read_only = ON, once the commits in progress finished.
                let entry = req & !CONSOLE_REQ;
                self.console.resolve(now, entry, |took| Reply::Done {
                    text: format::ok(0, None, took),
                });
            }
            Msg::QueryErr {
                req,
                errno,
                message,
            } if req & CONSOLE_REQ != 0 => {
                let entry = req & !CONSOLE_REQ;
                self.console.take_ok(entry);
                let e = SqlError::new(errno, "HY000", message);
                self.console.resolve(now, entry, |_| error(&e));
            }
            _ => {}
        }
    }
}
