//! The course: every preset in a group by architecture, in the order a class meets them.
//! This table is the one place the order lives; the scenario picker, the lesson list and
//! each lesson's "Next lesson" read it, and tests fail when a preset is in no group or a
//! group names a preset that does not exist.
//!
//! The order follows what each lesson assumes: asynchronous replication and its failover
//! first (the last of them, the lost writes, is what semi-sync answers, and that lesson
//! says "the next lesson"), then semi-sync, then two writable nodes, then what the failover
//! manager decides under partitions, then MariaDB's differences (they compare with lessons
//! already seen), then sharding, which builds on all of it. Free play comes last: nothing
//! scripted, the class tries what it learned.

use crate::presets::PRESETS;

/// One architecture, with its lessons in teaching order.
#[derive(Debug)]
pub struct Group {
    /// As the picker and the lesson list show it.
    pub title: &'static str,
    /// Its presets are lessons (narrated steps and a goal); free play is not, so the
    /// lesson before it finishes the course.
    pub scripted: bool,
    pub lessons: &'static [CourseLesson],
}

/// A preset in the course, with what it teaches in one line.
#[derive(Debug, PartialEq, Eq)]
pub struct CourseLesson {
    /// The preset's file stem, as in [`PRESETS`] and the picker's option values.
    pub preset: &'static str,
    pub teaches: &'static str,
}

const fn lesson(preset: &'static str, teaches: &'static str) -> CourseLesson {
    CourseLesson { preset, teaches }
}

pub const COURSE: &[Group] = &[
    Group {
        title: "Primary–replica",
        scripted: true,
        lessons: &[
            lesson(
                "async-lag",
                "What a binlog, a relay log and replication lag are, and why lagging reads are stale.",
            ),
            lesson(
                "read-your-writes",
                "How a router makes reads wait for a session's own write (GTID waits).",
            ),
            lesson(
                "add-replica-from-backup",
                "Provisioning a replica from a backup while the primary keeps writing.",
            ),
            lesson(
                "replica-after-purge",
                "Why an empty replica fails (error 1236) once binlogs are purged.",
            ),
            lesson(
                "delayed-replica-not-a-backup",
                "Replication copies mistakes too; a delayed replica buys time to undo one.",
            ),
            lesson(
                "mysqld-crash",
                "A crashed primary detected and replaced by the orchestrator.",
            ),
            lesson(
                "chained-replica",
                "An intermediate source, and its replica moved up when it dies.",
            ),
            lesson(
                "sync-binlog-power-loss",
                "What sync_binlog=0 costs when the primary's host loses power.",
            ),
            lesson(
                "async-failover-loses-writes",
                "An automatic failover loses writes clients were told were committed.",
            ),
        ],
    },
    Group {
        title: "Semi-sync",
        scripted: true,
        lessons: &[
            lesson(
                "semi-sync-after-sync",
                "Semi-sync AFTER_SYNC: a failover keeps every acknowledged write.",
            ),
            lesson(
                "relay-log-discarded",
                "An ack means received, not applied: a hasty promotion still loses writes.",
            ),
            lesson(
                "semi-sync-timeout-fallback",
                "With no replica to ack, semi-sync waits its timeout and turns async.",
            ),
            lesson(
                "semi-sync-after-commit-phantom-read",
                "AFTER_COMMIT lets a client read a write a failover then erases.",
            ),
            lesson(
                "semi-sync-minority-split-brain",
                "With one ack, a cut-off minority keeps committing: two primaries.",
            ),
        ],
    },
    Group {
        title: "Dual-primary",
        scripted: true,
        lessons: &[
            lesson(
                "dual-primary-active-passive",
                "Two co-primaries, one writable: a takeover with nothing lost.",
            ),
            lesson(
                "dual-primary-conflict",
                "Both writable: duplicate keys stop replication and the nodes diverge.",
            ),
        ],
    },
    Group {
        title: "Failover manager and partitions",
        scripted: true,
        lessons: &[
            lesson(
                "planned-switchover",
                "A planned switchover: read-only, catch up, promote, lose nothing.",
            ),
            lesson(
                "manager-cut-no-failover",
                "The orchestrator alone loses the primary and rightly does nothing.",
            ),
            lesson(
                "silent-partition-default-timeouts",
                "A silent partition: why failover waits for replica_net_timeout.",
            ),
            lesson(
                "partition-split-brain",
                "A partition without fencing: two primaries take writes (split brain).",
            ),
            lesson(
                "anti-flapping",
                "Anti-flapping: a second failover is blocked until acknowledged.",
            ),
            lesson(
                "errant-gtid",
                "An errant GTID on a replica, shipped everywhere by a failover.",
            ),
        ],
    },
    Group {
        title: "MariaDB",
        scripted: true,
        lessons: &[
            lesson(
                "mariadb-strict-mode",
                "MariaDB's GTID domains and sequence numbers; gtid_strict_mode stops a replica.",
            ),
            lesson(
                "mariadb-failover-rejoin-refused",
                "After a lossy MariaDB failover the old primary is refused (1236).",
            ),
        ],
    },
    Group {
        title: "Sharding",
        scripted: true,
        lessons: &[
            lesson(
                "shard-failover",
                "Shards by key range: one shard fails over, the other keeps going.",
            ),
            lesson(
                "hot-shard",
                "Range sharding with hot keys makes one hot shard.",
            ),
            lesson(
                "reshard-add-shard",
                "Splitting a shard under load: copy, catch up, VDiff, switch.",
            ),
            lesson(
                "reshard-crash-during-copy",
                "A resharding target crashes mid-copy; the copy restarts safely.",
            ),
            lesson(
                "reshard-switch-and-reverse",
                "Switch writes to new shards, then reverse them, losing nothing.",
            ),
        ],
    },
    Group {
        title: "Free play",
        scripted: false,
        lessons: &[lesson(
            "free-play",
            "Nothing scripted: crash nodes, cut links and try what you learned.",
        )],
    },
];

/// Every course entry in teaching order, with its group's index.
pub fn in_order() -> impl Iterator<Item = (usize, &'static CourseLesson)> {
    COURSE
        .iter()
        .enumerate()
        .flat_map(|(g, group)| group.lessons.iter().map(move |l| (g, l)))
}

/// The first lesson: where a newcomer starts.
pub fn first() -> &'static CourseLesson {
    &COURSE[0].lessons[0]
}

/// Where `preset` stands: (group index, lesson index within the group).
pub fn position(preset: &str) -> Option<(usize, usize)> {
    COURSE.iter().enumerate().find_map(|(g, group)| {
        let i = group.lessons.iter().position(|l| l.preset == preset)?;
        Some((g, i))
    })
}

/// A lesson's number in the course (1, 2, …), the one a teacher calls out; none for a
/// preset in no scripted group (free play) or in none at all.
pub fn number(preset: &str) -> Option<usize> {
    let scripted = in_order().filter(|(g, _)| COURSE[*g].scripted);
    let i = scripted.map(|(_, l)| l.preset).position(|p| p == preset)?;
    Some(i + 1)
}

/// The lesson after `preset` in the course; none after the last one, or for a scenario
/// that is not in the course.
pub fn next(preset: &str) -> Option<&'static CourseLesson> {
    let mut order = in_order().map(|(_, l)| l);
    order.find(|l| l.preset == preset)?;
    order.next()
}

/// The course's mistakes, in words: presets in no group, in two places, or named by the
/// course without existing. Empty when the course and [`PRESETS`] agree.
pub fn problems() -> Vec<String> {
    let mut out = Vec::new();
    let listed: Vec<&str> = in_order().map(|(_, l)| l.preset).collect();
    for (name, _) in PRESETS {
        match listed.iter().filter(|p| *p == name).count() {
            0 => out.push(format!("preset {name} is in no group of the course")),
            1 => {}
            n => out.push(format!("preset {name} is in the course {n} times")),
        }
    }
    for name in &listed {
        if !PRESETS.iter().any(|(n, _)| n == name) {
            out.push(format!("the course names {name}, which is not a preset"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use crate::presets::preset;

    #[test]
    fn every_preset_is_in_exactly_one_group_and_every_lesson_exists() {
        assert_eq!(problems(), Vec::<String>::new());
        assert!(COURSE.iter().all(|g| !g.lessons.is_empty()));
    }

    #[test]
    fn the_order_runs_through_the_groups_and_ends() {
        assert_eq!(first().preset, "async-lag");
        assert_eq!(
            next("async-lag").map(|l| l.preset),
            Some("read-your-writes")
        );
        // Across a group's end into the next group's first lesson.
        assert_eq!(
            next("async-failover-loses-writes").map(|l| l.preset),
            Some("semi-sync-after-sync")
        );
        assert_eq!(next("free-play"), None);
        assert_eq!(next("not-a-preset"), None);
        assert_eq!(position("semi-sync-after-sync"), Some((1, 0)));
        assert_eq!(position("not-a-preset"), None);
        assert_eq!(in_order().count(), PRESETS.len());
        assert_eq!(number("async-lag"), Some(1));
        assert_eq!(number("semi-sync-after-sync"), Some(10));
        assert_eq!(number("free-play"), None);
    }

    /// A scripted group holds only presets with a lesson, and free play none: so "Next
    /// lesson" never opens a preset with nothing to follow, and the course ends where the
    /// lessons do.
    #[test]
    fn scripted_groups_hold_the_lessons_and_only_them() {
        for (g, l) in in_order() {
            let s = Scenario::from_json(preset(l.preset).unwrap()).unwrap();
            assert_eq!(s.lesson.is_some(), COURSE[g].scripted, "{}", l.preset);
        }
        // Free play follows the last lesson and is the end.
        let last = in_order().filter(|(g, _)| COURSE[*g].scripted).last();
        let after = last.and_then(|(_, l)| next(l.preset));
        assert_eq!(after.map(|l| l.preset), Some("free-play"));
    }

    /// Every text a preset shows a student: its description and its lesson's steps and goal.
    fn texts(name: &str) -> Vec<String> {
        let s = Scenario::from_json(preset(name).unwrap()).unwrap();
        let mut out = vec![s.description];
        if let Some(l) = s.lesson {
            out.extend(l.steps.into_iter().map(|s| s.text));
            out.push(l.goal.text);
        }
        out
    }

    /// A lesson that says "(the next lesson)" points at the lesson the course puts next:
    /// each such mention is listed here with the lesson it means, so a new mention, or a
    /// reordering that breaks one, fails.
    #[test]
    fn a_lesson_that_names_the_next_lesson_is_followed_by_it() {
        let meant = [("async-failover-loses-writes", "semi-sync-after-sync")];
        for (name, _) in PRESETS {
            let says_next = texts(name).iter().any(|t| t.contains("the next lesson"));
            let listed = meant.iter().find(|(from, _)| from == name);
            assert_eq!(says_next, listed.is_some(), "{name}: list its mention here");
            if let Some((_, to)) = listed {
                assert_eq!(next(name).map(|l| l.preset), Some(*to), "{name}");
            }
        }
    }

    /// A lesson that refers to another by its title ("see the lesson 'Async failover loses
    /// acknowledged writes'") refers to one the class has already had.
    #[test]
    fn a_lesson_named_in_a_lesson_comes_before_it() {
        let title = |name: &str| Scenario::from_json(preset(name).unwrap()).unwrap().name;
        let order: Vec<&str> = in_order().map(|(_, l)| l.preset).collect();
        let mut mentions = 0;
        for (i, name) in order.iter().enumerate() {
            for text in texts(name) {
                for (j, other) in order.iter().enumerate() {
                    if text.contains(&format!("the lesson '{}'", title(other))) {
                        mentions += 1;
                        assert!(j < i, "{name} names {other}, which comes later");
                    }
                }
            }
        }
        assert!(
            mentions > 0,
            "the check found the mention it was written for"
        );
    }
}
