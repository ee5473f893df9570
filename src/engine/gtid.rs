//! GTIDs and GTID sets with MySQL's semantics and text form (`uuid:1-5:7,uuid2:1-27`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GtidParseError {
    BadUuid(String),
    ZeroTransactionId,
    BadNumber(String),
    BadInterval(u64, u64),
    MissingInterval(String),
}

impl fmt::Display for GtidParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GtidParseError::BadUuid(s) => write!(f, "'{s}' is not a server UUID"),
            GtidParseError::ZeroTransactionId => f.write_str("transaction numbers start at 1"),
            GtidParseError::BadNumber(s) => write!(f, "'{s}' is not a transaction number"),
            GtidParseError::BadInterval(a, b) => {
                write!(f, "interval {a}-{b} ends before it starts")
            }
            GtidParseError::MissingInterval(s) => {
                write!(f, "'{s}' has no transaction numbers after the UUID")
            }
        }
    }
}

impl std::error::Error for GtidParseError {}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Uuid(pub [u8; 16]);

impl Uuid {
    pub fn from_u128(v: u128) -> Uuid {
        Uuid(v.to_be_bytes())
    }

    pub fn as_u128(self) -> u128 {
        u128::from_be_bytes(self.0)
    }

    /// The first 8 hex digits, for compact labels.
    pub fn short(self) -> String {
        self.to_string()[..8].to_string()
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl FromStr for Uuid {
    type Err = GtidParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || GtidParseError::BadUuid(s.chars().take(64).collect());
        let groups: Vec<&str> = s.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        if groups.len() != 5 || groups.iter().zip(lens).any(|(g, l)| g.len() != l) {
            return Err(bad());
        }
        let hex: String = groups.concat();
        let v = u128::from_str_radix(&hex, 16).map_err(|_| bad())?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Uuid::from_u128(v))
    }
}

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Gtid {
    pub uuid: Uuid,
    pub gno: u64,
}

impl fmt::Display for Gtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.uuid, self.gno)
    }
}

impl Serialize for Gtid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Gtid {
    type Err = GtidParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (u, n) = s
            .trim()
            .split_once(':')
            .ok_or_else(|| GtidParseError::MissingInterval(s.chars().take(64).collect()))?;
        let gno = parse_gno(n.trim())?;
        Ok(Gtid {
            uuid: u.trim().parse()?,
            gno,
        })
    }
}

fn parse_gno(s: &str) -> Result<u64, GtidParseError> {
    let v: u64 = s
        .parse()
        .map_err(|_| GtidParseError::BadNumber(s.chars().take(32).collect()))?;
    if v == 0 {
        return Err(GtidParseError::ZeroTransactionId);
    }
    Ok(v)
}

/// A set of GTIDs: per UUID, sorted, disjoint, non-adjacent inclusive intervals.
#[derive(Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct GtidSet {
    sets: BTreeMap<Uuid, Vec<(u64, u64)>>,
}

impl GtidSet {
    pub fn new() -> Self {
        GtidSet::default()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    pub fn contains(&self, g: Gtid) -> bool {
        let Some(iv) = self.sets.get(&g.uuid) else {
            return false;
        };
        let i = iv.partition_point(|&(_, e)| e < g.gno);
        iv.get(i).is_some_and(|&(s, _)| s <= g.gno)
    }

    /// Adds one GTID; O(1) when it extends the last interval (the common case).
    pub fn insert(&mut self, g: Gtid) -> bool {
        if g.gno == 0 {
            return false;
        }
        let iv = self.sets.entry(g.uuid).or_default();
        if let Some(last) = iv.last_mut() {
            if last.1.checked_add(1) == Some(g.gno) {
                last.1 = g.gno;
                return true;
            }
            if last.1 < g.gno {
                iv.push((g.gno, g.gno));
                return true;
            }
        } else {
            iv.push((g.gno, g.gno));
            return true;
        }
        if self.contains(g) {
            return false;
        }
        self.insert_interval(g.uuid, g.gno, g.gno);
        true
    }

    pub fn insert_interval(&mut self, uuid: Uuid, start: u64, end: u64) {
        if start == 0 || start > end {
            return;
        }
        let iv = self.sets.entry(uuid).or_default();
        iv.push((start, end));
        normalise(iv);
    }

    pub fn union_with(&mut self, other: &GtidSet) {
        for (u, ov) in &other.sets {
            let iv = self.sets.entry(*u).or_default();
            iv.extend_from_slice(ov);
            normalise(iv);
        }
    }

    pub fn union(&self, other: &GtidSet) -> GtidSet {
        let mut s = self.clone();
        s.union_with(other);
        s
    }

    pub fn subtract(&self, other: &GtidSet) -> GtidSet {
        let mut out = GtidSet::new();
        for (u, iv) in &self.sets {
            let rest = match other.sets.get(u) {
                Some(ov) => subtract_intervals(iv, ov),
                None => iv.clone(),
            };
            if !rest.is_empty() {
                out.sets.insert(*u, rest);
            }
        }
        out
    }

    pub fn intersection(&self, other: &GtidSet) -> GtidSet {
        self.subtract(&self.subtract(other))
    }

    pub fn is_subset_of(&self, other: &GtidSet) -> bool {
        self.sets.iter().all(|(u, iv)| {
            let Some(ov) = other.sets.get(u) else {
                return false;
            };
            iv.iter().all(|&(s, e)| {
                let i = ov.partition_point(|&(_, oe)| oe < s);
                ov.get(i).is_some_and(|&(os, oe)| os <= s && e <= oe)
            })
        })
    }

    pub fn count(&self) -> u64 {
        self.sets.values().flatten().fold(0u64, |acc, &(s, e)| {
            acc.saturating_add(e - s).saturating_add(1)
        })
    }

    pub fn count_for(&self, uuid: Uuid) -> u64 {
        self.intervals(uuid).iter().fold(0u64, |acc, &(s, e)| {
            acc.saturating_add(e - s).saturating_add(1)
        })
    }

    pub fn uuids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.sets.keys().copied()
    }

    pub fn intervals(&self, uuid: Uuid) -> &[(u64, u64)] {
        self.sets.get(&uuid).map_or(&[], |v| v.as_slice())
    }

    /// Every GTID in order. Callers bound how many they take.
    pub fn iter(&self) -> impl Iterator<Item = Gtid> + '_ {
        self.sets.iter().flat_map(|(u, iv)| {
            iv.iter()
                .flat_map(move |&(s, e)| (s..=e).map(move |gno| Gtid { uuid: *u, gno }))
        })
    }

    /// The smallest number not in the set for this UUID (MySQL assigns the first unused).
    pub fn first_free_gno(&self, uuid: Uuid) -> u64 {
        match self.intervals(uuid).first() {
            Some(&(1, e)) => e.saturating_add(1),
            _ => 1,
        }
    }

    pub fn last_gno(&self, uuid: Uuid) -> u64 {
        self.intervals(uuid).last().map_or(0, |&(_, e)| e)
    }

    pub fn without_uuid(&self, uuid: Uuid) -> GtidSet {
        self.retain_uuids(|u| u != uuid)
    }

    pub fn retain_uuids(&self, keep: impl Fn(Uuid) -> bool) -> GtidSet {
        GtidSet {
            sets: self
                .sets
                .iter()
                .filter(|(u, _)| keep(**u))
                .map(|(u, v)| (*u, v.clone()))
                .collect(),
        }
    }

    pub fn interval_count(&self) -> u64 {
        self.sets.values().map(|v| v.len() as u64).sum()
    }
}

fn normalise(iv: &mut Vec<(u64, u64)>) {
    iv.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(iv.len());
    for &(s, e) in iv.iter() {
        match out.last_mut() {
            Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    *iv = out;
}

fn subtract_intervals(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(s, e) in a {
        let mut cur = s;
        while j < b.len() && b[j].1 < cur {
            j += 1;
        }
        let mut k = j;
        let mut done = false;
        while k < b.len() && b[k].0 <= e {
            let (bs, be) = b[k];
            if bs > cur {
                out.push((cur, bs - 1));
            }
            if be >= e {
                done = true;
                break;
            }
            cur = cur.max(be + 1);
            k += 1;
        }
        if !done && cur <= e {
            out.push((cur, e));
        }
    }
    out
}

impl fmt::Display for GtidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (u, iv)) in self.sets.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{u}")?;
            for &(s, e) in iv {
                if s == e {
                    write!(f, ":{s}")?
                } else {
                    write!(f, ":{s}-{e}")?
                }
            }
        }
        Ok(())
    }
}

impl FromStr for GtidSet {
    type Err = GtidParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut set = GtidSet::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let mut pieces = part.split(':').map(str::trim);
            let uuid: Uuid = pieces.next().unwrap_or_default().parse()?;
            let mut any = false;
            for range in pieces {
                any = true;
                let (a, b) = match range.split_once('-') {
                    Some((a, b)) => (parse_gno(a.trim())?, parse_gno(b.trim())?),
                    None => {
                        let v = parse_gno(range)?;
                        (v, v)
                    }
                };
                if a > b {
                    return Err(GtidParseError::BadInterval(a, b));
                }
                set.insert_interval(uuid, a, b);
            }
            if !any {
                return Err(GtidParseError::MissingInterval(
                    part.chars().take(64).collect(),
                ));
            }
        }
        Ok(set)
    }
}

impl FromIterator<Gtid> for GtidSet {
    fn from_iter<I: IntoIterator<Item = Gtid>>(it: I) -> Self {
        let mut s = GtidSet::new();
        for g in it {
            s.insert(g);
        }
        s
    }
}

impl Serialize for GtidSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GtidSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

    #[test]
    fn parses_and_prints_mysql_form() {
        let s: GtidSet = format!("{A}:1-5:11-18:7, {A}:6").parse().unwrap();
        assert_eq!(s.to_string(), format!("{A}:1-7:11-18"));
        assert_eq!(s.count(), 15);
        assert!("".parse::<GtidSet>().unwrap().is_empty());
        assert!(format!("{A}:0").parse::<GtidSet>().is_err());
        assert!(format!("{A}:5-3").parse::<GtidSet>().is_err());
        assert!("zz:1".parse::<GtidSet>().is_err());
        assert!(A.parse::<GtidSet>().is_err());
    }

    #[test]
    fn set_algebra() {
        let a: GtidSet = format!("{A}:1-10").parse().unwrap();
        let b: GtidSet = format!("{A}:3-4:8").parse().unwrap();
        assert_eq!(a.subtract(&b).to_string(), format!("{A}:1-2:5-7:9-10"));
        assert!(b.is_subset_of(&a));
        assert!(!a.is_subset_of(&b));
        assert_eq!(a.intersection(&b), b);
        let u = Uuid::from_u128(1);
        let mut c = GtidSet::new();
        assert!(c.insert(Gtid { uuid: u, gno: 2 }));
        assert_eq!(c.first_free_gno(u), 1);
        assert!(c.insert(Gtid { uuid: u, gno: 1 }));
        assert!(!c.insert(Gtid { uuid: u, gno: 1 }));
        assert_eq!(c.first_free_gno(u), 3);
        assert_eq!(c.last_gno(u), 2);
    }
}
