//! Shared by the native determinism test and the browser test: every preset run over its
//! whole scripted run (`run_ms`) for two seeds, with its event count, trace hash and a few
//! facts of its story, pinned in `trace-hashes.json`. Native and wasm must both match it.
//!
//! The story facts are there for the reader of the JSON: they show that a hash covers a
//! failover, a crash and its recovery, or a resharding, not a quiet warm-up.
#![allow(dead_code)]

use replication_playground::engine::time::Instant;
use replication_playground::engine::{Report, World};
use replication_playground::scenario::Scenario;
use replication_playground::scenario::presets::PRESETS;
use std::collections::BTreeMap;

pub const GOLDEN: &str = include_str!("trace-hashes.json");
pub const GOLDEN_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/trace-hashes.json"
);
pub const REPIN: &str = "UPDATE_GOLDEN=1 cargo test --test determinism";

/// Two seeds: the preset's network and workload draws differ, the story should not.
pub const SEEDS: [u64; 2] = [1, 2];

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Run {
    pub scenario: String,
    pub seed: u64,
    pub run_ms: u64,
    pub events: u64,
    pub trace_hash: String,
    pub story: Story,
}

/// What happened in the run, at a glance (all of it follows from the trace, so it can
/// only change when the hash does).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Story {
    /// Each recovery the failover manager ran: "<s> <analysis> <failed> -> <promoted>".
    pub failovers: Vec<String>,
    /// Nodes that crashed, with how many times.
    pub crashed: BTreeMap<String, u64>,
    /// Crashed nodes that went through crash recovery and serve again at the end.
    pub recovered: Vec<String>,
    /// Findings of the checker by kind at the end (kinds with none are left out).
    pub findings: BTreeMap<String, u64>,
    /// The resharding workflow's phase at the end, if there was one.
    pub reshard: Option<String>,
    /// Where the router sends writes at the end: the primary, or each shard's ("-80 a1").
    pub writers: Vec<String>,
}

impl Run {
    fn of(scenario: &str, seed: u64, run_ms: u64, w: &World) -> Run {
        Run {
            scenario: scenario.to_string(),
            seed,
            run_ms,
            events: w.events(),
            trace_hash: w.trace.hash_hex(),
            story: Story::of(w),
        }
    }
}

impl Story {
    fn of(w: &World) -> Story {
        let report = Report::of(w);
        let failovers = report
            .failovers
            .iter()
            .map(|f| {
                let promoted = f.promoted.as_deref().unwrap_or("no promotion");
                let planned = if f.planned { " (planned)" } else { "" };
                let outcome = if f.success { "" } else { " (failed)" };
                let (s, ms) = (f.at_ms / 1_000, f.at_ms % 1_000);
                format!(
                    "{s}.{ms:03} s {} {} -> {promoted}{planned}{outcome}",
                    f.analysis, f.failed
                )
            })
            .collect();
        let crashed: BTreeMap<String, u64> = w
            .nodes
            .iter()
            .filter(|n| n.epoch > 0)
            .map(|n| (n.name().to_string(), n.epoch))
            .collect();
        let recovered = report
            .nodes
            .iter()
            .filter(|n| n.alive && crashed.contains_key(&n.name))
            .map(|n| n.name.clone())
            .collect();
        let findings = report
            .finding_counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (k.to_string(), *n))
            .collect();
        Story {
            failovers,
            crashed,
            recovered,
            findings,
            reshard: report.reshard.as_ref().map(|r| r.phase.to_string()),
            writers: writers(&report),
        }
    }
}

fn writers(report: &Report) -> Vec<String> {
    if report.shards.is_empty() {
        return report.writer.iter().cloned().collect();
    }
    let shard = |s: &replication_playground::engine::report::ShardReport| {
        format!("{} {}", s.range, s.writer.as_deref().unwrap_or("none"))
    };
    report.shards.iter().map(shard).collect()
}

/// The preset with its seed replaced.
fn preset(json: &str, seed: u64) -> Scenario {
    let mut s = Scenario::from_json(json).expect("preset parses");
    s.seed = seed;
    s
}

pub fn compute() -> Vec<Run> {
    let mut out = Vec::new();
    for (name, json) in PRESETS {
        for seed in SEEDS {
            let s = preset(json, seed);
            let mut w = s.world().expect("preset builds");
            w.run_until(Instant::from_millis(s.run_ms));
            out.push(Run::of(name, seed, s.run_ms, &w));
        }
    }
    out
}

pub fn expected() -> Vec<Run> {
    serde_json::from_str(GOLDEN).expect("golden file parses")
}

/// The same runs, each opened from a share link made for it (the scenario with its seed
/// travels whole when it differs from the preset, by name when it is the preset): the
/// link path must land on the very same pinned hashes.
pub fn compute_via_links() -> Vec<Run> {
    use replication_playground::scenario::link::{self, Shared};
    let mut out = Vec::new();
    for (name, json) in PRESETS {
        for seed in SEEDS {
            let mut doc: serde_json::Value = serde_json::from_str(json).expect("preset parses");
            doc["seed"] = seed.into();
            // The narration does not change the run, and a whole lesson would not fit in a link.
            if let Some(d) = doc.as_object_mut() {
                d.remove("lesson");
            }
            let source = doc.to_string();
            let scenario = Scenario::from_json(&source).expect("preset parses");
            let run_ms = scenario.run_ms;
            let shared = Shared {
                scenario,
                source,
                preset: Some(name.to_string()),
                actions: Vec::new(),
                at_us: Instant::from_millis(run_ms),
            };
            let opened = link::decode(&link::encode(&shared)).expect("the link opens");
            let w = opened.world().expect("the link's run builds");
            out.push(Run::of(name, seed, run_ms, &w));
        }
    }
    out
}

/// Compares runs with their pins, run by run. `None` when every run matches; otherwise a
/// message naming each run that moved (preset, seed, expected and actual events and hash,
/// and the story when it changed too), then how to re-pin.
pub fn mismatches(got: &[Run], pinned: &[Run]) -> Option<String> {
    let moved = moved_runs(got, pinned);
    if moved.is_empty() {
        return None;
    }
    Some(format!(
        "{} of {} pinned runs differ from tests/golden/trace-hashes.json:\n{}\n\n\
         Engine changes must keep every trace hash. If this change is an intended fix, \
         name it and the runs it moves in the commit, and re-pin with:\n    {REPIN}",
        moved.len(),
        pinned.len(),
        moved.join("\n")
    ))
}

/// One entry per run that is new, gone, or differs from its pin.
pub fn moved_runs(got: &[Run], pinned: &[Run]) -> Vec<String> {
    let key = |r: &Run| (r.scenario.clone(), r.seed);
    let pins: BTreeMap<_, &Run> = pinned.iter().map(|r| (key(r), r)).collect();
    let ran: BTreeMap<_, &Run> = got.iter().map(|r| (key(r), r)).collect();
    let mut moved = Vec::new();
    for run in got {
        match pins.get(&key(run)) {
            None => moved.push(format!(
                "{} seed {}: not pinned (a new preset?): {} events, trace {}",
                run.scenario, run.seed, run.events, run.trace_hash
            )),
            Some(pin) if *pin != run => moved.push(differs(pin, run)),
            Some(_) => {}
        }
    }
    for pin in pinned.iter().filter(|p| !ran.contains_key(&key(p))) {
        moved.push(format!(
            "{} seed {}: pinned but no longer run (a preset renamed or removed?)",
            pin.scenario, pin.seed
        ));
    }
    moved
}

fn differs(pin: &Run, run: &Run) -> String {
    let mut text = format!(
        "{} seed {} ({} ms): expected {} events, trace {}; got {} events, trace {}",
        run.scenario, run.seed, run.run_ms, pin.events, pin.trace_hash, run.events, run.trace_hash
    );
    if pin.run_ms != run.run_ms {
        text += &format!("\n    run_ms was {} (the preset changed)", pin.run_ms);
    }
    if pin.story != run.story {
        let json = |s: &Story| serde_json::to_string(s).unwrap_or_default();
        text += &format!("\n    story expected: {}", json(&pin.story));
        text += &format!("\n    story got:      {}", json(&run.story));
    }
    text
}

/// `UPDATE_GOLDEN=1` for the pin files of `<key> <trace hash>` lines (`links.txt`,
/// `files/hashes.txt`): after a named fix that moves traces, each key gets the hash it runs
/// to now. Keys, comments and order stay (a key is never removed); each line that moved is
/// printed for the re-pinner to review.
pub fn repin_pairs(path: &str, is_pin: impl Fn(&str) -> bool, hash_of: impl Fn(&str) -> String) {
    use std::io::Write;
    let text = std::fs::read_to_string(path).unwrap();
    let mut err = std::io::stderr();
    let mut out = String::new();
    for line in text.lines() {
        match line.split_once(' ').filter(|_| is_pin(line)) {
            Some((key, old)) => {
                let new = hash_of(key);
                if new != old.trim() {
                    writeln!(err, "re-pinned: {key} {} -> {new}", old.trim()).unwrap();
                }
                out.push_str(&format!("{key} {new}\n"));
            }
            None => out.push_str(&format!("{line}\n")),
        }
    }
    std::fs::write(path, out).unwrap();
}
