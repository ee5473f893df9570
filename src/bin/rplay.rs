//! `rplay`: runs a scenario headless with the same engine the browser uses.
//!
//!     rplay run <scenario.json>            the JSON report on stdout
//!     rplay run <scenario.json> --summary  a short human-readable summary instead
//!
//! Exit status: 0 on success, 2 for a bad command line or scenario (the message names
//! the field), so scripts and teachers can check a scenario before class.

use replication_playground::engine::Report;
use replication_playground::scenario::Scenario;
use std::process::ExitCode;

const USAGE: &str = "usage: rplay run <scenario.json> [--summary | --json]";

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
    if cmd != "run" {
        return Err(format!("unknown command '{cmd}'\n{USAGE}"));
    }
    let mut path = None;
    let mut summary = false;
    for a in rest {
        match a.as_str() {
            "--summary" => summary = true,
            "--json" => summary = false,
            s if s.starts_with("--") => return Err(format!("unknown option '{s}'\n{USAGE}")),
            s => path = Some(s),
        }
    }
    let path = path.ok_or(USAGE)?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let scenario = Scenario::from_json(&text).map_err(|e| format!("{path}: {e}"))?;
    let report = scenario.run().map_err(|e| format!("{path}: {e}"))?;
    if summary {
        Ok(summarise(&report))
    } else {
        serde_json::to_string_pretty(&report).map_err(|e| e.to_string())
    }
}

fn summarise(r: &Report) -> String {
    let mut out = format!(
        "seed {}  simulated {:.1} s  events {}  trace {}\n",
        r.seed,
        r.simulated_ms as f64 / 1000.0,
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
