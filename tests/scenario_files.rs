//! Scenario files are untrusted: every bad file gets an error naming the field, never a panic.
#![cfg(not(target_arch = "wasm32"))]

mod golden;

use replication_playground::scenario::Scenario;

const GOOD: &str =
    r#"{"version":1,"name":"t","topology":{"kind":"primary_replicas","replicas":2},"run_ms":1000}"#;

fn error(json: &str) -> String {
    match Scenario::from_json(json) {
        Ok(_) => panic!("accepted: {json}"),
        Err(e) => e.to_string(),
    }
}

fn with(field: &str, value: &str) -> String {
    GOOD.replacen(
        "\"run_ms\":1000",
        &format!("\"run_ms\":1000,\"{field}\":{value}"),
        1,
    )
}

#[test]
fn a_good_file_loads() {
    let s = Scenario::from_json(GOOD).unwrap();
    assert_eq!(s.cluster().unwrap().nodes.len(), 3);
}

#[test]
fn errors_name_the_field() {
    let cases = [
        (GOOD.replace("\"version\":1", "\"version\":7"), "version"),
        (
            GOOD.replace("\"replicas\":2", "\"replicas\":200"),
            "topology",
        ),
        (GOOD.replace("\"run_ms\":1000", "\"run_ms\":0"), "run_ms"),
        (
            GOOD.replace("\"kind\":\"primary_replicas\"", "\"kind\":\"ring\""),
            "topology",
        ),
        (
            with("defaults", r#"{"sync_binlog":"often"}"#),
            "defaults.sync_binlog",
        ),
        (with("defaults", r#"{"synk_binlog":1}"#), "defaults"),
        (with("nodes", r#"{"db9":{"read_only":true}}"#), "nodes.db9"),
        (
            with("nodes", r#"{"db2":{"innodb_flush_log_at_trx_commit":7}}"#),
            "innodb_flush_log_at_trx_commit",
        ),
        (
            with("timeline", r#"[{"at_ms":5,"action":"crash","node":"db7"}]"#),
            "timeline[0]",
        ),
        (
            with(
                "timeline",
                r#"[{"at_ms":5,"action":"explode","node":"db1"}]"#,
            ),
            "timeline[0]",
        ),
        (
            with("timeline", r#"[{"at_ms":5,"action":"crash","nod":"db1"}]"#),
            "timeline[0]",
        ),
        (
            with("workload", r#"{"clients":[{"writes_per_s":100000000}]}"#),
            "writes_per_s",
        ),
        (
            with("workload", r#"{"clients":[{"key_space":0}]}"#),
            "key_space",
        ),
        (with("bogus", "1"), "bogus"),
    ];
    for (json, field) in cases {
        let e = error(&json);
        assert!(e.contains(field), "error for {field} should name it: {e}");
    }
}

#[test]
fn garbage_and_huge_input_are_refused_without_panicking() {
    for json in [
        "",
        "{",
        "[]",
        "null",
        "{\"version\":1}",
        "\u{0}\u{1}",
        &"[".repeat(10_000),
        &"x".repeat(300_000),
    ] {
        let _ = error(json);
    }
    // Every prefix of a good file is refused or accepted, never a panic.
    let full = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/scenarios/partition-split-brain.json"
    ))
    .unwrap();
    for end in (0..full.len()).filter(|i| full.is_char_boundary(*i)) {
        let _ = Scenario::from_json(&full[..end]);
    }
}

#[test]
fn a_lesson_is_checked_like_the_rest_of_the_file() {
    let lesson = |checks: &str, watch: &str| {
        with(
            "lesson",
            &format!(
                r#"{{"steps":[{{"text":"look","watch":[{watch}]}}],"goal":{{"text":"g","checks":{checks}}}}}"#
            ),
        )
    };
    assert!(Scenario::from_json(&lesson(r#"[{"failover":true}]"#, r#""db2""#)).is_ok());
    assert!(error(&lesson(r#"[{"failover":true}]"#, r#""db7""#)).contains("lesson.steps[0].watch"));
    assert!(error(&lesson(r#"[{"finding":"nope"}]"#, "")).contains("lesson.goal.checks[0]"));
    assert!(error(&lesson(r#"[{}]"#, "")).contains("exactly one condition"));
}

#[test]
fn editing_the_timeline_keeps_the_rest_of_the_document() {
    use replication_playground::engine::Command;
    use replication_playground::scenario::TimedAction;
    let source = with("description", r#""kept as written""#);
    let crash = |at_ms, node: &str| TimedAction {
        at_ms,
        action: Command::Crash {
            node: node.into(),
            power_loss: false,
        },
    };
    let (s, text) =
        Scenario::with_timeline(&source, &[crash(900, "db2"), crash(100, "db1")]).unwrap();
    assert_eq!(s.description, "kept as written");
    assert_eq!(
        s.timeline,
        vec![crash(100, "db1"), crash(900, "db2")],
        "kept in time order"
    );
    assert_eq!(Scenario::from_json(&text).unwrap(), s);
    let bad = Scenario::with_timeline(&source, &[crash(100, "db9")]).unwrap_err();
    assert!(bad.to_string().contains("db9"), "{bad}");
    assert!(Scenario::with_timeline("[1]", &[]).is_err());
}

/// Files written for earlier versions of the format keep loading, to the same run; a fix
/// that makes the engine more faithful moves their traces, and `UPDATE_GOLDEN=1` re-pins.
#[test]
fn the_golden_corpus_of_files_still_runs_to_the_same_trace() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/files");
    let hash_of = |file: &str| {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        s.run().unwrap().trace_hash
    };
    let is_pin = |l: &str| !l.is_empty() && !l.starts_with('#');
    let pins = dir.join("hashes.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        golden::repin_pairs(pins.to_str().unwrap(), is_pin, hash_of);
        return;
    }
    let pinned = std::fs::read_to_string(pins).unwrap();
    let mut n = 0;
    for line in pinned.lines().filter(|l| is_pin(l)) {
        let (file, hash) = line
            .split_once(' ')
            .expect("'<file> <trace hash>' per line");
        assert_eq!(hash_of(file), hash, "{file}");
        n += 1;
    }
    assert!(n >= 2);
}
