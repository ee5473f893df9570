//! The timeline's marks: faults, failovers, findings and lesson steps over the whole
//! computed run, merged where they would cover each other, and the "next / previous event
//! of interest" the `]` / `[` keys jump to. Pure Rust: tested natively.
//!
//! The live world only knows its past: after a seek back it is a snapshot replayed to the
//! moment shown, and its log ends there. So [`RunMarks`] keeps what the run logged up to
//! the furthest moment computed, and the timeline draws from it whatever moment is shown.

use crate::engine::World;
use crate::engine::checker::FindingKind;
use crate::engine::time::{Duration, Instant, fmt_secs, ms};
use crate::engine::world::LogKind;
use crate::scenario::TimedAction;
use crate::scenario::lesson::{Anchor, Lesson, LessonStep, StepMoment};
use crate::ui::playback::Playback;

/// What a mark stands for, in the order a merged mark takes its colour from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkKind {
    Failover,
    Fault,
    Finding,
    LessonStep,
}

impl MarkKind {
    /// Its CSS class (and colour).
    pub fn class(self) -> &'static str {
        match self {
            MarkKind::Failover => "failover",
            MarkKind::Fault => "fault",
            MarkKind::Finding => "finding",
            MarkKind::LessonStep => "lesson-step",
        }
    }
}

/// One thing that happened in the run (or a lesson step's moment).
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub at: Instant,
    pub kind: MarkKind,
    /// What one of them is called in a merged label: "fault", "lost write".
    pub noun: String,
    /// The log's line for it: "crash db3", "lost_write: …".
    pub text: String,
    /// How many cases it stands for (a summarised finding stands for several).
    pub count: u64,
    /// A lesson step whose moment the computed run has not reached: a click goes looking
    /// for it (Next does the same) rather than to the end of the bar where it is drawn.
    pub pending_step: Option<usize>,
}

/// The first moments of the events a lesson step can wait for (`"after": …`), as far as
/// the run was computed: a world scrubbed back has forgotten them, the timeline has not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Firsts {
    failover: Option<Instant>,
    switchover: Option<Instant>,
    findings: Vec<(FindingKind, Instant)>,
}

impl Firsts {
    /// What `world` has seen happen, the way `Anchor::happened_at` reads it.
    fn of(world: &World) -> Firsts {
        let now = world.now();
        let recovered = |planned: bool| {
            (world.recoveries().iter())
                .filter(|r| r.planned == planned && r.success)
                .find_map(|r| r.finished_us)
                .filter(|t| *t <= now)
        };
        Firsts {
            failover: recovered(false),
            switchover: recovered(true),
            findings: FindingKind::ALL
                .into_iter()
                .filter_map(|k| Some((k, world.checker.first_at(k).filter(|t| *t <= now)?)))
                .collect(),
        }
    }

    /// When `anchor`'s event happened in the computed run; an action's moment is its
    /// scripted time, whether or not the run got there.
    fn happened(&self, anchor: &Anchor, timeline: &[TimedAction]) -> Option<Instant> {
        if anchor.failover == Some(true) {
            self.failover
        } else if anchor.switchover == Some(true) {
            self.switchover
        } else if let Some(k) = anchor.finding {
            self.findings.iter().find(|(f, _)| *f == k).map(|(_, t)| *t)
        } else {
            let action = anchor.action.and_then(|i| timeline.get(i))?;
            Some(Instant::from_millis(action.at_ms))
        }
    }
}

/// The marks of the run up to the furthest moment computed, kept across seeks back.
///
/// Faults and failovers come from the world's log, always logged at the moment they
/// happen; they are kept up to `until` (exclusive: the world may sit part-way through the
/// events of its own moment). Findings may be reported for an earlier moment (lost writes
/// are found at the promotion), so they are kept by their index in the checker's list,
/// which grows the same way in every replay of the same run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunMarks {
    logged: Vec<Mark>,
    findings: Vec<Mark>,
    until: Instant,
    /// The events lesson steps wait for, up to `until`.
    firsts: Firsts,
}

impl RunMarks {
    /// Takes in what `world` logged since the last call, when it is past everything kept
    /// (a replay after a seek back re-lives the same run and adds nothing).
    pub fn record(&mut self, world: &World) {
        if world.now() <= self.until {
            return;
        }
        self.logged
            .extend(logged_since(world, self.until, Some(world.now())));
        let seen = self.findings.len();
        self.findings.extend(findings_from(world, seen));
        self.until = world.now();
        self.firsts = Firsts::of(world);
    }

    /// Forgets the future after `world`'s moment: a hand action there starts a new one.
    /// `findings_before` is how many findings the world had before the action.
    pub fn forget_after(&mut self, world: &World, findings_before: usize) {
        let now = world.now();
        self.logged.retain(|m| m.at < now);
        self.findings.truncate(findings_before);
        self.until = self.until.min(now);
        self.firsts = Firsts::of(world);
    }

    /// The first moments of what lesson steps wait for, in the whole computed run.
    pub fn firsts(&self, world: &World) -> Firsts {
        if world.now() >= self.until {
            Firsts::of(world)
        } else {
            self.firsts.clone()
        }
    }

    /// Every mark of the run, oldest first: those kept, and when `world` is at the end of
    /// what was computed, what it logged since.
    pub fn all(&self, world: &World) -> Vec<Mark> {
        let mut all = self.logged.clone();
        if world.now() >= self.until {
            all.extend(logged_since(world, self.until, None));
        }
        for m in self.findings.iter().cloned() {
            insert_in_order(&mut all, m);
        }
        if world.now() >= self.until {
            for m in findings_from(world, self.findings.len()) {
                insert_in_order(&mut all, m);
            }
        }
        all
    }
}

/// Inserts `m` after every mark not later than it. Marks come nearly in order, so this is
/// mostly a push; a sort here cost 1.5 KB of the bundle.
fn insert_in_order(marks: &mut Vec<Mark>, m: Mark) {
    let i = marks.partition_point(|x| (x.at, x.kind) <= (m.at, m.kind));
    marks.insert(i, m);
}

/// Faults and failovers logged at or after `from` (and before `before`, if given).
fn logged_since(world: &World, from: Instant, before: Option<Instant>) -> Vec<Mark> {
    let mut out: Vec<Mark> = world
        .log
        .iter()
        .rev()
        .take_while(|e| e.at_us >= from)
        .filter(|e| before.is_none_or(|b| e.at_us < b))
        .filter_map(|e| {
            let (kind, noun) = match e.kind {
                LogKind::Fault => (MarkKind::Fault, "fault"),
                LogKind::Failover => (MarkKind::Failover, "failover"),
                _ => return None,
            };
            Some(Mark {
                at: e.at_us,
                kind,
                noun: noun.into(),
                text: e.text.clone(),
                count: 1,
                pending_step: None,
            })
        })
        .collect();
    out.reverse();
    out
}

/// The checker's findings from index `from` on.
fn findings_from(world: &World, from: usize) -> Vec<Mark> {
    let findings = world.checker.findings.get(from..).unwrap_or_default();
    findings
        .iter()
        .map(|f| Mark {
            at: f.at_us,
            kind: MarkKind::Finding,
            noun: f.kind.name().replace('_', " "),
            text: format!("{}: {}", f.kind.name(), f.detail),
            count: f.count.max(1),
            pending_step: None,
        })
        .collect()
}

/// Where a step lands in the computed run: its time, or its event's moment plus its wait.
/// Only the first step may have neither (it starts the lesson, at time zero); the others
/// without a moment are reached by Next alone and get no mark.
fn step_moment(
    i: usize,
    step: &LessonStep,
    firsts: &Firsts,
    timeline: &[TimedAction],
) -> StepMoment {
    if let Some(t) = step.at_ms {
        return StepMoment::At(Instant::from_millis(t));
    }
    match &step.after {
        Some(a) => firsts
            .happened(a, timeline)
            .map_or(StepMoment::Pending, |t| StepMoment::At(t + ms(a.wait_ms))),
        None if i == 0 => StepMoment::At(Instant::ZERO),
        None => StepMoment::Unset,
    }
}

/// Every lesson step as a mark at the moment it lands in the computed run (up to `end`).
/// A step the run has not reached — its time is later, or its event has not happened —
/// is drawn at `end`, saying so: "lesson step 3 — after the first failover, not reached
/// yet".
pub fn lesson_marks(
    lesson: &Lesson,
    firsts: &Firsts,
    timeline: &[TimedAction],
    end: Instant,
) -> Vec<Mark> {
    let mut out = Vec::new();
    for (i, s) in lesson.steps.iter().enumerate() {
        let noun = format!("lesson step {}", i + 1);
        let (at, noun, pending_step) = match step_moment(i, s, firsts, timeline) {
            StepMoment::At(t) if t <= end => (t, noun, None),
            StepMoment::Unset => continue,
            _ => {
                let when = s.after.as_ref().map_or_else(
                    || {
                        format!(
                            "at {}",
                            fmt_secs(Instant::from_millis(s.at_ms.unwrap_or(0)))
                        )
                    },
                    |a| format!("after {}", a.label()),
                );
                (end, format!("{noun} — {when}, not reached yet"), Some(i))
            }
        };
        // Not reached: the hover and a screen reader say when it will be, then what it says.
        let text = match pending_step {
            Some(_) => format!("{noun}: {}", s.text),
            None => s.text.clone(),
        };
        out.push(Mark {
            at,
            kind: MarkKind::LessonStep,
            noun,
            text,
            count: 1,
            pending_step,
        });
    }
    out
}

/// Marks close enough to cover each other on the timeline, drawn as one.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Its first mark's moment: where a click goes.
    pub at: Instant,
    /// The most telling kind among its marks (a failover before the lost writes it causes).
    pub kind: MarkKind,
    /// Marks merged, each counted once.
    pub marks: usize,
    /// "failover + 1,930 lost writes".
    pub label: String,
    /// Its marks' log lines, the first few.
    pub lines: Vec<String>,
    /// A lesson step among its marks that the run has not reached: a click goes to it.
    pub pending_step: Option<usize>,
}

impl Group {
    /// What a screen reader and the hover label say: "10.08 s: failover + 25 lost writes".
    pub fn title(&self) -> String {
        format!("{}: {}", fmt_secs(self.at), self.label)
    }
}

/// Log lines a merged mark lists at most.
const LINES_SHOWN: usize = 4;

/// Merges `marks` (oldest first) into groups no wider than `span`: on a timeline of
/// length `end`, the span one marker covers.
pub fn group(marks: &[Mark], span: Duration) -> Vec<Group> {
    let mut out: Vec<Vec<&Mark>> = Vec::new();
    for m in marks {
        match out.last_mut() {
            Some(g) if m.at - g[0].at <= span => g.push(m),
            _ => out.push(vec![m]),
        }
    }
    out.iter().map(|g| merge(g)).collect()
}

fn merge(marks: &[&Mark]) -> Group {
    // Nouns in the order of their kind, then of first appearance; counts summed.
    let mut nouns: Vec<(MarkKind, &str, u64)> = Vec::new();
    for kind in [
        MarkKind::Failover,
        MarkKind::Fault,
        MarkKind::Finding,
        MarkKind::LessonStep,
    ] {
        for m in marks
            .iter()
            .filter(|m| m.kind == kind && m.pending_step.is_none())
        {
            match nouns.iter_mut().find(|(_, n, _)| *n == m.noun) {
                Some(entry) => entry.2 += m.count,
                None => nouns.push((m.kind, &m.noun, m.count)),
            }
        }
    }
    let mut parts: Vec<String> = (nouns.iter())
        .map(|(_, noun, n)| counted(*n, noun))
        .collect();
    // Steps not reached all wait at the end of the bar: one label for them, short enough
    // to read there; each one's "when" is in the lines.
    let pending: Vec<&Mark> = marks
        .iter()
        .copied()
        .filter(|m| m.pending_step.is_some())
        .collect();
    match pending.as_slice() {
        [] => {}
        [one] => parts.push(one.noun.clone()),
        many => {
            let numbers: Vec<String> = (many.iter())
                .filter_map(|m| m.pending_step.map(|i| (i + 1).to_string()))
                .collect();
            parts.push(format!(
                "lesson steps {} — not reached yet",
                numbers.join(", ")
            ));
        }
    }
    let label = parts.join(" + ");
    let mut lines: Vec<String> = marks
        .iter()
        .take(LINES_SHOWN)
        .map(|m| m.text.clone())
        .collect();
    if marks.len() > LINES_SHOWN {
        lines.push(format!("… and {} more", marks.len() - LINES_SHOWN));
    }
    Group {
        at: marks[0].at,
        kind: nouns.first().map_or(MarkKind::LessonStep, |n| n.0),
        marks: marks.len(),
        label,
        lines,
        pending_step: marks.iter().find_map(|m| m.pending_step),
    }
}

/// "failover", "2 faults", "1,930 lost writes".
fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        return noun.to_string();
    }
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let plural = if noun.ends_with('s') { "" } else { "s" };
    format!("{grouped} {noun}{plural}")
}

/// The span one marker covers on a timeline of length `end`: marks closer than this are
/// merged, so none hides another.
pub fn marker_span(end: Instant) -> Duration {
    Duration::from_micros(end.as_micros() / 80)
}

/// Where the `]` key goes from `now`: the next group's moment.
pub fn next_moment(groups: &[Group], now: Instant) -> Option<Instant> {
    groups.iter().map(|g| g.at).find(|at| *at > now)
}

/// Where the `[` key goes from `now`: the previous group's moment.
pub fn previous_moment(groups: &[Group], now: Instant) -> Option<Instant> {
    groups.iter().rev().map(|g| g.at).find(|at| *at < now)
}

/// The end of the timeline bar: the furthest moment computed.
pub fn timeline_end(p: &Playback) -> Instant {
    p.horizon.max(p.now()).max(Instant::from_micros(1))
}

/// The markers the timeline draws (and the keys jump between): the run's marks and every
/// lesson step, merged where they would overlap. `lesson` comes with the scenario's
/// timeline, which steps waiting for an action read.
pub fn shown(p: &Playback, lesson: Option<(&Lesson, &[TimedAction])>) -> Vec<Group> {
    let end = timeline_end(p);
    let mut marks = p.marks.all(&p.world);
    if let Some((lesson, timeline)) = lesson {
        let firsts = p.marks.firsts(&p.world);
        for m in lesson_marks(lesson, &firsts, timeline, end) {
            insert_in_order(&mut marks, m);
        }
    }
    group(&marks, marker_span(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::ms;

    fn mark(at_ms: u64, kind: MarkKind, noun: &str, count: u64) -> Mark {
        Mark {
            at: Instant::ZERO + ms(at_ms),
            kind,
            noun: noun.into(),
            text: format!("{noun} at {at_ms}"),
            count,
            pending_step: None,
        }
    }

    #[test]
    fn marks_at_one_moment_merge_into_one_with_counts() {
        let marks = vec![
            mark(4_700, MarkKind::Fault, "fault", 1),
            mark(10_080, MarkKind::Finding, "lost write", 1),
            mark(10_080, MarkKind::Failover, "failover", 1),
            mark(10_081, MarkKind::Finding, "lost write", 1_929),
            mark(30_000, MarkKind::Finding, "read your writes", 2),
        ];
        let groups = group(&marks, ms(100));
        let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "fault",
                "failover + 1,930 lost writes",
                "2 read your writes"
            ]
        );
        assert_eq!(groups[1].kind, MarkKind::Failover, "the failover's colour");
        assert_eq!(groups[1].at, Instant::ZERO + ms(10_080));
        assert_eq!(groups[1].marks, 3);
        assert_eq!(groups[1].title(), "10.08 s: failover + 1,930 lost writes");
        assert_eq!(counted(1_234_567, "fault"), "1,234,567 faults");
    }

    #[test]
    fn a_merged_mark_lists_its_first_lines_and_how_many_more() {
        let marks: Vec<Mark> = (0..6)
            .map(|i| mark(1_000 + i, MarkKind::Finding, "stale read", 1))
            .collect();
        let g = &group(&marks, ms(10))[0];
        assert_eq!(g.lines.len(), LINES_SHOWN + 1);
        assert_eq!(g.lines.last().unwrap(), "… and 2 more");
    }

    #[test]
    fn the_keys_go_to_the_next_and_previous_group() {
        let marks = vec![
            mark(2_000, MarkKind::Fault, "fault", 1),
            mark(9_000, MarkKind::Failover, "failover", 1),
        ];
        let groups = group(&marks, ms(10));
        let t = |s| Instant::from_secs(s);
        assert_eq!(next_moment(&groups, t(0)), Some(t(2)));
        assert_eq!(
            next_moment(&groups, t(2)),
            Some(t(9)),
            "not the one it is at"
        );
        assert_eq!(next_moment(&groups, t(9)), None);
        assert_eq!(previous_moment(&groups, t(9)), Some(t(2)));
        assert_eq!(previous_moment(&groups, t(2)), None);
        assert_eq!(marker_span(t(80)), ms(1_000));
    }

    /// The async-failover lesson: step 3 waits for the failover (plus half a second).
    fn lesson_run() -> (Playback, crate::scenario::Scenario) {
        let json = crate::scenario::presets::preset("async-failover-loses-writes").unwrap();
        let s = crate::scenario::Scenario::from_json(json).unwrap();
        (Playback::new(s.world().unwrap()), s)
    }

    /// Seeks and lets the frames run until it got there.
    fn seek_done(p: &mut Playback, t: Instant) {
        p.seek(t);
        while p.busy() {
            p.frame(16.0);
        }
    }

    fn step_groups(p: &Playback, s: &crate::scenario::Scenario) -> Vec<Group> {
        let lesson = s.lesson.as_ref().map(|l| (l, s.timeline.as_slice()));
        shown(p, lesson)
            .into_iter()
            .filter(|g| g.label.contains("lesson step"))
            .collect()
    }

    #[test]
    fn a_step_waiting_for_an_event_not_computed_yet_says_so_at_the_end() {
        let (mut p, s) = lesson_run();
        seek_done(&mut p, Instant::from_secs(6));
        let groups = step_groups(&p, &s);
        let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "lesson step 1",
                "lesson step 2",
                "lesson steps 3, 4 — not reached yet"
            ]
        );
        let end = &groups[2];
        assert!(
            end.lines[0]
                .starts_with("lesson step 3 — after the first failover, not reached yet: At 8 s"),
            "{:?}",
            end.lines
        );
        assert!(end.lines[1].starts_with("lesson step 4 — at 20.00 s, not reached yet: "));
        assert_eq!(end.at, Instant::from_secs(6), "drawn at the end of the bar");
        assert_eq!(end.pending_step, Some(2), "a click goes looking for step 3");
        assert_eq!(groups[1].at, Instant::from_secs(5));
        assert_eq!(groups[0].pending_step, None);
    }

    #[test]
    fn a_step_after_an_event_is_marked_where_it_lands_also_after_scrubbing_back() {
        let (mut p, s) = lesson_run();
        seek_done(&mut p, Instant::from_millis(s.run_ms));
        let mut w = s.world().unwrap();
        w.run_until(Instant::from_millis(s.run_ms));
        let failover = (w.recoveries().iter())
            .find(|r| !r.planned && r.success)
            .and_then(|r| r.finished_us)
            .unwrap();
        let whole = step_groups(&p, &s);
        let step3 = whole
            .iter()
            .find(|g| g.label.contains("lesson step 3"))
            .unwrap();
        assert_eq!(step3.at, failover + ms(500));
        assert_eq!(step3.pending_step, None);
        assert!(
            whole.iter().all(|g| !g.label.contains("not reached")),
            "{whole:?}"
        );
        // The world shown forgets the failover; the timeline does not.
        seek_done(&mut p, Instant::from_secs(1));
        assert_eq!(p.now(), Instant::from_secs(1));
        assert_eq!(step_groups(&p, &s), whole);
        // ] walks onto it like any other mark.
        let all = shown(&p, s.lesson.as_ref().map(|l| (l, s.timeline.as_slice())));
        let mut at = Instant::from_secs(5);
        while at < step3.at {
            at = next_moment(&all, at).unwrap();
        }
        assert_eq!(at, step3.at);
    }
}
