//! Determinism: the same scenario and seed give the same trace, run after run and on every
//! platform. Every preset's whole run, for two seeds, is pinned in
//! `tests/golden/trace-hashes.json`: checked here natively and by tests/browser.rs in wasm.
//!
//! After an engine change that is meant to change traces (a named bug fix), re-pin with
//! `UPDATE_GOLDEN=1 cargo test --test determinism`: it prints the runs that moved and
//! rewrites the JSON; review its diff (the hashes and the story facts) before committing.
#![cfg(not(target_arch = "wasm32"))]

mod golden;

use replication_playground::scenario::Scenario;
use replication_playground::scenario::presets::PRESETS;
use std::io::Write;

#[test]
fn every_preset_runs_its_whole_story_to_the_pinned_trace() {
    let got = golden::compute();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        // An old file in another shape is simply replaced.
        let old: Vec<golden::Run> = serde_json::from_str(golden::GOLDEN).unwrap_or_default();
        // Straight to stderr, past the test harness's capture, so the re-pinner sees it.
        let mut err = std::io::stderr();
        for moved in golden::moved_runs(&got, &old) {
            writeln!(err, "re-pinned: {moved}").unwrap();
        }
        let json = serde_json::to_string_pretty(&got).unwrap() + "\n";
        std::fs::write(golden::GOLDEN_PATH, json).unwrap();
        return;
    }
    if let Some(message) = golden::mismatches(&got, &golden::expected()) {
        panic!("{message}");
    }
}

#[test]
fn every_preset_opened_from_a_link_gives_the_pinned_trace() {
    if let Some(message) = golden::mismatches(&golden::compute_via_links(), &golden::expected()) {
        panic!("opened from share links: {message}");
    }
}

#[test]
fn a_seed_run_twice_gives_the_same_trace() {
    assert_eq!(golden::compute(), golden::compute());
}

/// The pins are only worth something if they reach past the faults: every preset, both
/// seeds, to its scripted end, and between them a failover, a crash with its recovery and
/// a finished resharding. A re-pin that shortened the runs would fail here.
#[test]
fn the_pins_cover_every_preset_through_its_faults() {
    let pinned = golden::expected();
    for (name, json) in PRESETS {
        let run_ms = Scenario::from_json(json).unwrap().run_ms;
        for seed in golden::SEEDS {
            let pin = pinned
                .iter()
                .find(|r| r.scenario == *name && r.seed == seed);
            let pin = pin.unwrap_or_else(|| panic!("{name} seed {seed} is not pinned"));
            assert_eq!(
                pin.run_ms, run_ms,
                "{name} seed {seed} is pinned to its end"
            );
        }
    }
    let story = |name: &str| &pinned.iter().find(|r| r.scenario == name).unwrap().story;
    assert_eq!(story("mysqld-crash").failovers.len(), 1, "a failover");
    assert_eq!(
        story("sync-binlog-power-loss").recovered,
        ["db1"],
        "a crash recovery"
    );
    assert_eq!(
        story("reshard-crash-during-copy").reshard.as_deref(),
        Some("completed"),
        "a resharding, with a failover in its copy phase"
    );
    assert!(
        story("partition-split-brain")
            .findings
            .contains_key("split_brain")
    );
}

#[test]
fn a_moved_hash_is_reported_with_its_preset_seed_and_how_to_re_pin() {
    let pinned = golden::expected();
    let mut got = pinned.clone();
    got[3].trace_hash = "0123456789abcdef".into();
    got[3].story.failovers.clear();
    let message = golden::mismatches(&got, &pinned).expect("a moved hash is a mismatch");
    let (pin, run) = (&pinned[3], &got[3]);
    for needed in [
        format!("{} seed {}", pin.scenario, pin.seed),
        format!("expected {} events, trace {}", pin.events, pin.trace_hash),
        format!("got {} events, trace 0123456789abcdef", run.events),
        "story expected:".to_string(),
        "UPDATE_GOLDEN=1 cargo test --test determinism".to_string(),
    ] {
        assert!(message.contains(&needed), "{needed:?} in:\n{message}");
    }
    assert!(message.starts_with("1 of "), "{message}");
    assert_eq!(golden::mismatches(&pinned, &pinned), None);
}

#[test]
fn preset_list_matches_the_folder() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    let listed: Vec<String> = PRESETS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(files, listed, "update src/scenario/presets.rs");
}
