//! The sharded architecture (Vitess model, replication-model.md §8): each key range is
//! served by its own replication cluster with its own failover; the router maps a row's
//! id through the vindex to its shard. Facts from §12 (14) and the data-safety rules.
#![cfg(not(target_arch = "wasm32"))]

use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::{Report, World};
use replication_playground::scenario::Scenario;

fn sharded(extra: &str) -> Scenario {
    let json = format!(
        r#"{{"version": 1, "name": "two shards", "seed": 3,
            "topology": {{"kind": "sharded", "shards": ["-80", "80-"], "replicas": 1}},
            "defaults": {{"replica_net_timeout_s": 4, "source_connect_retry_s": 1}},
            "failover": {{"instance_poll_ms": 1000}},
            "workload": {{"clients": [{{"writes_per_s": 200, "reads_per_s": 100, "key_space": 200}}]}},
            "run_ms": 20000 {extra}}}"#
    );
    Scenario::from_json(&json).unwrap_or_else(|e| panic!("{e}"))
}

fn run(s: &Scenario) -> (World, Report) {
    let mut w = s.world().unwrap();
    w.run_until(s.run_ms * 1_000);
    let r = Report::of(&w);
    (w, r)
}

fn keys(w: &World, node: &str) -> Vec<u64> {
    let n = w.node(w.node_id(node).unwrap()).unwrap();
    n.data.iter().map(|(k, _)| k).collect()
}

/// §12 fact 14: with the hash vindex, ids 1, 2, 3, 5 live in -80 and 4, 6 in 80-; every
/// key is on exactly one shard and each shard's replica holds exactly its primary's keys.
#[test]
fn each_key_lives_on_the_one_shard_its_keyspace_id_names() {
    let (w, r) = run(&sharded(""));
    let (a, b) = (keys(&w, "a1"), keys(&w, "b1"));
    for id in [1, 2, 3, 5] {
        assert!(
            a.contains(&id) && !b.contains(&id),
            "id {id} belongs to -80"
        );
    }
    for id in [4, 6] {
        assert!(
            b.contains(&id) && !a.contains(&id),
            "id {id} belongs to 80-"
        );
    }
    assert_eq!(a.len() + b.len(), 200, "no key missing, none on two shards");
    assert_eq!(keys(&w, "a2"), a, "a2 replicates shard -80 only");
    assert_eq!(keys(&w, "b2"), b);
    assert_eq!(r.shards.len(), 2);
    assert_eq!(r.shards[0].range, "-80");
    assert_eq!(r.shards[1].writer.as_deref(), Some("b1"));
    assert!(
        r.shards.iter().all(|s| s.operations > 1_000),
        "both shards take traffic"
    );
    // Two writable primaries of different shards are not a split brain.
    assert_eq!(r.finding_counts["split_brain"], 0);
    assert_eq!(r.finding_counts["lost_write"], 0);
}

/// A shard's primary dies: only that shard fails over (its own manager, its own replica);
/// the other shard keeps its writer and loses nothing.
#[test]
fn a_shard_fails_over_alone() {
    let s = sharded(r#", "timeline": [{"at_ms": 5000, "action": "crash", "node": "b1"}]"#);
    let (_, r) = run(&s);
    let promoted: Vec<_> = r
        .failovers
        .iter()
        .filter(|f| f.success)
        .map(|f| f.promoted.clone().unwrap())
        .collect();
    assert_eq!(promoted, vec!["b2".to_string()]);
    assert_eq!(
        r.shards[0].writer.as_deref(),
        Some("a1"),
        "shard -80 untouched"
    );
    assert_eq!(r.shards[1].writer.as_deref(), Some("b2"));
    assert_eq!(r.finding_counts["split_brain"], 0);
}

/// Lost writes are judged per shard: an async power loss on one shard loses only writes
/// committed there (the other shard's acknowledged writes are not "missing" from b2).
#[test]
fn lost_writes_are_counted_in_the_shard_that_lost_them() {
    let s = sharded(
        r#", "network": {"latency_us": 20000},
            "timeline": [{"at_ms": 1000, "action": "set_link", "from": "b1", "to": "b2", "latency_us": 3000, "loss_permille": 500},
                         {"at_ms": 6000, "action": "crash", "node": "b1", "power_loss": true}]"#,
    );
    let (w, r) = run(&s);
    let lost = w
        .checker
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::LostWrite)
        .count();
    assert!(lost > 0, "async failover in shard 80- loses writes: {r:?}");
    let a1 = w.node(w.node_id("a1").unwrap()).unwrap().uuid;
    assert!(
        w.checker
            .reported_lost()
            .retain_uuids(|u| u == a1)
            .is_empty(),
        "no write of shard -80 is reported lost"
    );
}

/// A hot range: with the range vindex neighbouring ids share a shard, so a skewed workload
/// on ids 1..20 makes the first shard hot; the hash vindex spreads the same keys.
#[test]
fn a_skewed_workload_makes_a_hot_shard_under_range_sharding_only() {
    let share = |vindex: &str| {
        let json = format!(
            r#"{{"version": 1, "name": "hot", "seed": 5,
                "topology": {{"kind": "sharded", "shards": ["-40", "40-80", "80-c0", "c0-"], "vindex": {vindex}}},
                "workload": {{"clients": [{{"writes_per_s": 300, "reads_per_s": 0, "key_space": 1000, "hot_permille": 800, "hot_keys": 20}}]}},
                "run_ms": 5000}}"#
        );
        let (_, r) = run(&Scenario::from_json(&json).unwrap());
        let total: u64 = r.shards.iter().map(|s| s.operations).sum();
        r.shards[0].operations as f64 / total as f64
    };
    let range = share(r#"{"range": {"key_space": 1000}}"#);
    let hash = share(r#""hash""#);
    assert!(
        range > 0.75,
        "range sharding: the first shard takes {range}"
    );
    assert!(hash < 0.5, "hash sharding spreads the hot keys: {hash}");
}

#[test]
fn bad_shard_layouts_are_refused_in_words() {
    let bad = |shards: &str| {
        let json = format!(
            r#"{{"version": 1, "name": "x", "topology": {{"kind": "sharded", "shards": {shards}}}, "run_ms": 1000}}"#
        );
        Scenario::from_json(&json).unwrap_err().to_string()
    };
    assert!(bad(r#"["-80", "90-"]"#).contains("shards"), "a gap");
    assert!(bad(r#"["-80", "40-"]"#).contains("shards"), "an overlap");
    assert!(bad(r#"["-8z"]"#).contains("topology"), "not hex");
    let auto = r#"{"version": 1, "name": "x", "topology": {"kind": "sharded", "shards": ["-80", "80-"]},
        "workload": {"clients": [{"insert_mode": "auto_increment"}]}, "run_ms": 1000}"#;
    assert!(
        Scenario::from_json(auto)
            .unwrap_err()
            .to_string()
            .contains("sequence")
    );
}

/// Random faults on sharded clusters, with every invariant — including that each node
/// holds only rows of its own shard — checked after every event.
#[test]
fn random_faults_on_shards_keep_every_invariant() {
    use replication_playground::engine::Command;
    use replication_playground::engine::rng::{SimRng, Stream};
    let mut failovers = 0;
    for seed in 0..12u64 {
        let mut rng = SimRng::new(seed, Stream::Faults);
        let shards =
            [r#"["-80", "80-"]"#, r#"["-40", "40-80", "80-"]"#][rng.between(0, 1) as usize];
        let semi = rng.chance(1, 2);
        let json = format!(
            r#"{{"version": 1, "name": "sweep", "seed": {seed},
                "topology": {{"kind": "sharded", "shards": {shards}, "replicas": {}}},
                "defaults": {{"replica_net_timeout_s": 4, "source_connect_retry_s": 1,
                    "rpl_semi_sync_source_enabled": {semi}, "rpl_semi_sync_replica_enabled": {semi}}},
                "failover": {{"instance_poll_ms": 1000, "recovery_block_s": 5}},
                "workload": {{"clients": [{{"writes_per_s": 150, "reads_per_s": 80, "key_space": 300, "delete_permille": 50}}]}},
                "run_ms": 30000}}"#,
            rng.between(1, 2)
        );
        let s = Scenario::from_json(&json).unwrap();
        let mut w = s.world().unwrap();
        let names: Vec<String> = w.nodes.iter().map(|n| n.name().to_string()).collect();
        let mut next = rng.between(500_000, 3_000_000);
        while w.now() < 30_000_000 {
            while w.next_event_at().is_some_and(|t| t <= next) {
                w.step();
                if let Err(e) = w.check_invariants(w.events() % 256 == 0) {
                    panic!("seed {seed}: at {} µs: {e}", w.now());
                }
            }
            w.run_until(next);
            let node = names[rng.between(0, names.len() as u64 - 1) as usize].clone();
            let other = names[rng.between(0, names.len() as u64 - 1) as usize].clone();
            let cmd = match rng.between(0, 5) {
                0 => Command::Crash {
                    node,
                    power_loss: rng.chance(1, 2),
                },
                1 => Command::Restart { node },
                2 => Command::Partition { nodes: vec![node] },
                3 => Command::CutLink {
                    from: node,
                    to: other,
                    both_ways: true,
                },
                4 => Command::Switchover { to: node },
                _ => Command::HealAll,
            };
            let _ = w.apply(cmd);
            next += rng.between(500_000, 4_000_000);
        }
        w.check_invariants(true)
            .unwrap_or_else(|e| panic!("seed {seed}: at the end: {e}"));
        failovers += w.recoveries().len();
    }
    assert!(failovers > 3, "only {failovers} failovers across the sweep");
}
