//! The trace: every processed event, hashed, with a window of recent lines kept for the UI.
//!
//! The trace hash folds each event into 64 bits, FNV-1a style but a 64-bit word at a time
//! (`h = (h ^ word) * 0x100000001b3`), over four words per event:
//! `at_us`, `seq`, `kind << 56 | code << 48 | from` (from as u32), `to << 32 ^ detail`.
//! The start value is FNV's offset basis `0xcbf29ce484222325`.
//! Same scenario and seed give the same hash natively and in wasm; any change in what
//! happens, or in what order, changes it.

use super::chunked::ChunkedVec;
use super::footprint::Footprint;
use crate::time::Instant;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Lines kept for the event log; older ones are only in the hash.
pub const TRACE_WINDOW: usize = 4_096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceKind {
    Deliver = 1,
    Drop = 2,
    Timer = 3,
    Command = 4,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TraceLine {
    pub at_us: Instant,
    pub seq: u64,
    pub kind: TraceKind,
    pub from: u32,
    pub to: u32,
    pub code: u8,
    pub detail: u64,
}

impl TraceLine {
    /// The fixed-column one-line form: `   4.200000 #12345 deliver 0->1 c3 d42`.
    pub fn render(&self) -> String {
        let kind = match self.kind {
            TraceKind::Deliver => "deliver",
            TraceKind::Drop => "drop",
            TraceKind::Timer => "timer",
            TraceKind::Command => "command",
        };
        format!(
            "{:>5}.{:06} #{:<8} {:<7} {:>10}->{:<10} c{:<3} d{}",
            self.at_us.as_secs(),
            self.at_us.since_start().subsec_micros(),
            self.seq,
            kind,
            self.from,
            self.to,
            self.code,
            self.detail
        )
    }
}

#[derive(Clone, Debug)]
pub struct Trace {
    hash: u64,
    count: u64,
    /// In chunks that snapshots of the world share (see `chunked`).
    recent: ChunkedVec<TraceLine>,
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            hash: FNV_OFFSET,
            count: 0,
            recent: ChunkedVec::new(),
        }
    }
}

impl Trace {
    pub fn record(&mut self, line: TraceLine) {
        let words = [
            line.at_us.as_micros(),
            line.seq,
            (line.kind as u64) << 56 | u64::from(line.code) << 48 | u64::from(line.from),
            u64::from(line.to) << 32 ^ line.detail,
        ];
        self.hash = words
            .iter()
            .fold(self.hash, |h, w| (h ^ w).wrapping_mul(FNV_PRIME));
        self.count += 1;
        if self.recent.len() == TRACE_WINDOW {
            self.recent.drop_front(1);
        }
        self.recent.push_back(line);
    }

    /// Adds the window of recent lines to `f`.
    pub fn footprint(&self, f: &mut Footprint) {
        f.add_chunked(&self.recent, |_| 0);
    }

    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The hash as the report prints it: 16 lowercase hex digits.
    pub fn hash_hex(&self) -> String {
        format!("{:016x}", self.hash)
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn recent(&self) -> impl DoubleEndedIterator<Item = &TraceLine> {
        self.recent.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_folds_the_fixed_record() {
        let t = Trace::default();
        assert_eq!(t.hash(), FNV_OFFSET);
        let mut t = Trace::default();
        let line = TraceLine {
            at_us: Instant::from_micros(1),
            seq: 2,
            kind: TraceKind::Timer,
            from: 3,
            to: 4,
            code: 5,
            detail: 6,
        };
        t.record(line);
        let mut u = Trace::default();
        u.record(TraceLine { detail: 7, ..line });
        assert_ne!(t.hash(), u.hash());
        assert_eq!(t.count(), 1);
        assert_eq!(t.hash_hex().len(), 16);
        assert!(line.render().contains("timer"));
    }

    #[test]
    fn window_is_bounded() {
        let mut t = Trace::default();
        for i in 0..(TRACE_WINDOW as u64 + 10) {
            t.record(TraceLine {
                at_us: Instant::from_micros(i),
                seq: i,
                kind: TraceKind::Deliver,
                from: 0,
                to: 1,
                code: 3,
                detail: 0,
            });
        }
        assert_eq!(t.recent().count(), TRACE_WINDOW);
        assert_eq!(t.recent().next().unwrap().seq, 10);
    }
}
