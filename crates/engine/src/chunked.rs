//! A vector stored in fixed-size chunks that its clones share until one of them writes
//! (copy on write, one chunk at a time).
//!
//! The UI keeps snapshots of the whole world to seek back in time. With plain vectors a
//! snapshot of a busy cluster copied every binlog, table and window (about 80 MB and
//! 50–150 ms at 300 simulated seconds of 9 nodes at 1,000 writes/s); in chunks a clone
//! costs a pointer per chunk, and a chunk is copied only when the live world writes into
//! it afterwards. Chunks that hold equal contents can also be shared between owners
//! ([`ChunkedVec::share_equal_chunks`]): nine binlogs of the same transactions, nine
//! tables of the same rows.
//!
//! Chunks are numbered from the vector's first element ever (`pop_front` drops whole
//! chunks once they are used up), so two vectors that were appended in step, like the
//! binlogs of a primary and its replicas, line up chunk by chunk.

use std::collections::VecDeque;
use std::sync::Arc;

/// Bytes a chunk aims at: small enough that a copy on write is cheap, large enough that a
/// clone of an hour-long binlog is a few hundred pointers.
const CHUNK_BYTES: usize = 16 * 1024;

#[derive(Debug)]
pub struct ChunkedVec<T> {
    chunks: VecDeque<Arc<Vec<T>>>,
    /// Elements already dropped from the front of `chunks[0]`.
    head: usize,
    len: usize,
    /// Chunks dropped from the front since the vector was created.
    first_chunk: u64,
}

impl<T> Clone for ChunkedVec<T> {
    fn clone(&self) -> Self {
        ChunkedVec {
            chunks: self.chunks.clone(),
            head: self.head,
            len: self.len,
            first_chunk: self.first_chunk,
        }
    }
}

impl<T> Default for ChunkedVec<T> {
    fn default() -> Self {
        ChunkedVec {
            chunks: VecDeque::new(),
            head: 0,
            len: 0,
            first_chunk: 0,
        }
    }
}

impl<T: Clone> ChunkedVec<T> {
    /// Elements per chunk: a power of two near `CHUNK_BYTES`, so indexing is a shift.
    pub const CHUNK_LEN: usize = {
        let per = CHUNK_BYTES
            / if size_of::<T>() == 0 {
                1
            } else {
                size_of::<T>()
            };
        if per <= 1 {
            1
        } else {
            1 << (usize::BITS - 1 - per.leading_zeros())
        }
    };
    const SHIFT: u32 = Self::CHUNK_LEN.trailing_zeros();

    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where element `i` lives: (chunk, offset). Every chunk but the last is full.
    fn locate(&self, i: usize) -> (usize, usize) {
        let at = self.head + i;
        (at >> Self::SHIFT, at & (Self::CHUNK_LEN - 1))
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let (c, o) = self.locate(i);
        self.chunks[c].get(o)
    }

    /// The element for writing; its chunk is copied first if a clone still shares it.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        let (c, o) = self.locate(i);
        Arc::make_mut(&mut self.chunks[c]).get_mut(o)
    }

    pub fn front(&self) -> Option<&T> {
        self.get(0)
    }

    pub fn back(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    pub fn push_back(&mut self, value: T) {
        let full = self
            .chunks
            .back()
            .is_none_or(|c| c.len() == Self::CHUNK_LEN);
        if full {
            self.chunks
                .push_back(Arc::new(Vec::with_capacity(Self::CHUNK_LEN)));
        }
        let last = self.chunks.back_mut().expect("a chunk with room");
        if Arc::get_mut(last).is_none() {
            // Shared with a clone: copy into a chunk of full capacity (a plain clone of
            // the Vec would have none to spare and grow by doubling).
            let mut own = Vec::with_capacity(Self::CHUNK_LEN);
            own.extend_from_slice(last);
            *last = Arc::new(own);
        }
        Arc::get_mut(last).expect("unshared").push(value);
        self.len += 1;
    }

    /// Drops the first `n` elements (all of them if fewer); chunks used up are freed.
    pub fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        self.head += n;
        self.len -= n;
        while self.head >= Self::CHUNK_LEN {
            self.chunks.pop_front();
            self.head -= Self::CHUNK_LEN;
            self.first_chunk += 1;
        }
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.len = len;
        // Dropped front elements stay in place, so what is appended later keeps its
        // chunk number.
        let end = self.head + len;
        let keep = if end == 0 {
            0
        } else {
            ((end - 1) >> Self::SHIFT) + 1
        };
        self.chunks.truncate(keep);
        if let Some(last) = self.chunks.back_mut() {
            let in_last = end - ((keep - 1) << Self::SHIFT);
            if last.len() > in_last {
                Arc::make_mut(last).truncate(in_last);
            }
        }
    }

    /// Grows to `len` elements with `value` (never shrinks).
    pub fn resize(&mut self, len: usize, value: T) {
        while self.len < len {
            self.push_back(value.clone());
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        (0..self.len).map(move |i| {
            let (c, o) = self.locate(i);
            &self.chunks[c][o]
        })
    }

    /// Elements from `from` on, in order.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &T> + '_ {
        (from.min(self.len)..self.len).map(move |i| {
            let (c, o) = self.locate(i);
            &self.chunks[c][o]
        })
    }

    /// Makes this vector use `other`'s chunk wherever both hold a full chunk at the same
    /// chunk number and `same` holds for every pair of elements. Returns how many chunks
    /// it now shares that it did not before. Contents do not change, only where they live.
    pub fn share_equal_chunks(&mut self, other: &Self, same: impl Fn(&T, &T) -> bool) -> usize {
        let mut shared = 0;
        for (k, mine) in self.chunks.iter_mut().enumerate() {
            let number = self.first_chunk + k as u64;
            let Some(theirs) = number
                .checked_sub(other.first_chunk)
                .and_then(|j| other.chunks.get(usize::try_from(j).ok()?))
            else {
                continue;
            };
            let full = mine.len() == Self::CHUNK_LEN && theirs.len() == Self::CHUNK_LEN;
            if !full || Arc::ptr_eq(mine, theirs) {
                continue;
            }
            if mine.iter().zip(theirs.iter()).all(|(a, b)| same(a, b)) {
                *mine = Arc::clone(theirs);
                shared += 1;
            }
        }
        shared
    }

    /// Every chunk as (address, bytes, elements), for memory accounting: owners that
    /// share a chunk report the same address, so it can be counted once.
    pub fn chunks(&self) -> impl Iterator<Item = (usize, usize, &[T])> + '_ {
        self.chunks.iter().map(|c| {
            let bytes =
                size_of::<Vec<T>>() + 2 * size_of::<usize>() + c.capacity() * size_of::<T>();
            (Arc::as_ptr(c) as usize, bytes, c.as_slice())
        })
    }

    /// Bytes of the chunk list itself (not shared between clones).
    pub fn spine_bytes(&self) -> usize {
        self.chunks.capacity() * size_of::<Arc<Vec<T>>>()
    }
}

impl<T: Clone> std::ops::Index<usize> for ChunkedVec<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        self.get(i).expect("index within the vector")
    }
}

impl<T: Clone> FromIterator<T> for ChunkedVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut v = ChunkedVec::new();
        for x in iter {
            v.push_back(x);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type V = ChunkedVec<u64>;

    fn filled(n: u64) -> V {
        (0..n).collect()
    }

    #[test]
    fn chunks_are_a_power_of_two_near_the_target_size() {
        assert_eq!(V::CHUNK_LEN, 2048);
        assert_eq!(ChunkedVec::<[u8; 100]>::CHUNK_LEN, 128);
        assert_eq!(ChunkedVec::<[u8; 40_000]>::CHUNK_LEN, 1);
        assert_eq!(ChunkedVec::<()>::CHUNK_LEN, 16_384);
    }

    #[test]
    fn indexes_iterates_and_drops_from_the_front_like_a_deque() {
        let n = 3 * V::CHUNK_LEN as u64 + 5;
        let mut v = filled(n);
        assert_eq!(v.len() as u64, n);
        assert_eq!(v[1_000], 1_000);
        assert_eq!(v.back(), Some(&(n - 1)));
        v.drop_front(V::CHUNK_LEN + 3);
        assert_eq!(v.front(), Some(&(V::CHUNK_LEN as u64 + 3)));
        assert_eq!(v.len() as u64, n - V::CHUNK_LEN as u64 - 3);
        assert!(v.iter().copied().eq(V::CHUNK_LEN as u64 + 3..n));
        assert!(
            v.iter()
                .rev()
                .copied()
                .eq((V::CHUNK_LEN as u64 + 3..n).rev())
        );
        assert_eq!(v.chunks().count(), 3, "a used-up chunk is freed");
        v.push_back(n);
        assert_eq!(v.get(v.len() - 1), Some(&n));
        assert_eq!(v.get(v.len()), None);
    }

    #[test]
    fn a_clone_shares_every_chunk_until_either_side_writes() {
        let mut live = filled(2 * V::CHUNK_LEN as u64 + 1);
        let snapshot = live.clone();
        let addresses = |v: &V| v.chunks().map(|(a, _, _)| a).collect::<Vec<_>>();
        assert_eq!(addresses(&live), addresses(&snapshot));
        *live.get_mut(3).unwrap() = 99;
        live.push_back(7);
        assert_eq!((snapshot[3], live[3]), (3, 99));
        assert_eq!(snapshot.len() + 1, live.len());
        let (a, b) = (addresses(&live), addresses(&snapshot));
        assert_ne!(a[0], b[0], "the written chunk was copied");
        assert_eq!(a[1], b[1], "the untouched chunk is still shared");
        assert_ne!(a[2], b[2], "the open chunk was copied before the append");
    }

    #[test]
    fn truncation_keeps_the_front_and_cuts_into_a_shared_chunk_safely() {
        let mut v = filled(2 * V::CHUNK_LEN as u64 + 10);
        v.drop_front(5);
        let before = v.clone();
        v.truncate(V::CHUNK_LEN);
        assert_eq!(v.len(), V::CHUNK_LEN);
        assert_eq!(v.back(), Some(&(V::CHUNK_LEN as u64 + 4)));
        assert_eq!(
            before.len(),
            2 * V::CHUNK_LEN + 5,
            "the clone keeps its tail"
        );
        v.push_back(1);
        assert_eq!(before[V::CHUNK_LEN], V::CHUNK_LEN as u64 + 5);
        v.truncate(0);
        assert!(v.is_empty() && v.iter().next().is_none());
    }

    #[test]
    fn dropping_everything_keeps_the_numbering_of_what_follows() {
        let mut a = filled(V::CHUNK_LEN as u64 + 3);
        a.drop_front(a.len());
        assert!(a.is_empty());
        for x in V::CHUNK_LEN as u64 + 3..2 * V::CHUNK_LEN as u64 {
            a.push_back(x);
        }
        let mut b = filled(2 * V::CHUNK_LEN as u64);
        b.drop_front(V::CHUNK_LEN + 3);
        assert!(a.iter().eq(b.iter()));
        assert_eq!(
            b.share_equal_chunks(&a, |x, y| x == y),
            1,
            "chunk 1 of both"
        );
        let mut c = filled(V::CHUNK_LEN as u64 + 3);
        c.drop_front(2);
        c.truncate(0);
        for x in 0..2 * V::CHUNK_LEN as u64 {
            c.push_back(x);
        }
        assert_eq!(c[0], 0);
        assert_eq!(
            c.chunks().count(),
            3,
            "appends after a truncation keep their numbering"
        );
    }

    #[test]
    fn equal_full_chunks_at_the_same_number_are_shared() {
        let a = filled(2 * V::CHUNK_LEN as u64 + 1);
        let mut b = filled(2 * V::CHUNK_LEN as u64 + 1);
        *b.get_mut(V::CHUNK_LEN).unwrap() = 0;
        assert_eq!(b.share_equal_chunks(&a, |x, y| x == y), 1);
        assert_eq!(b.share_equal_chunks(&a, |x, y| x == y), 0, "already shared");
        let same: Vec<bool> = a
            .chunks()
            .zip(b.chunks())
            .map(|(x, y)| x.0 == y.0)
            .collect();
        assert_eq!(same, [true, false, false]);
        assert_eq!(b[V::CHUNK_LEN], 0);
        assert_eq!(b[1], 1);
    }

    #[test]
    fn resize_and_iter_from() {
        let mut v = V::new();
        v.resize(5, 9);
        v.resize(3, 1);
        assert_eq!(v.len(), 5);
        assert!(v.iter_from(3).copied().eq([9, 9]));
        assert_eq!(v.iter_from(9).count(), 0);
    }
}
