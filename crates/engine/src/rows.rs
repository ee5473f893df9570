//! The one InnoDB table every node holds: `kv(id BIGINT PRIMARY KEY, val BIGINT)`.
//!
//! One table is enough to show every replication anomaly the model lists (duplicate keys,
//! missing rows, silent overwrites); values are the id of the client operation that wrote
//! them, so the checker can tell exactly which write a read returned or a node lost.

use super::chunked::ChunkedVec;
use super::footprint::{Footprint, btree_bytes};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub type Key = u64;
pub type Value = u64;

/// A row change as ROW-format binlog events carry it (binlog_row_image=FULL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowEvent {
    Write {
        key: Key,
        after: Value,
    },
    Update {
        key: Key,
        before: Value,
        after: Value,
    },
    Delete {
        key: Key,
        before: Value,
    },
}

impl RowEvent {
    /// The binlog event type that carries this change.
    pub fn event_name(&self) -> &'static str {
        match self {
            RowEvent::Write { .. } => "Write_rows",
            RowEvent::Update { .. } => "Update_rows",
            RowEvent::Delete { .. } => "Delete_rows",
        }
    }

    pub fn key(&self) -> Key {
        match *self {
            RowEvent::Write { key, .. }
            | RowEvent::Update { key, .. }
            | RowEvent::Delete { key, .. } => key,
        }
    }
}

/// Why a replica's applier could not apply a row event (it then stops, as MySQL's does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplyError {
    /// ER_DUP_ENTRY: a Write_rows event for a key that already exists.
    DuplicateKey(Key),
    /// ER_KEY_NOT_FOUND: an Update/Delete_rows event for a key that is not there.
    KeyNotFound(Key),
}

impl ApplyError {
    pub fn errno(self) -> u16 {
        match self {
            ApplyError::DuplicateKey(_) => 1062,
            ApplyError::KeyNotFound(_) => 1032,
        }
    }

    pub fn message(self) -> String {
        match self {
            ApplyError::DuplicateKey(k) => format!("Duplicate entry '{k}' for key 'kv.PRIMARY'"),
            ApplyError::KeyNotFound(k) => format!("Can't find record in 'kv' (id={k})"),
        }
    }
}

/// Keys below this live in a dense vector (O(1) access, no pointer chasing); larger keys
/// (auto-increment ids, a DBA's direct writes) in a B-tree. Both iterate in key order.
const DENSE_KEYS: u64 = 1 << 20;

/// Row storage: a dense vector for small keys, a B-tree for the rest. The dense part is
/// in chunks that snapshots of the world share until the row changes.
#[derive(Clone, Debug, Default)]
struct Rows {
    dense: ChunkedVec<Option<Value>>,
    sparse: BTreeMap<Key, Value>,
    len: u64,
}

impl Rows {
    fn get(&self, key: Key) -> Option<Value> {
        if key < DENSE_KEYS {
            self.dense.get(key as usize).copied().flatten()
        } else {
            self.sparse.get(&key).copied()
        }
    }

    fn set(&mut self, key: Key, value: Option<Value>) -> Option<Value> {
        let old = if key < DENSE_KEYS {
            let i = key as usize;
            if i >= self.dense.len() && value.is_some() {
                self.dense.resize(i + 1, None);
            }
            self.dense
                .get_mut(i)
                .and_then(|slot| std::mem::replace(slot, value))
        } else {
            match value {
                Some(v) => self.sparse.insert(key, v),
                None => self.sparse.remove(&key),
            }
        };
        self.len = self.len + u64::from(value.is_some()) - u64::from(old.is_some());
        old
    }

    fn iter(&self) -> impl Iterator<Item = (Key, Value)> + '_ {
        self.iter_from(0)
    }

    /// Rows with key ≥ `from`, in key order.
    fn iter_from(&self, from: Key) -> impl Iterator<Item = (Key, Value)> + '_ {
        let first = usize::try_from(from).unwrap_or(usize::MAX);
        let dense = self
            .dense
            .iter_from(first)
            .zip(first..)
            .filter_map(|(v, k)| v.map(|v| (k as Key, v)));
        dense.chain(self.sparse.range(from..).map(|(k, v)| (*k, *v)))
    }

    fn max_key(&self) -> Key {
        if let Some(k) = self.sparse.keys().next_back() {
            return *k;
        }
        self.dense
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |k| k as Key)
    }
}

/// The table plus an order-independent checksum kept up to date on every change, so
/// comparing two nodes' data is O(1) (like CHECKSUM TABLE, but incremental).
#[derive(Clone, Debug, Default)]
pub struct Table {
    rows: Rows,
    checksum: u64,
}

/// Mixes a row into 64 bits (splitmix64 finaliser); XOR of these is the table checksum.
pub fn row_hash(key: Key, value: Value) -> u64 {
    let mut z =
        key.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ value.rotate_left(29) ^ 0xD6E8_FEB8_6659_FD93;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Table {
    pub fn get(&self, key: Key) -> Option<Value> {
        self.rows.get(key)
    }

    pub fn len(&self) -> u64 {
        self.rows.len
    }

    pub fn is_empty(&self) -> bool {
        self.rows.len == 0
    }

    pub fn checksum(&self) -> u64 {
        self.checksum
    }

    pub fn max_key(&self) -> Key {
        self.rows.max_key()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Key, Value)> + '_ {
        self.rows.iter()
    }

    /// Rows with key ≥ `from`, in key order (a primary-key range scan).
    pub fn iter_from(&self, from: Key) -> impl Iterator<Item = (Key, Value)> + '_ {
        self.rows.iter_from(from)
    }

    /// Adds what this table holds to `f`.
    pub fn footprint(&self, f: &mut Footprint) {
        f.add_chunked(&self.rows.dense, |_| 0);
        f.add(btree_bytes(self.rows.sparse.len(), 2 * size_of::<Value>()));
    }

    /// Stores rows in `other`'s chunks wherever both hold the same rows (a replica in step
    /// with its source): a snapshot of nine tables then costs little more than one.
    /// Returns the chunks newly shared; the rows do not change.
    pub fn share_chunks_with(&mut self, other: &Table) -> usize {
        self.rows
            .dense
            .share_equal_chunks(&other.rows.dense, |a, b| a == b)
    }

    /// Sets or removes a row, returning what was there (the undo image).
    pub fn put(&mut self, key: Key, value: Option<Value>) -> Option<Value> {
        let old = self.rows.set(key, value);
        if let Some(o) = old {
            self.checksum ^= row_hash(key, o);
        }
        if let Some(v) = value {
            self.checksum ^= row_hash(key, v);
        }
        old
    }

    /// Applies a replicated row event with `replica_exec_mode=STRICT` semantics. With a
    /// primary key, non-key columns of the before image are not compared, so an update of a
    /// row whose value already differs silently overwrites it (docs/semantics.md §2.4).
    pub fn apply(&mut self, ev: &RowEvent) -> Result<Option<Value>, ApplyError> {
        let exists = self.rows.get(ev.key()).is_some();
        match ev {
            RowEvent::Write { key, after } if !exists => Ok(self.put(*key, Some(*after))),
            RowEvent::Write { key, .. } => Err(ApplyError::DuplicateKey(*key)),
            RowEvent::Update { key, .. } | RowEvent::Delete { key, .. } if !exists => {
                Err(ApplyError::KeyNotFound(*key))
            }
            RowEvent::Update { key, after, .. } => Ok(self.put(*key, Some(*after))),
            RowEvent::Delete { key, .. } => Ok(self.put(*key, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_depends_on_content_not_history() {
        let mut a = Table::default();
        let mut b = Table::default();
        a.put(1, Some(10));
        a.put(2, Some(20));
        b.put(2, Some(99));
        b.put(2, Some(20));
        b.put(1, Some(10));
        assert_eq!(a.checksum(), b.checksum());
        b.put(1, None);
        assert_ne!(a.checksum(), b.checksum());
        b.put(1, Some(10));
        assert_eq!(a.checksum(), b.checksum());
    }

    #[test]
    fn dense_and_sparse_keys_iterate_in_order() {
        let mut t = Table::default();
        for k in [DENSE_KEYS + 5, 3, DENSE_KEYS * 4, 0, 77] {
            t.put(k, Some(k));
        }
        let keys: Vec<u64> = t.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![0, 3, 77, DENSE_KEYS + 5, DENSE_KEYS * 4]);
        assert_eq!(t.len(), 5);
        assert_eq!(t.max_key(), DENSE_KEYS * 4);
        t.put(DENSE_KEYS * 4, None);
        t.put(DENSE_KEYS + 5, None);
        assert_eq!(t.max_key(), 77);
        assert_eq!(t.put(999_999, None), None);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn strict_apply_stops_on_duplicate_and_missing_rows() {
        let mut t = Table::default();
        assert_eq!(t.apply(&RowEvent::Write { key: 1, after: 5 }), Ok(None));
        assert_eq!(
            t.apply(&RowEvent::Write { key: 1, after: 6 }),
            Err(ApplyError::DuplicateKey(1))
        );
        assert_eq!(
            t.apply(&RowEvent::Delete { key: 2, before: 0 }),
            Err(ApplyError::KeyNotFound(2))
        );
        // Before image differs (5 vs 9): still applied, as MySQL does with a primary key.
        assert_eq!(
            t.apply(&RowEvent::Update {
                key: 1,
                before: 9,
                after: 7
            }),
            Ok(Some(5))
        );
        assert_eq!(t.get(1), Some(7));
        assert_eq!(ApplyError::DuplicateKey(1).errno(), 1062);
        assert_eq!(ApplyError::KeyNotFound(1).errno(), 1032);
    }
}
