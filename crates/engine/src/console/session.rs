//! The session's statements on `playground.kv`: INSERT, REPLACE, UPDATE, DELETE and SELECT,
//! in autocommit or between BEGIN and COMMIT (one transaction: one GTID, several row
//! events), with `sql_log_bin` and `gtid_next` as the session set them.
//!
//! The console connects as root, who has SUPER (CONNECTION_ADMIN): `read_only` does not
//! stop its writes, `super_read_only` does, with error 1290 (sql/auth/sql_authorization.cc
//! `check_readonly`; MySQL 8.4 manual, "read_only" and "super_read_only").

use super::exec::{Answer, Outcome};
use super::format::ResultSet;
use super::{CONSOLE_REQ, GtidNext, RowChange};
use crate::ids::NodeId;
use crate::sql::{Column, Projection, RowTarget, SqlError, SqlStmt};
use crate::world::World;
use std::collections::BTreeMap;

/// Rows a SELECT prints at most: the transcript is kept in every snapshot of the run.
pub const MAX_ROWS_SHOWN: usize = 1_000;

fn duplicate(key: u64) -> SqlError {
    SqlError::new(
        1062,
        "23000",
        format!("Duplicate entry '{key}' for key 'kv.PRIMARY'"),
    )
}

/// ER_OPTION_PREVENTS_STATEMENT, as `super_read_only` raises it even for SUPER.
pub(crate) fn super_read_only() -> SqlError {
    SqlError::new(
        1290,
        "HY000",
        "The MySQL server is running with the --super-read-only option so it cannot execute this statement",
    )
}

/// ER_GTID_NEXT_TYPE_UNDEFINED_GTID: a named GTID was used by a COMMIT and not reset.
fn gtid_next_used(gtid: crate::gtid::Gtid) -> SqlError {
    SqlError::new(
        1837,
        "HY000",
        format!(
            "When @@SESSION.GTID_NEXT is set to a GTID, you must explicitly set it to a different \
             value after a COMMIT or ROLLBACK. Please check GTID_NEXT variable manual page for \
             detailed explanation. Current @@SESSION.GTID_NEXT is '{gtid}'."
        ),
    )
}

/// The change one statement makes, before it joins the transaction.
struct Change {
    rows: Vec<RowChange>,
    affected: u64,
    info: Option<String>,
}

impl World {
    pub(super) fn exec_session(&mut self, id: NodeId, entry: u64, stmt: &SqlStmt) -> Outcome {
        match stmt {
            SqlStmt::Select {
                projection,
                target,
                limit,
            } => Ok(Answer::Rows(self.select(id, projection, *target, *limit))),
            SqlStmt::Begin => {
                // BEGIN in an open transaction commits it first (an implicit commit).
                let open = self.console.session(id).trx.is_some();
                let answer = if open {
                    self.commit(id, entry)?
                } else {
                    Answer::Ok {
                        affected: 0,
                        info: None,
                    }
                };
                self.console.session(id).trx = Some(Vec::new());
                Ok(answer)
            }
            SqlStmt::Commit => self.commit(id, entry),
            SqlStmt::Rollback => {
                let s = self.console.session(id);
                s.trx = None;
                if let GtidNext::Assigned(g) = s.gtid_next {
                    s.gtid_next = GtidNext::Used(g);
                }
                Ok(Answer::Ok {
                    affected: 0,
                    info: None,
                })
            }
            _ => {
                self.check_writable(id)?;
                let change = self.row_changes(id, stmt)?;
                self.write(id, entry, change)
            }
        }
    }

    /// The error a write gets here, if any: super_read_only, or a GTID_NEXT already used.
    fn check_writable(&mut self, id: NodeId) -> Result<(), SqlError> {
        if self.nodes[id.index()].super_read_only {
            return Err(super_read_only());
        }
        match self.console.session(id).gtid_next {
            GtidNext::Used(g) => Err(gtid_next_used(g)),
            _ => Ok(()),
        }
    }

    /// The row's value as this session sees it: its own uncommitted change, else the table.
    fn visible(&mut self, id: NodeId, key: u64) -> Option<u64> {
        let own = self
            .console
            .session(id)
            .trx
            .as_ref()
            .and_then(|t| t.iter().rev().find(|r| r.key == key).map(|r| r.after));
        own.unwrap_or_else(|| self.nodes[id.index()].data.get(key))
    }

    /// The rows in `target` as this session sees them, in key order.
    fn visible_rows(&mut self, id: NodeId, target: RowTarget) -> BTreeMap<u64, u64> {
        let (lo, hi) = match target {
            RowTarget::WhereId(k) => (k, k),
            RowTarget::Range { lo, hi } => (lo, hi),
            RowTarget::All => (0, u64::MAX),
        };
        let mut rows: BTreeMap<u64, u64> = BTreeMap::new();
        if lo <= hi {
            let data = &self.nodes[id.index()].data;
            rows.extend(data.iter_from(lo).take_while(|(k, _)| *k <= hi));
        }
        if let Some(trx) = &self.console.session(id).trx {
            for r in trx.iter().filter(|r| lo <= r.key && r.key <= hi) {
                match r.after {
                    Some(v) => rows.insert(r.key, v),
                    None => rows.remove(&r.key),
                };
            }
        }
        rows
    }

    fn select(
        &mut self,
        id: NodeId,
        projection: &Projection,
        target: RowTarget,
        limit: Option<u64>,
    ) -> ResultSet {
        let rows = self.visible_rows(id, target);
        let columns = match projection {
            Projection::CountStar => {
                let mut rs = ResultSet::new(&[("COUNT(*)", true)]);
                rs.push(vec![Some(rows.len().to_string())]);
                return rs;
            }
            Projection::Columns(c) => c,
        };
        let names: Vec<(&str, bool)> = columns
            .iter()
            .map(|c| match c {
                Column::Id => ("id", true),
                Column::Val => ("val", true),
            })
            .collect();
        let mut rs = ResultSet::new(&names);
        let limit = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        for (k, v) in rows.into_iter().take(limit.min(MAX_ROWS_SHOWN)) {
            let cells = columns
                .iter()
                .map(|c| Some(if *c == Column::Id { k } else { v }.to_string()))
                .collect();
            rs.push(cells);
        }
        rs
    }

    /// The rows a write statement changes, or its error (1062 on an existing id).
    fn row_changes(&mut self, id: NodeId, stmt: &SqlStmt) -> Result<Change, SqlError> {
        let set = |key, after| RowChange { key, after };
        let records = |n: usize, dup: usize| {
            (n > 1).then(|| format!("Records: {n}  Duplicates: {dup}  Warnings: 0"))
        };
        Ok(match stmt {
            SqlStmt::Insert { rows } => {
                let mut seen = std::collections::BTreeSet::new();
                for &(k, _) in rows {
                    if !seen.insert(k) || self.visible(id, k).is_some() {
                        return Err(duplicate(k));
                    }
                }
                Change {
                    rows: rows.iter().map(|&(k, v)| set(k, Some(v))).collect(),
                    affected: rows.len() as u64,
                    info: records(rows.len(), 0),
                }
            }
            SqlStmt::Replace { rows } => {
                // A replaced row counts twice: deleted, then inserted (MySQL's REPLACE).
                let mut replaced = 0;
                let mut seen = std::collections::BTreeSet::new();
                for &(k, _) in rows {
                    if !seen.insert(k) || self.visible(id, k).is_some() {
                        replaced += 1;
                    }
                }
                Change {
                    rows: rows.iter().map(|&(k, v)| set(k, Some(v))).collect(),
                    affected: (rows.len() + replaced) as u64,
                    info: records(rows.len(), replaced),
                }
            }
            SqlStmt::Update { target, value } => {
                let matched = self.visible_rows(id, *target);
                let changed: Vec<RowChange> = (matched.iter())
                    .filter(|(_, v)| *v != value)
                    .map(|(k, _)| set(*k, Some(*value)))
                    .collect();
                let info = format!(
                    "Rows matched: {}  Changed: {}  Warnings: 0",
                    matched.len(),
                    changed.len()
                );
                Change {
                    affected: changed.len() as u64,
                    rows: changed,
                    info: Some(info),
                }
            }
            SqlStmt::Delete { target } => {
                let matched = self.visible_rows(id, *target);
                Change {
                    affected: matched.len() as u64,
                    rows: matched.keys().map(|k| set(*k, None)).collect(),
                    info: None,
                }
            }
            // Not a write: the dispatcher never sends one here; answer rather than fail.
            _ => {
                return Err(SqlError::new(
                    1235,
                    "42000",
                    "This version of MySQL doesn't yet support 'this statement in the playground'",
                ));
            }
        })
    }

    /// Adds the change to the open transaction, or commits it at once (autocommit).
    fn write(&mut self, id: NodeId, entry: u64, change: Change) -> Outcome {
        let answer = Answer::Ok {
            affected: change.affected,
            info: change.info.clone(),
        };
        let session = self.console.session(id);
        if let Some(trx) = &mut session.trx {
            trx.extend(change.rows);
            return Ok(answer);
        }
        if change.rows.is_empty() {
            // Nothing changed: nothing to log, no GTID (MySQL writes no empty transaction).
            return Ok(answer);
        }
        self.commit_rows(id, entry, change.rows, change.affected, change.info)
    }

    /// COMMIT: the open transaction's rows become one transaction (one GTID).
    fn commit(&mut self, id: NodeId, entry: u64) -> Outcome {
        let rows = self.console.session(id).trx.take().unwrap_or_default();
        let named = matches!(self.console.session(id).gtid_next, GtidNext::Assigned(_));
        if rows.is_empty() && !named {
            return Ok(Answer::Ok {
                affected: 0,
                info: None,
            });
        }
        self.commit_rows(id, entry, rows, 0, None)
    }

    /// Hands the rows to the node: through the commit pipeline (pending until it commits),
    /// or straight into InnoDB when the session has `sql_log_bin = 0`.
    fn commit_rows(
        &mut self,
        id: NodeId,
        entry: u64,
        rows: Vec<RowChange>,
        affected: u64,
        info: Option<String>,
    ) -> Outcome {
        let now = self.now();
        let session = self.console.session(id);
        let rows: Vec<(u64, Option<u64>)> = rows.iter().map(|r| (r.key, r.after)).collect();
        let gtid = match session.gtid_next {
            GtidNext::Assigned(g) => {
                session.gtid_next = GtidNext::Used(g);
                Some(g)
            }
            _ => None,
        };
        let logged = !session.sql_log_bin_off;
        // MariaDB's SET gtid_seq_no: the seq_no this transaction is binlogged with.
        let gtid = match logged.then(|| self.take_seq_no_gtid(id)).transpose()? {
            Some(Some(g)) => Some(g.to_gtid()),
            _ => gtid,
        };
        let session = self.console.session(id);
        let ok = Answer::Ok {
            affected,
            info: info.clone(),
        };
        if session.sql_log_bin_off {
            self.nodes[id.index()].write_unlogged(&rows);
            return Ok(ok);
        }
        if gtid.is_some_and(|g| self.nodes[id.index()].gtid_executed.contains(g)) {
            // A GTID already executed: MySQL skips the transaction silently.
            return Ok(ok);
        }
        self.console.expect_ok(entry, affected, info);
        let req = CONSOLE_REQ | entry;
        self.nodes[id.index()].console_write(now, req, rows, gtid, &mut self.fx);
        Ok(Answer::Pending)
    }
}
