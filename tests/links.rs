//! Share links: every preset round-trips to the same run; links made today open forever;
//! the decoder survives any input. `LINK_FUZZ_INPUTS=1000000 cargo test --release --test links`
//! runs the long fuzz (CI runs a shorter one).
#![cfg(not(target_arch = "wasm32"))]

mod golden;

use replication_playground::engine::Command;
use replication_playground::engine::rng::{SimRng, Stream};
use replication_playground::engine::time::Instant;
use replication_playground::scenario::Scenario;
use replication_playground::scenario::link::{self, Shared};
use replication_playground::scenario::presets::PRESETS;

#[test]
fn every_preset_round_trips_through_a_link_to_the_same_trace() {
    for (name, json) in PRESETS {
        let scenario = Scenario::from_json(json).unwrap();
        let second = scenario.cluster().unwrap().nodes[1].name.clone();
        let shared = Shared {
            scenario: scenario.clone(),
            source: json.to_string(),
            preset: Some(name.to_string()),
            actions: vec![(
                Instant::from_secs(2),
                Command::Crash {
                    node: second,
                    power_loss: false,
                },
            )],
            at_us: Instant::from_secs(5),
        };
        let text = link::encode(&shared);
        assert!(text.len() <= 300, "{name}: {} characters", text.len());
        let back = link::decode(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, shared, "{name}");
        let (a, b) = (back.world().unwrap(), shared.world().unwrap());
        assert_eq!(a.trace.hash(), b.trace.hash(), "{name}");
    }
}

/// Links in the golden corpus were made by earlier versions: they must keep opening, to the
/// same run, forever. Add a line when the format changes; never remove one. A fix that
/// makes the engine more faithful moves their traces: `UPDATE_GOLDEN=1` re-pins the
/// hashes (docs/scenario-format.md, "What a link promises forever").
#[test]
fn the_golden_corpus_of_links_still_opens_to_the_same_run() {
    let is_pin = |l: &str| !l.trim().is_empty() && !l.starts_with("# ");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/links.txt");
        golden::repin_pairs(path, is_pin, trace_hash_of_link);
        return;
    }
    let corpus = include_str!("golden/links.txt");
    let mut n = 0;
    for line in corpus.lines().filter(|l| is_pin(l)) {
        let (link_text, hash) = line
            .split_once(' ')
            .expect("'<link> <trace hash>' per line");
        assert_eq!(trace_hash_of_link(link_text), hash.trim(), "{link_text}");
        n += 1;
    }
    assert!(n >= 3, "the corpus has {n} links");
}

/// The trace hash a link opens to.
fn trace_hash_of_link(link_text: &str) -> String {
    let shared = link::decode(link_text).unwrap_or_else(|e| panic!("{link_text}: {e}"));
    let mut w = shared.world().unwrap();
    // As `rplay run <link>`: a link without a moment runs to the scenario's end.
    if shared.at_us == Instant::ZERO {
        w.run_until(Instant::from_millis(shared.scenario.run_ms));
    }
    w.trace.hash_hex()
}

fn mutate(rng: &mut SimRng, base: &str) -> String {
    let alphabet =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.#v1%=+/ \x00\xff";
    let mut bytes = base.as_bytes().to_vec();
    match rng.between(0, 4) {
        0 => bytes.truncate(rng.between(0, bytes.len() as u64) as usize),
        1 => {
            for _ in 0..rng.between(1, 4) {
                let i = rng.between(0, bytes.len().saturating_sub(1) as u64) as usize;
                if let Some(b) = bytes.get_mut(i) {
                    *b = alphabet[rng.between(0, alphabet.len() as u64 - 1) as usize];
                }
            }
        }
        2 => {
            let n = rng.between(0, 80) as usize;
            bytes = (0..n)
                .map(|_| alphabet[rng.between(0, alphabet.len() as u64 - 1) as usize])
                .collect();
        }
        3 => bytes.extend(
            (0..rng.between(1, 40))
                .map(|_| alphabet[rng.between(0, alphabet.len() as u64 - 1) as usize]),
        ),
        _ => {
            // A well-formed wrapper around random compressed-looking bytes.
            use base64::Engine as _;
            let junk: Vec<u8> = (0..rng.between(0, 64))
                .map(|_| rng.next_u64() as u8)
                .collect();
            bytes = format!(
                "v1.{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(junk)
            )
            .into_bytes();
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn the_decoder_never_panics_on_any_input() {
    let inputs: u64 = std::env::var("LINK_FUZZ_INPUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let bases: Vec<String> = PRESETS
        .iter()
        .take(4)
        .map(|(name, json)| {
            let scenario = Scenario::from_json(json).unwrap();
            let mut s = Shared {
                scenario,
                source: json.to_string(),
                preset: Some(name.to_string()),
                actions: vec![],
                at_us: Instant::from_secs(1),
            };
            let by_name = link::encode(&s);
            s.preset = None;
            format!("{by_name} {}", link::encode(&s))
        })
        .flat_map(|pair| pair.split(' ').map(String::from).collect::<Vec<_>>())
        .collect();
    let mut rng = SimRng::new(2026, Stream::Faults);
    let mut accepted = 0u64;
    for i in 0..inputs {
        let base = &bases[(i % bases.len() as u64) as usize];
        let input = mutate(&mut rng, base);
        if link::decode(&input).is_ok() {
            accepted += 1;
        }
    }
    println!("link fuzz: {inputs} inputs, {accepted} still decoded, 0 panics");
}
