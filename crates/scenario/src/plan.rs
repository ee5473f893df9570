//! A run to carry out step by step: a world, commands to apply at given moments (not
//! queued as timeline events, so they leave no trace line of their own), and an end.
//! Stepping lets a runner check invariants after every event and watch every client
//! operation complete, which `World::run_until` does not.

use crate::{Scenario, ScenarioError};
use replication_engine::time::Instant;
use replication_engine::{Command, World};
use std::ops::ControlFlow;

pub struct Plan {
    world: World,
    schedule: Vec<(Instant, Command)>,
    end: Instant,
}

/// The first invariant a run broke: when, after how many events, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    pub at: Instant,
    pub events: u64,
    pub message: String,
}

/// Deep invariants (walking whole binlogs and tables) every this many events.
const DEEP_EVERY_EVENTS: u64 = 256;

impl Plan {
    pub fn new(world: World, mut schedule: Vec<(Instant, Command)>, end: Instant) -> Plan {
        schedule.sort_by_key(|(at, _)| *at);
        Plan {
            world,
            schedule,
            end,
        }
    }

    /// A scenario document: its timeline is already queued in the world.
    pub fn of_scenario(scenario: &Scenario) -> Result<Plan, ScenarioError> {
        Ok(Plan::new(
            scenario.world()?,
            Vec::new(),
            Instant::from_millis(scenario.run_ms),
        ))
    }

    pub fn schedule(&self) -> &[(Instant, Command)] {
        &self.schedule
    }

    pub fn end(&self) -> Instant {
        self.end
    }

    /// Runs to the end, calling `watch` after every event and command; it may stop the
    /// run early (a reader went away). With `checked`, every invariant is checked after
    /// every event (the deep ones every 256 events and at the end) and the run stops at
    /// the first broken one. The world is returned either way. Unchecked and unstopped,
    /// the trace is the one `World::run_until(end)` gives.
    pub fn run(
        self,
        checked: bool,
        mut watch: impl FnMut(&World) -> ControlFlow<()>,
    ) -> (World, Option<Broken>) {
        let Plan {
            mut world,
            schedule,
            end,
        } = self;
        let check = |w: &World, deep: bool| match w.check_invariants(deep) {
            Ok(()) => None,
            Err(message) => Some(Broken {
                at: w.now(),
                events: w.events(),
                message,
            }),
        };
        let mut actions = schedule.into_iter().peekable();
        loop {
            let stop = actions.peek().map_or(end, |(at, _)| (*at).min(end));
            while world.next_event_at().is_some_and(|t| t <= stop) {
                world.step();
                if watch(&world).is_break() {
                    return (world, None);
                }
                let deep = world.events().is_multiple_of(DEEP_EVERY_EVENTS);
                if let Some(b) = checked.then(|| check(&world, deep)).flatten() {
                    return (world, Some(b));
                }
            }
            world.run_until(stop);
            if let Some((_, cmd)) = actions.next_if(|(at, _)| *at == stop) {
                // A refused command is part of the schedule (the nonsense mode counts on it).
                let _ = world.apply(cmd);
                if watch(&world).is_break() {
                    return (world, None);
                }
            }
            if stop == end && actions.peek().is_none_or(|(at, _)| *at > end) {
                break;
            }
        }
        let broken = checked.then(|| check(&world, true)).flatten();
        (world, broken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::PRESETS;

    #[test]
    fn an_unchecked_run_gives_the_trace_of_run_until() {
        let (_, json) = PRESETS[0];
        let scenario = Scenario::from_json(json).unwrap();
        let mut direct = scenario.world().unwrap();
        direct.run_until(Instant::from_millis(scenario.run_ms));
        let mut watched = 0;
        let (stepped, broken) = Plan::of_scenario(&scenario).unwrap().run(true, |_| {
            watched += 1;
            ControlFlow::Continue(())
        });
        assert_eq!(broken, None);
        assert_eq!(stepped.trace.hash_hex(), direct.trace.hash_hex());
        assert_eq!(stepped.events(), direct.events());
        assert_eq!(watched, direct.events());
    }

    #[test]
    fn the_watcher_can_stop_a_run() {
        let (_, json) = PRESETS[0];
        let scenario = Scenario::from_json(json).unwrap();
        let (w, broken) = Plan::of_scenario(&scenario).unwrap().run(false, |w| {
            if w.events() == 10 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!((w.events(), broken), (10, None));
    }
}
