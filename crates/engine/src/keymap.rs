//! A map from row keys to small values: a dense vector for keys below 2^20 (the workload's
//! key space: O(1), no pointer chasing), a B-tree above. Deterministic like a B-tree.
//! The dense part is in chunks that snapshots of the world share until a key changes.

use super::chunked::ChunkedVec;
use super::footprint::{Footprint, btree_bytes};
use super::rows::Key;
use std::collections::BTreeMap;

const DENSE_KEYS: Key = 1 << 20;

#[derive(Clone, Debug, Default)]
pub struct KeyMap<V> {
    dense: ChunkedVec<V>,
    sparse: BTreeMap<Key, V>,
}

impl<V: Clone + Default> KeyMap<V> {
    /// The value for `key`; a key never written reads as `V::default()`.
    pub fn get(&self, key: Key) -> V {
        if key < DENSE_KEYS {
            self.dense.get(key as usize).cloned().unwrap_or_default()
        } else {
            self.sparse.get(&key).cloned().unwrap_or_default()
        }
    }

    /// Adds what this map holds to `f`.
    pub fn footprint(&self, f: &mut Footprint) {
        f.add_chunked(&self.dense, |_| 0);
        f.add(btree_bytes(self.sparse.len(), size_of::<(Key, V)>()));
    }

    pub fn get_mut(&mut self, key: Key) -> &mut V {
        if key < DENSE_KEYS {
            let i = key as usize;
            if i >= self.dense.len() {
                self.dense.resize(i + 1, V::default());
            }
            self.dense.get_mut(i).expect("resized to hold the key")
        } else {
            self.sparse.entry(key).or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_keys_read_back() {
        let mut m: KeyMap<u32> = KeyMap::default();
        *m.get_mut(5) = 7;
        *m.get_mut(DENSE_KEYS + 1) = 9;
        assert_eq!(
            (m.get(5), m.get(DENSE_KEYS + 1), m.get(6), m.get(u64::MAX)),
            (7, 9, 0, 0)
        );
    }
}
