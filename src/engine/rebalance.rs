//! How many keys move when a shard is added, under three ways of placing keys — the
//! comparison of replication-model.md §8.3, computed over real keys rather than quoted.
//!
//! - `Modulo`: shard = hash(id) mod N. Going to N+1 shards moves a key unless both
//!   moduli agree: about N/(N+1) of all keys move, from every shard to every shard.
//! - `ConsistentHash`: each shard owns `virtual_nodes` points on a ring; a key belongs to
//!   the first point at or after its hash. A new shard only takes keys from its points'
//!   predecessors: about 1/(N+1) of the keys move, all of them to the new shard.
//! - `RangeSplit` (Vitess): N key ranges; adding a shard splits one range in two. Every
//!   row of the split shard is copied into the two new shards (they replace it); the other
//!   N−1 shards copy nothing.

use super::keyspace::{KeyRange, Vindex};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    Modulo,
    ConsistentHash { virtual_nodes: u32 },
    RangeSplit,
}

/// What adding one shard costs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moved {
    pub total: u64,
    /// Keys that must be copied to a shard other than the one holding them.
    pub moved: u64,
    /// Of those, keys whose new home is the added shard (for `RangeSplit`, the two halves).
    pub to_new_shards: u64,
    /// Existing shards that give up or copy out any keys.
    pub shards_touched: u32,
}

impl Moved {
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

/// A ring of `shards × virtual_nodes` points, sorted: (position, shard).
fn ring(shards: u32, virtual_nodes: u32) -> Vec<(u64, u32)> {
    let mut points: Vec<(u64, u32)> = (0..shards)
        .flat_map(|s| {
            (0..virtual_nodes.max(1)).map(move |v| (hash(u64::from(s) << 32 | u64::from(v)), s))
        })
        .collect();
    points.sort_unstable();
    points
}

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

/// Keys that change shard when `from_shards` becomes `from_shards + 1`.
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
                if let Some(s) = ranges.iter().position(|r| r.contains(id)) {
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
    fn nothing_to_move_is_nothing_moved() {
        assert_eq!(keys_moved(Placement::Modulo, &[], 3).fraction(), 0.0);
        assert_eq!(keys_moved(Placement::Modulo, &[7], 0).total, 1);
    }
}
