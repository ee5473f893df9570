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
    /// Nodes (or `router`, `manager`) to highlight while this step is shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<String>,
    /// A moment worth jumping to for this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ms: Option<u64>,
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
    /// Checks the lesson against the cluster's names; `Err((path, message))`.
    pub(crate) fn validate(&self, known: impl Fn(&str) -> bool) -> Result<(), (String, String)> {
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
            if let Some(bad) = s.watch.iter().find(|n| !known(n)) {
                return fail(
                    format!("lesson.steps[{i}].watch"),
                    format!("there is no node called '{bad}'"),
                );
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
        assert!(lesson(r#"[{"failover": true}]"#).validate(known).is_ok());
        let two = lesson(r#"[{"failover": true, "writer": "db1"}]"#).validate(known);
        assert_eq!(two.unwrap_err().0, "lesson.goal.checks[0]");
        let ghost = lesson(r#"[{"writer_not": "db9"}]"#).validate(known);
        assert!(ghost.unwrap_err().1.contains("db9"));
        assert!(lesson("[]").validate(known).is_err());
    }
}
