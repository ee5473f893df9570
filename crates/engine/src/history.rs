//! The history of client operations, Jepsen style: every operation is invoked, then
//! completes ok, fails (certainly not done) or unknown (may or may not have happened).
//!
//! The full history of an hour at 1,000 writes/s does not fit a browser tab, so only a
//! window of recent operations is kept; the checker consumes each operation as it
//! completes (incrementally) and the per-second series keep the totals for the charts.

use super::chunked::ChunkedVec;
use super::footprint::Footprint;
use super::gtid::Gtid;
use super::ids::NodeId;
use super::rows::{Key, Value};
use crate::time::Instant;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Completed operations kept for the UI and the report.
pub const HISTORY_WINDOW: usize = 10_000;
/// Seconds of per-second series kept for the charts.
pub const SERIES_WINDOW: usize = 3_600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum OpKind {
    /// `key` is None for an AUTO_INCREMENT insert until the server picks it.
    Write {
        key: Option<Key>,
        value: Value,
    },
    Delete {
        key: Key,
    },
    Read {
        key: Key,
    },
}

impl OpKind {
    pub fn is_read(&self) -> bool {
        matches!(self, OpKind::Read { .. })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Outcome {
    /// Acknowledged. For writes `gtid` is the transaction; for reads `value` what was read.
    Ok {
        gtid: Option<Gtid>,
        value: Option<Value>,
    },
    Fail {
        errno: u16,
        message: String,
    },
    Unknown {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Op {
    pub id: u64,
    pub client: u32,
    pub kind: OpKind,
    pub node: Option<NodeId>,
    pub invoke_us: Instant,
    pub complete_us: Instant,
    pub outcome: Outcome,
}

impl Op {
    pub fn acknowledged(&self) -> bool {
        matches!(self.outcome, Outcome::Ok { .. })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SecondStats {
    pub second: u64,
    pub writes_ok: u32,
    pub reads_ok: u32,
    pub failed: u32,
    pub unknown: u32,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub invoked: u64,
    pub ok: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Operations the workload wanted to send but its connection pool was full.
    pub throttled: u64,
}

/// What one client saw over the whole run, unlike the window of recent operations:
/// its outcomes and the latency (invoke to completion) of every completed operation.
#[derive(Clone, Debug)]
pub struct ClientStats {
    pub ok: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Two significant digits (1 % error) and a few KiB per client however long the run,
    /// so the report's percentiles need no operation log.
    latency_us: Histogram<u32>,
    /// Exact, unlike the histogram's bucketed maximum.
    latency_max_us: u64,
}

impl Default for ClientStats {
    fn default() -> Self {
        ClientStats {
            ok: 0,
            failed: 0,
            unknown: 0,
            latency_us: Histogram::new(2).expect("2 significant digits are supported"),
            latency_max_us: 0,
        }
    }
}

impl ClientStats {
    fn record(&mut self, op: &Op) {
        match op.outcome {
            Outcome::Ok { .. } => self.ok += 1,
            Outcome::Fail { .. } => self.failed += 1,
            Outcome::Unknown { .. } => self.unknown += 1,
        }
        let latency_us = (op.complete_us - op.invoke_us).as_micros();
        // `record` grows the histogram; only a value past its largest range is clamped.
        if self.latency_us.record(latency_us).is_err() {
            self.latency_us.saturating_record(latency_us);
        }
        self.latency_max_us = self.latency_max_us.max(latency_us);
    }

    pub fn completed(&self) -> u64 {
        self.ok + self.failed + self.unknown
    }

    /// The latency at `quantile` (0.5 is the median), within 1 %; 0 before any operation.
    pub fn latency_at_us(&self, quantile: f64) -> u64 {
        if self.completed() == 0 {
            return 0;
        }
        self.latency_us
            .value_at_quantile(quantile)
            .min(self.latency_max_us)
    }

    pub fn latency_max_us(&self) -> u64 {
        self.latency_max_us
    }

    fn bytes(&self) -> usize {
        self.latency_us.distinct_values() * size_of::<u32>()
    }
}

#[derive(Clone, Debug, Default)]
pub struct History {
    /// In chunks that snapshots of the world share (see `chunked`).
    recent: ChunkedVec<Op>,
    series: VecDeque<SecondStats>,
    pub totals: Totals,
    /// Operations completed since the start, including those the window dropped: a
    /// runner that steps the world learns how many new ones each step completed.
    recorded: u64,
    clients: BTreeMap<u32, ClientStats>,
}

impl History {
    pub fn record(&mut self, op: Op) {
        self.recorded += 1;
        self.clients.entry(op.client).or_default().record(&op);
        self.totals.ok += u64::from(op.acknowledged());
        let second = op.complete_us.as_secs();
        if self.series.back().is_none_or(|s| s.second != second) {
            if self.series.len() == SERIES_WINDOW {
                self.series.pop_front();
            }
            self.series.push_back(SecondStats {
                second,
                ..SecondStats::default()
            });
        }
        if let Some(s) = self.series.back_mut() {
            match (&op.outcome, op.kind.is_read()) {
                (Outcome::Ok { .. }, false) => s.writes_ok += 1,
                (Outcome::Ok { .. }, true) => s.reads_ok += 1,
                (Outcome::Fail { .. }, _) => s.failed += 1,
                (Outcome::Unknown { .. }, _) => s.unknown += 1,
            }
        }
        match op.outcome {
            Outcome::Fail { .. } => self.totals.failed += 1,
            Outcome::Unknown { .. } => self.totals.unknown += 1,
            Outcome::Ok { .. } => {}
        }
        if self.recent.len() == HISTORY_WINDOW {
            self.recent.drop_front(1);
        }
        self.recent.push_back(op);
    }

    /// Adds what this history holds to `f`: the window of operations (with the text of
    /// failures) and the per-second series.
    pub fn footprint(&self, f: &mut Footprint) {
        f.add_chunked(&self.recent, |ops| {
            ops.iter()
                .map(|op| match &op.outcome {
                    Outcome::Fail { message: s, .. } | Outcome::Unknown { reason: s } => {
                        s.capacity()
                    }
                    Outcome::Ok { .. } => 0,
                })
                .sum()
        });
        f.add(self.series.capacity() * size_of::<SecondStats>());
        f.add(self.clients.values().map(ClientStats::bytes).sum());
    }

    /// The totals with the router's own counts (invoked, throttled) merged in.
    pub fn totals_with(&self, router: Totals) -> Totals {
        Totals {
            invoked: router.invoked,
            throttled: router.throttled,
            ..self.totals
        }
    }

    /// Every operation completed since the start (the window keeps the last ones).
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    /// Per client, over the whole run.
    pub fn clients(&self) -> &BTreeMap<u32, ClientStats> {
        &self.clients
    }

    pub fn recent(&self) -> impl DoubleEndedIterator<Item = &Op> + ExactSizeIterator {
        self.recent.iter()
    }

    pub fn series(&self) -> impl DoubleEndedIterator<Item = &SecondStats> + ExactSizeIterator {
        self.series.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: u64, client: u32, invoke_ms: u64, complete_ms: u64, outcome: Outcome) -> Op {
        Op {
            id,
            client,
            kind: OpKind::Read { key: 1 },
            node: None,
            invoke_us: Instant::from_millis(invoke_ms),
            complete_us: Instant::from_millis(complete_ms),
            outcome,
        }
    }

    fn ok() -> Outcome {
        Outcome::Ok {
            gtid: None,
            value: None,
        }
    }

    #[test]
    fn client_stats_cover_every_operation_even_those_the_window_dropped() {
        let mut h = History::default();
        let n = HISTORY_WINDOW as u64 + 100;
        for i in 0..n {
            // Client 0: 1..=n ms; the last one is slow.
            let latency_ms = if i == n - 1 { 10_000 } else { i % 100 + 1 };
            h.record(op(i, 0, i, i + latency_ms, ok()));
        }
        h.record(op(
            n,
            1,
            0,
            3,
            Outcome::Unknown {
                reason: "timeout".into(),
            },
        ));
        assert_eq!(h.recorded(), n + 1);
        assert_eq!(h.recent().len(), HISTORY_WINDOW);
        let c0 = &h.clients()[&0];
        assert_eq!((c0.ok, c0.failed, c0.unknown), (n, 0, 0));
        let p50_us = c0.latency_at_us(0.5);
        assert!((50_000..=51_000).contains(&p50_us), "p50 {p50_us} µs");
        let p99_us = c0.latency_at_us(0.99);
        assert!((99_000..=101_000).contains(&p99_us), "p99 {p99_us} µs");
        assert_eq!(c0.latency_max_us(), 10_000_000, "the maximum is exact");
        let c1 = &h.clients()[&1];
        assert_eq!(
            (c1.completed(), c1.unknown, c1.latency_max_us()),
            (1, 1, 3_000)
        );
        assert_eq!(c1.latency_at_us(0.5), 3_000);
        assert_eq!(ClientStats::default().latency_at_us(0.99), 0);
    }
}
