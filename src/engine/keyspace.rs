//! Keyspace ids, vindexes and key ranges, as Vitess defines them (replication-model.md §8.1).
//!
//! A row's id goes through the keyspace's primary vindex to an 8-byte keyspace id; the
//! shard whose key range holds that id serves the row. Eight bytes compared byte by byte
//! order exactly like the big-endian `u64` they spell, so keyspace ids are held as `u64`.

use des::Des;
use des::cipher::{BlockEncrypt, KeyInit};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An 8-byte keyspace id as a big-endian number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyspaceId(pub u64);

/// How a row's id becomes its keyspace id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vindex {
    /// Vitess's `hash` vindex: single DES (ECB, all-zero key) of the big-endian id.
    /// Neighbouring ids scatter over the keyspace, so load spreads evenly.
    Hash,
    /// Ids 1..=key_space laid out in order over the keyspace: neighbouring ids share a
    /// shard (range scans stay on one shard, and a hot range makes a hot shard).
    Range { key_space: u64 },
}

impl Vindex {
    pub fn keyspace_id(self, id: u64) -> KeyspaceId {
        match self {
            Vindex::Hash => KeyspaceId(des_zero_key(id)),
            Vindex::Range { key_space } => {
                let n = u128::from(key_space.max(1));
                let k = u128::from(id.clamp(1, key_space.max(1)) - 1);
                KeyspaceId(((k << 64) / n).min(u128::from(u64::MAX)) as u64)
            }
        }
    }
}

fn des_zero_key(id: u64) -> u64 {
    let cipher = Des::new(&[0u8; 8].into());
    let mut block = id.to_be_bytes().into();
    cipher.encrypt_block(&mut block);
    u64::from_be_bytes(block.into())
}

/// A shard's key range `[start, end)`; `end: None` runs to the end of the keyspace.
/// Written as Vitess names shards: `-80`, `80-`, `40-80`, and `-` for everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyRange {
    pub start: u64,
    pub end: Option<u64>,
}

impl KeyRange {
    /// The whole keyspace (an unsharded keyspace's only shard).
    pub const FULL: KeyRange = KeyRange {
        start: 0,
        end: None,
    };

    /// Parses a Vitess shard name. Hex digits are left-justified: `8` ≡ `80` ≡ 0x80…00.
    pub fn parse(name: &str) -> Result<KeyRange, String> {
        let name = name.trim();
        if name == "0" || name == "-" || name.is_empty() {
            return Ok(KeyRange::FULL);
        }
        let Some((a, b)) = name.split_once('-') else {
            return Err(format!(
                "'{name}' is not a shard name: write it as start-end in hex, like -80, 80- or 40-80"
            ));
        };
        let bound = |s: &str| -> Result<Option<u64>, String> {
            if s.is_empty() {
                return Ok(None);
            }
            if s.len() > 16 || !s.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!(
                    "'{name}': '{s}' must be up to 16 hex digits (a keyspace id is 8 bytes)"
                ));
            }
            let v = u64::from_str_radix(s, 16).map_err(|e| format!("'{name}': {e}"))?;
            Ok(Some(v << (4 * (16 - s.len()))))
        };
        let start = bound(a)?.unwrap_or(0);
        let end = bound(b)?;
        if end.is_some_and(|e| e <= start) {
            return Err(format!("'{name}': the range ends before it starts"));
        }
        if end == Some(0) {
            return Err(format!("'{name}' is empty"));
        }
        Ok(KeyRange { start, end })
    }

    pub fn contains(&self, id: KeyspaceId) -> bool {
        id.0 >= self.start && self.end.is_none_or(|e| id.0 < e)
    }

    /// The two halves of this range (Vitess splits a shard into two new ones).
    pub fn split(self) -> Option<(KeyRange, KeyRange)> {
        let end = u128::from(self.end.unwrap_or(0)) + if self.end.is_none() { 1 << 64 } else { 0 };
        let mid = (u128::from(self.start) + end) / 2;
        if mid <= u128::from(self.start) || mid >= end {
            return None;
        }
        let mid = mid as u64;
        Some((
            KeyRange {
                start: self.start,
                end: Some(mid),
            },
            KeyRange {
                start: mid,
                end: self.end,
            },
        ))
    }

    fn end_u128(&self) -> u128 {
        self.end.map_or(1 << 64, u128::from)
    }

    pub fn overlaps(&self, other: &KeyRange) -> bool {
        u128::from(self.start) < other.end_u128() && u128::from(other.start) < self.end_u128()
    }

    /// The keys both ranges hold, if any.
    pub fn intersect(&self, other: &KeyRange) -> Option<KeyRange> {
        if !self.overlaps(other) {
            return None;
        }
        let end = self.end_u128().min(other.end_u128());
        Some(KeyRange {
            start: self.start.max(other.start),
            end: (end < 1 << 64).then_some(end as u64),
        })
    }
}

/// Hex without trailing zero nibbles, as Vitess writes shard bounds (`80`, `c0`, `4`).
fn bound_name(v: u64) -> String {
    let hex = format!("{v:016x}");
    let trimmed = hex.trim_end_matches('0');
    // Whole bytes, as Vitess names them (`80`, not `8`).
    let len = trimmed.len().div_ceil(2) * 2;
    hex[..len.max(2)].to_string()
}

impl fmt::Display for KeyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == KeyRange::FULL {
            return f.write_str("-");
        }
        let start = if self.start == 0 {
            String::new()
        } else {
            bound_name(self.start)
        };
        let end = self.end.map(bound_name).unwrap_or_default();
        write!(f, "{start}-{end}")
    }
}

impl TryFrom<String> for KeyRange {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        KeyRange::parse(&s)
    }
}

impl From<KeyRange> for String {
    fn from(r: KeyRange) -> String {
        r.to_string()
    }
}

/// Checks that `ranges`, in order, cover the whole keyspace once: no gap, no overlap.
pub fn tiling(ranges: &[KeyRange]) -> Result<(), String> {
    let mut at = Some(0u64);
    for r in ranges {
        match at {
            None => return Err(format!("{r} starts after the keyspace has ended")),
            Some(a) if r.start > a => {
                return Err(format!(
                    "{r} leaves a gap: nothing serves {a:016x} to {:016x}",
                    r.start
                ));
            }
            Some(a) if r.start < a => return Err(format!("{r} overlaps the shard before it")),
            Some(_) => at = r.end,
        }
    }
    match at {
        None => Ok(()),
        Some(a) => Err(format!(
            "the shards stop at {}: keyspace ids from there on have no shard",
            bound_name(a)
        )),
    }
}

/// Whether `a` and `b`, each a run of adjacent ranges in order, cover exactly the same
/// keys (a resharding's targets must cover its sources).
pub fn same_span(a: &[KeyRange], b: &[KeyRange]) -> bool {
    let span = |v: &[KeyRange]| -> Option<(u64, u128)> {
        let mut v = v.to_vec();
        v.sort();
        let first = v.first()?;
        let mut end = first.end_u128();
        for r in &v[1..] {
            if u128::from(r.start) != end {
                return None;
            }
            end = r.end_u128();
        }
        Some((first.start, end))
    };
    span(a).is_some() && span(a) == span(b)
}

/// The index of the range holding `id`.
pub fn shard_for(ranges: &[KeyRange], id: KeyspaceId) -> Option<usize> {
    ranges.iter().position(|r| r.contains(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> KeyRange {
        KeyRange::parse(s).unwrap()
    }

    #[test]
    fn the_hash_vindex_matches_vitess_test_vectors() {
        // go/vt/vtgate/vindexes/hash_test.go; 1 is also NIST SP 800-17's known answer.
        let vectors = [
            (1, 0x166b40b44aba4bd6, "-80"),
            (2, 0x06e7ea22ce92708f, "-80"),
            (3, 0x4eb190c9a2fa169c, "-80"),
            (4, 0xd2fd8867d50d2dfe, "80-"),
            (5, 0x70bb023c810ca87a, "-80"),
            (6, 0xf098480ac4c4be71, "80-"),
        ];
        let shards = [r("-80"), r("80-")];
        for (id, ksid, shard) in vectors {
            let k = Vindex::Hash.keyspace_id(id);
            assert_eq!(k, KeyspaceId(ksid), "id {id}");
            assert_eq!(shards[shard_for(&shards, k).unwrap()].to_string(), shard);
        }
    }

    #[test]
    fn the_range_vindex_keeps_ids_in_order() {
        let v = Vindex::Range { key_space: 1000 };
        let quarters = [r("-40"), r("40-80"), r("80-c0"), r("c0-")];
        let shard = |id| shard_for(&quarters, v.keyspace_id(id)).unwrap();
        assert_eq!(
            (shard(1), shard(250), shard(251), shard(1000)),
            (0, 0, 1, 3)
        );
        assert!(v.keyspace_id(7) < v.keyspace_id(8));
        assert_eq!(
            v.keyspace_id(0),
            v.keyspace_id(1),
            "out of range is clamped"
        );
        assert_eq!(Vindex::Range { key_space: 0 }.keyspace_id(5), KeyspaceId(0));
    }

    #[test]
    fn shard_names_round_trip() {
        for name in ["-80", "80-", "40-80", "80-c0", "-", "0123-4567"] {
            assert_eq!(r(name).to_string(), name);
        }
        assert_eq!(r("00-80"), r("-80"));
        assert_eq!(r("0"), KeyRange::FULL);
        assert_eq!(r("8-"), r("80-"), "left-justified");
        assert!(r("-80").contains(KeyspaceId(0x7fff_ffff_ffff_ffff)));
        assert!(!r("-80").contains(KeyspaceId(0x8000_0000_0000_0000)));
        assert!(r("80-").contains(KeyspaceId(u64::MAX)));
    }

    #[test]
    fn bad_names_are_refused_in_words() {
        for bad in [
            "zz-",
            "80-40",
            "80-80",
            "x",
            "💥",
            "-00",
            &"f".repeat(40),
            "1-2-3",
        ] {
            assert!(KeyRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_split_in_halves_and_tile() {
        assert_eq!(KeyRange::FULL.split(), Some((r("-80"), r("80-"))));
        assert_eq!(r("-80").split(), Some((r("-40"), r("40-80"))));
        assert_eq!(r("c0-").split(), Some((r("c0-e0"), r("e0-"))));
        let tiny = KeyRange {
            start: 5,
            end: Some(6),
        };
        assert_eq!(tiny.split(), None);
        assert!(tiling(&[r("-40"), r("40-80"), r("80-c0"), r("c0-")]).is_ok());
        assert!(tiling(&[r("-80"), r("80-")]).is_ok());
        assert!(tiling(&[r("-")]).is_ok());
        assert!(tiling(&[r("-80"), r("90-")]).unwrap_err().contains("gap"));
        assert!(
            tiling(&[r("-80"), r("40-")])
                .unwrap_err()
                .contains("overlaps")
        );
        assert!(
            tiling(&[r("-80"), r("80-c0")])
                .unwrap_err()
                .contains("stop")
        );
        assert!(tiling(&[r("-"), r("80-")]).is_err());
        assert_eq!(r("-80").intersect(&r("40-")), Some(r("40-80")));
        assert_eq!(r("-80").intersect(&r("80-")), None);
        assert!(same_span(&[r("80-")], &[r("c0-"), r("80-c0")]));
        assert!(same_span(&[r("-40"), r("40-80")], &[r("-80")]));
        assert!(!same_span(&[r("80-")], &[r("80-c0")]));
        assert!(
            !same_span(&[r("-40"), r("80-")], &[r("-40"), r("80-")]),
            "not adjacent"
        );
    }
}
