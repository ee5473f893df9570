//! Time for the UI: play, pause, single steps, speed, and exact seeking.
//!
//! The engine is deterministic, so going back in time is: restore the nearest snapshot at
//! or before the target, then replay the user's actions up to it. A user action is always
//! applied after every event at its time has been processed (`run_until(now)` first), so a
//! live run and its replay apply it at exactly the same point. Pure Rust: tested natively.
//!
//! Snapshots cost little to take (a world clone shares its binlogs, tables and windows in
//! copy-on-write chunks, see `engine::chunked`) but grow as the live world moves on and
//! writes into the chunks they share. So they live within a byte budget: when they hold
//! more, the one whose loss leaves the smallest gap for its age goes, and snapshots end up
//! spaced further apart the further back they are. Seeking stays exact; only a seek far
//! back replays longer.

use crate::engine::footprint::Footprint;
use crate::engine::time::{Duration, Instant, secs};
use crate::engine::trace::TraceKind;
use crate::engine::{Command, CommandError, World};
use crate::ui::marks::RunMarks;

/// Simulated time between snapshots while playing forward.
pub const SNAPSHOT_EVERY: Duration = secs(5);
/// Bytes the snapshots and the world at time zero may hold together, counting what they
/// still share with the live world (it lets go of that as it runs on).
pub const SNAPSHOT_BUDGET_BYTES: u64 = 96 << 20;
/// Snapshots kept at most, however small they are.
pub const MAX_SNAPSHOTS: usize = 120;
/// Events processed per frame at most (the UI lowers it when frames get long), so a
/// fast-forward never freezes the page.
pub const EVENTS_PER_SLICE: u64 = 20_000;

/// Adapts the per-frame event budget to how long the last frame's simulation took:
/// halve it when over `target_ms`, grow it by a tenth when well under.
pub fn tune_slice(slice: u64, took_ms: f64, target_ms: f64) -> u64 {
    let next = if took_ms > target_ms {
        slice / 2
    } else if took_ms < target_ms / 2.0 {
        slice + slice / 10 + 1
    } else {
        slice
    };
    next.clamp(500, EVENTS_PER_SLICE)
}

/// A copy of the world at one moment, with what it holds in memory (counted once: a
/// snapshot never changes).
struct Snapshot {
    world: World,
    footprint: Footprint,
}

impl Snapshot {
    fn of(world: World) -> Snapshot {
        let mut footprint = Footprint::new();
        world.footprint(&mut footprint);
        Snapshot { world, footprint }
    }

    fn at(&self) -> Instant {
        self.world.now()
    }
}

pub struct Playback {
    pub world: World,
    /// The world at time zero, before anything ran: replay starts here if no snapshot fits.
    origin: Snapshot,
    /// Oldest first.
    snapshots: Vec<Snapshot>,
    /// What the user did by hand, with when: the part of a run the scenario does not hold.
    pub actions: Vec<(Instant, Command)>,
    pub playing: bool,
    /// Simulated seconds per wall-clock second (0.1 … 1000).
    pub speed: f64,
    /// Furthest time reached (the end of the timeline bar while scrubbing back).
    pub horizon: Instant,
    /// Where a fast-forward or seek is heading, when it takes more than one frame.
    pub target: Option<Instant>,
    /// How many of `actions` the current world has applied.
    applied: usize,
    /// Events one frame may process; the UI tunes it to keep frames short.
    pub slice: u64,
    /// The timeline's marks up to `horizon`, kept while the world shown is in the past.
    pub marks: RunMarks,
}

impl Playback {
    pub fn new(world: World) -> Self {
        Playback {
            origin: Snapshot::of(world.clone()),
            world,
            snapshots: Vec::new(),
            actions: Vec::new(),
            playing: false,
            speed: 1.0,
            horizon: Instant::ZERO,
            target: None,
            applied: 0,
            slice: EVENTS_PER_SLICE,
            marks: RunMarks::default(),
        }
    }

    /// A run opened from a share link: the world at time zero and the sender's actions,
    /// which are applied at their times as the run moves forward.
    pub fn with_actions(world: World, actions: Vec<(Instant, Command)>) -> Self {
        let mut p = Playback::new(world);
        p.actions = actions;
        p
    }

    pub fn now(&self) -> Instant {
        self.world.now()
    }

    /// Advances by `wall_ms` of real time at the current speed; at most one slice of events,
    /// so a frame stays short. Returns true if anything moved.
    pub fn frame(&mut self, wall_ms: f64) -> bool {
        if let Some(t) = self.target {
            return self.run_slice(t);
        }
        if !self.playing {
            return false;
        }
        let wall_ms = wall_ms.clamp(0.0, 100.0);
        let step = Duration::from_millis_f64(wall_ms * self.speed).max(Duration::from_micros(1));
        self.run_slice(self.now() + step)
    }

    /// Runs toward `t`, snapshotting on the way and re-applying recorded user actions when
    /// their time comes; at most one slice of events.
    fn run_slice(&mut self, t: Instant) -> bool {
        let mut budget = self.slice.max(1);
        loop {
            let every = self.snapshot_every();
            let next_snap = Instant::ZERO + every * (self.now().since_start() / every + 1);
            let next_action = self.actions.get(self.applied).map(|(at, _)| *at);
            let stop = [Some(t), Some(next_snap), next_action]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(t);
            let before = self.world.events();
            let reached = self.world.run_until_bounded(stop, budget);
            budget = budget.saturating_sub(self.world.events() - before);
            if reached && stop == next_snap && self.now() > self.last_snapshot_at() {
                self.snapshot();
            }
            if reached && Some(stop) == next_action {
                // It worked the first time; the same world at the same time accepts it again.
                let cmd = self.actions[self.applied].1.clone();
                let _ = self.world.apply(cmd);
                self.applied += 1;
            }
            self.horizon = self.horizon.max(self.now());
            self.marks.record(&self.world);
            if reached && stop == t && self.actions.get(self.applied).is_none_or(|(at, _)| *at > t)
            {
                self.target = None;
                return true;
            }
            if !reached || budget == 0 {
                self.target = Some(t);
                return true;
            }
        }
    }

    /// Snapshots are 5 simulated seconds apart, further at high speed: at 100× that is
    /// one every half a wall second instead of twenty a second (a clone is not free).
    fn snapshot_every(&self) -> Duration {
        let factor = (self.speed / 10.0).clamp(1.0, 100.0) as u64;
        SNAPSHOT_EVERY * factor
    }

    fn last_snapshot_at(&self) -> Instant {
        self.snapshots.last().map_or(Instant::ZERO, Snapshot::at)
    }

    fn snapshot(&mut self) {
        let mut world = self.world.clone();
        share_table_chunks(&mut world);
        self.snapshots.push(Snapshot::of(world));
        self.thin_snapshots();
    }

    /// Bytes the snapshots and the world at time zero hold together, each chunk they
    /// share counted once.
    pub fn snapshot_bytes(&self) -> u64 {
        let mut all = self.origin.footprint.clone();
        for s in &self.snapshots {
            all.merge(&s.footprint);
        }
        all.bytes()
    }

    /// The simulated times of the snapshots kept, oldest first.
    pub fn snapshot_times(&self) -> Vec<Instant> {
        self.snapshots.iter().map(Snapshot::at).collect()
    }

    /// Drops snapshots until they fit the budget and the count.
    fn thin_snapshots(&mut self) {
        while !self.snapshots.is_empty()
            && (self.snapshots.len() > MAX_SNAPSHOTS
                || self.snapshot_bytes() > SNAPSHOT_BUDGET_BYTES)
        {
            let times = self.snapshot_times();
            self.snapshots.remove(least_needed(&times, self.horizon));
        }
    }

    /// Processes exactly one event (the → key), from where the reader asked to be: a seek
    /// still replaying towards its moment is finished first.
    pub fn step(&mut self) {
        self.finish_seek();
        self.playing = false;
        self.world.step();
        self.horizon = self.horizon.max(self.now());
        self.marks.record(&self.world);
    }

    /// Goes back one event (the ← key): to the time of the event before the last one
    /// processed, with every event of that microsecond done (events at one microsecond go
    /// together). Landing on an event's own time, not just before the undone one, puts the
    /// clock back at or before where → started, even from a pause between two events.
    pub fn step_back(&mut self) {
        self.finish_seek();
        let mut times = self
            .world
            .trace
            .recent()
            .rev()
            .filter(|l| l.kind != TraceKind::Command)
            .map(|l| l.at_us);
        let last = times.next();
        let earlier = last.and_then(|last| times.find(|at| *at < last));
        drop(times);
        match (last, earlier) {
            (_, Some(at)) => self.seek(at),
            (Some(at), None) if at > Instant::ZERO => self.seek(at - Duration::from_micros(1)),
            _ => self.playing = false,
        }
    }

    /// Runs a seek still replaying (a slice a frame) to its end. Keys come faster than
    /// frames on a slow machine, and each must act from the moment the last one asked for.
    fn finish_seek(&mut self) {
        while let Some(t) = self.target {
            self.run_slice(t);
        }
    }

    /// Applies a user action now, recorded so seeking and replays reproduce it. Seeking
    /// back and acting again starts a new future: later actions and snapshots are dropped.
    /// Actions land on a whole simulated millisecond (the run moves up to 1 ms first):
    /// share links count in milliseconds, so a link replays them at exactly this point.
    pub fn apply(&mut self, cmd: Command) -> Result<(), CommandError> {
        let now = whole_ms(self.now());
        self.world.run_until(now);
        self.marks.record(&self.world);
        let findings_before = self.world.checker.findings.len();
        self.world.apply(cmd.clone())?;
        self.marks.forget_after(&self.world, findings_before);
        self.actions.truncate(self.applied);
        self.snapshots.retain(|s| s.at() <= now);
        self.horizon = now;
        self.actions.push((now, cmd));
        self.applied = self.actions.len();
        Ok(())
    }

    /// Moves to simulated time `t`, exactly: forward by running, backward by restoring the
    /// last snapshot at or before `t` and replaying the user's actions. Long forward jumps
    /// continue over the next frames (see `frame`).
    pub fn seek(&mut self, t: Instant) {
        self.playing = false;
        if t < self.now() {
            self.restore(t);
        }
        self.target = Some(t);
        self.run_slice(t);
    }

    /// Puts the world back to the last snapshot at or before `t`.
    fn restore(&mut self, t: Instant) {
        let base = self
            .snapshots
            .iter()
            .rev()
            .find(|s| s.at() <= t)
            .unwrap_or(&self.origin);
        self.world = base.world.clone();
        // A snapshot is taken before any action at its own time.
        self.applied = self
            .actions
            .partition_point(|(at, _)| *at < self.world.now());
    }

    /// Swaps in another line of the run (a branch): its hand actions, how far it was
    /// computed and its marks, and moves to `at` in it. Snapshots from before the two
    /// lines part are kept; the world is rebuilt from one, never run on from this line.
    pub fn load(
        &mut self,
        actions: Vec<(Instant, Command)>,
        horizon: Instant,
        marks: RunMarks,
        at: Instant,
    ) {
        let same = self
            .actions
            .iter()
            .zip(&actions)
            .take_while(|(a, b)| a == b)
            .count();
        let parted = [self.actions.get(same), actions.get(same)]
            .into_iter()
            .flatten()
            .map(|(t, _)| *t)
            .min()
            .unwrap_or(Instant::MAX);
        // A snapshot at the moment they part was taken before the actions there: shared.
        self.snapshots.retain(|s| s.at() <= parted);
        self.actions = actions;
        self.horizon = horizon;
        self.marks = marks;
        self.playing = false;
        self.restore(at.min(parted));
        self.target = Some(at);
        self.run_slice(at);
    }

    /// Sets the speed, clamped to 0.1× … 1000×.
    pub fn set_speed(&mut self, speed: f64) {
        self.speed = if speed.is_finite() {
            speed.clamp(0.1, 1_000.0)
        } else {
            1.0
        };
    }

    /// Moves to the next whole millisecond, where a share link can point exactly.
    pub fn align_to_ms(&mut self) {
        let t = whole_ms(self.now());
        if t != self.now() {
            self.seek(t);
        }
    }

    /// Whether a long fast-forward or seek is still under way.
    pub fn busy(&self) -> bool {
        self.target.is_some()
    }
}

/// Which snapshot to drop (index into `times`, oldest first): the one whose loss leaves
/// the smallest gap between its neighbours relative to how long ago that gap ends, so
/// snapshots end up spaced further apart the further back they are. The newest is kept
/// while another can go: it is where a rewind of a few seconds starts.
fn least_needed(times: &[Instant], now: Instant) -> usize {
    let gap_cost = |i: usize| {
        let before = if i == 0 { Instant::ZERO } else { times[i - 1] };
        let after = times[i + 1];
        let gap = (after - before).as_micros() as f64;
        gap / ((now - after) + SNAPSHOT_EVERY).as_micros() as f64
    };
    (0..times.len().saturating_sub(1))
        .min_by(|&a, &b| gap_cost(a).total_cmp(&gap_cost(b)))
        .unwrap_or(0)
}

/// Lets each node's table use an earlier node's chunks where the rows are the same (a
/// replica in step with its source): in a snapshot of nine nodes in step, nine tables take
/// about the memory of one. Only in snapshots: in the live world every write would then
/// copy a chunk.
fn share_table_chunks(world: &mut World) {
    for k in 1..world.nodes.len() {
        let (earlier, rest) = world.nodes.split_at_mut(k);
        for other in earlier.iter() {
            rest[0].data.share_chunks_with(&other.data);
        }
    }
}

/// `t` rounded up to a whole millisecond.
pub fn whole_ms(t: Instant) -> Instant {
    Instant::from_millis(t.as_millis_ceil())
}

/// Speed on a logarithmic slider: position 0…100 ↦ 0.1× … 1000×.
pub fn speed_from_slider(pos: f64) -> f64 {
    10f64.powf(-1.0 + 4.0 * pos.clamp(0.0, 100.0) / 100.0)
}

pub fn slider_from_speed(speed: f64) -> f64 {
    ((speed.clamp(0.1, 1_000.0).log10() + 1.0) / 4.0 * 100.0).clamp(0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::us;
    use crate::scenario::Scenario;
    use crate::scenario::presets::preset;
    use crate::ui::marks::MarkKind;

    fn playback() -> Playback {
        let s = Scenario::from_json(preset("async-failover-loses-writes").unwrap()).unwrap();
        Playback::new(s.world().unwrap())
    }

    fn finish(p: &mut Playback) {
        while p.busy() {
            p.frame(16.0);
        }
    }

    #[test]
    fn step_back_undoes_the_last_event() {
        let mut p = playback();
        p.seek(Instant::from_secs(3));
        finish(&mut p);
        let mut seen = vec![(p.world.trace.hash(), p.world.events(), p.now())];
        for _ in 0..40 {
            p.step();
            seen.push((p.world.trace.hash(), p.world.events(), p.now()));
        }
        let last_at = seen.last().unwrap().2;
        // Before the last event: the newest state from an earlier microsecond.
        let before = seen.iter().rev().find(|s| s.2 < last_at).unwrap();
        p.playing = true;
        p.step_back();
        finish(&mut p);
        assert!(!p.playing, "stepping back pauses");
        assert_eq!(
            (p.world.trace.hash(), p.world.events()),
            (before.0, before.1)
        );
        assert_eq!(p.now(), before.2, "on the earlier event's own time");
        assert!(p.world.events() < seen.last().unwrap().1);
        p.step();
        assert_eq!(p.now(), last_at, "→ does the undone event again");
    }

    #[test]
    fn step_then_step_back_from_a_pause_between_events_goes_no_later_than_the_pause() {
        let mut p = playback();
        // 3 s sharp is a pause between two events: the clock stands past the last one.
        p.seek(Instant::from_secs(3));
        finish(&mut p);
        let paused = p.now();
        p.step();
        assert!(p.now() > paused);
        p.step_back();
        finish(&mut p);
        assert!(
            p.now() <= paused,
            "{:?} is past the pause {:?}",
            p.now(),
            paused
        );
    }

    #[test]
    fn a_step_during_a_seek_steps_from_the_seeks_moment() {
        let mut p = playback();
        p.slice = 1;
        p.seek(Instant::from_secs(2));
        p.step();
        assert!(p.now() > Instant::from_secs(2));
        assert!(!p.busy());
    }

    #[test]
    fn steps_back_pressed_faster_than_frames_land_where_slow_ones_do() {
        let forward = || {
            let mut p = playback();
            p.seek(Instant::from_secs(3));
            finish(&mut p);
            (0..40).for_each(|_| p.step());
            p
        };
        let mut slow = forward();
        for _ in 0..40 {
            slow.step_back();
            finish(&mut slow);
        }
        let mut fast = forward();
        // One event a slice: every ← but the last finds the one before still replaying,
        // as when no frame runs between two key presses.
        fast.slice = 1;
        (0..40).for_each(|_| fast.step_back());
        finish(&mut fast);
        assert_eq!(
            (fast.now(), fast.world.events()),
            (slow.now(), slow.world.events())
        );
    }

    #[test]
    fn step_back_at_the_start_stays_there() {
        let mut p = playback();
        p.step_back();
        finish(&mut p);
        assert_eq!(p.now(), Instant::ZERO);
    }

    #[test]
    fn seeking_back_and_forth_is_exact() {
        let mut p = playback();
        p.seek(Instant::from_secs(12));
        finish(&mut p);
        let at_12 = (p.world.trace.hash(), p.world.events());
        p.seek(Instant::from_secs(30));
        finish(&mut p);
        p.seek(Instant::from_secs(12));
        finish(&mut p);
        assert_eq!((p.world.trace.hash(), p.world.events()), at_12);
        assert_eq!(p.now(), Instant::from_secs(12));
    }

    #[test]
    fn user_actions_replay_exactly_after_seeking_back() {
        let mut p = playback();
        p.seek(Instant::from_secs(3));
        finish(&mut p);
        p.apply(Command::Crash {
            node: "db2".into(),
            power_loss: false,
        })
        .unwrap();
        p.seek(Instant::from_secs(9));
        finish(&mut p);
        let live = (p.world.trace.hash(), p.world.events());
        p.seek(Instant::from_secs(1));
        finish(&mut p);
        assert!(
            p.world
                .node(p.world.node_id("db2").unwrap())
                .unwrap()
                .is_running(),
            "before the crash"
        );
        p.seek(Instant::from_secs(9));
        finish(&mut p);
        assert_eq!((p.world.trace.hash(), p.world.events()), live);
    }

    #[test]
    fn a_run_opened_with_actions_applies_them_on_the_way() {
        let s = Scenario::from_json(preset("async-failover-loses-writes").unwrap()).unwrap();
        let crash = Command::Crash {
            node: "db2".into(),
            power_loss: false,
        };
        let mut live = Playback::new(s.world().unwrap());
        live.seek(Instant::from_secs(3));
        finish(&mut live);
        live.apply(crash.clone()).unwrap();
        live.seek(Instant::from_secs(8));
        finish(&mut live);
        let mut opened =
            Playback::with_actions(s.world().unwrap(), vec![(Instant::from_secs(3), crash)]);
        opened.seek(Instant::from_secs(8));
        finish(&mut opened);
        assert_eq!(opened.world.trace.hash(), live.world.trace.hash());
    }

    #[test]
    fn acting_in_the_past_starts_a_new_future() {
        let mut p = playback();
        p.seek(Instant::from_secs(6));
        finish(&mut p);
        p.apply(Command::Crash {
            node: "db3".into(),
            power_loss: false,
        })
        .unwrap();
        p.seek(Instant::from_secs(2));
        finish(&mut p);
        p.apply(Command::Crash {
            node: "db2".into(),
            power_loss: false,
        })
        .unwrap();
        assert_eq!(p.actions.len(), 1);
        assert_eq!(p.horizon, Instant::from_secs(2));
    }

    /// (moment, kind, noun) of every mark: what the timeline draws.
    fn marks_of(p: &Playback) -> Vec<(Instant, MarkKind, String)> {
        p.marks
            .all(&p.world)
            .into_iter()
            .map(|m| (m.at, m.kind, m.noun))
            .collect()
    }

    #[test]
    fn the_whole_runs_marks_stay_after_seeking_back() {
        let mut p = playback();
        p.seek(Instant::from_secs(30));
        finish(&mut p);
        let whole = marks_of(&p);
        for kind in [MarkKind::Fault, MarkKind::Failover, MarkKind::Finding] {
            assert!(whole.iter().any(|m| m.1 == kind), "{kind:?} in {whole:?}");
        }
        p.seek(Instant::from_secs(1));
        finish(&mut p);
        assert_eq!(marks_of(&p), whole, "the coming failover and findings stay");
        // Replaying forward past the old end neither doubles nor drops a mark.
        p.seek(Instant::from_secs(12));
        finish(&mut p);
        p.seek(Instant::from_secs(40));
        finish(&mut p);
        let longer = marks_of(&p);
        assert_eq!(longer[..whole.len()], whole[..]);
        p.seek(Instant::from_secs(2));
        finish(&mut p);
        assert_eq!(marks_of(&p), longer);
    }

    #[test]
    fn acting_in_the_past_forgets_the_old_futures_marks() {
        let mut p = playback();
        p.seek(Instant::from_secs(30));
        finish(&mut p);
        p.seek(Instant::from_secs(2));
        finish(&mut p);
        p.apply(Command::Crash {
            node: "db3".into(),
            power_loss: false,
        })
        .unwrap();
        let marks = marks_of(&p);
        assert!(
            marks.iter().all(|m| m.0 <= Instant::from_secs(2)),
            "{marks:?}"
        );
        assert_eq!(
            marks.last().map(|m| m.1),
            Some(MarkKind::Fault),
            "the new crash"
        );
        // The new future's marks are the ones a fresh run with this action logs.
        p.seek(Instant::from_secs(20));
        finish(&mut p);
        let mut fresh = playback();
        fresh.actions = p.actions.clone();
        fresh.seek(Instant::from_secs(20));
        finish(&mut fresh);
        assert_eq!(marks_of(&p), marks_of(&fresh));
    }

    #[test]
    fn a_frame_never_runs_more_than_one_slice() {
        let mut p = playback();
        p.set_speed(1_000.0);
        p.playing = true;
        let before = p.world.events();
        p.frame(100.0);
        assert!(p.world.events() - before <= EVENTS_PER_SLICE + 64);
    }

    #[test]
    fn the_slice_shrinks_when_frames_are_slow_and_grows_back() {
        assert_eq!(tune_slice(20_000, 12.0, 8.0), 10_000);
        assert_eq!(tune_slice(600, 50.0, 8.0), 500);
        assert_eq!(tune_slice(10_000, 1.0, 8.0), 11_001);
        assert_eq!(tune_slice(20_000, 1.0, 8.0), 20_000);
        assert_eq!(tune_slice(10_000, 6.0, 8.0), 10_000);
    }

    #[test]
    fn thinning_keeps_the_newest_and_spaces_the_rest_by_age() {
        // The k-th snapshot time: k × SNAPSHOT_EVERY.
        let s = |k: u64| Instant::ZERO + SNAPSHOT_EVERY * k;
        assert_eq!(
            least_needed(&[s(7)], s(8)),
            0,
            "alone, even the newest goes"
        );
        // Two close together far back go before one in a wide gap near now.
        assert_eq!(least_needed(&[s(10), s(11), s(60), s(100)], s(100)), 0);
        assert_eq!(least_needed(&[s(10), s(30), s(31), s(100)], s(100)), 1);
        // Keeping every new snapshot and thinning each time leaves gaps that grow with age.
        let mut times = Vec::new();
        for k in 1..=400 {
            times.push(s(k));
            if times.len() > 8 {
                times.remove(least_needed(&times, s(k)));
            }
        }
        let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(times.last(), Some(&(s(400))));
        assert!(gaps.windows(2).all(|g| g[0] >= g[1]), "{times:?}");
        assert!(
            times[0] < s(300),
            "the oldest still reaches far back: {times:?}"
        );
    }

    #[test]
    fn the_speed_slider_is_logarithmic_and_clamped() {
        assert!((speed_from_slider(0.0) - 0.1).abs() < 1e-9);
        assert!((speed_from_slider(25.0) - 1.0).abs() < 1e-9);
        assert!((speed_from_slider(100.0) - 1_000.0).abs() < 1e-6);
        assert!((slider_from_speed(10.0) - 50.0).abs() < 1e-9);
        let mut p = playback();
        p.set_speed(f64::NAN);
        assert_eq!(p.speed, 1.0);
        p.set_speed(1e9);
        assert_eq!(p.speed, 1_000.0);
    }

    #[test]
    fn a_share_link_reproduces_a_live_run_to_the_moment() {
        use crate::scenario::link::{Shared, decode, encode};
        let name = "async-failover-loses-writes";
        let mut live = playback();
        live.seek(Instant::from_secs(3));
        finish(&mut live);
        for _ in 0..37 {
            live.step(); // to an odd microsecond, as a user stepping events would
        }
        live.apply(Command::Crash {
            node: "db2".into(),
            power_loss: false,
        })
        .unwrap();
        live.seek(live.now() + us(1_234_567));
        finish(&mut live);
        live.step();
        live.align_to_ms();
        finish(&mut live);
        let shared = Shared {
            scenario: Scenario::from_json(preset(name).unwrap()).unwrap(),
            source: preset(name).unwrap().to_string(),
            preset: Some(name.into()),
            actions: live.actions.clone(),
            at_us: live.now(),
        };
        let opened = decode(&encode(&shared)).unwrap().world().unwrap();
        assert_eq!(opened.now(), live.now());
        assert_eq!(opened.trace.hash(), live.world.trace.hash());
    }
}
