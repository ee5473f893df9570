//! Accounts and the schema: `CREATE USER`, `GRANT`, `CREATE DATABASE` and `CREATE TABLE` of
//! the playground's one table — the statements an exported setup script runs
//! (`export::setup`), read so that a script can be checked and pasted into a console.
//!
//! The playground models no accounts or privileges: CREATE USER and GRANT are read and
//! answered `Query OK` (docs/sql.md). The schema and its table always exist, so creating
//! them answers as MySQL does for an existing one: ER_DB_CREATE_EXISTS (1007) /
//! ER_TABLE_EXISTS_ERROR (1050), or a note with `IF NOT EXISTS` (sql/sql_db.cc
//! `mysql_create_db_internal`, sql/sql_table.cc `mysql_create_table_no_lock`).

use super::ast::{SqlStmt, UserSpec};
use super::parse::{Parser, Res, SUPPORTED, not_supported};

/// `CREATE USER …`, `CREATE DATABASE | SCHEMA …`, `CREATE TABLE kv …`; any other CREATE is
/// refused by name.
pub(crate) fn create(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    if p.eat_kw("USER") {
        let if_not_exists = if_not_exists(p)?;
        let user = user(p)?;
        if p.eat_kw("IDENTIFIED") {
            // IDENTIFIED [WITH plugin] BY 'password'.
            if p.eat_kw("WITH") {
                p.ident().ok_or_else(|| p.syntax())?;
            }
            p.expect_kw("BY")?;
            p.string()?;
        }
        p.done()?;
        return Ok(SqlStmt::CreateUser {
            user,
            if_not_exists,
        });
    }
    if p.eat_kw("DATABASE") || p.eat_kw("SCHEMA") {
        let if_not_exists = if_not_exists(p)?;
        let name = p.ident().ok_or_else(|| p.syntax())?;
        p.done()?;
        return Ok(SqlStmt::CreateDatabase {
            name,
            if_not_exists,
        });
    }
    if p.eat_kw("TABLE") {
        let if_not_exists = if_not_exists(p)?;
        let first = p.ident().ok_or_else(|| p.syntax())?;
        let table = if p.eat_punct(".") {
            (first == "playground").then(|| p.ident()).flatten()
        } else {
            Some(first)
        };
        if table.as_deref() != Some("kv") {
            return Err(not_supported("CREATE", SUPPORTED));
        }
        // The column list and table options are not read: the table exists as it is.
        return Ok(SqlStmt::CreateTable { if_not_exists });
    }
    Err(not_supported("CREATE", SUPPORTED))
}

fn if_not_exists(p: &mut Parser<'_>) -> Res<bool> {
    if p.eat_kw("IF") {
        p.expect_kw("NOT")?;
        p.expect_kw("EXISTS")?;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// `'user'@'host'`, `user@host` or `'user'` (host `%`).
fn user(p: &mut Parser<'_>) -> Res<UserSpec> {
    let name = |p: &mut Parser<'_>| match p.string() {
        Ok(s) => Ok(s),
        Err(e) => p.ident().ok_or(e),
    };
    let user = name(p)?;
    let host = if p.eat_punct("@") {
        name(p)?
    } else {
        "%".to_string()
    };
    Ok(UserSpec { user, host })
}

/// `GRANT priv [, priv …] ON what TO user`: privileges are one or more words each
/// (`REPLICATION SLAVE`, MariaDB's `READ ONLY ADMIN`), upper-cased.
pub(crate) fn grant(p: &mut Parser<'_>) -> Res<SqlStmt> {
    p.advance();
    let mut privileges = Vec::new();
    loop {
        let mut words = Vec::new();
        while let Some(w) = p.word().filter(|w| w != "ON") {
            words.push(w);
            p.advance();
        }
        if words.is_empty() {
            return Err(p.syntax());
        }
        privileges.push(words.join(" "));
        if !p.eat_punct(",") {
            break;
        }
    }
    p.expect_kw("ON")?;
    let from = p.mark();
    while !p.at_end() && !p.is_kw("TO") {
        p.advance();
    }
    let on = p.text_since(from).replace(' ', "");
    if on.is_empty() {
        return Err(p.syntax());
    }
    p.expect_kw("TO")?;
    let user = user(p)?;
    p.done()?;
    Ok(SqlStmt::Grant {
        privileges,
        on,
        user,
    })
}
