//! Narration on the clock: which lesson step the page shows. Playing, scrubbing and seeking
//! move the step (the last one whose moment the run has reached); Next / Back move the run
//! to a step's moment. A step anchored to an event that has not happened in the world shown
//! sends the run forward until it does, then lands exactly on it.
//!
//! Pure Rust over [`Playback`]: tested natively.

use super::playback::Playback;
use crate::engine::time::Instant;
use crate::scenario::Scenario;
use crate::scenario::lesson::StepMoment;

/// The lesson step shown, and what ties it to the clock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Narration {
    step: usize,
    /// The clock's step when last looked at. The step shown follows the clock only when the
    /// clock's step changes, so a step reached with Next that has no moment stays shown.
    clock: Option<usize>,
    /// A step whose event has not happened yet in the world shown: the run is heading for
    /// the end of the scenario looking for it.
    pending: Option<usize>,
    /// The next arrival ends a move the reader asked for: take the clock's step there as
    /// the baseline and keep the step they chose (it may share its moment with another).
    hold: bool,
}

/// What following the clock changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Followed {
    Same,
    /// The clock reached another step: show it (and what it says to watch).
    Moved,
    /// Step `0` waits for an event the run never reached: it stays shown, unreached.
    Missed(usize),
}

impl Narration {
    /// The step shown.
    pub fn step(&self) -> usize {
        self.step
    }

    /// Shows `step` without moving the run (a replayed run keeping the reader's place).
    pub fn keep(step: usize) -> Narration {
        Narration {
            step,
            hold: true,
            ..Narration::default()
        }
    }

    /// Shows step `i` (within the lesson) and moves the run to its moment: at once when it
    /// is a time or an event already in the world shown, else toward the scenario's end
    /// until the event happens. A step without a moment leaves the run where it is.
    pub fn go_to(&mut self, i: usize, pb: &mut Playback, scenario: &Scenario) {
        let Some(lesson) = &scenario.lesson else {
            return;
        };
        self.step = i.min(lesson.steps.len().saturating_sub(1));
        self.pending = None;
        self.hold = true;
        let Some(step) = lesson.steps.get(self.step) else {
            return;
        };
        match step.moment(&pb.world, &scenario.timeline) {
            StepMoment::At(t) => pb.seek(t),
            StepMoment::Pending => {
                self.pending = Some(self.step);
                pb.seek(Instant::from_millis(scenario.run_ms).max(pb.now()));
            }
            StepMoment::Unset => {}
        }
    }

    /// The reader moved the run themselves (the timeline, a finding): the step follows.
    pub fn scrubbed(&mut self) {
        self.pending = None;
        self.hold = false;
    }

    /// Looks at the run after it moved: finishes a move to a step, and else shows the
    /// clock's step when it changed.
    pub fn follow(&mut self, pb: &mut Playback, scenario: &Scenario) -> Followed {
        let Some(lesson) = &scenario.lesson else {
            return Followed::Same;
        };
        if let Some(i) = self.pending {
            match lesson
                .steps
                .get(i)
                .map(|s| s.moment(&pb.world, &scenario.timeline))
            {
                // It happened: land on its moment (back from an overshoot, or on by its wait).
                Some(StepMoment::At(t)) => {
                    self.pending = None;
                    pb.seek(t);
                    return Followed::Same;
                }
                _ if pb.busy() => return Followed::Same,
                _ => {
                    // The step asked for stays shown; the clock takes over from here.
                    self.pending = None;
                    self.clock = lesson.clock_step(&pb.world, &scenario.timeline);
                    return Followed::Missed(i);
                }
            }
        }
        if pb.busy() {
            return Followed::Same;
        }
        let clock = lesson.clock_step(&pb.world, &scenario.timeline);
        if std::mem::take(&mut self.hold) || clock == self.clock {
            self.clock = clock;
            return Followed::Same;
        }
        self.clock = clock;
        match clock {
            Some(c) if c != self.step => {
                self.step = c;
                Followed::Moved
            }
            _ => Followed::Same,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Command;
    use crate::scenario::presets::preset;

    const LESSON: &str = "async-failover-loses-writes";

    fn start(name: &str) -> (Playback, Scenario) {
        let s = Scenario::from_json(preset(name).unwrap()).unwrap();
        (Playback::new(s.world().unwrap()), s)
    }

    /// Frames until the run and the narration are both at rest.
    fn settle(n: &mut Narration, pb: &mut Playback, s: &Scenario) -> Followed {
        let mut last = Followed::Same;
        for _ in 0..10_000 {
            pb.frame(16.0);
            let f = n.follow(pb, s);
            if f != Followed::Same {
                last = f;
            }
            if !pb.busy() && n.pending.is_none() {
                return last;
            }
        }
        panic!("the run did not settle");
    }

    /// The failover in this preset's run, from the run itself.
    fn failover_at(s: &Scenario) -> Instant {
        let mut w = s.world().unwrap();
        w.run_until(Instant::from_millis(s.run_ms));
        let r = w.recoveries();
        r.iter()
            .find(|r| !r.planned && r.success)
            .unwrap()
            .finished_us
            .unwrap()
    }

    #[test]
    fn playing_shows_each_step_when_its_moment_comes() {
        let (mut pb, s) = start(LESSON);
        let mut n = Narration::default();
        assert_eq!(settle(&mut n, &mut pb, &s), Followed::Same);
        assert_eq!(n.step(), 0);
        pb.playing = true;
        pb.set_speed(100.0);
        let mut seen = vec![(0, pb.now())];
        while pb.now() < Instant::from_millis(s.run_ms) {
            pb.frame(16.0);
            if n.follow(&mut pb, &s) == Followed::Moved {
                seen.push((n.step(), pb.now()));
            }
        }
        let steps: Vec<usize> = seen.iter().map(|(i, _)| *i).collect();
        assert_eq!(steps, vec![0, 1, 2, 3]);
        // The failover step shows after the promotion, not at the crash (8 s).
        let promoted = failover_at(&s);
        assert!(seen[2].1 >= promoted, "{:?} before {promoted:?}", seen[2].1);
    }

    #[test]
    fn next_and_back_move_the_run_to_each_steps_moment() {
        let (mut pb, s) = start(LESSON);
        let mut n = Narration::default();
        settle(&mut n, &mut pb, &s);
        n.go_to(1, &mut pb, &s);
        settle(&mut n, &mut pb, &s);
        assert_eq!((n.step(), pb.now()), (1, Instant::from_millis(5_000)));
        // Step 3 waits for the failover, which this world has not reached: the run goes
        // looking for it and lands half a second after it.
        n.go_to(2, &mut pb, &s);
        assert_eq!(n.step(), 2);
        settle(&mut n, &mut pb, &s);
        let landed = failover_at(&s) + crate::engine::time::ms(500);
        assert_eq!((n.step(), pb.now()), (2, landed));
        n.go_to(1, &mut pb, &s);
        settle(&mut n, &mut pb, &s);
        assert_eq!((n.step(), pb.now()), (1, Instant::from_millis(5_000)));
        // Once reached, the event is in the past of a later world: Back goes straight to it.
        n.go_to(3, &mut pb, &s);
        settle(&mut n, &mut pb, &s);
        n.go_to(2, &mut pb, &s);
        settle(&mut n, &mut pb, &s);
        assert_eq!((n.step(), pb.now()), (2, landed));
    }

    #[test]
    fn scrubbing_keeps_the_step_in_sync() {
        let (mut pb, s) = start(LESSON);
        let mut n = Narration::default();
        n.go_to(3, &mut pb, &s);
        settle(&mut n, &mut pb, &s);
        assert_eq!(n.step(), 3);
        for (ms, step) in [(8_000, 1), (2_000, 0), (21_000, 3), (12_000, 2)] {
            n.scrubbed();
            pb.seek(Instant::from_millis(ms));
            settle(&mut n, &mut pb, &s);
            assert_eq!(n.step(), step, "at {ms} ms");
        }
    }

    #[test]
    fn a_step_whose_event_never_comes_is_said_missed() {
        // The same lesson without db1's crash: no failover ever happens.
        let (_, mut s) = start(LESSON);
        s.timeline
            .retain(|a| !matches!(a.action, Command::Crash { .. }));
        let mut pb = Playback::new(s.world().unwrap());
        let mut n = Narration::default();
        settle(&mut n, &mut pb, &s);
        n.go_to(2, &mut pb, &s);
        assert_eq!(settle(&mut n, &mut pb, &s), Followed::Missed(2));
        assert_eq!((n.step(), pb.now()), (2, Instant::from_millis(s.run_ms)));
        // Scrubbing afterwards follows the clock again.
        n.scrubbed();
        pb.seek(Instant::from_millis(1_000));
        settle(&mut n, &mut pb, &s);
        assert_eq!(n.step(), 0);
    }
}
