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

/// A fault anywhere: a crash or power loss, a restart, a node or the router partitioned
/// away, a cut link, a switchover, or healing everything.
fn random_fault(
    rng: &mut replication_playground::engine::rng::SimRng,
    names: &[String],
) -> replication_playground::engine::Command {
    use replication_playground::engine::Command;
    let pick = |rng: &mut replication_playground::engine::rng::SimRng| {
        names[rng.between(0, names.len() as u64 - 1) as usize].clone()
    };
    let node = pick(rng);
    match rng.between(0, 6) {
        0 => Command::Crash {
            node,
            power_loss: rng.chance(1, 2),
        },
        1 => Command::Restart { node },
        2 => Command::Partition { nodes: vec![node] },
        3 => Command::CutLink {
            from: node,
            to: pick(rng),
            both_ways: true,
        },
        4 => Command::Switchover { to: node },
        5 => Command::Partition {
            nodes: vec!["router".into()],
        },
        _ => Command::HealAll,
    }
}

/// Random faults on sharded clusters, with every invariant — including that each node
/// holds only rows of its own shard — checked after every event.
#[test]
fn random_faults_on_shards_keep_every_invariant() {
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
                if let Err(e) = w.check_invariants(w.events().is_multiple_of(256)) {
                    panic!("seed {seed}: at {} µs: {e}", w.now());
                }
            }
            w.run_until(next);
            let _ = w.apply(random_fault(&mut rng, &names));
            next += rng.between(500_000, 4_000_000);
        }
        w.check_invariants(true)
            .unwrap_or_else(|e| panic!("seed {seed}: at the end: {e}"));
        failovers += w.recoveries().len();
    }
    assert!(failovers > 3, "only {failovers} failovers across the sweep");
}

fn preset(name: &str) -> Scenario {
    let json = replication_playground::scenario::presets::preset(name).unwrap();
    Scenario::from_json(json).unwrap()
}

/// Runs to the end, checking every invariant (including that each key is served by exactly
/// one shard for reads and for writes) after every event.
fn run_checked(s: &Scenario) -> (World, Report) {
    let mut w = s.world().unwrap();
    let end = s.run_ms * 1_000;
    while w.next_event_at().is_some_and(|t| t <= end) {
        w.step();
        if let Err(e) = w.check_invariants(w.events().is_multiple_of(512)) {
            panic!("{}: at {} µs: {e}", s.name, w.now());
        }
    }
    w.run_until(end);
    w.check_invariants(true).unwrap();
    let r = Report::of(&w);
    (w, r)
}

/// §12 fact 14: a split under load copies, catches up, diffs clean, switches with a short
/// write stall, and loses nothing; afterwards only the new shards serve the range.
#[test]
fn splitting_a_shard_under_load_loses_nothing() {
    let (w, r) = run_checked(&preset("reshard-add-shard"));
    let wf = r.reshard.as_ref().unwrap();
    assert_eq!(wf.phase, "completed", "{:?}", wf.log);
    assert_eq!(wf.vdiff_differ, Some(0));
    assert!(wf.vdiff_rows.unwrap() > 1_000);
    assert_eq!(wf.write_stalls_ms.len(), 1);
    assert!(
        (1..1_000).contains(&wf.write_stalls_ms[0]),
        "a brief write stall: {:?}",
        wf.write_stalls_ms
    );
    assert_eq!(r.finding_counts["lost_write"], 0);
    assert_eq!(r.finding_counts["divergence"], 0);
    let serving: Vec<_> = w
        .router
        .shards
        .iter()
        .filter(|s| s.serving_writes)
        .map(|s| s.range.to_string())
        .collect();
    assert_eq!(serving, ["-80", "80-c0", "c0-"]);
    // Writes during the switch were refused, not lost: every failure is the stall's.
    assert!(r.clients.failed > 0);
}

#[test]
fn a_target_primary_crash_during_the_copy_restarts_the_copy_safely() {
    let (_, r) = run_checked(&preset("reshard-crash-during-copy"));
    let wf = r.reshard.as_ref().unwrap();
    assert_eq!(wf.phase, "completed", "{:?}", wf.log);
    assert_eq!(wf.vdiff_differ, Some(0));
    assert!(
        r.failovers
            .iter()
            .any(|f| f.success && f.promoted.as_deref() == Some("c2"))
    );
    assert_eq!(r.finding_counts["lost_write"], 0);
    assert_eq!(r.finding_counts["divergence"], 0);
}

#[test]
fn reverse_traffic_brings_writes_back_with_every_write() {
    let (w, r) = run_checked(&preset("reshard-switch-and-reverse"));
    let wf = r.reshard.as_ref().unwrap();
    assert_eq!(wf.phase, "running", "{:?}", wf.log);
    assert_eq!(wf.write_stalls_ms.len(), 2, "one stall per switch");
    assert_eq!(wf.vdiff_differ, Some(0));
    assert_eq!(r.finding_counts["lost_write"], 0);
    let b = w
        .router
        .shards
        .iter()
        .find(|s| s.range.to_string() == "80-")
        .unwrap();
    assert!(b.serving_writes && b.serving_reads);
}

/// The source shard's primary dies during the copy: its own manager fails over, and the
/// streams carry on from the new primary by GTID (semi-sync: nothing acknowledged lost).
#[test]
fn a_source_failover_during_the_copy_is_followed_by_gtid() {
    let mut s = preset("reshard-crash-during-copy");
    s.timeline[1].action = replication_playground::engine::Command::Crash {
        node: "b1".into(),
        power_loss: false,
    };
    let (_, r) = run_checked(&s);
    let wf = r.reshard.as_ref().unwrap();
    assert_eq!(wf.phase, "completed", "{:?}", wf.log);
    assert_eq!(wf.vdiff_differ, Some(0));
    assert!(
        r.failovers
            .iter()
            .any(|f| f.success && f.promoted.as_deref() == Some("b2"))
    );
    assert_eq!(r.finding_counts["lost_write"], 0);
}

/// The checks can fail: a row written behind the workflow's back on a target makes VDiff
/// and the switch report a difference.
#[test]
fn a_target_changed_behind_the_workflow_is_caught_at_the_switch() {
    use replication_playground::engine::Command;
    use replication_playground::engine::keyspace::{KeyRange, Vindex};
    let mut s = preset("reshard-add-shard");
    let range = KeyRange::parse("80-c0").unwrap();
    let key = (1..)
        .find(|k| range.contains(Vindex::Hash.keyspace_id(*k)))
        .unwrap();
    s.timeline.insert(
        1,
        replication_playground::scenario::TimedAction {
            at_ms: 10_000,
            action: Command::DirectWrite {
                node: "c1".into(),
                key,
                value: 424_242,
            },
        },
    );
    let mut w = s.world().unwrap();
    w.run_until(s.run_ms * 1_000);
    let r = Report::of(&w);
    assert!(r.reshard.as_ref().unwrap().vdiff_differ.unwrap() > 0);
    assert!(r.finding_counts["divergence"] > 0);
}

#[test]
fn impossible_workflow_steps_are_refused_in_words() {
    use replication_playground::engine::Command;
    use replication_playground::engine::reshard::Step;
    let mut s = preset("reshard-add-shard");
    s.timeline.clear();
    let mut w = s.world().unwrap();
    let step = |w: &mut World, step| w.apply(Command::Reshard { step }).map_err(|e| e.0);
    assert!(
        step(&mut w, Step::SwitchWrites)
            .unwrap_err()
            .contains("create one first")
    );
    step(&mut w, Step::Create).unwrap();
    assert!(step(&mut w, Step::Create).unwrap_err().contains("already"));
    assert!(
        step(&mut w, Step::SwitchReads)
            .unwrap_err()
            .contains("copying")
    );
    assert!(step(&mut w, Step::Complete).is_err());
    w.run_until(20_000_000);
    step(&mut w, Step::SwitchWrites).unwrap();
    w.run_until(21_000_000);
    assert!(
        step(&mut w, Step::Cancel)
            .unwrap_err()
            .contains("reverse_traffic")
    );
    let mut plain = sharded("").world().unwrap();
    assert!(
        step(&mut plain, Step::Create)
            .unwrap_err()
            .contains("no target shards")
    );
}

/// Random faults while a shard is being split: crashes, power losses, partitions, cut
/// links, on sources, targets and the router, at any phase. Every invariant holds after
/// every event; when a switch happens, the two sides agree.
#[test]
fn random_faults_during_resharding_keep_the_data_safe() {
    use replication_playground::engine::Command;
    use replication_playground::engine::reshard::Step;
    use replication_playground::engine::rng::{SimRng, Stream};
    let mut completed = 0;
    let seeds: u64 = std::env::var("RESHARD_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    for seed in 0..seeds {
        let mut rng = SimRng::new(seed, Stream::Faults);
        let mut s = preset("reshard-add-shard");
        s.seed = seed;
        s.run_ms = 40_000;
        s.timeline = vec![];
        let mut w = s.world().unwrap();
        let names: Vec<String> = w.nodes.iter().map(|n| n.name().to_string()).collect();
        let steps = [
            (3_000_000, Step::Create),
            (15_000_000, Step::SwitchReads),
            (20_000_000, Step::SwitchWrites),
            (32_000_000, Step::Complete),
        ];
        let mut next_fault = rng.between(2_000_000, 6_000_000);
        let mut next_step = 0;
        while w.now() < 40_000_000 {
            let stop = next_fault.min(steps.get(next_step).map_or(u64::MAX, |s| s.0));
            while w.next_event_at().is_some_and(|t| t <= stop) {
                w.step();
                if let Err(e) = w.check_invariants(w.events().is_multiple_of(512)) {
                    panic!("seed {seed}: at {} µs: {e}", w.now());
                }
            }
            w.run_until(stop);
            if next_step < steps.len() && stop == steps[next_step].0 {
                let _ = w.apply(Command::Reshard {
                    step: steps[next_step].1,
                });
                next_step += 1;
            }
            if stop == next_fault {
                let _ = w.apply(random_fault(&mut rng, &names));
                next_fault += rng.between(1_000_000, 5_000_000);
            }
        }
        w.check_invariants(true)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let r = Report::of(&w);
        let wf = r.reshard.unwrap();
        if wf.phase == "completed" {
            completed += 1;
        }
        // A switch only happens when both sides agree.
        assert_eq!(
            r.finding_counts["divergence"], 0,
            "seed {seed}: {:?}",
            wf.log
        );
    }
    assert!(
        completed * 10 >= seeds * 3,
        "only {completed} of {seeds} workflows completed under faults"
    );
}

/// Removing a shard is a merge: two adjacent shards' rows are streamed into one target
/// whose range covers both (one stream per source).
#[test]
fn merging_two_shards_into_one() {
    let json = r#"{"version": 1, "name": "merge", "seed": 31,
        "topology": {"kind": "sharded", "shards": ["-40", "40-80", "80-"], "targets": ["-80"], "replicas": 1},
        "defaults": {"replica_net_timeout_s": 4, "source_connect_retry_s": 1},
        "failover": {"instance_poll_ms": 1000},
        "workload": {"clients": [{"writes_per_s": 300, "reads_per_s": 100, "key_space": 3000}]},
        "timeline": [{"at_ms": 4000, "action": "reshard", "step": "create"},
                     {"at_ms": 15000, "action": "reshard", "step": "switch_writes"},
                     {"at_ms": 20000, "action": "reshard", "step": "complete"}],
        "run_ms": 25000}"#;
    let (w, r) = run_checked(&Scenario::from_json(json).unwrap());
    let wf = r.reshard.as_ref().unwrap();
    assert_eq!(wf.phase, "completed", "{:?}", wf.log);
    assert_eq!(wf.sources, ["-40", "40-80"]);
    assert_eq!(wf.targets, ["-80"]);
    assert_eq!(w.reshard.as_ref().unwrap().reverse.len(), 0);
    assert_eq!(wf.vdiff_differ, Some(0));
    assert_eq!(r.finding_counts["lost_write"], 0);
    let serving: Vec<_> = w
        .router
        .shards
        .iter()
        .filter(|s| s.serving_writes)
        .map(|s| s.range.to_string())
        .collect();
    assert_eq!(serving, ["80-", "-80"]);
}
