//! Shared by the native determinism test and the browser test: a fixed set of runs whose
//! trace hashes are pinned in `trace-hashes.json`. Native and wasm must both match it.
#![allow(dead_code)]

use replication_playground::engine::time::Instant;
use replication_playground::scenario::Scenario;
use replication_playground::scenario::presets::PRESETS;

pub const GOLDEN: &str = include_str!("trace-hashes.json");

/// Presets, seeds and how long to run each (kept short: the browser runs them in debug).
pub const SEEDS: [u64; 2] = [1, 2];
pub const RUN_MS: u64 = 4_000;

#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Run {
    pub scenario: String,
    pub seed: u64,
    pub run_ms: u64,
    pub events: u64,
    pub trace_hash: String,
}

impl Run {
    fn of(scenario: &str, seed: u64, w: &replication_playground::engine::World) -> Run {
        Run {
            scenario: scenario.to_string(),
            seed,
            run_ms: RUN_MS,
            events: w.events(),
            trace_hash: w.trace.hash_hex(),
        }
    }
}

pub fn compute() -> Vec<Run> {
    let mut out = Vec::new();
    for (name, json) in PRESETS {
        for seed in SEEDS {
            let mut s = Scenario::from_json(json).expect("preset parses");
            s.seed = seed;
            let mut w = s.world().expect("preset builds");
            w.run_until(Instant::from_millis(RUN_MS));
            out.push(Run::of(name, seed, &w));
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
            let shared = Shared {
                scenario: Scenario::from_json(&source).expect("preset parses"),
                source,
                preset: Some(name.to_string()),
                actions: Vec::new(),
                at_us: Instant::from_millis(RUN_MS),
            };
            let opened = link::decode(&link::encode(&shared)).expect("the link opens");
            let w = opened.world().expect("the link's run builds");
            out.push(Run::of(name, seed, &w));
        }
    }
    out
}
