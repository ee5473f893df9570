//! The MySQL console of every node: what a DBA typed (`Command::Sql`) and what the server
//! answered, kept in the world so a run replays its transcript exactly.
//!
//! The console is a `mysql` client session on the node's own host (a local socket): a
//! network partition does not cut it, a crash or a shutdown of the node does. Reads and
//! settings answer at once; a write answers when the node's commit pipeline finishes it
//! (after the semi-sync wait, if there is one), so until then its reply is
//! [`Reply::Pending`].

mod events;
mod exec;
pub mod format;
mod mariadb_set;
mod mariadb_show;
mod repl;
mod session;
mod settings;
pub mod show;
mod vars;
mod wait;

use crate::gtid::Gtid;
use crate::ids::NodeId;
use crate::time::{Duration, Instant};
use std::collections::{BTreeMap, VecDeque};

/// Statements kept per node; older ones scroll away (a console has a scrollback too).
pub const TRANSCRIPT_WINDOW: usize = 500;

/// One statement typed at a node's console and the server's answer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ConsoleEntry {
    /// When it was typed.
    pub at: Instant,
    pub node: NodeId,
    /// The statement's text as typed (the whole line when it did not parse).
    pub sql: String,
    pub reply: Reply,
    /// Numbers the entry in its world, so a commit that finishes later finds it.
    #[serde(skip)]
    pub(crate) id: u64,
}

/// What the server answered, as the mysql client prints it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Reply {
    /// A write waiting for its commit (a semi-sync wait, a slow fsync, …).
    Pending,
    /// A result set (`+----+` table, or `*** 1. row ***` with `\G`) or `Query OK, …`, with
    /// the `(0.00 sec)` line.
    Done { text: String },
    /// `ERROR 1062 (23000): Duplicate entry '5' for key 'kv.PRIMARY'`.
    Error { errno: u16, text: String },
}

impl Reply {
    pub fn is_pending(&self) -> bool {
        matches!(self, Reply::Pending)
    }

    /// The text the console shows (empty while pending).
    pub fn text(&self) -> &str {
        match self {
            Reply::Pending => "",
            Reply::Done { text } | Reply::Error { text, .. } => text,
        }
    }
}

/// A row the session's open transaction changed: its new value, or deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RowChange {
    pub key: u64,
    pub after: Option<u64>,
}

/// The state of one console session (one per node), as `mysql` keeps it per connection.
#[derive(Clone, Debug, Default)]
pub(crate) struct Session {
    /// The node's epoch when the session connected: a crash or a restart ends it.
    pub epoch: u64,
    /// Rows of the transaction opened by BEGIN, in statement order.
    pub trx: Option<Vec<RowChange>>,
    /// `SET SESSION sql_log_bin = 0`: writes are not binlogged and get no GTID.
    pub sql_log_bin_off: bool,
    pub gtid_next: GtidNext,
    /// MariaDB's `@@SESSION.gtid_seq_no` (0: none): the next binlogged transaction's seq_no.
    pub gtid_seq_no: u64,
    /// Statements typed and not yet run (each with its transcript entry): they wait
    /// while an earlier one is `busy`.
    pub queue: VecDeque<(u64, Result<crate::sql::Parsed, crate::sql::SqlError>)>,
    /// The entry of the statement the session waits on (a commit, a GTID wait).
    pub busy: Option<u64>,
}

/// `@@SESSION.gtid_next`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum GtidNext {
    /// Each transaction gets the server's next GTID.
    #[default]
    Automatic,
    /// `SET GTID_NEXT = 'uuid:n'`: the next transaction takes this GTID.
    Assigned(Gtid),
    /// That transaction committed: another must be named (or AUTOMATIC) before the next.
    Used(Gtid),
}

/// Every node's transcript and session.
#[derive(Clone, Debug, Default)]
pub struct Console {
    transcripts: Vec<VecDeque<ConsoleEntry>>,
    sessions: Vec<Session>,
    next_id: u64,
    /// What each pending write prints once it commits: rows affected and the info line.
    pending_ok: BTreeMap<u64, (u64, Option<String>)>,
    /// Sessions blocked in WAIT_FOR_EXECUTED_GTID_SET.
    waiters: Vec<wait::Waiter>,
    /// Sessions whose waiting statement was answered: their next statements may run.
    ready: Vec<NodeId>,
}

/// Replies to console writes come back as the node's answer to itself, with a request id
/// in this range (the workload's ids are small), so they never mix with client traffic.
pub(crate) const CONSOLE_REQ: u64 = 1 << 62;

impl Console {
    pub fn new(nodes: usize) -> Self {
        Console {
            transcripts: vec![VecDeque::new(); nodes],
            sessions: vec![Session::default(); nodes],
            next_id: 1,
            pending_ok: BTreeMap::new(),
            waiters: Vec::new(),
            ready: Vec::new(),
        }
    }

    /// A server added at run time gets a console (an empty transcript and a fresh session).
    pub(crate) fn add_node(&mut self) {
        self.transcripts.push(VecDeque::new());
        self.sessions.push(Session::default());
    }

    /// The node's transcript, oldest first.
    pub fn entries(&self, node: NodeId) -> impl Iterator<Item = &ConsoleEntry> {
        self.transcripts.get(node.index()).into_iter().flatten()
    }

    /// Makes room for a node added at run time (`add_server`).
    fn reach(&mut self, node: NodeId) {
        let n = node.index() + 1;
        if self.transcripts.len() < n {
            self.transcripts.resize_with(n, VecDeque::new);
        }
        if self.sessions.len() < n {
            self.sessions.resize_with(n, Session::default);
        }
    }

    /// Appends an entry and returns its id.
    pub(crate) fn push(&mut self, at: Instant, node: NodeId, sql: String, reply: Reply) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.reach(node);
        if let Some(t) = self.transcripts.get_mut(node.index()) {
            if t.len() == TRANSCRIPT_WINDOW {
                t.pop_front();
            }
            t.push_back(ConsoleEntry {
                at,
                node,
                sql,
                reply,
                id,
            });
        }
        id
    }

    /// Sets an entry's reply (a statement answered at once).
    pub(crate) fn set(&mut self, id: u64, reply: Reply) {
        let entry = self
            .transcripts
            .iter_mut()
            .rev()
            .find_map(|t| t.iter_mut().rev().find(|e| e.id == id));
        if let Some(e) = entry {
            e.reply = reply;
        }
    }

    /// Remembers what a write prints when it commits.
    pub(crate) fn expect_ok(&mut self, id: u64, affected: u64, info: Option<String>) {
        self.pending_ok.insert(id, (affected, info));
    }

    /// What a write that just committed prints (one row affected if nothing was noted).
    pub(crate) fn take_ok(&mut self, id: u64) -> (u64, Option<String>) {
        self.pending_ok.remove(&id).unwrap_or((1, None))
    }

    /// A pending write finished: its reply, timed from when it was typed.
    pub(crate) fn resolve(&mut self, now: Instant, id: u64, reply: impl FnOnce(Duration) -> Reply) {
        let entry = self
            .transcripts
            .iter_mut()
            .flat_map(|t| t.iter_mut())
            .find(|e| e.id == id && e.reply.is_pending());
        if let Some(e) = entry {
            e.reply = reply(now - e.at);
            let node = e.node;
            if let Some(s) = self.sessions.get_mut(node.index())
                && s.busy == Some(id)
            {
                s.busy = None;
                self.ready.push(node);
            }
        }
    }

    /// A session that may run its next statements, if any.
    pub(crate) fn take_ready(&mut self) -> Option<NodeId> {
        self.ready.pop()
    }

    /// Every write still waiting on `node` fails as the client sees a dropped connection.
    pub(crate) fn lose_connection(&mut self, node: NodeId) {
        if let Some(t) = self.transcripts.get_mut(node.index()) {
            for e in t.iter_mut().filter(|e| e.reply.is_pending()) {
                e.reply = error(&exec::lost_connection());
                self.pending_ok.remove(&e.id);
            }
        }
        if let Some(s) = self.sessions.get_mut(node.index()) {
            // Statements typed behind the lost one are never sent.
            *s = Session::default();
        }
        self.waiters.retain(|w| w.node != node);
        self.ready.retain(|n| *n != node);
    }

    pub(crate) fn session(&mut self, node: NodeId) -> &mut Session {
        self.reach(node);
        &mut self.sessions[node.index()]
    }

    /// Bytes held, for the playback's snapshot budget.
    pub fn footprint_bytes(&self) -> usize {
        let text: usize = self
            .transcripts
            .iter()
            .flatten()
            .map(|e| e.sql.capacity() + e.reply.text().len() + size_of::<ConsoleEntry>())
            .sum();
        text + self.sessions.len() * size_of::<Session>()
    }
}

/// The entry's reply for a MySQL error.
pub(crate) fn error(e: &crate::sql::SqlError) -> Reply {
    Reply::Error {
        errno: e.errno,
        text: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Command;
    use crate::config::{ClusterConfig, NodeConfig};
    use crate::world::World;

    fn two_nodes() -> World {
        let node = |name: &str, source: Option<&str>| NodeConfig {
            name: name.into(),
            source: source.map(Into::into),
            read_only: source.is_some(),
            ..NodeConfig::default()
        };
        World::new(ClusterConfig {
            seed: 3,
            nodes: vec![node("db1", None), node("db2", Some("db1"))],
            primary: "db1".into(),
            clients: vec![],
            ..ClusterConfig::default()
        })
        .unwrap()
    }

    fn sql(node: &str, sql: &str) -> Command {
        Command::Sql {
            node: node.into(),
            sql: sql.into(),
        }
    }

    #[test]
    fn a_console_on_a_server_that_is_down_cannot_connect() {
        let mut w = two_nodes();
        let crash = Command::Crash {
            node: "db2".into(),
            power_loss: false,
        };
        w.apply(crash).unwrap();
        w.apply(sql("db2", "  SELECT 1  ")).unwrap();
        let t = w.console("db2");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].sql, "SELECT 1");
        assert_eq!(
            t[0].reply,
            Reply::Error {
                errno: 2002,
                text: "ERROR 2002 (HY000): Can't connect to local MySQL server through socket \
                       '/var/run/mysqld/mysqld.sock' (111)"
                    .into()
            }
        );
        assert!(w.console("db1").is_empty(), "each node has its own console");
    }

    #[test]
    fn a_console_on_no_such_node_is_refused_and_labels_name_the_node() {
        let mut w = two_nodes();
        assert!(w.apply(sql("db9", "SELECT 1")).is_err());
        assert!(w.console("db9").is_empty());
        let long = format!("SELECT {}", "1, ".repeat(40));
        assert_eq!(
            sql("db2", "SHOW  REPLICA\n STATUS\\G").label(),
            "db2> SHOW REPLICA STATUS\\G"
        );
        assert!(sql("db2", &long).label().ends_with('…'));
    }

    #[test]
    fn the_transcript_keeps_a_window_per_node() {
        let mut c = Console::new(2);
        for i in 0..TRANSCRIPT_WINDOW + 5 {
            c.push(Instant::ZERO, NodeId(0), format!("{i}"), Reply::Pending);
        }
        c.push(Instant::ZERO, NodeId(1), "x".into(), Reply::Pending);
        let first = c.entries(NodeId(0)).next().unwrap();
        assert_eq!(first.sql, "5");
        assert_eq!(c.entries(NodeId(0)).count(), TRANSCRIPT_WINDOW);
        c.lose_connection(NodeId(1));
        let lost = c.entries(NodeId(1)).next().unwrap();
        assert_eq!(
            lost.reply.text(),
            "ERROR 2013 (HY000): Lost connection to MySQL server during query"
        );
    }

    /// The replies of the node's transcript, oldest first.
    fn replies(w: &World, node: &str) -> Vec<String> {
        w.console(node)
            .iter()
            .map(|e| e.reply.text().to_string())
            .collect()
    }

    #[test]
    fn an_insert_waits_for_its_commit_and_a_select_reads_it() {
        let mut w = two_nodes();
        w.run_until(Instant::from_millis(100));
        w.apply(sql("db1", "INSERT INTO kv VALUES (1, 10), (2, 20)"))
            .unwrap();
        assert!(w.console("db1")[0].reply.is_pending());
        w.run_until(Instant::from_millis(200));
        w.apply(sql("db1", "SELECT * FROM kv; INSERT INTO kv VALUES (2, 5)"))
            .unwrap();
        assert_eq!(
            replies(&w, "db1"),
            [
                "Query OK, 2 rows affected (0.00 sec)\nRecords: 2  Duplicates: 0  Warnings: 0",
                "+----+-----+\n| id | val |\n+----+-----+\n|  1 |  10 |\n|  2 |  20 |\n+----+-----+\n2 rows in set (0.00 sec)",
                "ERROR 1062 (23000): Duplicate entry '2' for key 'kv.PRIMARY'",
            ]
        );
        w.run_until(Instant::from_millis(400));
        assert_eq!(w.nodes[1].data.get(2), Some(20), "it replicated");
    }
}
