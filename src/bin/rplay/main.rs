//! `rplay`: runs a scenario headless with the same engine the browser uses.
//!
//!     rplay run <scenario>                       the JSON report on stdout
//!     rplay run … --summary                      a short human-readable summary instead
//!     rplay run … --history                      every client operation, one JSON line each
//!     rplay run … --seed N --invariants          another seed; stop at a broken invariant
//!     rplay sweep <scenario> --seeds A..B        one JSON line per seed, invariants checked
//!     rplay link <scenario.json>                 the share link's fragment for a file
//!     rplay export <scenario> --flavor F [--out DIR]  the files that build it on real servers
//!     rplay rebalance <keys> <shards>            keys moved by adding a shard, three ways
//!
//! A scenario is a file, a share link, a preset's name or `random-faults`. A share link
//! runs to the moment its sender was looking at (or the scenario's end).
//!
//! Exit status: 0 on success (also when the reader of stdout goes away, as `| head` does),
//! 1 when an invariant broke or output failed, 2 for a bad command line or scenario (the
//! message names the field), so scripts and teachers can check a scenario before class.

mod export;
mod history;
mod sweep;
mod target;

use clap::{Args, Parser, Subcommand};
use replication_playground::engine::Report;
use replication_playground::engine::time::{Instant, ms};
use replication_playground::scenario::Scenario;
use replication_playground::scenario::link::{self, Shared};
use std::io::{self, BufWriter, StdoutLock, Write};
use std::ops::ControlFlow;
use std::process::ExitCode;
use target::Target;

#[derive(Parser)]
#[command(
    name = "rplay",
    version,
    about = "Runs Replication Playground scenarios headless: reports, histories, seed sweeps",
    after_help = "A <SCENARIO> is a scenario file (assets/scenarios/*.json), a share link \
                  (#v1.… or a whole URL), the name of a preset (free-play, …) or \
                  random-faults (a random cluster and fault schedule drawn from the seed).\n\
                  Exit status: 0 ok, 1 an invariant broke, 2 a bad command line or scenario."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario to its end and print the JSON report (or a summary, or the history).
    Run(RunArgs),
    /// Run many seeds of a scenario in parallel, invariants checked after every event:
    /// one JSON line per seed, in seed order.
    Sweep(sweep::SweepArgs),
    /// The files that build the scenario's cluster on real servers: option files, setup
    /// SQL, Orchestrator and ProxySQL settings (docs/export.md).
    Export(export::ExportArgs),
    /// Print the share link's fragment (#v1.…) for a scenario file.
    Link {
        /// The scenario file.
        file: String,
    },
    /// Keys moved by adding a shard to SHARDS shards holding ids 1..=KEYS, three ways.
    Rebalance {
        /// Keys held (1 to 10,000,000).
        #[arg(value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        keys: u64,
        /// Shards before the new one (1 to 1,000).
        #[arg(value_parser = clap::value_parser!(u32).range(1..=1_000))]
        shards: u32,
    },
}

#[derive(Args)]
struct RunArgs {
    /// A scenario file, share link, preset name or random-faults.
    scenario: String,
    /// A short human-readable summary instead of the JSON report.
    #[arg(long, overrides_with = "json")]
    summary: bool,
    /// The JSON report (the default).
    #[arg(long, overrides_with = "summary")]
    json: bool,
    /// Instead of the report, every client operation as one JSON line
    /// (docs/rplay.md: "The history format").
    #[arg(long, conflicts_with_all = ["summary", "json"])]
    history: bool,
    /// Run with this seed instead of the scenario's own.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Check every invariant after every event; at the first broken one, say which on
    /// stderr and exit with status 1 (what a sweep's reproduce command uses).
    #[arg(long)]
    invariants: bool,
}

/// Why rplay stops short of success.
enum Exit {
    /// A bad command line or scenario: status 2, like clap's usage errors.
    Usage(String),
    /// An invariant broke (already said on stderr): status 1.
    Broken,
    /// The reader of stdout went away: a quiet, successful exit.
    ClosedPipe,
    /// Writing the output failed otherwise: status 1.
    Io(String),
}

impl From<io::Error> for Exit {
    fn from(e: io::Error) -> Exit {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Exit::ClosedPipe
        } else {
            Exit::Io(format!("cannot write the output: {e}"))
        }
    }
}

/// stdout, locked once and buffered: `println!` would panic when the reader goes away.
pub(crate) struct Out(BufWriter<StdoutLock<'static>>);

impl Out {
    fn new() -> Out {
        Out(BufWriter::new(io::stdout().lock()))
    }

    pub(crate) fn line(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.0, "{text}")
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Says something on stderr; if stderr is gone too there is no one left to tell.
pub(crate) fn say(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" with status 0; usage errors have 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let mut out = Out::new();
    let result = dispatch(cli.command, &mut out).and_then(|()| Ok(out.flush()?));
    match result {
        Ok(()) | Err(Exit::ClosedPipe) => ExitCode::SUCCESS,
        Err(Exit::Usage(e)) => {
            say(&format!("rplay: {e}"));
            ExitCode::from(2)
        }
        Err(Exit::Broken) => ExitCode::from(1),
        Err(Exit::Io(e)) => {
            say(&format!("rplay: {e}"));
            ExitCode::from(1)
        }
    }
}

fn dispatch(cmd: Cmd, out: &mut Out) -> Result<(), Exit> {
    match cmd {
        Cmd::Run(args) => run(&args, out),
        Cmd::Sweep(args) => sweep::sweep(&args, out),
        Cmd::Export(args) => export::export(&args, out),
        Cmd::Link { file } => Ok(out.line(&share_link(&file)?)?),
        Cmd::Rebalance { keys, shards } => Ok(out.line(&rebalance(keys, shards))?),
    }
}

fn run(args: &RunArgs, out: &mut Out) -> Result<(), Exit> {
    let target = Target::parse(&args.scenario)?;
    // The report of a run stopped by a broken invariant shows the state it broke in.
    let (world, broken) = if args.history || args.invariants || !target.is_link() {
        let plan = target.plan(args.seed)?;
        let mut writer = history::Writer::new(args.history);
        let (world, broken) = plan.run(args.invariants, |w| match writer.write_new(w, out) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        });
        writer.finish(&world, out)?;
        (world, broken)
    } else {
        (target.world_of_link(args.seed)?, None)
    };
    if !args.history {
        let report = Report::of(&world);
        let text = if args.summary {
            summarise(&report)
        } else {
            serde_json::to_string_pretty(&report).map_err(|e| Exit::Io(e.to_string()))?
        };
        out.line(&text)?;
    }
    match broken {
        None => Ok(()),
        Some(b) => {
            out.flush()?;
            say(&format!(
                "rplay: invariant broken at {} µs (event {}): {}",
                b.at.as_micros(),
                b.events,
                b.message
            ));
            Err(Exit::Broken)
        }
    }
}

fn share_link(input: &str) -> Result<String, Exit> {
    let source = std::fs::read_to_string(input)
        .map_err(|e| Exit::Usage(format!("cannot read {input}: {e}")))?;
    let scenario =
        Scenario::from_json(&source).map_err(|e| Exit::Usage(format!("{input}: {e}")))?;
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

/// The cost of adding a shard to `shards` holding ids 1..=keys, under three placements.
fn rebalance(keys: u64, shards: u32) -> String {
    use replication_playground::engine::rebalance::{Placement, keys_moved};
    let keys: Vec<u64> = (1..=keys).collect();
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
    out.trim_end().to_string()
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
    // Every node may have the source plugin on; only those that served semi-sync speak.
    let active = r
        .semi_sync
        .iter()
        .filter(|s| s.clients > 0 || s.yes_tx + s.no_tx > 0);
    for s in active {
        out += &format!(
            "semi-sync {}: {}, {} replica(s) acking; commits {} acked, {} not; {} blocked waiting for an ack, {} of them timed out; fell back to async {} time(s)\n",
            s.node,
            s.status,
            s.clients,
            s.yes_tx,
            s.no_tx,
            s.blocked_commits,
            s.timed_out_commits,
            s.no_times
        );
    }
    for c in &r.client_stats {
        out += &format!(
            "client {}: {} ok, {} failed, {} unknown; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms\n",
            c.client,
            c.ok,
            c.failed,
            c.unknown,
            c.latency_p50_us as f64 / 1e3,
            c.latency_p99_us as f64 / 1e3,
            c.latency_max_us as f64 / 1e3
        );
    }
    out += &format!("clients: {:?}", r.clients);
    out
}
