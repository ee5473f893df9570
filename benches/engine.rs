//! Engine throughput: events per second and simulated seconds per wall-clock second.
//!
//! `make bench` (criterion) measures the two reference clusters of the engine issue:
//! a 5-node asynchronous cluster at 1,000 writes/s and a 9-node semi-synchronous one.
//! After criterion, a plain summary prints the figures README.md quotes.
#![allow(clippy::disallowed_methods)] // a benchmark measures wall time by definition

use criterion::{Criterion, Throughput, criterion_group};
use replication_playground::engine::World;
use replication_playground::engine::config::*;
use replication_playground::engine::time;
use std::time::{Duration, Instant};

fn cluster(nodes: usize, semi_sync: bool, writes_per_s: u32) -> ClusterConfig {
    let mut cfg: Vec<NodeConfig> = (1..=nodes)
        .map(|i| NodeConfig {
            name: format!("db{i}"),
            source: (i > 1).then(|| "db1".to_string()),
            read_only: i > 1,
            rpl_semi_sync_source_enabled: semi_sync,
            rpl_semi_sync_replica_enabled: semi_sync,
            replica_net_timeout_s: 4,
            source_connect_retry_s: 1,
            ..NodeConfig::default()
        })
        .collect();
    cfg[0].read_only = false;
    ClusterConfig {
        seed: 1,
        nodes: cfg,
        primary: "db1".into(),
        failover: FailoverConfig {
            instance_poll_ms: 1_000,
            ..FailoverConfig::default()
        },
        clients: vec![ClientConfig {
            writes_per_s,
            reads_per_s: writes_per_s / 4,
            key_space: 100_000,
            max_inflight: 256,
            ..ClientConfig::default()
        }],
        ..ClusterConfig::default()
    }
}

const CASES: [(&str, usize, bool); 2] = [
    ("async_5_nodes_1000_wps", 5, false),
    ("semisync_9_nodes_1000_wps", 9, true),
];
const SIM_SECONDS: u64 = 10;

fn run(nodes: usize, semi: bool) -> u64 {
    let mut w = World::new(cluster(nodes, semi, 1_000)).unwrap();
    w.run_until(time::Instant::from_secs(SIM_SECONDS));
    w.events()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    for (name, nodes, semi) in CASES {
        g.throughput(Throughput::Elements(run(nodes, semi)));
        g.bench_function(name, |b| b.iter(|| run(nodes, semi)));
    }
    g.finish();
}

criterion_group!(benches, bench);

/// The figures README quotes: best of three runs of 60 simulated seconds each.
fn summary() {
    println!("\nengine summary (60 simulated seconds, best of 3):");
    for (name, nodes, semi) in CASES {
        let mut best = f64::MAX;
        let mut events = 0;
        for _ in 0..3 {
            let mut w = World::new(cluster(nodes, semi, 1_000)).unwrap();
            let t = Instant::now();
            w.run_until(time::Instant::from_secs(60));
            best = best.min(t.elapsed().as_secs_f64());
            events = w.events();
        }
        println!(
            "  {name:<28} {:>6.2} M events/s  {:>7.0} simulated s per wall s  ({events} events)",
            events as f64 / best / 1e6,
            60.0 / best
        );
    }
}

/// Resharding at scale (the sharding issue's benchmark): four shards filled for 300
/// simulated seconds at 1,000 writes/s over 100,000 ids, then one split under the same load.
fn reshard_summary() {
    use replication_playground::engine::Report;
    use replication_playground::scenario::Scenario;
    let text = include_str!("scenarios/reshard-4-shards-100k.json");
    let s = Scenario::from_json(text).expect("the benchmark scenario loads");
    let mut w = s.world().unwrap();
    let t0 = Instant::now();
    w.run_until(time::Instant::from_secs(300));
    let fill = t0.elapsed().as_secs_f64();
    let rows: u64 = w
        .nodes
        .iter()
        .filter(|n| n.name().ends_with('1'))
        .map(|n| n.data.len())
        .sum();
    let t1 = Instant::now();
    w.run_until(time::Instant::from_millis(s.run_ms));
    let reshard = t1.elapsed().as_secs_f64();
    let r = Report::of(&w);
    let wf = r.reshard.expect("the workflow ran");
    println!("\nresharding (benches/scenarios/reshard-4-shards-100k.json):");
    println!(
        "  fill: 300 simulated s, {rows} rows, in {fill:.2} s wall; split of c0- under 1,000 writes/s: {} rows copied, {} simulated s from create to complete in {reshard:.2} s wall, write stall {:?} ms, VDiff {} of {} rows differ, phase {}",
        wf.rows_copied,
        (time::ms(s.run_ms) - time::secs(300)).as_secs(),
        wf.write_stalls_ms,
        wf.vdiff_differ.unwrap_or(0),
        wf.vdiff_rows.unwrap_or(0),
        wf.phase
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
    reshard_summary();
}
