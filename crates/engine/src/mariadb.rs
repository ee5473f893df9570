//! The MariaDB 10.11 flavor's GTIDs: `domain_id-server_id-seq_no` (docs/semantics.md,
//! "MariaDB flavor").
//!
//! MariaDB numbers transactions per replication domain, not per server: a new primary
//! continues the domain's sequence (`rpl_binlog_state::update_with_next_gtid` in
//! MariaDB's `sql/rpl_gtid.cc` takes the domain's `seq_no_counter` + 1). The engine keeps
//! its one transaction identity, [`Gtid`], and maps a MariaDB GTID onto it: the "UUID" of
//! a MariaDB server is its (domain_id, server_id) pair with a tag, and `gno` is `seq_no`.
//! So 0-1-101 and 0-2-101 stay two different transactions, every GTID set operation of
//! the engine still holds, and the positions MariaDB shows (`gtid_binlog_pos`,
//! `gtid_slave_pos`, `gtid_current_pos`) are derived from the binlog and the applier.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::binlog::Binlog;
use crate::gtid::{Gtid, GtidSet, Uuid};

/// Which server the cluster is made of. MySQL 8.x is the default; MariaDB 10.11 changes
/// GTIDs, replica positioning, strict mode, semi-sync defaults and the statement spellings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    #[default]
    Mysql,
    Mariadb,
}

impl Flavor {
    pub fn is_mysql(&self) -> bool {
        *self == Flavor::Mysql
    }

    pub fn is_mariadb(self) -> bool {
        self == Flavor::Mariadb
    }
}

/// CHANGE MASTER TO … MASTER_USE_GTID: which position a MariaDB replica sends its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UseGtid {
    /// `gtid_slave_pos`: the last transaction the applier committed in each domain (the
    /// 10.11 default when no file/position is given).
    #[default]
    SlavePos,
    /// `gtid_current_pos`: also the transactions this server logged itself.
    CurrentPos,
}

impl UseGtid {
    pub fn name(self) -> &'static str {
        match self {
            UseGtid::SlavePos => "Slave_Pos",
            UseGtid::CurrentPos => "Current_Pos",
        }
    }

    /// The word CHANGE MASTER TO … MASTER_USE_GTID takes.
    pub fn keyword(self) -> &'static str {
        match self {
            UseGtid::SlavePos => "slave_pos",
            UseGtid::CurrentPos => "current_pos",
        }
    }
}

/// Marks a [`Uuid`] as a MariaDB (domain, server_id) pair: the bytes spell "MariaDB".
const TAG: u128 = 0x4d61_7269_6144_4200 << 64;
const TAG_MASK: u128 = 0xffff_ffff_ffff_ffff << 64;

/// One MariaDB GTID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MariaGtid {
    pub domain_id: u32,
    pub server_id: u32,
    pub seq_no: u64,
}

impl fmt::Display for MariaGtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.domain_id, self.server_id, self.seq_no)
    }
}

impl FromStr for MariaGtid {
    type Err = String;

    /// `D-S-N` as `rpl_slave_state`'s `gtid_parser_helper` reads it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("Could not parse GTID list '{}'", s.trim());
        let mut parts = s.trim().split('-');
        let mut next = || parts.next().ok_or_else(bad);
        let domain_id = next()?.parse().map_err(|_| bad())?;
        let server_id = next()?.parse().map_err(|_| bad())?;
        let seq_no = next()?.parse().map_err(|_| bad())?;
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(MariaGtid {
            domain_id,
            server_id,
            seq_no,
        })
    }
}

impl MariaGtid {
    pub fn to_gtid(self) -> Gtid {
        Gtid {
            uuid: server_uuid(self.domain_id, self.server_id),
            gno: self.seq_no,
        }
    }

    /// The MariaDB reading of an engine GTID; `None` for a MySQL one.
    pub fn from_gtid(g: Gtid) -> Option<MariaGtid> {
        let (domain_id, server_id) = domain_server(g.uuid)?;
        Some(MariaGtid {
            domain_id,
            server_id,
            seq_no: g.gno,
        })
    }
}

/// The engine identity of a MariaDB server logging in `domain_id`.
pub fn server_uuid(domain_id: u32, server_id: u32) -> Uuid {
    Uuid::from_u128(TAG | u128::from(domain_id) << 32 | u128::from(server_id))
}

/// The (domain_id, server_id) a tagged UUID stands for.
pub fn domain_server(uuid: Uuid) -> Option<(u32, u32)> {
    let v = uuid.as_u128();
    if v & TAG_MASK != TAG {
        return None;
    }
    Some(((v >> 32) as u32, v as u32))
}

/// A GTID as the flavor writes it: `D-S-N` for MariaDB, `uuid:gno` for MySQL.
pub fn gtid_text(g: Gtid) -> String {
    MariaGtid::from_gtid(g).map_or_else(|| g.to_string(), |m| m.to_string())
}

/// A GTID set as the flavor writes it: MySQL's `uuid:1-5` text unchanged; a MariaDB
/// server's transactions as `0-1-460 to 0-1-2388` ranges (MariaDB itself has no set text).
pub fn set_text(set: &GtidSet) -> String {
    let mut parts = Vec::new();
    let mut mysql = GtidSet::new();
    for u in set.uuids() {
        let Some((d, s)) = domain_server(u) else {
            for &(a, b) in set.intervals(u) {
                mysql.insert_interval(u, a, b);
            }
            continue;
        };
        for &(a, b) in set.intervals(u) {
            parts.push(if a == b {
                format!("{d}-{s}-{a}")
            } else {
                format!("{d}-{s}-{a} to {d}-{s}-{b}")
            });
        }
    }
    if !mysql.is_empty() {
        parts.insert(0, mysql.to_string());
    }
    parts.join(", ")
}

/// A position (one GTID per domain) in MariaDB's text: `0-1-100,1-2-7`, domains ascending.
pub fn pos_text(pos: &BTreeMap<u32, MariaGtid>) -> String {
    pos.values()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses `@@gtid_slave_pos`-style text (empty: no domain).
pub fn parse_pos(text: &str) -> Result<BTreeMap<u32, MariaGtid>, String> {
    let mut pos = BTreeMap::new();
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        let g: MariaGtid = part.parse()?;
        if pos.insert(g.domain_id, g).is_some() {
            // ER_DUPLICATE_GTID_DOMAIN (1943), as `rpl_slave_state::tostring`'s parser says.
            return Err(format!(
                "GTID {g} and {} conflict (duplicate domain id {})",
                pos[&g.domain_id], g.domain_id
            ));
        }
    }
    Ok(pos)
}

/// The per-(domain, server) last seq_no of everything ever logged: `@@gtid_binlog_state`
/// (`rpl_binlog_state`, kept across purges by the Gtid_list event of each new file).
pub fn binlog_state(binlog: &Binlog) -> Vec<MariaGtid> {
    set_last_per_server(binlog.logged())
}

fn set_last_per_server(set: &GtidSet) -> Vec<MariaGtid> {
    set.uuids()
        .filter_map(|u| {
            MariaGtid::from_gtid(Gtid {
                uuid: u,
                gno: set.last_gno(u),
            })
        })
        .collect()
}

/// `@@gtid_binlog_pos`: per domain, the GTID most recently written to the binlog
/// (`rpl_binlog_state::get_most_recent_gtid_list`). Retained files give the order; a domain
/// whose every transaction was purged keeps its highest seq_no (what Gtid_list holds).
pub fn binlog_pos(binlog: &Binlog) -> BTreeMap<u32, MariaGtid> {
    let mut pos = BTreeMap::new();
    for g in set_last_per_server(binlog.logged()) {
        let slot = pos.entry(g.domain_id).or_insert(g);
        if g.seq_no > slot.seq_no {
            *slot = g;
        }
    }
    for e in binlog.entries() {
        if let Some(g) = MariaGtid::from_gtid(e.trx.gtid) {
            pos.insert(g.domain_id, g);
        }
    }
    pos
}

/// `@@gtid_current_pos`: `gtid_slave_pos`, except where this server logged a later
/// transaction of its own in the domain (`rpl_slave_state::tostring` with the binlog's
/// most recent list as extra GTIDs, `rpl_append_gtid_state` in MariaDB's sql/rpl_gtid.cc).
pub fn current_pos(
    binlog_pos: &BTreeMap<u32, MariaGtid>,
    slave_pos: &BTreeMap<u32, MariaGtid>,
    server_id: u32,
) -> BTreeMap<u32, MariaGtid> {
    let mut pos = slave_pos.clone();
    for (domain, b) in binlog_pos {
        match pos.get(domain) {
            Some(s) if !(b.server_id == server_id && b.seq_no > s.seq_no) => {}
            _ => {
                pos.insert(*domain, *b);
            }
        }
    }
    pos
}

/// The domain's `seq_no_counter`: the highest seq_no this server has logged or applied
/// in `domain_id` (`bump_seq_no_if_needed` keeps it for applied-but-unlogged ones).
pub fn domain_counter(executed: &GtidSet, logged: &GtidSet, domain_id: u32) -> u64 {
    executed
        .uuids()
        .chain(logged.uuids())
        .filter(|u| domain_server(*u).is_some_and(|(d, _)| d == domain_id))
        .map(|u| executed.last_gno(u).max(logged.last_gno(u)))
        .max()
        .unwrap_or(0)
}

/// The GTIDs, as a set, that a MariaDB position says a replica has: its GTID and every one
/// before it in its domain — used to fill the engine's set views of a MariaDB server.
pub fn pos_gtids(pos: &BTreeMap<u32, MariaGtid>) -> GtidSet {
    pos.values().map(|g| g.to_gtid()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mg(d: u32, s: u32, n: u64) -> MariaGtid {
        MariaGtid {
            domain_id: d,
            server_id: s,
            seq_no: n,
        }
    }

    #[test]
    fn the_same_seq_no_from_two_servers_is_two_transactions() {
        let a = mg(0, 1, 101).to_gtid();
        let b = mg(0, 2, 101).to_gtid();
        assert_ne!(a, b);
        assert_eq!(gtid_text(a), "0-1-101");
        assert_eq!(gtid_text(b), "0-2-101");
        let set: GtidSet = [a, b].into_iter().collect();
        assert_eq!(set.count(), 2);
        assert_eq!(MariaGtid::from_gtid(b), Some(mg(0, 2, 101)));
    }

    #[test]
    fn mysql_gtids_are_not_read_as_mariadb_ones() {
        let g = Gtid {
            uuid: Uuid::from_u128(7),
            gno: 3,
        };
        assert_eq!(MariaGtid::from_gtid(g), None);
        assert_eq!(gtid_text(g), "00000000-0000-0000-0000-000000000007:3");
    }

    #[test]
    fn sets_print_as_ranges_of_mariadb_gtids_and_mysql_ones_unchanged() {
        let set: GtidSet = (460..=2388)
            .map(|n| mg(0, 1, n).to_gtid())
            .chain([mg(0, 2, 69).to_gtid()])
            .collect();
        assert_eq!(set_text(&set), "0-1-460 to 0-1-2388, 0-2-69");
        let mysql: GtidSet = "00000000-0000-0000-0000-000000000007:1-3".parse().unwrap();
        assert_eq!(set_text(&mysql), mysql.to_string());
    }

    #[test]
    fn positions_parse_and_print_domain_by_domain() {
        let pos = parse_pos("1-2-7, 0-1-100").unwrap();
        assert_eq!(pos_text(&pos), "0-1-100,1-2-7");
        assert!(
            parse_pos("0-1-1,0-2-2")
                .unwrap_err()
                .contains("duplicate domain id 0")
        );
        assert!(parse_pos("0-1").is_err());
        assert!(parse_pos("").unwrap().is_empty());
    }

    #[test]
    fn the_domain_counter_is_the_highest_seq_no_of_any_server() {
        let executed: GtidSet = [mg(0, 1, 100).to_gtid(), mg(0, 2, 120).to_gtid()]
            .into_iter()
            .chain((1..=5).map(|n| mg(1, 3, n).to_gtid()))
            .collect();
        assert_eq!(domain_counter(&executed, &GtidSet::new(), 0), 120);
        assert_eq!(domain_counter(&executed, &GtidSet::new(), 1), 5);
        assert_eq!(domain_counter(&executed, &GtidSet::new(), 2), 0);
    }

    #[test]
    fn current_pos_takes_the_binlog_only_for_this_servers_later_writes() {
        let slave = parse_pos("0-1-100").unwrap();
        let own_later = parse_pos("0-2-105,1-2-3").unwrap();
        assert_eq!(
            pos_text(&current_pos(&own_later, &slave, 2)),
            "0-2-105,1-2-3"
        );
        // A later GTID of another server in the binlog (log_slave_updates) is the slave pos's.
        let other = parse_pos("0-1-100").unwrap();
        assert_eq!(pos_text(&current_pos(&other, &slave, 2)), "0-1-100");
        let other_later = parse_pos("0-3-110").unwrap();
        assert_eq!(pos_text(&current_pos(&other_later, &slave, 2)), "0-1-100");
    }
}
