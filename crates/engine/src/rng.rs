//! One seed, one generator per subsystem.
//!
//! Each subsystem draws from its own ChaCha8 stream of the same seed, so adding a random draw
//! to (say) the workload does not shift the network's latencies. ChaCha is portable: the same
//! seed gives the same numbers natively and in wasm. Decisions use integer ratios, never floats.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stream {
    Setup = 1,
    Network = 2,
    Workload = 3,
    Faults = 4,
}

#[derive(Clone, Debug)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    pub fn new(seed: u64, stream: Stream) -> Self {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream as u64);
        SimRng(inner)
    }

    /// Uniform in `lo..=hi`; `lo` when the range is empty.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            self.0.random_range(lo..=hi)
        }
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        if num == 0 || den == 0 {
            return false;
        }
        num >= den || self.0.random_range(0..den) < num
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.random()
    }

    pub fn next_u128(&mut self) -> u128 {
        self.0.random()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_outputs_are_pinned() {
        // If this changes, every stored trace hash and share link changes meaning: don't.
        let mut r = SimRng::new(42, Stream::Network);
        let got: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        let mut again = SimRng::new(42, Stream::Network);
        let twice: Vec<u64> = (0..3).map(|_| again.next_u64()).collect();
        assert_eq!(got, twice);
        assert_eq!(got, PINNED.to_vec());
    }

    const PINNED: [u64; 3] = [
        3387013202841124863,
        5429970460375864106,
        9489484665486938265,
    ];

    #[test]
    fn streams_are_independent() {
        let mut a = SimRng::new(7, Stream::Network);
        let mut b = SimRng::new(7, Stream::Workload);
        assert_ne!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn chance_respects_edges() {
        let mut r = SimRng::new(1, Stream::Faults);
        assert!(!r.chance(0, 10));
        assert!(r.chance(10, 10));
        assert!(!r.chance(1, 0));
        assert_eq!(r.between(5, 5), 5);
        assert_eq!(r.between(9, 3), 9);
    }
}
