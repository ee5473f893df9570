//! A session's statements on the playground's one table, `playground.kv (id BIGINT
//! PRIMARY KEY, val BIGINT)`: SELECT, INSERT, REPLACE, UPDATE, DELETE, and the
//! transaction statements.
//!
//! Rows are addressed by the primary key only (`WHERE id = N`, a range of ids, or every
//! row), which is all a replication lesson needs; other valid MySQL (a WHERE on `val`,
//! expressions, joins) is refused with 1235 and a hint, never misread.

use super::ast::{Column, Projection, RowTarget, SqlError, SqlStmt};
use super::lex::Tok;
use super::parse::{Parser, Res, no_such_table, not_supported, unknown_column};
use super::set;

const SCHEMA: &str = "playground";
const TABLE: &str = "kv";

const SELECT_FORMS: &str = "SELECT * | id | val | id, val | COUNT(*) FROM kv [WHERE id = N | \
id BETWEEN a AND b | id >= a AND id <= b] [ORDER BY id] [LIMIT n], SELECT @@variable";
const WHERE_FORMS: &str = "WHERE id = N, WHERE id BETWEEN a AND b, WHERE id >= a AND id <= b \
(or >, <)";
const VALUE_FORMS: &str = "whole numbers from 0 to 9223372036854775807 for id and val";

/// BIGINT's largest value: MySQL refuses more with 1264.
const BIGINT_MAX: i128 = i64::MAX as i128;

/// `[playground.]kv`, with or without backticks. Names are case-sensitive, as on Linux
/// (lower_case_table_names=0).
fn table(p: &mut Parser<'_>) -> Res<()> {
    let first = p.ident().ok_or_else(|| p.syntax())?;
    let (schema, table) = if p.eat_punct(".") {
        (first, p.ident().ok_or_else(|| p.syntax())?)
    } else {
        (SCHEMA.to_string(), first)
    };
    if schema == SCHEMA && table == TABLE {
        Ok(())
    } else {
        Err(no_such_table(&schema, &table))
    }
}

/// A column name (case-insensitive, as MySQL's are), optionally `kv.`-qualified.
fn column(p: &mut Parser<'_>, clause: &str) -> Res<Option<Column>> {
    let Some(mut name) = p.ident() else {
        return Ok(None);
    };
    if p.eat_punct(".") {
        if name != TABLE {
            return Err(unknown_column(&format!("{name}.x"), clause));
        }
        name = p.ident().ok_or_else(|| p.syntax())?;
    }
    match name.to_ascii_lowercase().as_str() {
        "id" => Ok(Some(Column::Id)),
        "val" => Ok(Some(Column::Val)),
        _ => Err(unknown_column(&name, clause)),
    }
}

/// `SELECT …`: on `kv`, of variables, or WAIT_FOR_EXECUTED_GTID_SET.
pub(crate) fn select(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    if p.is_punct("@@") {
        return set::select_vars(p);
    }
    if p.is_kw("WAIT_FOR_EXECUTED_GTID_SET") {
        return set::wait_for_gtids(p);
    }
    let items = select_list(p)?;
    if !p.eat_kw("FROM") {
        return Err(if p.at_end() {
            not_supported("SELECT without FROM", SELECT_FORMS)
        } else {
            p.syntax()
        });
    }
    table(p)?;
    let projection = projection(items)?;
    after_table(p)?;
    let target = where_clause(p)?;
    refuse_tail(p)?;
    if p.eat_kw("ORDER") {
        p.expect_kw("BY")?;
        let by = column(p, "order clause")?.ok_or_else(|| p.syntax())?;
        if by != Column::Id || p.is_kw("DESC") {
            return Err(not_supported(
                "ORDER BY other than id ascending",
                SELECT_FORMS,
            ));
        }
        p.eat_kw("ASC");
    }
    let limit = if p.eat_kw("LIMIT") {
        Some(p.uint()?)
    } else {
        None
    };
    if limit.is_some() && (p.is_punct(",") || p.is_kw("OFFSET")) {
        return Err(not_supported("LIMIT with an offset", SELECT_FORMS));
    }
    refuse_tail(p)?;
    p.done()?;
    Ok(SqlStmt::Select {
        projection,
        target,
        limit,
    })
}

/// GROUP BY, HAVING, UNION, FOR UPDATE, INTO, …: valid MySQL, refused by name.
fn refuse_tail(p: &Parser<'_>) -> Res<()> {
    if TAIL_CLAUSES.iter().any(|w| p.is_kw(w)) {
        return Err(not_supported("this SELECT", SELECT_FORMS));
    }
    Ok(())
}

/// Clauses of a SELECT on one table that MySQL reads and the playground does not.
const TAIL_CLAUSES: &[&str] = &["GROUP", "HAVING", "UNION", "FOR", "INTO", "WINDOW", "LOCK"];

/// What may follow `FROM kv`: a join or a table alias is valid MySQL, refused by name; a
/// word then anything else is an alias followed by a syntax error, as MySQL reads a typo
/// like `FROM kv WHRE id = 1` (near 'id = 1').
fn after_table(p: &Parser<'_>) -> Res<()> {
    const JOINS: &[&str] = &[
        "AS",
        "JOIN",
        "INNER",
        "LEFT",
        "RIGHT",
        "CROSS",
        "STRAIGHT_JOIN",
        "NATURAL",
        "USE",
        "FORCE",
        "IGNORE",
    ];
    const CLAUSES: &[&str] = &["WHERE", "ORDER", "LIMIT"];
    if p.is_punct(",") || JOINS.iter().any(|w| p.is_kw(w)) {
        return Err(not_supported("joins and table aliases", SELECT_FORMS));
    }
    let clause = CLAUSES.iter().chain(TAIL_CLAUSES).any(|w| p.is_kw(w));
    if clause || p.word().is_none() {
        return Ok(());
    }
    let next = p.word_at(1);
    let alias_then_clause = p.peek_at(1).is_none()
        || next
            .as_deref()
            .is_some_and(|w| CLAUSES.contains(&w) || TAIL_CLAUSES.contains(&w));
    if alias_then_clause {
        Err(not_supported("joins and table aliases", SELECT_FORMS))
    } else {
        Err(p.syntax_at(p.mark() + 1))
    }
}

/// One item of a SELECT list on `kv`; a column not of `kv` is reported after the table.
enum Item {
    Star,
    Count,
    Col(Result<Column, SqlError>),
}

fn select_list(p: &mut Parser<'_>) -> Res<Vec<Item>> {
    let mut items = Vec::new();
    loop {
        items.push(select_item(p)?);
        if !p.eat_punct(",") {
            break;
        }
    }
    // `id AS k` or `id k` (then FROM or the end): an alias, valid MySQL, not read here.
    let after_name = p.peek_at(1).is_none() || p.word_at(1).as_deref() == Some("FROM");
    let name = p
        .peek()
        .is_some_and(|t| matches!(t.tok, Tok::Word | Tok::QuotedIdent(_)));
    let last_is_column = matches!(items.last(), Some(Item::Col(_)));
    if p.is_kw("AS") || (name && !p.is_kw("FROM") && after_name && last_is_column) {
        return Err(not_supported("column aliases", SELECT_FORMS));
    }
    Ok(items)
}

fn select_item(p: &mut Parser<'_>) -> Res<Item> {
    if p.eat_punct("*") {
        return Ok(Item::Star);
    }
    let call = p.peek_at(1).is_some_and(|t| t.tok == Tok::Punct("("));
    if call && p.eat_kw("COUNT") {
        p.expect_punct("(")?;
        let counted = p.eat_punct("*") || p.uint().is_ok() || column(p, "field list")?.is_some();
        if !counted {
            return Err(p.syntax());
        }
        p.expect_punct(")")?;
        return Ok(Item::Count);
    }
    let Some(t) = p.peek() else {
        return Err(p.syntax());
    };
    match &t.tok {
        Tok::Word if call => Err(not_supported("functions in SELECT", SELECT_FORMS)),
        Tok::Word | Tok::QuotedIdent(_) => {
            let mark = p.mark();
            match column(p, "field list") {
                Ok(Some(c)) => Ok(Item::Col(Ok(c))),
                Ok(None) => Err(p.syntax_at(mark)),
                Err(e) => Ok(Item::Col(Err(e))),
            }
        }
        Tok::Num | Tok::Str(_) | Tok::Punct("-" | "(" | "@") => {
            Err(not_supported("SELECT of expressions", SELECT_FORMS))
        }
        _ => Err(p.syntax()),
    }
}

fn projection(items: Vec<Item>) -> Res<Projection> {
    let counts = items.iter().filter(|i| matches!(i, Item::Count)).count();
    let mut columns = Vec::new();
    for item in items {
        match item {
            Item::Star => columns.extend([Column::Id, Column::Val]),
            Item::Col(c) => columns.push(c?),
            Item::Count => {}
        }
    }
    match (counts, columns.first()) {
        (0, _) => Ok(Projection::Columns(columns)),
        (1, None) => Ok(Projection::CountStar),
        (1, Some(&c)) => Err(SqlError::new(
            1140,
            "42000",
            format!(
                "In aggregated query without GROUP BY, expression #1 of SELECT list contains \
                 nonaggregated column 'playground.kv.{}'; this is incompatible with \
                 sql_mode=only_full_group_by",
                if c == Column::Id { "id" } else { "val" }
            ),
        )),
        _ => Err(not_supported("several aggregates", SELECT_FORMS)),
    }
}

/// `[WHERE cond [AND cond]]` on the primary key, as an inclusive range of ids.
fn where_clause(p: &mut Parser<'_>) -> Res<RowTarget> {
    if !p.eat_kw("WHERE") {
        return Ok(RowTarget::All);
    }
    let (mut lo, mut hi) = condition(p)?;
    if p.eat_kw("AND") {
        let (lo2, hi2) = condition(p)?;
        lo = lo.max(lo2);
        hi = hi.min(hi2);
    }
    if p.is_kw("AND") || p.is_kw("OR") || p.is_kw("XOR") {
        return Err(not_supported("this WHERE clause", WHERE_FORMS));
    }
    // Ids are u64: a range wholly below 0 or above u64::MAX holds none.
    const EMPTY: RowTarget = RowTarget::Range { lo: 1, hi: 0 };
    let (Ok(lo), Ok(hi)) = (
        u64::try_from(lo.max(0)),
        u64::try_from(hi.min(u64::MAX.into())),
    ) else {
        return Ok(EMPTY);
    };
    Ok(if lo == hi {
        RowTarget::WhereId(lo)
    } else {
        RowTarget::Range { lo, hi }
    })
}

/// One comparison of `id` with a number, as the inclusive range it allows.
fn condition(p: &mut Parser<'_>) -> Res<(i128, i128)> {
    let mark = p.mark();
    match column(p, "where clause")? {
        Some(Column::Id) => {}
        Some(Column::Val) => return Err(not_supported("WHERE on val", WHERE_FORMS)),
        // `NOT …`, `(…)`, `5 = id`, `@x`: valid MySQL, not a form read here.
        None if p.peek().is_some_and(|t| {
            matches!(t.tok, Tok::Word | Tok::Num | Tok::Str(_))
                || matches!(t.tok, Tok::Punct("(" | "-" | "+" | "@" | "@@"))
        }) =>
        {
            return Err(not_supported("this WHERE clause", WHERE_FORMS));
        }
        None => return Err(p.syntax_at(mark)),
    }
    // `WHERE id` alone (true for every id but 0) is valid MySQL, not a form read here.
    let alone = p.at_end() || ["AND", "OR", "ORDER", "LIMIT"].iter().any(|w| p.is_kw(w));
    if alone {
        return Err(not_supported("this WHERE clause", WHERE_FORMS));
    }
    let op = match p.peek().map(|t| &t.tok) {
        Some(Tok::Punct(op @ ("=" | "<" | ">" | "<=" | ">="))) => *op,
        Some(Tok::Word) if p.is_kw("BETWEEN") => "BETWEEN",
        Some(Tok::Word | Tok::Punct("<>" | "!=" | "<=>")) => {
            return Err(not_supported("this WHERE clause", WHERE_FORMS));
        }
        _ => return Err(p.syntax()),
    };
    p.advance();
    let n = number(p, WHERE_FORMS)?;
    Ok(match op {
        "=" => (n, n),
        "<" => (i128::MIN, n - 1),
        ">" => (n + 1, i128::MAX),
        "<=" => (i128::MIN, n),
        ">=" => (n, i128::MAX),
        _ => {
            p.expect_kw("AND")?;
            (n, number(p, WHERE_FORMS)?)
        }
    })
}

/// An integer literal; anything else that could be an expression is refused by name.
fn number(p: &mut Parser<'_>, hint: &str) -> Res<i128> {
    if let Some(n) = p.int() {
        return Ok(n.clamp(i128::MIN / 2, i128::MAX / 2));
    }
    match p.peek().map(|t| &t.tok) {
        Some(Tok::Word | Tok::Str(_) | Tok::Num | Tok::QuotedIdent(_) | Tok::Punct("(" | "@@")) => {
            Err(not_supported("values other than whole numbers", hint))
        }
        _ => Err(p.syntax()),
    }
}

/// A value for `column` of row `row` (from 1): 1264 above BIGINT, 1235 below 0.
fn column_value(p: &mut Parser<'_>, column: &str, row: usize) -> Res<u64> {
    let n = number(p, VALUE_FORMS)?;
    if n > BIGINT_MAX {
        return Err(SqlError::new(
            1264,
            "22003",
            format!("Out of range value for column '{column}' at row {row}"),
        ));
    }
    u64::try_from(n).map_err(|_| not_supported("negative values", VALUE_FORMS))
}

/// `INSERT | REPLACE [INTO] kv [(id, val)] VALUES (…), … | SET id = N, val = M`.
pub(crate) fn insert(p: &mut Parser<'_>, replace: bool) -> Res<SqlStmt> {
    let verb = if replace { "REPLACE" } else { "INSERT" };
    p.advance();
    if let Some(modifier) = p.eat_any(&["IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY"]) {
        return Err(not_supported(&format!("{verb} {modifier}"), VALUE_FORMS));
    }
    p.eat_kw("INTO");
    table(p)?;
    let rows = if p.eat_kw("SET") {
        vec![insert_set(p)?]
    } else {
        let columns = column_list(p)?;
        if p.eat_any(&["VALUES", "VALUE"]).is_none() {
            return Err(
                if p.is_kw("SELECT") || p.is_kw("TABLE") || p.is_kw("WITH") {
                    not_supported(&format!("{verb} … SELECT"), VALUE_FORMS)
                } else {
                    p.syntax()
                },
            );
        }
        value_rows(p, &columns)?
    };
    if p.is_kw("ON") || p.is_kw("AS") {
        return Err(not_supported("ON DUPLICATE KEY UPDATE", VALUE_FORMS));
    }
    p.done()?;
    Ok(if replace {
        SqlStmt::Replace { rows }
    } else {
        SqlStmt::Insert { rows }
    })
}

/// `[(col, col)]`: both columns, each once (1110 twice; 1364 without id; 1235 without val,
/// which would be NULL, a value the playground's rows cannot hold).
fn column_list(p: &mut Parser<'_>) -> Res<Vec<Column>> {
    if !p.eat_punct("(") {
        return Ok(vec![Column::Id, Column::Val]);
    }
    let mut columns = Vec::new();
    loop {
        let c = column(p, "field list")?.ok_or_else(|| p.syntax())?;
        if columns.contains(&c) {
            let name = if c == Column::Id { "id" } else { "val" };
            return Err(SqlError::new(
                1110,
                "42000",
                format!("Column '{name}' specified twice"),
            ));
        }
        columns.push(c);
        if !p.eat_punct(",") {
            break;
        }
    }
    p.expect_punct(")")?;
    check_both(&columns)?;
    Ok(columns)
}

fn check_both(columns: &[Column]) -> Res<()> {
    if !columns.contains(&Column::Id) {
        return Err(SqlError::new(
            1364,
            "HY000",
            "Field 'id' doesn't have a default value",
        ));
    }
    if !columns.contains(&Column::Val) {
        return Err(not_supported("a row without val (NULL)", VALUE_FORMS));
    }
    Ok(())
}

/// `(v, v)[, (v, v)…]` in the order of `columns`; 1136 when a row has another count.
fn value_rows(p: &mut Parser<'_>, columns: &[Column]) -> Res<Vec<(u64, u64)>> {
    let mut rows = Vec::new();
    loop {
        let row = rows.len() + 1;
        p.expect_punct("(")?;
        let mut values = Vec::new();
        while !p.is_punct(")") {
            if !values.is_empty() {
                p.expect_punct(",")?;
            }
            let name = match columns.get(values.len()) {
                Some(Column::Val) => "val",
                _ => "id",
            };
            values.push(column_value(p, name, row)?);
        }
        p.advance();
        if values.len() != columns.len() {
            return Err(SqlError::new(
                1136,
                "21S01",
                format!("Column count doesn't match value count at row {row}"),
            ));
        }
        let id_first = columns.first() == Some(&Column::Id);
        rows.push(if id_first {
            (values[0], values[1])
        } else {
            (values[1], values[0])
        });
        if !p.eat_punct(",") {
            return Ok(rows);
        }
    }
}

/// `SET id = N, val = M` (either order).
fn insert_set(p: &mut Parser<'_>) -> Res<(u64, u64)> {
    let (mut id, mut val) = (None, None);
    loop {
        let c = column(p, "field list")?.ok_or_else(|| p.syntax())?;
        p.expect_equals()?;
        let (slot, name) = match c {
            Column::Id => (&mut id, "id"),
            Column::Val => (&mut val, "val"),
        };
        if slot.is_some() {
            return Err(SqlError::new(
                1110,
                "42000",
                format!("Column '{name}' specified twice"),
            ));
        }
        *slot = Some(column_value(p, name, 1)?);
        if !p.eat_punct(",") {
            break;
        }
    }
    let present: Vec<Column> = [id.map(|_| Column::Id), val.map(|_| Column::Val)]
        .into_iter()
        .flatten()
        .collect();
    check_both(&present)?;
    Ok((id.unwrap_or(0), val.unwrap_or(0)))
}

/// `kv AS k` or `kv k` before one of `follows`: valid MySQL, refused by name. A word
/// followed by anything else reads as MySQL reads a typo: an alias, then an error at what
/// follows it.
fn table_alias(p: &Parser<'_>, follows: &[&str]) -> Res<()> {
    if follows.iter().any(|w| p.is_kw(w)) || p.word().is_none() {
        return Ok(());
    }
    let then_follows = p.word_at(1).is_some_and(|w| follows.contains(&w.as_str()));
    let at_end = p.peek_at(1).is_none() && !follows.contains(&"SET");
    if p.is_kw("AS") || then_follows || at_end {
        Err(not_supported("table aliases", VALUE_FORMS))
    } else {
        Err(p.syntax_at(p.mark() + 1))
    }
}

/// `UPDATE kv SET val = N [WHERE …]`.
pub(crate) fn update(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    if let Some(modifier) = p.eat_any(&["IGNORE", "LOW_PRIORITY"]) {
        return Err(not_supported(&format!("UPDATE {modifier}"), VALUE_FORMS));
    }
    table(p)?;
    table_alias(p, &["SET"])?;
    p.expect_kw("SET")?;
    match column(p, "field list")? {
        Some(Column::Val) => {}
        Some(Column::Id) => return Err(not_supported("UPDATE of the primary key", VALUE_FORMS)),
        None => return Err(p.syntax()),
    }
    p.expect_equals()?;
    let is_expression = p.peek_at(1).is_some_and(|t| matches!(t.tok, Tok::Punct(_)));
    if p.peek().is_some_and(|t| t.tok == Tok::Word) && is_expression {
        return Err(not_supported("expressions in SET", VALUE_FORMS));
    }
    let value = column_value(p, "val", 1)?;
    if p.eat_punct(",") {
        return Err(not_supported("several assignments", VALUE_FORMS));
    }
    let target = where_clause(p)?;
    if p.is_kw("ORDER") || p.is_kw("LIMIT") {
        return Err(not_supported("UPDATE … ORDER BY / LIMIT", WHERE_FORMS));
    }
    p.done()?;
    Ok(SqlStmt::Update { target, value })
}

/// `DELETE FROM kv [WHERE …]`.
pub(crate) fn delete(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    if let Some(modifier) = p.eat_any(&["IGNORE", "LOW_PRIORITY", "QUICK"]) {
        return Err(not_supported(&format!("DELETE {modifier}"), WHERE_FORMS));
    }
    p.expect_kw("FROM")?;
    table(p)?;
    table_alias(p, &["WHERE", "ORDER", "LIMIT"])?;
    let target = where_clause(p)?;
    if p.is_kw("ORDER") || p.is_kw("LIMIT") {
        return Err(not_supported("DELETE … ORDER BY / LIMIT", WHERE_FORMS));
    }
    p.done()?;
    Ok(SqlStmt::Delete { target })
}

/// `BEGIN [WORK]`, `COMMIT [WORK]`, `ROLLBACK [WORK]` (`START TRANSACTION` is read with
/// the other STARTs).
pub(crate) fn transaction(p: &mut Parser<'_>) -> Res<SqlStmt> {
    let stmt = match p.word().as_deref() {
        Some("BEGIN") => SqlStmt::Begin,
        Some("COMMIT") => SqlStmt::Commit,
        _ => SqlStmt::Rollback,
    };
    p.advance();
    p.eat_kw("WORK");
    if stmt == SqlStmt::Rollback && p.is_kw("TO") {
        return Err(not_supported(
            "ROLLBACK TO SAVEPOINT",
            "BEGIN, COMMIT, ROLLBACK",
        ));
    }
    if stmt != SqlStmt::Begin && (p.is_kw("AND") || p.is_kw("NO") || p.is_kw("RELEASE")) {
        return Err(not_supported(
            "AND CHAIN / RELEASE",
            "BEGIN, COMMIT, ROLLBACK",
        ));
    }
    p.done()?;
    Ok(stmt)
}
