//! The playback keeps what it needs to seek back within a fixed byte budget, however long
//! and however fast a class watches: the soak scenario (9 semi-sync nodes, 1,000 writes/s)
//! is played frame by frame, as the page does, and after every frame the snapshots must
//! fit the budget, the allocator must agree with the budget's accounting, and a seek back
//! must still land on exactly the run a straight replay gives.
//!
//! By default 6 simulated minutes at 10× and one minute at 1× (past the binlogs' first
//! purge at 300 s). The whole hour at both speeds, with the memory curve printed:
//! `PLAYBACK_HOUR=1 cargo test --release --test playback_memory -- --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

use replication_playground::engine::footprint::Footprint;
use replication_playground::engine::time::{Instant, secs};
use replication_playground::scenario::Scenario;
use replication_playground::ui::playback::{Playback, SNAPSHOT_BUDGET_BYTES};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts the bytes the test process holds, to check the footprint estimate against.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter moves.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HELD.fetch_add(layout.size(), Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        HELD.fetch_add(size, Relaxed);
        HELD.fetch_sub(layout.size(), Relaxed);
        unsafe { System.realloc(ptr, layout, size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The count is for the whole process: the tests take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const SOAK: &str = include_str!("../benches/scenarios/memory-hour-9-nodes.json");
const FRAME_MS: f64 = 1_000.0 / 60.0;
const MB: f64 = 1e6;
/// What the allocator may hold beyond the live world and the snapshot budget: the page's
/// scenario text, the test's own bookkeeping, allocator rounding.
const SLACK_BYTES: u64 = 16 << 20;

fn soak() -> Scenario {
    Scenario::from_json(SOAK).unwrap()
}

fn footprint_of(world: &replication_playground::engine::World) -> u64 {
    let mut f = Footprint::new();
    world.footprint(&mut f);
    f.bytes()
}

/// Plays the soak scenario at `speed` to `until_s`, frame by frame, checking the budget
/// whenever the snapshots change and the allocator every simulated 10 seconds. Returns
/// the playback and the curve (simulated s, live world MB, snapshots MB, held MB).
fn play(speed: f64, until_s: u64) -> (Playback, Vec<(u64, f64, f64, f64)>) {
    let mut p = Playback::new(soak().world().unwrap());
    p.set_speed(speed);
    p.playing = true;
    let (mut kept, mut curve, mut next_sample) = (Vec::new(), Vec::new(), Instant::ZERO);
    while p.now() < Instant::from_secs(until_s) {
        p.frame(FRAME_MS);
        let times = p.snapshot_times();
        if times != kept {
            let bytes = p.snapshot_bytes();
            assert!(
                bytes <= SNAPSHOT_BUDGET_BYTES,
                "{speed}× at {} s: snapshots hold {bytes} bytes, over the budget",
                p.now().as_secs()
            );
            kept = times;
        }
        if p.now() >= next_sample {
            let live = footprint_of(&p.world);
            let (snapshots, held) = (p.snapshot_bytes(), HELD.load(Relaxed) as u64);
            assert!(
                held <= live + SNAPSHOT_BUDGET_BYTES + SLACK_BYTES,
                "{speed}× at {} s: the process holds {held} bytes; live world {live}, snapshots {snapshots}",
                p.now().as_secs()
            );
            let s = p.now().as_secs();
            curve.push((s, live as f64 / MB, snapshots as f64 / MB, held as f64 / MB));
            next_sample += secs(10);
        }
    }
    (p, curve)
}

/// Seeks back to `t` and compares with a straight run of a fresh world to `t`.
fn assert_seek_is_exact(p: &mut Playback, t: Instant) {
    p.seek(t);
    while p.busy() {
        p.frame(FRAME_MS);
    }
    let mut straight = soak().world().unwrap();
    straight.run_until(t);
    assert_eq!(
        (p.world.trace.hash(), p.world.events()),
        (straight.trace.hash(), straight.events()),
        "seek to {} µs",
        t.as_micros()
    );
}

fn report(speed: f64, curve: &[(u64, f64, f64, f64)], p: &Playback) {
    let every = (curve.len() / 12).max(1);
    println!("{speed}×: simulated s, live world MB, snapshots MB, process heap MB");
    for (s, live, snaps, held) in curve.iter().step_by(every) {
        println!("  {s:>5} {live:>7.1} {snaps:>7.1} {held:>7.1}");
    }
    let times: Vec<u64> = p.snapshot_times().iter().map(|t| t.as_secs()).collect();
    println!("  snapshots kept at {times:?} s");
}

fn hour() -> bool {
    std::env::var_os("PLAYBACK_HOUR").is_some()
}

#[test]
fn at_10x_the_snapshots_stay_within_their_budget_and_seeking_stays_exact() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let until_s = if hour() { 3_600 } else { 360 };
    let (mut p, curve) = play(10.0, until_s);
    report(10.0, &curve, &p);
    let times = p.snapshot_times();
    assert!(
        times.len() >= 2,
        "the budget holds more than one snapshot: {times:?}"
    );
    let gaps: Vec<replication_playground::engine::time::Duration> =
        times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.first() >= gaps.last(),
        "snapshots are spaced further apart the further back they are: {times:?}"
    );
    assert_seek_is_exact(&mut p, Instant::from_micros(123_456_789));
    assert_seek_is_exact(
        &mut p,
        Instant::from_micros(until_s * 1_000_000 - 7_000_000),
    );
}

#[test]
fn at_1x_the_snapshots_stay_within_their_budget_and_seeking_stays_exact() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let until_s = if hour() { 3_600 } else { 60 };
    let (mut p, curve) = play(1.0, until_s);
    report(1.0, &curve, &p);
    assert!(p.snapshot_times().len() >= 2);
    assert_seek_is_exact(
        &mut p,
        Instant::from_micros(until_s * 1_000_000 - 12_345_678),
    );
}

/// The estimate the budget is counted with agrees with the allocator: what a snapshot
/// comes to hold once the live world has moved on, and what the live world holds.
#[test]
fn the_footprint_estimate_agrees_with_the_allocator() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = HELD.load(Relaxed) as u64;
    let mut world = soak().world().unwrap();
    world.run_until(Instant::from_secs(40));
    let held = HELD.load(Relaxed) as u64 - before;
    let estimate = footprint_of(&world);
    let within = |a: u64, b: u64| a as f64 > 0.85 * b as f64 && (a as f64) < 1.15 * b as f64;
    assert!(
        within(estimate, held),
        "live world: estimate {estimate}, allocator {held}"
    );
    let snapshot = world.clone();
    world.run_until(Instant::from_secs(70));
    let with = HELD.load(Relaxed) as u64;
    let mut both = Footprint::new();
    world.footprint(&mut both);
    let live = both.bytes();
    snapshot.footprint(&mut both);
    let estimate = both.bytes() - live;
    drop(snapshot);
    let held = with - HELD.load(Relaxed) as u64;
    assert!(
        within(estimate, held),
        "snapshot: estimate {estimate}, allocator {held}"
    );
}
