//! Keyspace ids, vindexes and key ranges, as Vitess defines them (docs/semantics.md §8.1).
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
    /// The keyspace id of the row whose primary vindex column holds `id`. `Range` clamps
    /// ids outside 1..=key_space to its ends, so every id still has a shard.
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

    /// Parses a Vitess shard name: bounds are whole bytes of hex, left-justified, so
    /// `80` ≡ `8000` ≡ 0x80…00 (Vitess hex-decodes them, so `8` is refused).
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
        let start = parse_bound(name, a)?.unwrap_or(0);
        let end = parse_bound(name, b)?;
        match end {
            Some(e) if e == start => Err(format!(
                "'{name}' holds no keyspace ids: it starts where it ends"
            )),
            Some(e) if e < start => Err(format!("'{name}': the range ends before it starts")),
            _ => Ok(KeyRange { start, end }),
        }
    }

    /// Whether a row with keyspace id `id` belongs to this range (`start` in, `end` out).
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

    /// Whether the two ranges share any keyspace id (a resharding stream runs from each
    /// source shard to each target shard whose ranges overlap).
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

/// One side of a shard name: empty (the keyspace's edge) or up to 8 whole bytes of hex,
/// left-justified, so `80`, `8000` and `8000000000000000` are the same bound.
fn parse_bound(name: &str, side: &str) -> Result<Option<u64>, String> {
    if side.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = side.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "'{name}': '{bad}' is not a hex digit (shard bounds are hex, like 40 or c0)"
        ));
    }
    if side.len() > 16 {
        return Err(format!(
            "'{name}': '{side}' has {} hex digits; a keyspace id is 8 bytes, so at most 16",
            side.len()
        ));
    }
    if side.len() % 2 == 1 {
        return Err(format!(
            "'{name}': '{side}' is not whole bytes of hex: write {side}0, as Vitess names shards"
        ));
    }
    let v = u64::from_str_radix(side, 16).map_err(|e| format!("'{name}': {e}"))?;
    Ok(Some(v << (4 * (16 - side.len()))))
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
    if ranges.is_empty() {
        return Err("there are no shards: a keyspace needs at least one".into());
    }
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

/// The index of the range holding `id` (how a query is routed to its shard); `None` if
/// the ranges leave `id` uncovered.
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
        assert_eq!(r("8000-"), r("80-"), "left-justified");
        assert!(KeyRange::parse("8-").unwrap_err().contains("whole bytes"));
        assert!(r("-80").contains(KeyspaceId(0x7fff_ffff_ffff_ffff)));
        assert!(!r("-80").contains(KeyspaceId(0x8000_0000_0000_0000)));
        assert!(r("80-").contains(KeyspaceId(u64::MAX)));
    }

    #[test]
    fn bad_names_are_refused_in_words() {
        let forty = "f".repeat(40);
        let cases: [(&str, &str); 10] = [
            ("zz-", "not a hex digit"),
            ("80-4g", "not a hex digit"),
            ("💥", "not a shard name"),
            ("💥-80", "not a hex digit"),
            ("x", "not a shard name"),
            ("10-20-30", "not a hex digit"),
            ("80-40", "ends before it starts"),
            ("80-80", "starts where it ends"),
            ("-00", "starts where it ends"),
            (&forty, "not a shard name"),
        ];
        for (bad, why) in cases {
            let err = KeyRange::parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        let long = format!("{forty}-");
        assert!(KeyRange::parse(&long).unwrap_err().contains("at most 16"));
        assert!(KeyRange::parse("11111111111111111-").is_err(), "17 digits");
        assert!(
            KeyRange::parse("+8-").is_err(),
            "from_str_radix would take a sign"
        );
    }

    #[test]
    fn an_unsharded_keyspace_names_its_shard_0_or_dash() {
        for full in ["", "-", "0", " - ", "00-"] {
            assert_eq!(KeyRange::parse(full), Ok(KeyRange::FULL), "{full:?}");
        }
        assert_ne!(
            r("80-ff"),
            r("80-"),
            "80-ff stops short of the last keyspace ids"
        );
        assert!(!r("80-ff").contains(KeyspaceId(u64::MAX)));
        assert_eq!(r("80-C0"), r("80-c0"));
        assert_eq!(r("80-C0").to_string(), "80-c0");
    }

    #[test]
    fn scenario_files_name_ranges_and_vindexes_in_words() {
        let json = serde_json::to_string(&[r("-80"), r("80-"), KeyRange::FULL]).unwrap();
        assert_eq!(json, r#"["-80","80-","-"]"#);
        let back: Vec<KeyRange> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, [r("-80"), r("80-"), KeyRange::FULL]);
        assert!(serde_json::from_str::<KeyRange>(r#""80-40""#).is_err());
        let v: Vec<Vindex> =
            serde_json::from_str(r#"["hash", {"range": {"key_space": 10}}]"#).unwrap();
        assert_eq!(v, [Vindex::Hash, Vindex::Range { key_space: 10 }]);
    }

    #[test]
    fn the_range_vindex_spreads_ids_over_the_whole_keyspace() {
        let v = Vindex::Range { key_space: 4 };
        let ids: Vec<u64> = (1..=4).map(|k| v.keyspace_id(k).0).collect();
        assert_eq!(ids, [0, 1 << 62, 2 << 62, 3 << 62]);
        let max = Vindex::Range {
            key_space: u64::MAX,
        };
        assert_eq!(max.keyspace_id(u64::MAX), KeyspaceId(u64::MAX - 1));
        assert_eq!(max.keyspace_id(1), KeyspaceId(0));
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
        assert!(tiling(&[r("-20"), r("20-80"), r("80-")]).is_ok(), "uneven");
        assert!(tiling(&[]).unwrap_err().contains("no shards"));
        assert!(tiling(&[r("80-"), r("-80")]).is_err(), "in order");
        let gappy = [r("-40"), r("80-")];
        assert_eq!(shard_for(&gappy, KeyspaceId(0x50 << 56)), None);
        assert_eq!(shard_for(&gappy, KeyspaceId(0x90 << 56)), Some(1));
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
