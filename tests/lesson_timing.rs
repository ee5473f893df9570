//! Every lesson step shows when what it describes has happened: for each preset with a
//! lesson, on its own seed and the next one, play the run to each step's moment and check
//! the step is the one the clock shows there, its anchored event exists and precedes it,
//! and a time-anchored step's text names nothing that has not happened yet ("At 8 s",
//! "promotes", "lost_write" …). A step that narrates a promotion before the promotion fails
//! here: anchor it to the event (`"after": {"failover": true}`, docs/scenario-format.md).
#![cfg(not(target_arch = "wasm32"))]

use replication_playground::engine::World;
use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::time::{Instant, fmt_secs};
use replication_playground::scenario::Scenario;
use replication_playground::scenario::lesson::{Lesson, StepMoment};
use replication_playground::scenario::presets::{PRESETS, preset};

/// Plain words a step may use for a finding kind besides its name.
const FINDING_WORDS: &[(FindingKind, &[&str])] = &[
    (FindingKind::LostWrite, &["lost_write", "lost write"]),
    (FindingKind::SplitBrain, &["split_brain"]),
    (FindingKind::ErrantGtid, &["errant_gtid"]),
    (FindingKind::StaleRead, &["stale_read", "stale read"]),
    (FindingKind::ReadYourWrites, &["read_your_writes violation"]),
    (FindingKind::ReplicationError, &["error 1062"]),
    (FindingKind::PhantomRead, &["phantom_read"]),
];

/// Every "At N s" opening a sentence of a step's text, in milliseconds ("At 10 s", "At
/// 4.5 s"): what the step narrates as done. A lower-case "at 16 s" inside a sentence
/// announces what comes ("falls back … at 16 s: watch") and may lie ahead.
fn at_phrases_ms(text: &str) -> Vec<u64> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("At ") {
        let rest = &text[i + 3..];
        let num: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let after = &rest[num.len()..];
        let unit_s = after
            .strip_prefix(" s")
            .is_some_and(|tail| !tail.starts_with(|c: char| c.is_alphabetic()));
        if let (true, Ok(s)) = (unit_s, num.trim_end_matches('.').parse::<f64>()) {
            found.push((s * 1000.0).round() as u64);
        }
    }
    found
}

/// Whether `word` appears in `text` other than as "no word" / "no … word".
fn names_event(text: &str, word: &str) -> Option<bool> {
    let lower = text.to_lowercase();
    let i = lower.find(word)?;
    let before = &lower[..i];
    let negated = before.ends_with("no ") || before.ends_with("(no ") || before.ends_with("not ");
    Some(!negated)
}

/// A promotion has finished: by the manager, or by hand (`promote`: the router's writer is
/// no longer the node it started with).
fn promoted(w: &World, first_writers: &[Option<u32>]) -> bool {
    let by_manager = w
        .recoveries()
        .iter()
        .any(|r| r.success && r.finished_us.is_some() && r.promoted.is_some());
    let writers: Vec<Option<u32>> = w
        .router
        .shards
        .iter()
        .map(|s| s.writer.map(|n| n.0))
        .collect();
    by_manager || writers != first_writers
}

/// What a step's text says has happened, checked in the world at the step's moment.
fn check_text(
    name: &str,
    seed: u64,
    i: usize,
    text: &str,
    w: &World,
    first: &[Option<u32>],
    problems: &mut Vec<String>,
) {
    let at = w.now();
    let whom = format!("{name} (seed {seed}) step {} at {}", i + 1, fmt_secs(at));
    for ms in at_phrases_ms(text) {
        if Instant::from_millis(ms) > at {
            problems.push(format!(
                "{whom} narrates \"at {} s\" before it",
                ms as f64 / 1000.0
            ));
        }
    }
    let lower = text.to_lowercase();
    let promotes = ["promotes", "promoted", "promoting"]
        .iter()
        .any(|p| names_event(&lower, p) == Some(true));
    if promotes && !promoted(w, first) {
        problems.push(format!("{whom} narrates a promotion before it"));
    }
    for (kind, words) in FINDING_WORDS {
        for word in *words {
            let found = w.checker.count(*kind) > 0;
            match names_event(text, word) {
                Some(true) if !found => {
                    problems.push(format!("{whom} names {word} before the checker found one"))
                }
                Some(false) if found => {
                    problems.push(format!("{whom} says there is no {word}, but there is"))
                }
                _ => {}
            }
        }
    }
}

/// Plays `s` to each step's moment in order and checks the step there.
fn check_lesson(name: &str, s: &Scenario, lesson: &Lesson, problems: &mut Vec<String>) {
    let end = Instant::from_millis(s.run_ms);
    let mut full = s.world().unwrap();
    full.run_until(end);
    // Moments as the whole run knows them: every anchored event must have happened.
    let moments: Vec<Option<Instant>> = (lesson.steps.iter().enumerate())
        .map(|(i, step)| match step.moment(&full, &s.timeline) {
            StepMoment::At(t) => {
                assert!(
                    t <= end,
                    "{name} (seed {}) step {} is after the run ends",
                    s.seed,
                    i + 1
                );
                Some(t)
            }
            StepMoment::Unset => None,
            StepMoment::Pending => panic!(
                "{name} (seed {}) step {} waits for {}, which never happens",
                s.seed,
                i + 1,
                step.after.as_ref().map(|a| a.label()).unwrap_or_default()
            ),
        })
        .collect();
    let mut order: Vec<(Instant, usize)> = (moments.iter().enumerate())
        .filter_map(|(i, m)| m.map(|t| (t, i)))
        .collect();
    order.sort();
    let shown: Vec<usize> = order.iter().map(|(_, i)| *i).collect();
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(
        shown, sorted,
        "{name} (seed {}): steps show out of order",
        s.seed
    );
    let mut w = s.world().unwrap();
    let first: Vec<Option<u32>> = w
        .router
        .shards
        .iter()
        .map(|s| s.writer.map(|n| n.0))
        .collect();
    for (t, i) in order {
        w.run_until(t);
        let step = &lesson.steps[i];
        let whom = format!("{name} (seed {}) step {} at {}", s.seed, i + 1, fmt_secs(t));
        if let Some(a) = &step.after {
            let happened = a.happened_at(&w, &s.timeline);
            if happened.is_none_or(|e| e > t) {
                problems.push(format!("{whom}: {} has not happened", a.label()));
            }
        }
        if lesson.clock_step(&w, &s.timeline) != Some(i) {
            problems.push(format!("{whom}: the clock shows another step"));
        }
        check_text(name, s.seed, i, &step.text, &w, &first, problems);
    }
}

#[test]
fn every_lesson_step_shows_after_what_it_describes_on_two_seeds() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for (name, _) in PRESETS {
        let base = Scenario::from_json(preset(name).unwrap()).unwrap();
        let Some(lesson) = base.lesson.clone() else {
            continue;
        };
        for seed in [base.seed, base.seed + 1] {
            let mut s = base.clone();
            s.seed = seed;
            check_lesson(name, &s, &lesson, &mut problems);
            checked += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        checked >= 40,
        "every lesson on two seeds: checked {checked} runs"
    );
}

#[test]
fn at_phrases_are_read_from_step_texts() {
    assert_eq!(
        at_phrases_ms("At 8 s db1 dies. At 10.5 s, db2"),
        vec![8_000, 10_500]
    );
    assert_eq!(
        at_phrases_ms("look at db1, at 30 ms, at 16 s"),
        Vec::<u64>::new()
    );
    assert_eq!(
        names_event("no lost_write finding", "lost_write"),
        Some(false)
    );
    assert_eq!(
        names_event("reports lost_write findings", "lost_write"),
        Some(true)
    );
}
