//! `rplay sweep <scenario> --seeds A..B [--jobs N]`: runs every seed with every invariant
//! checked after every event, on every core, and prints one JSON line per seed in seed
//! order (a seed that finishes early waits for the ones before it), so the output of a
//! sweep is the same whatever the number of jobs.
//!
//! Threads take the next seed from a shared counter rather than splitting the range up
//! front (as rayon's parallel iterators do), so lines stream out in order while the sweep
//! runs, and a reader that stops (`| head`) stops the sweep.

use crate::target::Target;
use crate::{Exit, Out, say};
use clap::Args;
use replication_playground::engine::World;
use replication_playground::engine::checker::FindingKind;
use replication_playground::scenario::plan::Broken;
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::{ControlFlow, Range};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

#[derive(Args)]
pub struct SweepArgs {
    /// A scenario file, share link, preset name or random-faults.
    scenario: String,
    /// Seeds to run: A..B (B excluded, as in Rust), A..=B, or one seed N.
    #[arg(long, value_name = "A..B", value_parser = parse_seeds)]
    seeds: Range<u64>,
    /// Seeds run at once (default: one per core).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    jobs: Option<u32>,
}

/// One seed's line. `invariant` is null unless one broke.
#[derive(Serialize)]
struct SeedLine {
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    simulated_ms: Option<u64>,
    failovers: usize,
    /// Findings by kind; kinds not found are left out.
    findings: BTreeMap<&'static str, u64>,
    invariant: Option<InvariantLine>,
    reproduce: String,
}

#[derive(Serialize)]
struct InvariantLine {
    /// Absent when the engine panicked (the message says so).
    #[serde(skip_serializing_if = "Option::is_none")]
    at_us: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<u64>,
    message: String,
}

fn parse_seeds(s: &str) -> Result<Range<u64>, String> {
    let number = |t: &str| {
        t.trim()
            .parse::<u64>()
            .map_err(|_| format!("'{t}' is not a seed (a whole number)"))
    };
    let range = if let Some((a, b)) = s.split_once("..=") {
        number(a)?
            ..number(b)?
                .checked_add(1)
                .ok_or("the last seed is too large")?
    } else if let Some((a, b)) = s.split_once("..") {
        number(a)?..number(b)?
    } else {
        let n = number(s)?;
        n..n.checked_add(1).ok_or("the seed is too large")?
    };
    if range.is_empty() {
        return Err(format!(
            "{s} holds no seed (A..B runs A up to B, B excluded)"
        ));
    }
    Ok(range)
}

fn seed_line(target: &Target, seed: u64) -> SeedLine {
    let run = catch_unwind(AssertUnwindSafe(|| {
        let plan = target.plan(Some(seed)).ok()?;
        Some(plan.run(true, |_| ControlFlow::Continue(())))
    }));
    let mut line = SeedLine {
        seed,
        trace_hash: None,
        events: None,
        simulated_ms: None,
        failovers: 0,
        findings: BTreeMap::new(),
        invariant: None,
        reproduce: target.reproduce(seed),
    };
    match run {
        Ok(Some((world, broken))) => fill(&mut line, &world, broken),
        Ok(None) => unreachable!("the scenario was checked before the sweep"),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            line.invariant = Some(InvariantLine {
                at_us: None,
                event: None,
                message: format!("the engine panicked: {text}"),
            });
        }
    }
    line
}

fn fill(line: &mut SeedLine, world: &World, broken: Option<Broken>) {
    line.trace_hash = Some(world.trace.hash_hex());
    line.events = Some(world.events());
    line.simulated_ms = Some(world.now().as_millis());
    line.failovers = world.recoveries().len();
    line.findings = FindingKind::ALL
        .iter()
        .map(|k| (k.name(), world.checker.count(*k)))
        .filter(|(_, n)| *n > 0)
        .collect();
    line.invariant = broken.map(|b| InvariantLine {
        at_us: Some(b.at.as_micros()),
        event: Some(b.events),
        message: b.message,
    });
}

pub fn sweep(args: &SweepArgs, out: &mut Out) -> Result<(), Exit> {
    let target = Target::parse(&args.scenario)?;
    target.plan(Some(args.seeds.start))?;
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |j| j as usize,
    );
    // The wall clock only times the sweep for its closing line on stderr; no run reads it.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let (seeds, broken) = run_in_parallel(&target, args.seeds.clone(), jobs, out)?;
    let wall_s = started.elapsed().as_secs_f64();
    say(&format!(
        "rplay sweep: {seeds} seeds in {wall_s:.1} s ({:.1} seeds/s, {jobs} jobs); {broken} broke an invariant",
        seeds as f64 / wall_s.max(1e-9)
    ));
    if broken > 0 {
        return Err(Exit::Broken);
    }
    Ok(())
}

/// Runs the seeds on `jobs` threads and writes their lines in seed order. Returns the
/// seeds run and how many broke an invariant.
fn run_in_parallel(
    target: &Target,
    seeds: Range<u64>,
    jobs: usize,
    out: &mut Out,
) -> Result<(u64, u64), Exit> {
    let next = AtomicU64::new(seeds.start);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<SeedLine>();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, stop, end) = (&next, &stop, seeds.end);
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= end || tx.send(seed_line(target, seed)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let result = write_in_order(rx, seeds.start, out);
        // Also on error: the threads finish the seed they run and take no other.
        stop.store(true, Ordering::Relaxed);
        result
    })
}

fn write_in_order(
    rx: mpsc::Receiver<SeedLine>,
    first: u64,
    out: &mut Out,
) -> Result<(u64, u64), Exit> {
    let mut waiting = BTreeMap::new();
    let (mut want, mut broken) = (first, 0);
    for line in rx {
        waiting.insert(line.seed, line);
        while let Some(line) = waiting.remove(&want) {
            broken += u64::from(line.invariant.is_some());
            let text = serde_json::to_string(&line).map_err(|e| Exit::Io(e.to_string()))?;
            out.line(&text)?;
            want += 1;
        }
        out.flush()?;
    }
    Ok((want - first, broken))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_read_as_in_rust() {
        assert_eq!(parse_seeds("0..10"), Ok(0..10));
        assert_eq!(parse_seeds("5..=7"), Ok(5..8));
        assert_eq!(parse_seeds("42"), Ok(42..43));
        assert!(parse_seeds("7..7").is_err());
        assert!(parse_seeds("a..b").is_err());
        assert!(parse_seeds("1..=18446744073709551615").is_err());
    }
}
