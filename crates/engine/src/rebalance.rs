//! How many keys move when a shard is added, under three ways of placing keys — the
//! comparison of docs/semantics.md §8.3, computed over real keys rather than quoted.
//!
//! - `Modulo`: shard = hash(id) mod N. Going to N+1 shards moves a key unless both
//!   moduli agree: about N/(N+1) of all keys move, from every shard to every shard.
//! - `ConsistentHash`: each shard owns `virtual_nodes` points on a ring; a key belongs to
//!   the first point at or after its hash. A new shard only takes keys from its points'
//!   predecessors: about 1/(N+1) of the keys move, all of them to the new shard.
//! - `RangeSplit` (Vitess): N key ranges; adding a shard splits one range in two. Every
//!   row of the split shard is copied into the two new shards (they replace it); the other
//!   N−1 shards copy nothing.
//!
//! Every placement starts from the same hash vindex keyspace id, so the three differ only
//! in how they cut up the keyspace, and the result depends on nothing but the keys.

use super::keyspace::{KeyRange, Vindex, shard_for};

/// How keys are placed on shards, and so what adding a shard disturbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// shard = (hash vindex keyspace id) mod N. A key moves when its shard under N and
    /// under N+1 differ.
    Modulo,
    /// A ring of `virtual_nodes` points per shard (0 counts as 1), at the hash vindex of
    /// `shard << 32 | point`; a key belongs to the first point at or after its keyspace
    /// id, wrapping round. A key moves when its owner on the N-shard ring and on the
    /// N+1-shard ring differ. More points give each shard a fairer share of the ring.
    ConsistentHash { virtual_nodes: u32 },
    /// N equal key ranges (`-80,80-` for two). Adding a shard splits the range that
    /// holds the most keys (the first, on ties) into halves served by two new shards
    /// (the split shard is retired). A key moves when it must be copied to a new shard,
    /// so exactly the split shard's keys move; the other N−1 shards copy nothing.
    RangeSplit,
}

/// What adding one shard costs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moved {
    pub total: u64,
    /// Keys that must be copied to a shard other than the one holding them (see each
    /// [`Placement`] for exactly when).
    pub moved: u64,
    /// Of those, keys whose new home is the added shard (for `RangeSplit`, the two new
    /// shards that replace the split one: all of `moved`).
    pub to_new_shards: u64,
    /// Existing shards that give up or copy out any keys.
    pub shards_touched: u32,
}

impl Moved {
    /// The share of all keys that moved, 0…1 (0 when there are no keys).
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.moved as f64 / self.total as f64
        }
    }
}

fn hash(id: u64) -> u64 {
    Vindex::Hash.keyspace_id(id).0
}

/// A ring of `shards × virtual_nodes` points, sorted: (position, shard). Sorted so a
/// key's owner is a binary search away.
fn ring(shards: u32, virtual_nodes: u32) -> Vec<(u64, u32)> {
    let mut points: Vec<(u64, u32)> = (0..shards)
        .flat_map(|s| {
            (0..virtual_nodes.max(1)).map(move |v| (hash(u64::from(s) << 32 | u64::from(v)), s))
        })
        .collect();
    points.sort_unstable();
    points
}

/// The shard owning position `h`: the first point at or after it, or the first point of
/// all when `h` lies past the last (the ring wraps).
fn ring_owner(points: &[(u64, u32)], h: u64) -> u32 {
    let i = points.partition_point(|(p, _)| *p < h);
    points.get(i).or(points.first()).map_or(0, |(_, s)| *s)
}

/// `shards` equal key ranges over the keyspace (the last one runs to its end).
pub fn equal_ranges(shards: u32) -> Vec<KeyRange> {
    let n = u128::from(shards.max(1));
    (0..n)
        .map(|i| KeyRange {
            start: ((i << 64) / n) as u64,
            end: (i + 1 < n).then(|| (((i + 1) << 64) / n) as u64),
        })
        .collect()
}

/// What adding a shard costs under `placement`, counted over `keys` (the rows' ids,
/// hashed with the hash vindex) when `from_shards` becomes `from_shards + 1`; zero shards
/// count as one.
pub fn keys_moved(placement: Placement, keys: &[u64], from_shards: u32) -> Moved {
    let n = from_shards.max(1);
    let mut out = Moved {
        total: keys.len() as u64,
        ..Moved::default()
    };
    let mut touched = vec![false; n as usize];
    match placement {
        Placement::Modulo => {
            for &k in keys {
                let h = hash(k);
                let (before, after) = ((h % u64::from(n)) as u32, (h % u64::from(n + 1)) as u32);
                if before != after {
                    out.moved += 1;
                    out.to_new_shards += u64::from(after == n);
                    touched[before as usize] = true;
                }
            }
        }
        Placement::ConsistentHash { virtual_nodes } => {
            let (old, new) = (ring(n, virtual_nodes), ring(n + 1, virtual_nodes));
            for &k in keys {
                let h = hash(k);
                let (before, after) = (ring_owner(&old, h), ring_owner(&new, h));
                if before != after {
                    out.moved += 1;
                    out.to_new_shards += u64::from(after == n);
                    touched[before as usize] = true;
                }
            }
        }
        Placement::RangeSplit => {
            let ranges = equal_ranges(n);
            let mut per_shard = vec![0u64; ranges.len()];
            for &k in keys {
                let id = Vindex::Hash.keyspace_id(k);
                if let Some(s) = shard_for(&ranges, id) {
                    per_shard[s] += 1;
                }
            }
            // Split the fullest shard (the first, on ties): all its rows are copied.
            let split = (0..per_shard.len())
                .max_by_key(|&i| (per_shard[i], std::cmp::Reverse(i)))
                .unwrap_or(0);
            out.moved = per_shard[split];
            out.to_new_shards = per_shard[split];
            touched[split] = out.moved > 0;
        }
    }
    out.shards_touched = touched.iter().filter(|t| **t).count() as u32;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Vec<u64> {
        (1..=100_000).collect()
    }

    #[test]
    fn modulo_moves_four_fifths_going_from_four_to_five() {
        let m = keys_moved(Placement::Modulo, &keys(), 4);
        assert!((m.fraction() - 0.8).abs() < 0.01, "{m:?}");
        assert_eq!(m.shards_touched, 4, "every shard gives keys away");
        assert!(
            m.to_new_shards < m.moved / 3,
            "most moves are between old shards"
        );
        assert_eq!(
            (m.moved, m.to_new_shards),
            (79_911, 19_882),
            "pinned: the hash vindex is stable"
        );
    }

    #[test]
    fn a_ring_moves_about_a_fifth_all_to_the_new_shard() {
        let m = keys_moved(Placement::ConsistentHash { virtual_nodes: 128 }, &keys(), 4);
        assert!((0.15..0.25).contains(&m.fraction()), "{m:?}");
        assert_eq!(m.moved, m.to_new_shards, "keys only move to the new shard");
    }

    #[test]
    fn a_range_split_copies_one_shard_and_leaves_the_others() {
        let m = keys_moved(Placement::RangeSplit, &keys(), 2);
        assert!((0.48..0.52).contains(&m.fraction()), "{m:?}");
        assert_eq!(m.shards_touched, 1);
        let four = keys_moved(Placement::RangeSplit, &keys(), 4);
        assert!((0.23..0.27).contains(&four.fraction()), "{four:?}");
        assert_eq!(
            equal_ranges(4)
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>(),
            ["-40", "40-80", "80-c0", "c0-"]
        );
    }

    #[test]
    fn splitting_one_of_two_shards_copies_its_half_and_leaves_the_other() {
        let keys = keys();
        let ranges = equal_ranges(2);
        assert_eq!(
            ranges.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            ["-80", "80-"]
        );
        let mut held = [0u64; 2];
        for &k in &keys {
            held[shard_for(&ranges, Vindex::Hash.keyspace_id(k)).unwrap()] += 1;
        }
        let m = keys_moved(Placement::RangeSplit, &keys, 2);
        assert_eq!(
            m.moved,
            held[0].max(held[1]),
            "exactly the fuller shard's keys"
        );
        assert_eq!(m.moved, m.to_new_shards);
        assert_eq!(
            (m.total, m.shards_touched),
            (100_000, 1),
            "the other shard is untouched"
        );
    }

    #[test]
    fn a_ring_with_more_points_shares_keys_more_fairly() {
        let hashes: Vec<u64> = keys().into_iter().map(hash).collect();
        let spread = |virtual_nodes| {
            let points = ring(4, virtual_nodes);
            let mut per_shard = [0u64; 4];
            for &h in &hashes {
                per_shard[ring_owner(&points, h) as usize] += 1;
            }
            per_shard.iter().max().unwrap() - per_shard.iter().min().unwrap()
        };
        let (one, many) = (spread(1), spread(128));
        assert!(many < one, "{many} vs {one}");
        assert!(
            many < 10_000,
            "128 points: each shard within ±5 % of a quarter"
        );
        assert_eq!(
            ring_owner(&[(10, 1), (20, 2)], 25),
            1,
            "the ring wraps round"
        );
        assert_eq!(
            ring_owner(&[(10, 1), (20, 2)], 10),
            1,
            "a point owns its own position"
        );
    }

    #[test]
    fn the_same_keys_always_cost_the_same() {
        let keys: Vec<u64> = (1..=10_000).collect();
        for p in [
            Placement::Modulo,
            Placement::ConsistentHash { virtual_nodes: 128 },
            Placement::RangeSplit,
        ] {
            assert_eq!(keys_moved(p, &keys, 4), keys_moved(p, &keys, 4), "{p:?}");
        }
    }

    #[test]
    fn nothing_to_move_is_nothing_moved() {
        assert_eq!(keys_moved(Placement::Modulo, &[], 3).fraction(), 0.0);
        assert_eq!(keys_moved(Placement::Modulo, &[7], 0).total, 1);
    }
}
