//! Determinism: the same scenario and seed give the same trace, run after run and on every
//! platform. The pinned hashes are checked here natively and by tests/browser.rs in wasm.
//! After an intended engine change: `UPDATE_GOLDEN=1 cargo test --test determinism`.
#![cfg(not(target_arch = "wasm32"))]

mod golden;

#[test]
fn pinned_trace_hashes_match() {
    let got = golden::compute();
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/trace-hashes.json"
        );
        std::fs::write(path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
        return;
    }
    assert_eq!(
        got,
        golden::expected(),
        "the engine's behaviour changed; if intended, UPDATE_GOLDEN=1"
    );
}

#[test]
fn every_preset_opened_from_a_link_gives_the_pinned_trace() {
    assert_eq!(golden::compute_via_links(), golden::expected());
}

#[test]
fn a_seed_run_twice_gives_the_same_trace() {
    assert_eq!(golden::compute(), golden::compute());
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
    let listed: Vec<String> = replication_playground::scenario::presets::PRESETS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(files, listed, "update src/scenario/presets.rs");
}
