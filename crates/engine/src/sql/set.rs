//! System variables: `SET [GLOBAL | SESSION | PERSIST | PERSIST_ONLY] name = value`,
//! `SELECT @@[GLOBAL.|SESSION.]name, …`, and `SELECT WAIT_FOR_EXECUTED_GTID_SET(…)`.
//!
//! Names, scopes and types are checked here against [`super::variables`], with the errors
//! `sql/set_var.cc` and `sql/sys_vars.cc` give: 1193 for an unknown name, 1238 for a read
//! only variable or a `@@SESSION.`/`@@GLOBAL.` at the wrong scope, 1228/1229 for a SET at
//! the wrong scope, 1231/1232 for a value of the wrong kind, 1772/1773 for a malformed GTID
//! set / GTID. What a value then does (and clamping a number into its range, with MySQL's
//! warning) is the executor's.

use super::ast::{SetScope, SqlError, SqlStmt, SqlValue, VarRef, VarScope};
use super::lex::Tok;
use super::parse::{Parser, Res, gtid_set, not_supported, unknown_variable, wrong_scope};
use super::variables::{self, Kind, Scope, Variable};

const SET_FORMS: &str = "SET [GLOBAL | SESSION | PERSIST | PERSIST_ONLY] variable = value, one \
variable per SET";

/// `SET …`.
pub(crate) fn set(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    let other = [
        "TRANSACTION",
        "NAMES",
        "CHARACTER",
        "CHARSET",
        "PASSWORD",
        "ROLE",
        "DEFAULT",
    ];
    if let Some(w) = p.word().filter(|w| other.contains(&w.as_str())) {
        return Err(not_supported(&format!("SET {w}"), SET_FORMS));
    }
    let (scope, name) = set_target(p)?;
    p.expect_equals()?;
    let mark = p.mark();
    let value = set_value(p)?;
    // A 1231 quotes the value as typed (`yes`, not the upper-cased word).
    let typed = match &value {
        SqlValue::Str(s) => s.clone(),
        _ => p.text_since(mark).to_string(),
    };
    if p.is_punct(",") {
        return Err(not_supported("several variables in one SET", SET_FORMS));
    }
    p.done()?;
    let var = variables::lookup(&name).ok_or_else(|| unknown_variable(&name))?;
    check_settable(var, scope)?;
    check_value(var, &value, &typed)?;
    Ok(SqlStmt::SetVar {
        scope,
        name: var.name.to_string(),
        value,
    })
}

/// The scope and name of a SET's target: `GLOBAL x`, `@@GLOBAL.x`, `@@x`, `x`, …
fn set_target(p: &mut Parser<'_>) -> Res<(SetScope, String)> {
    const SCOPES: &[&str] = &["GLOBAL", "SESSION", "LOCAL", "PERSIST", "PERSIST_ONLY"];
    let scope_of = |w: &str| match w {
        "GLOBAL" => SetScope::Global,
        "PERSIST" => SetScope::Persist,
        "PERSIST_ONLY" => SetScope::PersistOnly,
        _ => SetScope::Session,
    };
    if p.is_punct("@") {
        return Err(not_supported("user variables (@name)", SET_FORMS));
    }
    let at_at = p.eat_punct("@@");
    let mut scope = SetScope::Session;
    let dotted = p.peek_at(1).is_some_and(|t| t.tok == Tok::Punct("."));
    if (!at_at || dotted)
        && let Some(w) = p.eat_any(SCOPES)
    {
        scope = scope_of(w);
        if at_at {
            p.expect_punct(".")?;
        }
    }
    let name = var_name(p)?;
    Ok((scope, name))
}

fn var_name(p: &mut Parser<'_>) -> Res<String> {
    match p.peek().map(|t| (&t.tok, p.text(t))) {
        Some((Tok::Word, text)) => {
            p.advance();
            Ok(text.to_string())
        }
        Some((Tok::QuotedIdent(name), _)) => {
            let name = name.clone();
            p.advance();
            Ok(name)
        }
        _ => Err(p.syntax()),
    }
}

/// A SET's right-hand side: a number, a decimal, a string, a word, DEFAULT.
fn set_value(p: &mut Parser<'_>) -> Res<SqlValue> {
    if let Some(n) = p.int() {
        // Past BIGINT MySQL reads a DECIMAL, which no integer variable takes (1232).
        return Ok(i64::try_from(n).map_or(SqlValue::Millis(u64::MAX), SqlValue::Int));
    }
    let Some(t) = p.peek() else {
        return Err(p.syntax());
    };
    let value = match &t.tok {
        Tok::Num => return p.decimal_ms().map(SqlValue::Millis),
        Tok::Str(s) => SqlValue::Str(s.clone()),
        Tok::QuotedIdent(s) => SqlValue::Word(s.clone()),
        Tok::Word if p.is_kw("DEFAULT") => SqlValue::Default,
        Tok::Word if p.peek_at(1).is_some_and(|t| t.tok == Tok::Punct("(")) => {
            return Err(not_supported("expressions in SET", SET_FORMS));
        }
        Tok::Word => SqlValue::Word(p.text(t).to_ascii_uppercase()),
        Tok::Punct("@@" | "@" | "(") => return Err(not_supported("expressions in SET", SET_FORMS)),
        _ => return Err(p.syntax()),
    };
    p.advance();
    Ok(value)
}

/// Whether `var` may be SET at `scope`: 1238 read only, 1228 session-only with GLOBAL,
/// 1229 global-only without it.
fn check_settable(var: &Variable, scope: SetScope) -> Res<()> {
    if !var.dynamic {
        return Err(wrong_scope(var.name, "read only"));
    }
    let global = scope != SetScope::Session;
    match (var.scope, global) {
        (Scope::Session, true) => Err(SqlError::new(
            1228,
            "HY000",
            format!(
                "Variable '{}' is a SESSION variable and can't be used with SET GLOBAL",
                var.name
            ),
        )),
        (Scope::Global, false) => Err(SqlError::new(
            1229,
            "HY000",
            format!(
                "Variable '{}' is a GLOBAL variable and should be set with SET GLOBAL",
                var.name
            ),
        )),
        _ => Ok(()),
    }
}

/// Whether `value` is of `var`'s kind: 1231 a value it cannot take, 1232 a wrong type.
fn check_value(var: &Variable, value: &SqlValue, typed: &str) -> Res<()> {
    let wrong_value = || {
        SqlError::new(
            1231,
            "42000",
            format!(
                "Variable '{}' can't be set to the value of '{typed}'",
                var.name
            ),
        )
    };
    let wrong_type = || {
        SqlError::new(
            1232,
            "42000",
            format!("Incorrect argument type to variable '{}'", var.name),
        )
    };
    match (var.kind, value) {
        (_, SqlValue::Default) => Ok(()),
        (Kind::Bool, v) => v.as_bool().map(|_| ()).ok_or_else(|| match v {
            SqlValue::Millis(_) => wrong_type(),
            _ => wrong_value(),
        }),
        (Kind::Uint { .. }, SqlValue::Int(_)) => Ok(()),
        (Kind::Uint { .. }, _) => Err(wrong_type()),
        (Kind::Enum(words), SqlValue::Str(s) | SqlValue::Word(s)) => words
            .iter()
            .any(|w| w.eq_ignore_ascii_case(s))
            .then_some(())
            .ok_or_else(wrong_value),
        (Kind::Enum(words), SqlValue::Int(n)) => {
            let fits = usize::try_from(*n).is_ok_and(|i| i < words.len());
            fits.then_some(()).ok_or_else(wrong_value)
        }
        (Kind::Enum(_), _) => Err(wrong_type()),
        (Kind::GtidSet, SqlValue::Str(s)) => {
            // `SET GLOBAL gtid_purged = '+set'` adds to the purged set (MySQL 8.0+).
            gtid_set(s.strip_prefix('+').unwrap_or(s).to_string()).map(|_| ())
        }
        (Kind::GtidSet, _) => Err(wrong_type()),
        (Kind::Text, v) if var.name == "gtid_next" => check_gtid_next(v),
        (Kind::Text, _) => Ok(()),
    }
}

/// `gtid_next`: `AUTOMATIC`, `ANONYMOUS` or one GTID `uuid:n` (1773 otherwise).
fn check_gtid_next(value: &SqlValue) -> Res<()> {
    let text = value.as_text().unwrap_or_default();
    let keyword = ["AUTOMATIC", "ANONYMOUS"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(text));
    if keyword || text.parse::<crate::gtid::Gtid>().is_ok() {
        return Ok(());
    }
    let shown = value.to_string();
    Err(SqlError::new(
        1773,
        "HY000",
        format!("Malformed GTID specification '{shown}'."),
    ))
}

/// `SELECT @@[GLOBAL.|SESSION.|LOCAL.]name[, …]`.
pub(crate) fn select_vars(p: &mut Parser<'_>) -> Res<SqlStmt> {
    let mut vars = Vec::new();
    loop {
        let mark = p.mark();
        p.expect_punct("@@")?;
        let dotted = p.peek_at(1).is_some_and(|t| t.tok == Tok::Punct("."));
        let scope = match p.word() {
            Some(w) if dotted && w == "GLOBAL" => Some(VarScope::Global),
            Some(w) if dotted && (w == "SESSION" || w == "LOCAL") => Some(VarScope::Session),
            _ => None,
        };
        if scope.is_some() {
            p.advance();
            p.advance();
        }
        let name = var_name(p)?;
        let label = p.text_since(mark).to_string();
        vars.push(read_var(&name, scope, label)?);
        if !p.eat_punct(",") {
            break;
        }
    }
    if p.is_kw("AS") || p.peek().is_some_and(|t| t.tok == Tok::Word) {
        return Err(not_supported(
            "column aliases",
            "SELECT @@variable[, @@variable…]",
        ));
    }
    if p.is_kw("FROM") || p.is_punct("@@") {
        return Err(not_supported(
            "this SELECT",
            "SELECT @@variable[, @@variable…]",
        ));
    }
    p.done()?;
    Ok(SqlStmt::SelectVars(vars))
}

/// A `@@name` to read: known (1193), and at a scope it has (1238).
fn read_var(name: &str, scope: Option<VarScope>, label: String) -> Res<VarRef> {
    let var = variables::lookup(name).ok_or_else(|| unknown_variable(name))?;
    match (scope, var.scope) {
        (Some(VarScope::Global), Scope::Session) => Err(wrong_scope(var.name, "SESSION")),
        (Some(VarScope::Session), Scope::Global) => Err(wrong_scope(var.name, "GLOBAL")),
        _ => Ok(VarRef {
            scope,
            name: var.name.to_string(),
            label,
        }),
    }
}

/// `SELECT WAIT_FOR_EXECUTED_GTID_SET('set'[, timeout])`; a timeout of 0 waits forever.
pub(crate) fn wait_for_gtids(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    p.expect_punct("(")?;
    let gtids = gtid_set(p.string()?)?;
    let timeout_s = if p.eat_punct(",") {
        Some(p.decimal_ms()?.div_ceil(1_000)).filter(|&s| s > 0)
    } else {
        None
    };
    p.expect_punct(")")?;
    p.done()?;
    Ok(SqlStmt::WaitForExecutedGtidSet { gtids, timeout_s })
}
