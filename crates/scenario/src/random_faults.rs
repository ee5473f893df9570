//! The random-fault scenario: from one seed, a random cluster (one to four replicas,
//! durability settings, semi-sync or not, a lossy jittery network, one client) and a fault
//! schedule (crashes, restarts, cut links, partitions, slow appliers, switchovers, …) every
//! 0.2–3 s. `rplay sweep random-faults --seeds A..B` and `tests/engine_sweep.rs` run it
//! with every invariant checked after every event.
//!
//! The schedule is drawn from its own RNG stream (`Stream::Faults`), never from the run, so
//! it is fixed by the seed alone and can be drawn up front.

use crate::plan::Plan;
use replication_engine::config::*;
use replication_engine::rng::{SimRng, Stream};
use replication_engine::time::{Instant, us};
use replication_engine::{Command, World};

/// The name `rplay` knows it by.
pub const NAME: &str = "random-faults";
/// Simulated seconds a seed runs.
pub const SECONDS: u64 = 40;

/// Node names the nonsense mode picks from: real ones, other actors, and none.
const NAMES: [&str; 9] = [
    "db1", "db2", "db3", "db4", "router", "manager", "db9", "", "DB1",
];

/// The seed's cluster and schedule, run for `seconds`. With `nonsense`, half the commands
/// name things that do not exist or ask the impossible (they must be refused harmlessly).
pub fn plan(seed: u64, nonsense: bool, seconds: u64) -> Plan {
    let mut rng = SimRng::new(seed, Stream::Faults);
    let cluster = cluster(seed, &mut rng);
    let end = Instant::from_secs(seconds);
    let mut schedule = Vec::new();
    let mut next = Instant::from_micros(rng.between(500_000, 3_000_000));
    while next <= end {
        schedule.push((next, command(&mut rng, nonsense)));
        next += us(rng.between(200_000, 3_000_000));
    }
    let world = World::new(cluster).expect("the generator builds valid clusters");
    Plan::new(world, schedule, end)
}

/// A node with classroom timings: orchestrator's recommended replica_net_timeout=4,
/// retry 1 s.
fn node(name: &str, source: Option<&str>) -> NodeConfig {
    NodeConfig {
        name: name.into(),
        source: source.map(Into::into),
        read_only: source.is_some(),
        replica_net_timeout_s: 4,
        source_connect_retry_s: 1,
        ..NodeConfig::default()
    }
}

fn cluster(seed: u64, rng: &mut SimRng) -> ClusterConfig {
    let replicas = rng.between(1, 4) as usize;
    let mut nodes = vec![node("db1", None)];
    for i in 0..replicas {
        let source = if i == 2 && rng.chance(1, 3) {
            "db2"
        } else {
            "db1"
        };
        nodes.push(node(&format!("db{}", i + 2), Some(source)));
    }
    let semi = rng.chance(1, 3);
    for n in &mut nodes {
        n.sync_binlog = [0, 1, 1, 5][rng.between(0, 3) as usize];
        n.innodb_flush_log_at_trx_commit = rng.between(0, 2) as u8;
        n.rpl_semi_sync_source_enabled = semi;
        n.rpl_semi_sync_replica_enabled = semi;
        n.rpl_semi_sync_source_timeout_ms = rng.between(200, 3_000);
        n.max_binlog_size = 16 * 1024;
        n.binlog_expire_logs_seconds = rng.between(5, 60);
    }
    ClusterConfig {
        seed,
        nodes,
        primary: "db1".into(),
        failover: FailoverConfig {
            instance_poll_ms: 1_000,
            recovery_block_s: rng.between(0, 30),
            wait_for_relay_log_apply: rng.chance(1, 2),
            ..FailoverConfig::default()
        },
        router: RouterConfig {
            writer_source: if rng.chance(1, 4) {
                WriterSource::ReadOnlyFlag
            } else {
                WriterSource::Manager
            },
            read_your_writes: rng.chance(1, 3),
            ..RouterConfig::default()
        },
        clients: vec![ClientConfig {
            writes_per_s: rng.between(10, 300) as u32,
            reads_per_s: rng.between(0, 200) as u32,
            key_space: rng.between(5, 500),
            delete_permille: rng.between(0, 100) as u32,
            ..ClientConfig::default()
        }],
        network: LinkConfig {
            latency_us: rng.between(100, 5_000),
            jitter_us: rng.between(0, 2_000),
            loss_permille: rng.between(0, 20) as u32,
        },
        ..ClusterConfig::default()
    }
}

fn name(rng: &mut SimRng, sane: bool) -> String {
    let n = if sane {
        rng.between(0, 3)
    } else {
        rng.between(0, NAMES.len() as u64 - 1)
    };
    NAMES[n as usize].to_string()
}

/// A random fault or operator action; with `nonsense`, also impossible ones.
fn command(rng: &mut SimRng, nonsense: bool) -> Command {
    let sane = !nonsense || rng.chance(1, 2);
    let big = |rng: &mut SimRng| {
        if nonsense && rng.chance(1, 4) {
            u64::MAX - rng.between(0, 3)
        } else {
            rng.between(0, 5_000)
        }
    };
    match rng.between(0, 15) {
        0 | 1 => Command::Crash {
            node: name(rng, sane),
            power_loss: rng.chance(1, 3),
        },
        2 | 3 => Command::Restart {
            node: name(rng, sane),
        },
        4 => Command::CutLink {
            from: name(rng, sane),
            to: name(rng, sane),
            both_ways: rng.chance(1, 2),
        },
        5 => Command::HealLink {
            from: name(rng, sane),
            to: name(rng, sane),
            both_ways: rng.chance(1, 2),
        },
        6 => Command::Partition {
            nodes: (0..rng.between(0, 3)).map(|_| name(rng, sane)).collect(),
        },
        7 => Command::HealAll,
        8 => Command::SlowApplier {
            node: name(rng, sane),
            factor: big(rng).min(u64::from(u32::MAX)) as u32,
        },
        9 => Command::DirectWrite {
            node: name(rng, sane),
            key: big(rng),
            value: big(rng),
        },
        10 => Command::StopReplica {
            node: name(rng, sane),
        },
        11 => Command::StartReplica {
            node: name(rng, sane),
        },
        12 => Command::Switchover {
            to: name(rng, sane),
        },
        13 => Command::Promote {
            node: name(rng, sane),
        },
        14 => Command::SetLink {
            from: name(rng, sane),
            to: name(rng, sane),
            latency_us: big(rng),
            jitter_us: big(rng) / 2,
            loss_permille: rng.between(0, 1_200) as u32,
            both_ways: true,
        },
        _ => Command::SkipTransaction {
            node: name(rng, sane),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_fixed_by_the_seed_and_spans_the_run() {
        let a = plan(7, false, SECONDS);
        let b = plan(7, false, SECONDS);
        let c = plan(8, false, SECONDS);
        let labels = |p: &Plan| -> Vec<(u64, String)> {
            p.schedule()
                .iter()
                .map(|(t, c)| (t.as_micros(), c.label()))
                .collect()
        };
        assert_eq!(labels(&a), labels(&b));
        assert_ne!(labels(&a), labels(&c));
        // One action every 0.2–3 s over 40 s: at least a dozen, all inside the run.
        assert!(a.schedule().len() >= 12, "{}", a.schedule().len());
        assert!(a.schedule().iter().all(|(t, _)| *t <= a.end()));
    }
}
