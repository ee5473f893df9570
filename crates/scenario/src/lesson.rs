//! Lessons: narration steps that say what to watch, and a goal the simulator checks live
//! against the running world ("promote a replica without losing any acknowledged write").
//!
//! A goal is a list of checks that must all hold at the current moment of the run. Checks
//! read state the engine already keeps (findings, the manager's recoveries, the router's
//! writer, semi-sync counters, replication channels), so a goal follows the run when the
//! user scrubs back and forth and costs nothing to evaluate a few times a second.

use replication_engine::World;
use replication_engine::checker::FindingKind;
use replication_engine::status::IoRunning;
use replication_engine::time::{self, Instant, secs};
use serde::{Deserialize, Serialize};

use crate::TimedAction;

/// Side panels a step may say to watch.
pub const PANELS: [&str; 3] = ["failover", "findings", "charts"];

/// Whether a step may watch `what`: a node or actor the cluster knows, one of the
/// [`PANELS`], or a link between two nodes it knows (`db1->db2`).
fn watchable(what: &str, known: &impl Fn(&str) -> bool) -> bool {
    match what.split_once("->") {
        Some((a, b)) => known(a) && known(b),
        None => known(what) || PANELS.contains(&what),
    }
}

/// Steps a lesson may have (a lesson is a short story, not a book).
pub const MAX_STEPS: usize = 30;
/// Checks a goal may have.
pub const MAX_CHECKS: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub steps: Vec<LessonStep>,
    pub goal: Goal,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonStep {
    pub text: String,
    /// What to highlight while this step is shown: nodes, `router`, `manager`, a
    /// replication link `db1->db2`, or a side panel (`failover`, `findings`, `charts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<String>,
    /// The step's moment: it shows when the run reaches it, and Next / Back go there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
    /// The step's moment is an event of the run instead of a fixed time ("after the first
    /// failover"), so it lands just after what it describes whatever the seed. Not with
    /// `at_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Anchor>,
}

/// An event of the run a step waits for, written as an object with one event field and an
/// optional `wait_ms`: `{"failover": true}`, `{"finding": "lost_write", "wait_ms": 500}`,
/// `{"action": 2}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Anchor {
    /// The first successful unplanned failover finished (the promotion is done).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover: Option<bool>,
    /// The first successful planned switchover finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switchover: Option<bool>,
    /// The checker reported its first finding of this kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<FindingKind>,
    /// The scenario's timeline action with this index (0-based, as in `timeline[2]`) ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<usize>,
    /// How long after the event the step shows, so its consequences are on screen.
    #[serde(skip_serializing_if = "is_zero")]
    pub wait_ms: u64,
}

fn is_zero(ms: &u64) -> bool {
    *ms == 0
}

impl Anchor {
    fn events_set(&self) -> usize {
        [
            self.failover == Some(true),
            self.switchover == Some(true),
            self.finding.is_some(),
            self.action.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    /// When the event happened in `w`'s run so far (None: not yet, as far as `w` has run).
    /// A world scrubbed back forgets what came later, so this follows the clock.
    pub fn happened_at(&self, w: &World, timeline: &[TimedAction]) -> Option<Instant> {
        let recovered = |planned: bool| {
            w.recoveries()
                .iter()
                .filter(|r| r.planned == planned && r.success)
                .find_map(|r| r.finished_us)
        };
        let at = if self.failover == Some(true) {
            recovered(false)
        } else if self.switchover == Some(true) {
            recovered(true)
        } else if let Some(k) = self.finding {
            w.checker.first_at(k)
        } else {
            let action = self.action.and_then(|i| timeline.get(i))?;
            Some(Instant::from_millis(action.at_ms))
        };
        at.filter(|t| *t <= w.now())
    }

    /// The moment a step anchored here shows: the event's time plus `wait_ms`.
    pub fn moment(&self, w: &World, timeline: &[TimedAction]) -> Option<Instant> {
        self.happened_at(w, timeline)
            .map(|t| t + time::ms(self.wait_ms))
    }

    /// The event in words ("the first failover"), for the lesson panel.
    pub fn label(&self) -> String {
        if self.failover == Some(true) {
            return "the first failover".into();
        }
        if self.switchover == Some(true) {
            return "the first switchover".into();
        }
        if let Some(k) = self.finding {
            return format!("the first {} finding", k.name());
        }
        self.action
            .map(|i| format!("timeline action {i}"))
            .unwrap_or_default()
    }
}

/// Where a step sits on the run's clock, as far as the world shown has run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMoment {
    /// Neither `at_ms` nor `after`: the step is reached only by Next / Back.
    Unset,
    /// A fixed time, or an event that has happened: the moment it shows.
    At(Instant),
    /// An event that has not happened by the moment shown (it may later, or never).
    Pending,
}

impl LessonStep {
    /// This step's moment in `w`'s run. The first step with nothing set starts the lesson
    /// at time zero.
    pub fn moment(&self, w: &World, timeline: &[TimedAction]) -> StepMoment {
        if let Some(ms) = self.at_ms {
            return StepMoment::At(Instant::from_millis(ms));
        }
        match &self.after {
            Some(a) => a
                .moment(w, timeline)
                .map_or(StepMoment::Pending, StepMoment::At),
            None => StepMoment::Unset,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    pub text: String,
    pub checks: Vec<Check>,
}

/// One condition on the run, written as an object with exactly one field:
/// `{"finding": "lost_write"}`, `{"failover": true}`, `{"writer_not": "db1"}` …
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Check {
    /// The checker has reported at least one finding of this kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<FindingKind>,
    /// The checker has reported none of this kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_finding: Option<FindingKind>,
    /// The manager finished a successful unplanned failover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failover: Option<bool>,
    /// The manager finished a successful planned switchover.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switchover: Option<bool>,
    /// The router sends writes to this node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<String>,
    /// The router sends writes somewhere, and not to this node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer_not: Option<String>,
    /// Some replica's Seconds_Behind_Source reached this many seconds (in the chart's window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_at_least_s: Option<u64>,
    /// This source committed transactions without a semi-sync ack (Rpl_semi_sync_source_no_tx > 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semi_sync_fell_back: Option<String>,
    /// This node's replication IO and SQL threads are both running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicating: Option<String>,
    /// Every running node has executed the same GTID set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caught_up: Option<bool>,
    /// The run has reached this moment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_at_least_ms: Option<u64>,
    /// Sharded: the router has sent this shard (by its key range, `-40`) more operations
    /// than any other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busiest_shard: Option<String>,
    /// The resharding workflow is in this phase: `copying`, `running`, `reads switched`,
    /// `writes switched`, `completed`, `cancelled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reshard: Option<String>,
}

impl Check {
    fn fields_set(&self) -> usize {
        [
            self.finding.is_some(),
            self.no_finding.is_some(),
            self.failover.is_some(),
            self.switchover.is_some(),
            self.writer.is_some(),
            self.writer_not.is_some(),
            self.lag_at_least_s.is_some(),
            self.semi_sync_fell_back.is_some(),
            self.replicating.is_some(),
            self.caught_up.is_some(),
            self.time_at_least_ms.is_some(),
            self.busiest_shard.is_some(),
            self.reshard.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    /// The node this check names, if any.
    fn node(&self) -> Option<&str> {
        [
            &self.writer,
            &self.writer_not,
            &self.semi_sync_fell_back,
            &self.replicating,
        ]
        .into_iter()
        .find_map(|n| n.as_deref())
    }

    /// Whether the check holds in this world, now.
    pub fn holds(&self, w: &World) -> bool {
        let recovered = |planned: bool| {
            w.recoveries()
                .iter()
                .any(|r| r.planned == planned && r.success && r.finished_us.is_some())
        };
        // Sharded: any shard's writer.
        let writers: Vec<String> = w
            .router
            .shards
            .iter()
            .filter_map(|s| s.writer)
            .map(|n| w.name(n.into()))
            .collect();
        let node = |name: &str| w.node_id(name).and_then(|id| w.node(id));
        if let Some(k) = self.finding {
            return w.checker.count(k) > 0;
        }
        if let Some(k) = self.no_finding {
            return w.checker.count(k) == 0;
        }
        if let Some(want) = self.failover {
            return recovered(false) == want;
        }
        if let Some(want) = self.switchover {
            return recovered(true) == want;
        }
        if let Some(n) = &self.writer {
            return writers.contains(n);
        }
        if let Some(n) = &self.writer_not {
            return !writers.is_empty() && !writers.contains(n);
        }
        if let Some(s) = self.lag_at_least_s {
            let at_least = secs(s);
            return w
                .lag_samples
                .iter()
                .flat_map(|(_, lags)| lags.iter().flatten())
                .any(|lag| *lag >= at_least);
        }
        if let Some(n) = &self.semi_sync_fell_back {
            return node(n).is_some_and(|n| n.semi_sync.no_tx > 0);
        }
        if let Some(n) = &self.replicating {
            return node(n)
                .and_then(|n| n.is_running().then_some(n.channel.as_ref()).flatten())
                .is_some_and(|c| c.io == IoRunning::Yes && c.sql_running);
        }
        if let Some(want) = self.caught_up {
            let mut running = w.nodes.iter().filter(|n| n.is_running());
            let first = running.next().map(|n| &n.gtid_executed);
            let same = running.all(|n| Some(&n.gtid_executed) == first);
            return same == want;
        }
        if let Some(ms) = self.time_at_least_ms {
            return w.now() >= Instant::from_millis(ms);
        }
        if let Some(phase) = &self.reshard {
            return w.reshard.as_ref().is_some_and(|r| r.phase.name() == phase);
        }
        if let Some(range) = &self.busiest_shard {
            let shards = &w.router.shards;
            let Some(mine) = shards.iter().find(|s| &s.range.to_string() == range) else {
                return false;
            };
            return mine.ops > 0
                && shards
                    .iter()
                    .all(|s| s.range == mine.range || s.ops < mine.ops);
        }
        false
    }

    /// The check in words, for the lesson panel.
    pub fn label(&self) -> String {
        let yes_no = |b: bool, yes: &str, no: &str| if b { yes } else { no }.to_string();
        if let Some(k) = self.finding {
            return format!("the checker reports a {} finding", k.name());
        }
        if let Some(k) = self.no_finding {
            return format!("no {} finding", k.name());
        }
        if let Some(b) = self.failover {
            return yes_no(
                b,
                "the failover manager completed a recovery",
                "the failover manager recovered nothing",
            );
        }
        if let Some(b) = self.switchover {
            return yes_no(
                b,
                "a planned switchover completed",
                "no planned switchover happened",
            );
        }
        if let Some(n) = &self.writer {
            return format!("the router sends writes to {n}");
        }
        if let Some(n) = &self.writer_not {
            return format!("the router sends writes to a node other than {n}");
        }
        if let Some(s) = self.lag_at_least_s {
            return format!("a replica falls {s} s or more behind its source");
        }
        if let Some(n) = &self.semi_sync_fell_back {
            return format!("{n} commits without a semi-sync acknowledgement");
        }
        if let Some(n) = &self.replicating {
            return format!("{n} is replicating (IO and SQL threads running)");
        }
        if let Some(b) = self.caught_up {
            return yes_no(
                b,
                "every running node has executed the same transactions",
                "the running nodes have executed different transactions",
            );
        }
        if let Some(ms) = self.time_at_least_ms {
            return format!("the run reaches {} s", time::ms(ms).as_secs_f64());
        }
        if let Some(range) = &self.busiest_shard {
            return format!("shard {range} takes the most operations");
        }
        if let Some(phase) = &self.reshard {
            return format!("the resharding workflow is {phase}");
        }
        String::new()
    }
}

/// How a goal stands at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoalStatus {
    pub checks: Vec<(String, bool)>,
}

impl GoalStatus {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|(_, ok)| *ok)
    }
}

impl Goal {
    pub fn status(&self, w: &World) -> GoalStatus {
        GoalStatus {
            checks: self
                .checks
                .iter()
                .map(|c| (c.label(), c.holds(w)))
                .collect(),
        }
    }
}

impl Lesson {
    /// The step the run's clock is at: the last one whose moment `w` has reached (steps
    /// without a moment are skipped; None before the first moment). Playing, scrubbing
    /// and seeking all move the step through this.
    pub fn clock_step(&self, w: &World, timeline: &[TimedAction]) -> Option<usize> {
        let now = w.now();
        (self.steps.iter().enumerate().rev())
            .filter_map(|(i, s)| match s.moment(w, timeline) {
                StepMoment::At(t) => Some((i, t)),
                StepMoment::Unset => (i == 0).then_some((0, Instant::ZERO)),
                StepMoment::Pending => None,
            })
            .find(|(_, t)| *t <= now)
            .map(|(i, _)| i)
    }

    /// Checks the lesson against the cluster's names and the timeline's length;
    /// `Err((path, message))`.
    pub(crate) fn validate(
        &self,
        known: impl Fn(&str) -> bool,
        timeline_len: usize,
    ) -> Result<(), (String, String)> {
        let fail = |path: String, msg: String| Err((path, msg));
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return fail(
                "lesson.steps".into(),
                format!("a lesson has 1 to {MAX_STEPS} steps"),
            );
        }
        if self.goal.checks.is_empty() || self.goal.checks.len() > MAX_CHECKS {
            return fail(
                "lesson.goal.checks".into(),
                format!("a goal has 1 to {MAX_CHECKS} checks"),
            );
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.text.len() > 2_000 {
                return fail(format!("lesson.steps[{i}].text"), "is too long".into());
            }
            if let Some(bad) = s.watch.iter().find(|n| !watchable(n, &known)) {
                return fail(
                    format!("lesson.steps[{i}].watch"),
                    format!(
                        "there is no node, link or panel called '{bad}' (panels: {})",
                        PANELS.join(", ")
                    ),
                );
            }
            if let Some(a) = &s.after {
                validate_anchor(a, s.at_ms.is_some(), timeline_len)
                    .or_else(|msg| fail(format!("lesson.steps[{i}].after"), msg))?;
            }
        }
        for (i, c) in self.goal.checks.iter().enumerate() {
            let path = format!("lesson.goal.checks[{i}]");
            if c.fields_set() != 1 {
                return fail(
                    path,
                    "a check has exactly one condition, like {\"finding\": \"lost_write\"}".into(),
                );
            }
            if let Some(bad) = c.node().filter(|n| !known(n)) {
                return fail(path, format!("there is no node called '{bad}'"));
            }
        }
        Ok(())
    }
}

/// An anchor names exactly one event, one that can happen in this scenario.
fn validate_anchor(a: &Anchor, has_at_ms: bool, timeline_len: usize) -> Result<(), String> {
    if has_at_ms {
        return Err("a step has at_ms or after, not both".into());
    }
    if a.events_set() != 1 {
        return Err(
            "after names exactly one event, like {\"failover\": true} or {\"finding\": \"lost_write\"}"
                .into(),
        );
    }
    match a.action {
        Some(i) if i >= timeline_len => Err(format!(
            "there is no timeline action {i} (the timeline has {timeline_len}, counted from 0)"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Check {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn checks_read_from_one_field_objects() {
        assert_eq!(
            check(r#"{"finding": "lost_write"}"#).finding,
            Some(FindingKind::LostWrite)
        );
        assert!(serde_json::from_str::<Check>(r#"{"findng": "lost_write"}"#).is_err());
        assert!(serde_json::from_str::<Check>(r#"{"finding": "lost"}"#).is_err());
    }

    #[test]
    fn validation_names_the_bad_part() {
        let lesson = |checks: &str| -> Lesson {
            serde_json::from_str(&format!(
                r#"{{"steps": [{{"text": "look", "watch": ["db1"]}}], "goal": {{"text": "g", "checks": {checks}}}}}"#
            ))
            .unwrap()
        };
        let known = |n: &str| n == "db1";
        assert!(lesson(r#"[{"failover": true}]"#).validate(known, 0).is_ok());
        let watching = |what: &str| -> Result<(), (String, String)> {
            let mut l = lesson(r#"[{"failover": true}]"#);
            l.steps[0].watch = vec![what.to_string()];
            l.validate(|n: &str| n == "db1" || n == "db2", 0)
        };
        assert!(watching("failover").is_ok());
        assert!(watching("db1->db2").is_ok());
        assert!(watching("db1->db9").unwrap_err().1.contains("db1->db9"));
        assert!(watching("inspector").is_err());
        let two = lesson(r#"[{"failover": true, "writer": "db1"}]"#).validate(known, 0);
        assert_eq!(two.unwrap_err().0, "lesson.goal.checks[0]");
        let ghost = lesson(r#"[{"writer_not": "db9"}]"#).validate(known, 0);
        assert!(ghost.unwrap_err().1.contains("db9"));
        assert!(lesson("[]").validate(known, 0).is_err());
    }

    #[test]
    fn anchors_name_one_event_that_can_happen() {
        let lesson = |after: &str| -> Lesson {
            serde_json::from_str(&format!(
                r#"{{"steps": [{{"text": "t", "after": {after}}}], "goal": {{"text": "g", "checks": [{{"failover": true}}]}}}}"#
            ))
            .unwrap()
        };
        let known = |_: &str| true;
        assert!(lesson(r#"{"failover": true}"#).validate(known, 0).is_ok());
        assert!(
            lesson(r#"{"finding": "lost_write", "wait_ms": 500}"#)
                .validate(known, 0)
                .is_ok()
        );
        assert!(lesson(r#"{"action": 1}"#).validate(known, 2).is_ok());
        let gone = lesson(r#"{"action": 2}"#).validate(known, 2).unwrap_err();
        assert_eq!(gone.0, "lesson.steps[0].after");
        assert!(gone.1.contains("no timeline action 2"));
        assert!(lesson(r#"{"wait_ms": 5}"#).validate(known, 0).is_err());
        assert!(
            lesson(r#"{"failover": true, "action": 0}"#)
                .validate(known, 1)
                .is_err()
        );
        let mut both = lesson(r#"{"failover": true}"#);
        both.steps[0].at_ms = Some(1);
        assert!(both.validate(known, 0).unwrap_err().1.contains("not both"));
    }

    /// A tiny cluster to run: the clock step follows time and an action anchor.
    #[test]
    fn the_clock_step_is_the_last_step_whose_moment_has_come() {
        let scenario = crate::Scenario::from_json(
            r#"{"version": 1, "name": "t", "seed": 1,
                "topology": {"kind": "primary_replicas", "replicas": 1},
                "timeline": [{"at_ms": 2000, "action": "crash", "node": "db2"}],
                "run_ms": 5000,
                "lesson": {"steps": [
                    {"text": "start"},
                    {"text": "no moment: Next only"},
                    {"text": "at 1 s", "at_ms": 1000},
                    {"text": "after the crash", "after": {"action": 0, "wait_ms": 500}}
                ], "goal": {"text": "g", "checks": [{"time_at_least_ms": 3000}]}}}"#,
        )
        .unwrap();
        let lesson = scenario.lesson.clone().unwrap();
        let mut w = scenario.world().unwrap();
        let at = |w: &World| lesson.clock_step(w, &scenario.timeline);
        assert_eq!(at(&w), Some(0));
        w.run_until(Instant::from_millis(1000));
        assert_eq!(at(&w), Some(2));
        w.run_until(Instant::from_millis(2400));
        assert_eq!(
            at(&w),
            Some(2),
            "the crash happened, its wait has not passed"
        );
        assert_eq!(
            lesson.steps[3].moment(&w, &scenario.timeline),
            StepMoment::At(Instant::from_millis(2500))
        );
        w.run_until(Instant::from_millis(2500));
        assert_eq!(at(&w), Some(3));
        assert_eq!(
            lesson.steps[1].moment(&w, &scenario.timeline),
            StepMoment::Unset
        );
    }
}
