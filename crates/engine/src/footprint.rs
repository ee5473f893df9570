//! What a set of worlds holds in memory, each chunk they share counted once.
//!
//! The playback keeps its snapshots of the world within a byte budget. Most of a busy
//! world's bytes are in copy-on-write chunks ([`ChunkedVec`]) that the live world and its
//! snapshots share; a footprint lists each chunk by address, so a footprint of several
//! worlds counts a shared chunk once. Everything else a world holds (what a clone copies)
//! is added as plain bytes. It is an estimate from sizes and lengths, not an
//! allocator's count: tests/playback_memory.rs checks the two agree.

use super::chunked::ChunkedVec;

/// Chunks by address and bytes, plus plain bytes. Footprints of several worlds can be
/// merged; [`Footprint::bytes`] counts each chunk once.
#[derive(Clone, Debug, Default)]
pub struct Footprint {
    chunks: Vec<(usize, usize)>,
    plain: u64,
    /// Whether `chunks` is sorted by address without repeats.
    deduplicated: bool,
}

impl Footprint {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held, each chunk counted once.
    pub fn bytes(&mut self) -> u64 {
        self.deduplicate();
        self.plain + self.chunks.iter().map(|c| c.1 as u64).sum::<u64>()
    }

    fn deduplicate(&mut self) {
        if !self.deduplicated {
            self.chunks.sort_unstable();
            self.chunks.dedup_by_key(|c| c.0);
            self.deduplicated = true;
        }
    }

    /// Plain bytes that belong to one world only.
    pub fn add(&mut self, bytes: usize) {
        self.plain += bytes as u64;
    }

    /// A chunked vector: its chunk list, and each chunk with what its elements hold
    /// outside it (`heap_of`, e.g. the transactions a binlog chunk points to: binlogs
    /// that share the chunk share those too).
    pub fn add_chunked<T: Clone>(&mut self, v: &ChunkedVec<T>, heap_of: impl Fn(&[T]) -> usize) {
        self.add(v.spine_bytes());
        for (address, bytes, elements) in v.chunks() {
            self.chunks.push((address, bytes + heap_of(elements)));
        }
        self.deduplicated = false;
    }

    /// Adds everything `other` counted (shared chunks stay counted once).
    pub fn merge(&mut self, other: &Footprint) {
        self.chunks.extend_from_slice(&other.chunks);
        self.plain += other.plain;
        self.deduplicated = false;
    }
}

/// Bytes of a `BTreeMap` with `len` entries of `entry` bytes each: std's B-tree allocates
/// nodes of eleven slots, so a small map takes a whole node.
pub fn btree_bytes(len: usize, entry: usize) -> usize {
    const SLOTS: usize = 11;
    len.div_ceil(SLOTS) * (SLOTS * entry + 4 * size_of::<usize>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_shared_by_two_vectors_is_counted_once() {
        let a: ChunkedVec<u64> = (0..5_000).collect();
        let mut b = a.clone();
        b.push_back(1);
        let mut one = Footprint::new();
        one.add_chunked(&a, |_| 0);
        let alone = one.bytes();
        assert!(alone >= 5_000 * 8, "{alone}");
        let mut other = Footprint::new();
        other.add_chunked(&b, |_| 0);
        one.merge(&other);
        let chunk = ChunkedVec::<u64>::CHUNK_LEN as u64 * 8;
        assert!(
            one.bytes() - alone < chunk + 200,
            "only b's copied last chunk is new"
        );
        assert_eq!(one.bytes(), one.clone().bytes());
        let mut with_heap = Footprint::new();
        with_heap.add_chunked(&a, |xs| xs.len());
        assert_eq!(with_heap.bytes(), alone + 5_000);
    }

    #[test]
    fn b_tree_bytes_count_whole_nodes() {
        assert_eq!(btree_bytes(0, 40), 0);
        assert_eq!(btree_bytes(1, 40), btree_bytes(11, 40));
        assert!(btree_bytes(12, 40) > btree_bytes(11, 40));
    }
}
