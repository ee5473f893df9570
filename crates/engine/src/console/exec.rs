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
        // error in one does not stop the others.
        for parsed in crate::sql::parse_each(sql) {
            match parsed {
                Ok(p) => self.run_statement(id, &p),
                Err(e) => {
                    self.console.push(now, id, text.clone(), error(&e));
                }
            }
        }
    }

    fn run_statement(&mut self, id: NodeId, p: &Parsed) {
        let now = self.now();
        let entry = self.console.push(now, id, p.text.clone(), Reply::Pending);
        if !self.nodes[id.index()].is_running() {
            // An earlier statement of the line shut the server down.
            self.console.set(entry, error(&lost_connection()));
            return;
        }
        let reply = match self.exec_stmt(id, entry, &p.stmt) {
            Ok(Answer::Rows(rs)) => Reply::Done {
                text: format::result(&rs, p.vertical, Duration::ZERO),
            },
            Ok(Answer::Ok { affected, info }) => Reply::Done {
                text: format::ok(affected, info.as_deref(), Duration::ZERO),
            },
            Ok(Answer::Pending) => return,
            Err(e) => error(&e),
        };
        self.console.set(entry, reply);
    }

    /// Dispatches one statement to its executor.
    fn exec_stmt(&mut self, id: NodeId, entry: u64, stmt: &SqlStmt) -> Outcome {
        match stmt {
            SqlStmt::Insert { .. }
            | SqlStmt::Replace { .. }
            | SqlStmt::Update { .. }
            | SqlStmt::Delete { .. }
            | SqlStmt::Select { .. }
            | SqlStmt::Begin
            | SqlStmt::Commit
            | SqlStmt::Rollback => self.exec_session(id, entry, stmt),
            SqlStmt::SetVar { scope, name, value } => self.exec_set(id, *scope, name, value),
            _ => Err(SqlError::new(
                1235,
                "42000",
                "This version of MySQL doesn't yet support this statement in the playground",
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
