//! The system variables the console knows: their names (8.4 spellings and the 8.0
//! `master`/`slave` names), scope, whether SET may change them, and their type.
//!
//! One list, read by the parser (1193 for an unknown name, 1228/1229/1238 for a SET or a
//! `@@SESSION.`/`@@GLOBAL.` at the wrong scope, as `sql/set_var.cc` checks them) and by the
//! executor (SHOW VARIABLES, SELECT @@…, what a SET changes). Only variables the playground
//! models or shows are listed; any other name is "Unknown system variable", as on a server
//! without that plugin.

/// Where a variable lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Server-wide only (`SET GLOBAL`).
    Global,
    /// Per connection only (`SET SESSION`).
    Session,
    /// A global default that each session copies and may change.
    Both,
}

/// The values a variable takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `ON`/`OFF`, `1`/`0`, `TRUE`/`FALSE`.
    Bool,
    /// An unsigned integer within bounds (MySQL clamps out-of-range values with a warning).
    Uint { min: u64, max: u64 },
    /// One of these words (case-insensitive).
    Enum(&'static [&'static str]),
    /// A GTID set (`uuid:1-5,uuid2:1-3`).
    GtidSet,
    /// Free text (`gtid_next`: `AUTOMATIC`, `ANONYMOUS` or `uuid:n`; `version`, …).
    Text,
}

/// One system variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variable {
    /// The 8.4 name, lower case.
    pub name: &'static str,
    /// The 8.0 name (`slave_net_timeout`), if any: read as the 8.4 one.
    pub alias: Option<&'static str>,
    pub scope: Scope,
    /// Whether SET may change it at run time (`gtid_executed` may not: 1238).
    pub dynamic: bool,
    pub kind: Kind,
}

const fn var(name: &'static str, scope: Scope, dynamic: bool, kind: Kind) -> Variable {
    Variable {
        name,
        alias: None,
        scope,
        dynamic,
        kind,
    }
}

const fn aka(v: Variable, alias: &'static str) -> Variable {
    Variable {
        alias: Some(alias),
        ..v
    }
}

const U32: Kind = Kind::Uint {
    min: 0,
    max: 4_294_967_295,
};

/// Every variable, sorted by name (SHOW VARIABLES prints them in this order).
pub static VARIABLES: &[Variable] = &[
    var(
        "auto_increment_increment",
        Scope::Both,
        true,
        Kind::Uint {
            min: 1,
            max: 65_535,
        },
    ),
    var(
        "auto_increment_offset",
        Scope::Both,
        true,
        Kind::Uint {
            min: 1,
            max: 65_535,
        },
    ),
    var("autocommit", Scope::Both, true, Kind::Bool),
    var(
        "binlog_expire_logs_auto_purge",
        Scope::Global,
        true,
        Kind::Bool,
    ),
    var("binlog_expire_logs_seconds", Scope::Global, true, U32),
    var(
        "binlog_format",
        Scope::Both,
        true,
        Kind::Enum(&["ROW", "STATEMENT", "MIXED"]),
    ),
    var(
        "binlog_row_image",
        Scope::Both,
        true,
        Kind::Enum(&["FULL", "MINIMAL", "NOBLOB"]),
    ),
    var(
        "enforce_gtid_consistency",
        Scope::Global,
        true,
        Kind::Enum(&["OFF", "ON", "WARN"]),
    ),
    // MariaDB's GTID variables (sql/sys_vars.cc), shown on a MariaDB node only.
    var("gtid_binlog_pos", Scope::Global, false, Kind::Text),
    var("gtid_binlog_state", Scope::Global, false, Kind::Text),
    var("gtid_current_pos", Scope::Global, false, Kind::Text),
    var(
        "gtid_domain_id",
        Scope::Both,
        true,
        Kind::Uint {
            min: 0,
            max: u32::MAX as u64,
        },
    ),
    var("gtid_executed", Scope::Global, false, Kind::GtidSet),
    var(
        "gtid_mode",
        Scope::Global,
        true,
        Kind::Enum(&["OFF", "OFF_PERMISSIVE", "ON_PERMISSIVE", "ON"]),
    ),
    var("gtid_next", Scope::Session, true, Kind::Text),
    var("gtid_owned", Scope::Both, false, Kind::Text),
    var("gtid_purged", Scope::Global, true, Kind::GtidSet),
    var(
        "gtid_seq_no",
        Scope::Session,
        true,
        Kind::Uint {
            min: 0,
            max: u64::MAX,
        },
    ),
    var("gtid_slave_pos", Scope::Global, true, Kind::Text),
    var("gtid_strict_mode", Scope::Global, true, Kind::Bool),
    var("hostname", Scope::Global, false, Kind::Text),
    var(
        "innodb_flush_log_at_trx_commit",
        Scope::Global,
        true,
        Kind::Uint { min: 0, max: 2 },
    ),
    var("log_bin", Scope::Global, false, Kind::Bool),
    aka(
        var("log_replica_updates", Scope::Global, false, Kind::Bool),
        "log_slave_updates",
    ),
    var(
        "max_binlog_size",
        Scope::Global,
        true,
        Kind::Uint {
            min: 4_096,
            max: 1_073_741_824,
        },
    ),
    var(
        "port",
        Scope::Global,
        false,
        Kind::Uint {
            min: 0,
            max: 65_535,
        },
    ),
    var("read_only", Scope::Global, true, Kind::Bool),
    aka(
        var(
            "replica_net_timeout",
            Scope::Global,
            true,
            Kind::Uint {
                min: 1,
                max: 31_536_000,
            },
        ),
        "slave_net_timeout",
    ),
    aka(
        var(
            "rpl_semi_sync_replica_enabled",
            Scope::Global,
            true,
            Kind::Bool,
        ),
        "rpl_semi_sync_slave_enabled",
    ),
    aka(
        var(
            "rpl_semi_sync_source_enabled",
            Scope::Global,
            true,
            Kind::Bool,
        ),
        "rpl_semi_sync_master_enabled",
    ),
    aka(
        var("rpl_semi_sync_source_timeout", Scope::Global, true, U32),
        "rpl_semi_sync_master_timeout",
    ),
    aka(
        var(
            "rpl_semi_sync_source_wait_for_replica_count",
            Scope::Global,
            true,
            Kind::Uint {
                min: 1,
                max: 65_535,
            },
        ),
        "rpl_semi_sync_master_wait_for_slave_count",
    ),
    aka(
        var(
            "rpl_semi_sync_source_wait_no_replica",
            Scope::Global,
            true,
            Kind::Bool,
        ),
        "rpl_semi_sync_master_wait_no_slave",
    ),
    aka(
        var(
            "rpl_semi_sync_source_wait_point",
            Scope::Global,
            true,
            Kind::Enum(&["AFTER_SYNC", "AFTER_COMMIT"]),
        ),
        "rpl_semi_sync_master_wait_point",
    ),
    var("server_id", Scope::Global, true, U32),
    var("server_uuid", Scope::Global, false, Kind::Text),
    var("sql_log_bin", Scope::Session, true, Kind::Bool),
    aka(
        var("sql_replica_skip_counter", Scope::Global, true, U32),
        "sql_slave_skip_counter",
    ),
    var("super_read_only", Scope::Global, true, Kind::Bool),
    var("sync_binlog", Scope::Global, true, U32),
    var("version", Scope::Global, false, Kind::Text),
];

/// The variable called `name` (8.4 name or 8.0 alias, any case).
/// Variables only a MariaDB server has.
pub const MARIADB_ONLY: &[&str] = &[
    "gtid_binlog_pos",
    "gtid_binlog_state",
    "gtid_current_pos",
    "gtid_domain_id",
    "gtid_seq_no",
    "gtid_slave_pos",
    "gtid_strict_mode",
];

/// Variables MariaDB 10.11 does not have (its GTIDs are positions, not sets; read_only is
/// its only read-only switch).
pub const MYSQL_ONLY: &[&str] = &[
    "enforce_gtid_consistency",
    "gtid_executed",
    "gtid_mode",
    "gtid_owned",
    "gtid_purged",
    "rpl_semi_sync_source_wait_for_replica_count",
    "server_uuid",
    "super_read_only",
];

/// Whether a server of this flavor has the variable.
pub fn exists_in(v: &Variable, mariadb: bool) -> bool {
    let only = if mariadb { MYSQL_ONLY } else { MARIADB_ONLY };
    !only.contains(&v.name)
}

pub fn lookup(name: &str) -> Option<&'static Variable> {
    let name = name.to_ascii_lowercase();
    VARIABLES
        .iter()
        .find(|v| v.name == name || v.alias == Some(name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_has_no_duplicate() {
        assert!(VARIABLES.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn names_and_aliases_are_found_in_any_case() {
        assert_eq!(lookup("READ_ONLY").unwrap().name, "read_only");
        assert_eq!(
            lookup("sql_slave_skip_counter").unwrap().name,
            "sql_replica_skip_counter"
        );
        assert_eq!(
            lookup("Rpl_Semi_Sync_Master_Enabled").unwrap().name,
            "rpl_semi_sync_source_enabled"
        );
        assert!(lookup("no_such_variable").is_none());
    }
}
