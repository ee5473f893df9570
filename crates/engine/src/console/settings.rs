//! `SET [GLOBAL | SESSION | PERSIST | PERSIST_ONLY] name = value`: the checks of
//! `sql/set_var.cc` and `sql/sys_vars.cc` in MySQL's order (unknown 1193, scope 1228/1229,
//! read-only 1238, type 1232, value 1231), then the change on the node.
//!
//! SET GLOBAL changes the running server; a restart goes back to the configuration file
//! (and what SET PERSIST wrote to mysqld-auto.cnf), as in MySQL.

use super::exec::{Answer, Outcome};
use super::{GtidNext, session};
use crate::gtid::{Gtid, GtidSet};
use crate::ids::NodeId;
use crate::node::Setting;
use crate::sql::variables::{self, Kind, Scope, Variable};
use crate::sql::{SetScope, SqlError, SqlValue};
use crate::world::World;

fn ok() -> Outcome {
    Ok(Answer::Ok {
        affected: 0,
        info: None,
    })
}

pub(crate) fn unknown_variable(name: &str) -> SqlError {
    SqlError::new(1193, "HY000", format!("Unknown system variable '{name}'"))
}

fn wrong_value(name: &str, value: &SqlValue) -> SqlError {
    SqlError::new(
        1231,
        "42000",
        format!("Variable '{name}' can't be set to the value of '{value}'"),
    )
}

fn wrong_type(name: &str) -> SqlError {
    SqlError::new(
        1232,
        "42000",
        format!("Incorrect argument type to variable '{name}'"),
    )
}

/// The value a SET gives, typed by the variable's kind (`None` is DEFAULT).
fn typed(v: &Variable, value: &SqlValue) -> Result<Option<Setting>, SqlError> {
    if *value == SqlValue::Default {
        return Ok(None);
    }
    let name = v.name;
    Ok(Some(match v.kind {
        Kind::Bool => Setting::Bool(value.as_bool().ok_or_else(|| wrong_value(name, value))?),
        Kind::Uint { min, max } => match value {
            // Out of range is clamped (MySQL warns: "Truncated incorrect … value").
            SqlValue::Int(n) => Setting::Number(u64::try_from(*n).unwrap_or(0).clamp(min, max)),
            SqlValue::Millis(_) | SqlValue::Str(_) | SqlValue::Word(_) => {
                return Err(wrong_type(name));
            }
            SqlValue::Default => return Ok(None),
        },
        Kind::Enum(words) => {
            let text = match value {
                SqlValue::Int(n) => usize::try_from(*n)
                    .ok()
                    .and_then(|i| words.get(i))
                    .map(|w| (*w).to_string()),
                other => other.as_text().map(str::to_ascii_uppercase),
            };
            match text.filter(|t| words.contains(&t.as_str())) {
                Some(t) => Setting::Word(t),
                None => return Err(wrong_value(name, value)),
            }
        }
        Kind::GtidSet | Kind::Text => {
            Setting::Word(value.as_text().ok_or_else(|| wrong_type(name))?.to_string())
        }
    }))
}

/// The order of `sql/set_var.cc`: scope (1228 / 1229), then read-only (1238).
fn check_scope(v: &Variable, scope: SetScope) -> Result<(), SqlError> {
    let name = v.name;
    match (v.scope, scope) {
        (Scope::Session, SetScope::Global | SetScope::Persist | SetScope::PersistOnly) => {
            return Err(SqlError::new(
                1228,
                "HY000",
                format!(
                    "Variable '{name}' is a SESSION variable and can't be used with SET GLOBAL"
                ),
            ));
        }
        (Scope::Global, SetScope::Session) => {
            return Err(SqlError::new(
                1229,
                "HY000",
                format!("Variable '{name}' is a GLOBAL variable and should be set with SET GLOBAL"),
            ));
        }
        _ => {}
    }
    if !v.dynamic {
        return Err(SqlError::new(
            1238,
            "HY000",
            format!("Variable '{name}' is a read only variable"),
        ));
    }
    Ok(())
}

impl World {
    pub(super) fn exec_set(
        &mut self,
        id: NodeId,
        entry: u64,
        scope: SetScope,
        name: &str,
        value: &SqlValue,
    ) -> Outcome {
        let mariadb = self.nodes[id.index()].cfg.flavor.is_mariadb();
        let v = variables::lookup(name)
            .filter(|v| variables::exists_in(v, mariadb))
            .ok_or_else(|| unknown_variable(name))?;
        let name = v.name;
        check_scope(v, scope)?;
        match name {
            "gtid_next" => return self.set_gtid_next(id, value),
            "sql_log_bin" => return self.set_sql_log_bin(id, v, value),
            "gtid_purged" => return self.set_gtid_purged(id, value),
            "gtid_slave_pos" => return self.set_gtid_slave_pos(id, value),
            "gtid_seq_no" => return self.set_gtid_seq_no(id, value),
            "sql_replica_skip_counter" => {
                return Err(SqlError::new(
                    1858,
                    "HY000",
                    "sql_replica_skip_counter can not be set when the server is running with \
                     @@GLOBAL.GTID_MODE = ON. Instead, for each transaction that you want to skip, \
                     generate an empty transaction with the same GTID as the transaction",
                ));
            }
            _ => {}
        }
        let setting = typed(v, value)?;
        // Out of range is clamped with warning 1292 (Truncated incorrect … value).
        let clamped = match (v.kind, value) {
            (Kind::Uint { min, max }, SqlValue::Int(n)) => {
                i128::from(*n) < i128::from(min) || i128::from(*n) > i128::from(max)
            }
            _ => false,
        };
        let turns_on = setting == Some(Setting::Bool(true));
        let now = self.now();
        let node = &mut self.nodes[id.index()];
        node.set_variable(now, name, setting, scope, &mut self.fx)
            .map_err(|e| match e {
                crate::node::SetError::WrongValue => wrong_value(name, value),
                crate::node::SetError::NotModelled(what) => SqlError::new(
                    1235,
                    "42000",
                    format!("This version of MySQL doesn't yet support '{what}'"),
                ),
            })?;
        if turns_on && matches!(name, "read_only" | "super_read_only") && node.pending_writes() > 0
        {
            // SET GLOBAL read_only = ON waits for the commits in progress (it takes the
            // commit lock, sql/sys_vars.cc `fix_read_only`): answered when none is left.
            node.answer_when_no_commit_is_pending(super::CONSOLE_REQ | entry);
            return Ok(Answer::Pending);
        }
        if clamped {
            return Ok(Answer::Warned { warnings: 1 });
        }
        ok()
    }

    /// `SET GTID_NEXT = 'uuid:n' | AUTOMATIC` (ANONYMOUS is refused: GTID_MODE is ON).
    fn set_gtid_next(&mut self, id: NodeId, value: &SqlValue) -> Outcome {
        let text = value.as_text().ok_or_else(|| wrong_type("gtid_next"))?;
        let session = self.console.session(id);
        if session.trx.is_some()
            && let GtidNext::Assigned(g) = session.gtid_next
        {
            return Err(SqlError::new(
                1790,
                "HY000",
                format!(
                    "@@SESSION.GTID_NEXT cannot be changed by a client that owns a GTID. The client \
                     owns {g}. Ownership is released on COMMIT or ROLLBACK."
                ),
            ));
        }
        let next = match text.to_ascii_uppercase().as_str() {
            "AUTOMATIC" => GtidNext::Automatic,
            "ANONYMOUS" => {
                return Err(SqlError::new(
                    1782,
                    "HY000",
                    "@@SESSION.GTID_NEXT cannot be set to ANONYMOUS when @@GLOBAL.GTID_MODE = ON.",
                ));
            }
            _ => match text.parse::<Gtid>() {
                Ok(g) if g.gno > 0 => GtidNext::Assigned(g),
                _ => {
                    return Err(SqlError::new(
                        1774,
                        "HY000",
                        format!("Malformed GTID specification '{text}'."),
                    ));
                }
            },
        };
        session.gtid_next = next;
        ok()
    }

    /// `SET sql_log_bin = 0 | 1`, not inside a transaction (1694).
    fn set_sql_log_bin(&mut self, id: NodeId, v: &Variable, value: &SqlValue) -> Outcome {
        let on = match typed(v, value)? {
            Some(crate::node::Setting::Bool(b)) => b,
            _ => true,
        };
        let session = self.console.session(id);
        if session.trx.is_some() {
            return Err(SqlError::new(
                1694,
                "HY000",
                "Cannot modify @@session.sql_log_bin inside a transaction",
            ));
        }
        session.sql_log_bin_off = !on;
        ok()
    }

    /// `SET GLOBAL gtid_purged = 'set' | '+set'`: the checks of `Gtid_state::add_lost_gtids`
    /// (sql/rpl_gtid_state.cc): without `+` the new value must contain the old one; what it
    /// adds must not overlap gtid_executed. The added GTIDs become executed and purged.
    fn set_gtid_purged(&mut self, id: NodeId, value: &SqlValue) -> Outcome {
        let text = value.as_text().ok_or_else(|| wrong_type("gtid_purged"))?;
        let (plus, set_text) = match text.trim_start().strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let set: GtidSet = set_text.parse().map_err(|_| {
            SqlError::new(
                1772,
                "HY000",
                format!("Malformed GTID set specification '{text}'."),
            )
        })?;
        if self.nodes[id.index()].super_read_only {
            return Err(session::super_read_only());
        }
        let node = &mut self.nodes[id.index()];
        let purged = node.gtid_purged();
        let constraint = |why: &str| {
            SqlError::new(
                3546,
                "HY000",
                format!("@@GLOBAL.GTID_PURGED cannot be changed: {why}"),
            )
        };
        let added = if plus {
            set
        } else {
            if !purged.is_subset_of(&set) {
                return Err(constraint(
                    "the new value must be a superset of the old value",
                ));
            }
            set.subtract(&purged)
        };
        if !added.intersection(&node.gtid_executed).is_empty() {
            return Err(constraint(
                "the added gtid set must not overlap with @@GLOBAL.GTID_EXECUTED",
            ));
        }
        node.add_purged_gtids(&added);
        ok()
    }
}
