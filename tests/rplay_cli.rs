//! The `rplay` binary as a user meets it: help, exit statuses, a closed pipe, the
//! `--history` format, the report's client and semi-sync figures, and `rplay sweep`.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn rplay(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rplay"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("rplay runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_lines(out: &Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn every_command_has_a_help() {
    for cmd in [&[][..], &["run"], &["sweep"], &["link"], &["rebalance"]] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let out = rplay(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let help = text(&out.stdout);
        let usage = format!("Usage: rplay {}", cmd.first().unwrap_or(&""));
        assert!(help.contains(usage.trim_end()), "{args:?}: {help}");
        assert!(out.stderr.is_empty(), "{args:?}");
    }
    let run = text(&rplay(&["run", "--help"]).stdout);
    for flag in ["--summary", "--json", "--history", "--seed", "--invariants"] {
        assert!(run.contains(flag), "run --help lacks {flag}");
    }
}

#[test]
fn usage_errors_and_bad_scenarios_exit_2_with_a_message_on_stderr() {
    let cases: [(&[&str], &str); 7] = [
        (&["run", "free-play", "--bogus"], "--bogus"),
        (&["frobnicate"], "frobnicate"),
        (&["run"], "<SCENARIO>"),
        (
            &["run", "no/such/file.json"],
            "cannot read no/such/file.json",
        ),
        (
            &["run", "no-such-preset"],
            "presets: add-replica-from-backup, anti-flapping",
        ),
        (&["run", "#v1.garbage"], "share link"),
        (&["sweep", "free-play", "--seeds", "9..3"], "holds no seed"),
    ];
    for (args, says) in cases {
        let out = rplay(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
        let err = text(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let bad = std::env::temp_dir().join(format!("rplay-bad-{}.json", std::process::id()));
    std::fs::write(&bad, r#"{"version": 1, "run_ms": "soon"}"#).unwrap();
    let out = rplay(&["run", bad.to_str().unwrap()]);
    let _ = std::fs::remove_file(&bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("run_ms"),
        "the message names the field"
    );
}

/// `rplay run … | head -1`: the reader goes away; rplay stops quietly and successfully.
#[test]
fn a_closed_pipe_is_a_quiet_exit() {
    for args in [
        &["run", "free-play", "--history"][..],
        &[
            "sweep",
            "random-faults",
            "--seeds",
            "0..1000",
            "--jobs",
            "1",
        ],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rplay"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader is dropped here: the pipe is closed with output still to come.
        assert!(first.starts_with('{'), "{args:?}: {first}");
        let out = child.wait_with_output().unwrap();
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

/// The format docs/rplay.md documents: keys in this order, absent rather than null.
const KEY_ORDER: [&str; 12] = [
    "op",
    "client",
    "type",
    "f",
    "key",
    "value",
    "node",
    "invoke_us",
    "complete_us",
    "gtid",
    "errno",
    "error",
];

#[test]
fn the_history_lists_every_operation_in_the_documented_format() {
    let out = rplay(&["run", "semi-sync-timeout-fallback", "--history"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let again = rplay(&["run", "semi-sync-timeout-fallback", "--history"]);
    assert_eq!(
        out.stdout, again.stdout,
        "the same run gives the same history"
    );
    let report: Value =
        serde_json::from_slice(&rplay(&["run", "semi-sync-timeout-fallback"]).stdout).unwrap();
    let lines = json_lines(&out);
    let invoked = report["clients"]["invoked"].as_u64().unwrap();
    assert_eq!(
        lines.len() as u64,
        invoked,
        "one line per invoked operation"
    );
    let mut ids: Vec<u64> = lines.iter().map(|l| l["op"].as_u64().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), lines.len(), "each operation once");
    let mut by_type = std::collections::BTreeMap::new();
    for (raw, l) in text(&out.stdout).lines().zip(&lines) {
        let o = l.as_object().unwrap();
        // Keys appear in the documented order (serde_json keeps them sorted: check the text).
        let positions: Vec<usize> = o
            .keys()
            .map(|k| raw.find(&format!("\"{k}\":")).unwrap())
            .collect();
        let order: Vec<usize> = o
            .keys()
            .map(|k| {
                KEY_ORDER
                    .iter()
                    .position(|d| d == k)
                    .unwrap_or_else(|| panic!("undocumented key {k}"))
            })
            .collect();
        let mut by_position: Vec<(usize, usize)> = positions.into_iter().zip(order).collect();
        by_position.sort_unstable();
        assert!(
            by_position.windows(2).all(|w| w[0].1 < w[1].1),
            "key order: {raw}"
        );
        let kind = l["type"].as_str().unwrap();
        *by_type.entry(kind.to_string()).or_insert(0u64) += 1;
        assert!(["write", "read", "delete"].contains(&l["f"].as_str().unwrap()));
        assert!(l["invoke_us"].is_u64());
        match kind {
            "invoke" => assert!(l.get("complete_us").is_none(), "{raw}"),
            "ok" | "fail" | "unknown" => {
                assert!(
                    l["complete_us"].as_u64() >= l["invoke_us"].as_u64(),
                    "{raw}"
                )
            }
            other => panic!("type {other}"),
        }
        if kind == "ok" && l["f"] == "write" {
            assert!(l["gtid"].as_str().unwrap().contains(':'), "{raw}");
        }
        if kind == "unknown" || kind == "fail" {
            assert!(l["error"].is_string(), "{raw}");
        }
    }
    assert_eq!(by_type["ok"], report["clients"]["ok"].as_u64().unwrap());
    assert_eq!(
        by_type["unknown"],
        report["clients"]["unknown"].as_u64().unwrap()
    );
}

#[test]
fn the_report_says_what_semi_sync_did_to_clients() {
    // Both replicas stop at 3 s: the next commit waits rpl_semi_sync_source_timeout
    // (10 s), longer than the client waits (5 s); semi-sync falls back once, and is ON
    // again once db2 catches up after its restart at 20 s.
    let out = rplay(&["run", "semi-sync-timeout-fallback"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let db1 = report["semi_sync"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["node"] == "db1")
        .unwrap();
    assert_eq!(db1["Rpl_semi_sync_source_status"], "ON");
    assert_eq!(
        db1["Rpl_semi_sync_source_clients"], 1,
        "db2 only; db3 stays stopped"
    );
    assert_eq!(db1["Rpl_semi_sync_source_no_times"], 1);
    let no_tx = db1["Rpl_semi_sync_source_no_tx"].as_u64().unwrap();
    let yes_tx = db1["Rpl_semi_sync_source_yes_tx"].as_u64().unwrap();
    let waits = db1["Rpl_semi_sync_source_tx_waits"].as_u64().unwrap();
    let blocked = db1["blocked_commits"].as_u64().unwrap();
    let timed_out = db1["timed_out_commits"].as_u64().unwrap();
    assert!(timed_out >= 1 && yes_tx > 100, "{db1}");
    // Every commit waits for its ack here (20 ms links); the acked waits are tx_waits.
    assert_eq!(blocked, waits + timed_out, "{db1}");
    assert!(waits <= yes_tx, "{db1}");
    // Not acknowledged: the commits that timed out and those made while OFF after them.
    assert!(no_tx > timed_out, "{db1}");
    let client = &report["client_stats"][0];
    assert_eq!(client["client"], 0);
    assert!(
        client["unknown"].as_u64().unwrap() > 0,
        "the stalled writes time out"
    );
    assert_eq!(
        client["latency_max_us"], 5_000_000,
        "the client's 5 s timeout"
    );
    let p50 = client["latency_p50_us"].as_u64().unwrap();
    assert!(
        (40_000..1_000_000).contains(&p50),
        "round trips of 20 ms links: {p50}"
    );
    let summary = text(&rplay(&["run", "semi-sync-timeout-fallback", "--summary"]).stdout);
    assert!(summary.contains("semi-sync db1: ON"), "{summary}");
    assert!(summary.contains("latency p50"), "{summary}");
}

#[test]
fn a_sweep_prints_one_json_line_per_seed_that_run_reproduces() {
    let out = rplay(&["sweep", "random-faults", "--seeds", "3..6", "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    let seeds: Vec<u64> = lines.iter().map(|l| l["seed"].as_u64().unwrap()).collect();
    assert_eq!(seeds, [3, 4, 5], "in seed order");
    for l in &lines {
        assert!(l["invariant"].is_null(), "{l}");
        assert!(l["events"].as_u64().unwrap() > 1_000);
        assert!(l["findings"].is_object());
    }
    let repro = lines[1]["reproduce"].as_str().unwrap();
    assert_eq!(repro, "rplay run random-faults --seed 4 --invariants");
    let args: Vec<&str> = repro.split(' ').skip(1).collect();
    let run = rplay(&args);
    assert_eq!(run.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["trace_hash"], lines[1]["trace_hash"]);
    assert_eq!(report["events"], lines[1]["events"]);
    // The number of jobs changes nothing in the output.
    let one = rplay(&["sweep", "random-faults", "--seeds", "3..=5", "--jobs", "1"]);
    assert_eq!(one.stdout, out.stdout);
}

#[test]
fn a_sweep_of_a_scenario_file_varies_its_seed() {
    let file = "assets/scenarios/async-lag.json";
    let out = rplay(&["sweep", file, "--seeds", "7..9"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    assert_ne!(lines[0]["trace_hash"], lines[1]["trace_hash"]);
    let run = rplay(&["run", file, "--seed", "8"]);
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(
        (&report["seed"], &report["trace_hash"]),
        (&lines[1]["seed"], &lines[1]["trace_hash"])
    );
    assert_eq!(
        lines[1]["reproduce"],
        format!("rplay run {file} --seed 8 --invariants")
    );
}

/// `rplay export` (docs/export.md): stdout under headers, `--out DIR` as files, and a bad
/// flavor or an unexportable scenario as a usage error.
#[test]
fn export_prints_or_writes_the_files_and_refuses_clearly() {
    let out = rplay(&[
        "export",
        "free-play",
        "--flavor",
        "mariadb-10.11",
        "--first-port",
        "4000",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let all = text(&out.stdout);
    assert!(all.starts_with("==> README.txt <==\n"), "{all}");
    assert!(
        all.contains("==> db2.sql <==\n") && all.contains("MASTER_PORT=4000"),
        "{all}"
    );
    let dir = std::env::temp_dir().join(format!("rplay-export-{}", std::process::id()));
    let dir_arg = dir.to_string_lossy().into_owned();
    let out = rplay(&[
        "export",
        "free-play",
        "--flavor",
        "mysql-8.4",
        "--out",
        &dir_arg,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cnf = std::fs::read_to_string(dir.join("db1.cnf")).expect("db1.cnf written");
    assert!(cnf.contains("[mysqld]\nserver_id = 1\n"), "{cnf}");
    assert_eq!(text(&out.stdout).lines().count(), 10, "one path per file");
    let _ = std::fs::remove_dir_all(&dir);
    let bad = rplay(&["export", "free-play", "--flavor", "mysql-5.7"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("one of: mysql-8.4, mysql-8.0, mariadb-10.11"));
    let random = rplay(&["export", "random-faults", "--flavor", "mysql-8.4"]);
    assert_eq!(random.status.code(), Some(2));
    assert!(text(&random.stderr).contains("draws a new cluster for every seed"));
}
