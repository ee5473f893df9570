//! `rplay`: runs a scenario headless with the same engine the browser uses.
//!
//!     rplay run <scenario.json | share link>   the JSON report on stdout
//!     rplay run … --summary                    a short human-readable summary instead
//!     rplay link <scenario.json>               the share link's fragment for a file
//!     rplay rebalance <keys> <shards>          keys moved by adding a shard, three ways
//!
//! A share link runs to the moment its sender was looking at (or the scenario's end).
//!
//! Exit status: 0 on success, 2 for a bad command line or scenario (the message names
//! the field), so scripts and teachers can check a scenario before class.

use replication_playground::engine::Report;
use replication_playground::engine::time::{Instant, ms};
use replication_playground::scenario::Scenario;
use replication_playground::scenario::link::{self, Shared};
use std::process::ExitCode;

const USAGE: &str = "usage: rplay run <scenario.json | share-link> [--summary | --json]\n       rplay link <scenario.json>\n       rplay rebalance <keys> <shards>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rplay: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let (cmd, rest) = args.split_first().ok_or(USAGE)?;
    if cmd == "rebalance" {
        return rebalance(rest);
    }
    let mut input = None;
    let mut summary = false;
    for a in rest {
        match a.as_str() {
            "--summary" => summary = true,
            "--json" => summary = false,
            s if s.starts_with("--") => return Err(format!("unknown option '{s}'\n{USAGE}")),
            s => input = Some(s),
        }
    }
    let input = input.ok_or(USAGE)?;
    match cmd.as_str() {
        "run" => {
            let report = if looks_like_link(input) {
                run_link(input)?
            } else {
                run_file(input)?
            };
            if summary {
                Ok(summarise(&report))
            } else {
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())
            }
        }
        "link" => {
            let source =
                std::fs::read_to_string(input).map_err(|e| format!("cannot read {input}: {e}"))?;
            let scenario = load(input)?;
            let preset = replication_playground::scenario::presets::PRESETS
                .iter()
                .find(|(_, json)| Scenario::from_json(json).is_ok_and(|p| p == scenario))
                .map(|(name, _)| name.to_string());
            let shared = Shared {
                scenario,
                source,
                preset,
                actions: Vec::new(),
                at_us: Instant::ZERO,
            };
            Ok(format!("#{}", link::encode(&shared)))
        }
        _ => Err(format!("unknown command '{cmd}'\n{USAGE}")),
    }
}

/// The cost of adding a shard to `shards` holding ids 1..=keys, under three placements.
fn rebalance(args: &[String]) -> Result<String, String> {
    use replication_playground::engine::rebalance::{Placement, keys_moved};
    let number = |i: usize, what: &str, max: u64| -> Result<u64, String> {
        let n: u64 = args
            .get(i)
            .ok_or(USAGE)?
            .parse()
            .map_err(|_| format!("{what} must be a whole number"))?;
        if n == 0 || n > max {
            return Err(format!("{what} must be between 1 and {max}"));
        }
        Ok(n)
    };
    let keys: Vec<u64> = (1..=number(0, "keys", 10_000_000)?).collect();
    let shards = number(1, "shards", 1_000)? as u32;
    let mut out = format!(
        "adding a shard to {shards} holding {} keys (hash vindex):\n",
        keys.len()
    );
    for (label, p) in [
        ("hash mod N", Placement::Modulo),
        (
            "consistent hashing, 128 virtual nodes",
            Placement::ConsistentHash { virtual_nodes: 128 },
        ),
        ("range split (Vitess)", Placement::RangeSplit),
    ] {
        let m = keys_moved(p, &keys, shards);
        out.push_str(&format!(
            "  {label:<38} {:>6.2} % of keys move ({} keys, {} to the new shard(s)), {} of {shards} shards give keys up\n",
            m.fraction() * 100.0,
            m.moved,
            m.to_new_shards,
            m.shards_touched
        ));
    }
    Ok(out.trim_end().to_string())
}

/// A link is a URL, a `#v…` fragment, or `v1.…`; anything else is a file path.
fn looks_like_link(s: &str) -> bool {
    s.contains('#') || (s.starts_with('v') && s.contains('.') && !std::path::Path::new(s).exists())
}

fn load(path: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))
}

fn run_file(path: &str) -> Result<Report, String> {
    load(path)?.run().map_err(|e| format!("{path}: {e}"))
}

fn run_link(text: &str) -> Result<Report, String> {
    let shared = link::decode(text).map_err(|e| format!("share link: {e}"))?;
    let until = match shared.at_us {
        Instant::ZERO => Instant::from_millis(shared.scenario.run_ms),
        t => t,
    };
    let world = shared
        .world_until(until)
        .map_err(|e| format!("share link: {e}"))?;
    Ok(Report::of(&world))
}

fn summarise(r: &Report) -> String {
    let mut out = format!(
        "seed {}  simulated {:.1} s  events {}  trace {}\n",
        r.seed,
        ms(r.simulated_ms).as_secs_f64(),
        r.events,
        r.trace_hash
    );
    for n in &r.nodes {
        let state = if n.alive { "up" } else { "DOWN" };
        let ro = if n.read_only { "ro" } else { "rw" };
        out += &format!(
            "  {:<6} {:<12} {:<4} {} {:<24} {}\n",
            n.name,
            format!("{:?}", n.role),
            state,
            ro,
            n.binlog_position,
            n.gtid_executed
        );
    }
    for f in &r.failovers {
        out += &format!(
            "failover at {} ms: {} -> {:?} ({})\n",
            f.at_ms,
            f.failed,
            f.promoted,
            if f.success { "ok" } else { "failed" }
        );
    }
    for f in &r.findings {
        out += &format!("[{:?}] {} ms: {}\n", f.kind, f.at_ms, f.detail);
    }
    out += &format!("clients: {:?}", r.clients);
    out
}
