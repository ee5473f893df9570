//! The document the page runs: which scenario (a preset, a share link, a file or a built
//! cluster), what the user did by hand, where they are, and the forms it leaves the page
//! in (a link fragment, which is also what the page autosaves, and a scenario file).
//!
//! A plain Rust type with no web dependency, so it is tested natively. The web side — the
//! address bar and localStorage (`autosave.rs`), the file reader and the clipboard (the
//! app and `share.rs`) — calls it and carries out what it returns.

use super::marks::RunMarks;
use super::narration::{Followed, Narration};
use super::playback::{self, Playback};
use crate::engine::time::{Instant, fmt_secs};
use crate::engine::{Command, CommandError, NodeId, World};
use crate::scenario::lesson::Lesson;
use crate::scenario::link::{self, LinkError, Shared};
use crate::scenario::presets::{PRESETS, preset};
use crate::scenario::{Scenario, ScenarioError, TimedAction};
use std::fmt;
use std::sync::LazyLock;

/// The scenario the page opens with when there is neither a link nor an autosaved run.
pub const DEFAULT_PRESET: &str = "mysqld-crash";

/// Why a scenario could not be opened or changed; the run in progress stays as it was.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionError {
    UnknownPreset(String),
    /// The document is not a valid scenario, or its cluster cannot be built.
    Scenario(ScenarioError),
    /// A timeline edit names an action that is no longer there.
    ActionGone,
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::UnknownPreset(name) => write!(f, "there is no preset called '{name}'"),
            SessionError::Scenario(e) => e.fmt(f),
            SessionError::ActionGone => f.write_str("that action is gone"),
        }
    }
}

impl std::error::Error for SessionError {}

/// The scenario being run: as parsed, as written, and the preset it is or was made from.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub scenario: Scenario,
    /// As written: links and files carry this text, and a timeline edit rewrites only
    /// its `timeline`, so everything else travels as the author wrote it.
    pub source: String,
    /// The preset it is, or was made from by editing its timeline.
    pub preset: Option<String>,
    /// The preset's timeline was edited.
    pub edited: bool,
}

impl Document {
    fn preset(name: &str) -> Result<Document, SessionError> {
        let source = preset(name).ok_or_else(|| SessionError::UnknownPreset(name.into()))?;
        Ok(Document {
            scenario: Scenario::from_json(source).map_err(SessionError::Scenario)?,
            source: source.to_string(),
            preset: Some(name.to_string()),
            edited: false,
        })
    }

    /// A document that is no preset: an imported file or a built cluster.
    fn custom(json: &str) -> Result<Document, SessionError> {
        Ok(Document {
            scenario: Scenario::from_json(json).map_err(SessionError::Scenario)?,
            source: json.to_string(),
            preset: None,
            edited: false,
        })
    }

    /// What a link carried; a link names its preset whether or not the timeline was edited,
    /// so compare with the preset as shipped.
    fn from_shared(shared: Shared) -> (Document, Vec<(Instant, Command)>, Instant) {
        let edited = shared
            .preset
            .as_deref()
            .and_then(|p| Document::preset(p).ok())
            .is_some_and(|p| p.scenario != shared.scenario);
        let document = Document {
            scenario: shared.scenario,
            source: shared.source,
            preset: shared.preset,
            edited,
        };
        (document, shared.actions, shared.at_us)
    }

    /// The preset the scenario picker shows as chosen: none once its timeline was edited.
    pub fn chosen_preset(&self) -> Option<&str> {
        self.preset.as_deref().filter(|_| !self.edited)
    }

    /// The picker's entry for a scenario that is not a preset as shipped.
    pub fn custom_title(&self) -> Option<String> {
        (self.preset.is_none() || self.edited).then(|| format!("{} (custom)", self.scenario.name))
    }
}

/// A change to the scenario's own timeline (the fault-timeline editor).
#[derive(Clone, Debug, PartialEq)]
pub enum TimelineEdit {
    Add(TimedAction),
    Move { index: usize, at_ms: u64 },
    Delete { index: usize },
}

impl TimelineEdit {
    fn apply(self, timeline: &mut Vec<TimedAction>) -> Result<(), SessionError> {
        match self {
            TimelineEdit::Add(action) => timeline.push(action),
            TimelineEdit::Move { index, at_ms } => {
                timeline
                    .get_mut(index)
                    .ok_or(SessionError::ActionGone)?
                    .at_ms = at_ms;
            }
            TimelineEdit::Delete { index } if index < timeline.len() => {
                timeline.remove(index);
            }
            TimelineEdit::Delete { .. } => return Err(SessionError::ActionGone),
        }
        Ok(())
    }
}

/// A run ready to leave the page: as a link fragment and as a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    /// The share link's fragment, without `#`: the page URL plus this opens the run.
    pub fragment: String,
    /// The scenario as a file that reproduces the run: hand actions join its timeline.
    pub json: String,
    pub file_name: String,
    /// Actions taken by hand, now in the file's timeline.
    pub hand_actions: usize,
}

/// One line of the run: everything that tells it apart from another line of the same
/// document, and where the user was in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    /// Every hand action with its moment. With the document this is the whole run:
    /// `Playback::with_actions(document world, actions)` replays it exactly.
    pub actions: Vec<(Instant, Command)>,
    /// How far it was computed.
    pub horizon: Instant,
    /// Its timeline's marks up to `horizon`.
    pub marks: RunMarks,
    /// Where the user was when they left it.
    pub left_at: Instant,
    /// The moment it parted from the branch it was started from; none for the first.
    pub forked_at: Option<Instant>,
    /// The lesson step the user was reading in it (0-based), shown again on return.
    pub step: usize,
}

impl Branch {
    fn of(p: &Playback, forked_at: Option<Instant>, step: usize) -> Branch {
        Branch {
            actions: p.actions.clone(),
            horizon: p.horizon,
            marks: p.marks.clone(),
            left_at: p.target.unwrap_or(p.now()),
            forked_at,
            step,
        }
    }

    /// "crash db3 at 4.70 s", its hand actions in a few words.
    pub fn summary(&self) -> String {
        let mut words: Vec<String> = self
            .actions
            .iter()
            .take(3)
            .map(|(at, cmd)| format!("{} at {}", cmd.label(), fmt_secs(*at)))
            .collect();
        if self.actions.len() > 3 {
            words.push(format!("{} more", self.actions.len() - 3));
        }
        if words.is_empty() {
            return "no hand actions".into();
        }
        words.join(", ")
    }
}

/// The branches of one document's run: acting in the past starts a new one and keeps the
/// old future, instead of dropping it.
///
/// Built for a later side-by-side comparison of two branches: each [`Branch`] holds
/// everything that makes its run (the hand actions; the document is shared), so a
/// comparison opens two `Playback::with_actions` from the same document world with
/// `branch(a).actions` and `branch(b).actions`, seeks both to one moment and diffs their
/// worlds; `forked_at` says from when they can differ, and `marks` lets it draw both
/// timelines without running either.
#[derive(Clone, Debug, PartialEq)]
pub struct Branches {
    /// Every branch, in the order they were started. The one shown is `current`; its
    /// entry is brought up to date whenever it is left.
    pub(super) list: Vec<Branch>,
    pub(super) current: usize,
    /// The branch the last fork left, while undoing the fork can still go back to it.
    pub(super) undo_to: Option<usize>,
}

impl Default for Branches {
    fn default() -> Self {
        Branches {
            list: vec![Branch::of_nothing()],
            current: 0,
            undo_to: None,
        }
    }
}

impl Branch {
    pub(super) fn of_nothing() -> Branch {
        Branch {
            actions: Vec::new(),
            horizon: Instant::ZERO,
            marks: RunMarks::default(),
            left_at: Instant::ZERO,
            forked_at: None,
            step: 0,
        }
    }
}

impl Branches {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn current(&self) -> usize {
        self.current
    }

    /// The branch as it was when last left (the current one as it was started).
    pub fn branch(&self, i: usize) -> Option<&Branch> {
        self.list.get(i)
    }

    /// Whether the last hand action started a branch that undo can still take back.
    pub fn undoable(&self) -> bool {
        self.undo_to.is_some()
    }

    /// Forgets that the last fork can be undone (the user dismissed the notice).
    pub fn settle(&mut self) {
        self.undo_to = None;
    }

    /// Keeps `left` as the current branch and starts a new one parting from it at
    /// `at`.
    fn fork(&mut self, left: Branch, at: Instant) {
        self.list[self.current] = left;
        self.list.push(Branch {
            forked_at: Some(at),
            ..Branch::of_nothing()
        });
        self.undo_to = Some(self.current);
        self.current = self.list.len() - 1;
    }

    /// Keeps `left` as the current branch and makes branch `i` current; returns it.
    fn switch(&mut self, left: Branch, i: usize) -> Option<Branch> {
        let next = self.list.get(i)?.clone();
        self.list[self.current] = left;
        self.current = i;
        self.undo_to = None;
        Some(next)
    }

    /// Drops the branch the last fork started and goes back to the one it left.
    fn undo(&mut self) -> Option<Branch> {
        let back = self.undo_to.take()?;
        self.list.remove(self.current);
        self.current = if back > self.current { back - 1 } else { back };
        Some(self.list[self.current].clone())
    }
}

/// The run the page shows: its document, its playback and the reader's place in it.
pub struct Session {
    document: Document,
    /// Time and the user's hand actions: the run as the user drives it.
    pub playback: Playback,
    /// The lines of this run acting in the past started.
    branches: Branches,
    narration: Narration,
}

impl Session {
    /// A shipped preset, at time zero.
    pub fn preset(name: &str) -> Result<Session, SessionError> {
        Session::start(Document::preset(name)?, Vec::new(), Instant::ZERO)
    }

    /// A whole scenario document: an imported file, a built cluster, or automation
    /// through `playground_load`.
    pub fn from_json(json: &str) -> Result<Session, SessionError> {
        Session::start(Document::custom(json)?, Vec::new(), Instant::ZERO)
    }

    /// A share link's fragment (without `#`): the same scenario, the sender's hand actions,
    /// at the moment the sender was looking at.
    pub fn from_link(fragment: &str) -> Result<Session, LinkError> {
        let (shared, view) = link::decode_viewed(fragment)?;
        let (document, actions, at) = Document::from_shared(shared);
        let mut s = Session::start(document, actions, at)
            .map_err(|e| LinkError::Impossible(e.to_string()))?;
        // The sender's step and speed: a teacher's link opens where the class is.
        let steps = s.scenario().lesson.as_ref().map_or(0, |l| l.steps.len());
        if let Some(step) = view.step.filter(|_| steps > 0) {
            s.narration = Narration::keep(step.min(steps - 1));
        }
        if let Some(speed) = view.speed {
            s.playback.set_speed(speed);
        }
        Ok(s)
    }

    /// How the reader looks at the run, for their link: the lesson step and the speed.
    fn view(&self) -> link::View {
        link::View {
            step: self
                .scenario()
                .lesson
                .is_some()
                .then(|| self.narration.step()),
            speed: Some(self.playback.speed),
        }
    }

    /// Builds the run and moves it to `at`, replaying `actions` on the way.
    fn start(
        document: Document,
        actions: Vec<(Instant, Command)>,
        at: Instant,
    ) -> Result<Session, SessionError> {
        let world = document.scenario.world().map_err(SessionError::Scenario)?;
        let mut playback = Playback::with_actions(world, actions);
        // Even to time zero: actions taken at the very start are applied now.
        playback.seek(at);
        Ok(Session {
            document,
            playback,
            branches: Branches::default(),
            narration: Narration::default(),
        })
    }

    pub fn document(&self) -> &Document {
        &self.document
    }

    pub fn scenario(&self) -> &Scenario {
        &self.document.scenario
    }

    pub fn world(&self) -> &World {
        &self.playback.world
    }

    /// A hand action, now: recorded, so seeking, links and the autosave replay it.
    /// Before the end of the computed run it starts a new branch; the old one is kept.
    pub fn act(&mut self, cmd: Command) -> Result<(), CommandError> {
        let pb = &self.playback;
        // Where `Playback::apply` acts: the next whole millisecond of the moment shown.
        let at = playback::whole_ms(pb.now());
        let in_the_past = at < pb.horizon;
        let left = Branch::of(pb, None, self.narration.step());
        self.playback.apply(cmd)?;
        if in_the_past {
            let forked_at = self.branches.list[self.branches.current].forked_at;
            self.branches.fork(Branch { forked_at, ..left }, at);
        }
        Ok(())
    }

    pub fn branches(&self) -> &Branches {
        &self.branches
    }

    /// Puts back a branch store kept by the autosave (`branches::restore` checked it
    /// against this run).
    pub(super) fn set_branches(&mut self, branches: Branches) {
        self.branches = branches;
    }

    /// Forgets that the last branch can be undone (its notice was dismissed).
    pub fn settle_branches(&mut self) {
        self.branches.settle();
    }

    /// Shows branch `i` where the user left it; false if there is no such branch.
    pub fn switch_branch(&mut self, i: usize) -> bool {
        if i == self.branches.current {
            return i < self.branches.len();
        }
        let left = self.left_branch();
        let Some(next) = self.branches.switch(left, i) else {
            return false;
        };
        self.load(next);
        true
    }

    /// Undoes the last branch: drops it and shows the one it left, exactly as it was.
    pub fn undo_branch(&mut self) -> bool {
        let Some(back) = self.branches.undo() else {
            return false;
        };
        self.load(back);
        true
    }

    /// Every branch as it stands, the current one as it is now.
    pub fn branch_list(&self) -> Vec<Branch> {
        let mut list = self.branches.list.clone();
        list[self.branches.current] = self.left_branch();
        list
    }

    fn left_branch(&self) -> Branch {
        let forked_at = self.branches.list[self.branches.current].forked_at;
        Branch::of(&self.playback, forked_at, self.narration.step())
    }

    fn load(&mut self, b: Branch) {
        // The step the reader was on in that branch, as a link keeps the sender's step.
        self.narration = Narration::keep(b.step);
        self.playback.load(b.actions, b.horizon, b.marks, b.left_at);
    }

    /// The run as a share link carries it, at the whole millisecond at or after the
    /// moment shown (or the one a seek is heading for).
    pub fn shared(&self) -> Shared {
        let pb = &self.playback;
        Shared {
            scenario: self.document.scenario.clone(),
            source: self.document.source.clone(),
            preset: self.document.preset.clone(),
            actions: pb.actions.clone(),
            at_us: playback::whole_ms(pb.target.unwrap_or(pb.now())),
        }
    }

    /// The run as a link fragment, with the lesson step and the speed: what the page
    /// autosaves.
    pub fn fragment(&self) -> String {
        link::encode_viewed(&self.shared(), self.view())
    }

    /// The run as a link and as a file. Moves to a whole millisecond first, where a link
    /// can point exactly.
    pub fn export(&mut self) -> Export {
        self.playback.align_to_ms();
        let shared = self.shared();
        let mut timeline = self.document.scenario.timeline.clone();
        timeline.extend(shared.actions.iter().map(|(at, cmd)| TimedAction {
            at_ms: at.as_millis_ceil(),
            action: cmd.clone(),
        }));
        let json = Scenario::with_timeline(&self.document.source, &timeline)
            .map(|(_, text)| text)
            .unwrap_or_else(|_| self.document.source.clone());
        Export {
            fragment: link::encode_viewed(&shared, self.view()),
            json,
            file_name: file_name(&self.document.scenario.name),
            hand_actions: shared.actions.len(),
        }
    }

    /// Rewrites the scenario's timeline (and nothing else of it) and replays the run to
    /// where the user was, with their hand actions and lesson step. On error nothing changes.
    pub fn edit_timeline(&mut self, edit: TimelineEdit) -> Result<(), SessionError> {
        let mut timeline = self.document.scenario.timeline.clone();
        edit.apply(&mut timeline)?;
        let (scenario, source) = Scenario::with_timeline(&self.document.source, &timeline)
            .map_err(SessionError::Scenario)?;
        let document = Document {
            scenario,
            source,
            preset: self.document.preset.clone(),
            edited: true,
        };
        let actions = self.playback.actions.clone();
        let mut next = Session::start(document, actions, self.playback.now())?;
        next.narration = Narration::keep(self.narration.step());
        *self = next;
        Ok(())
    }

    /// The lesson with the timeline its steps' `after: {action}` read; none without a lesson.
    pub fn lesson_and_timeline(&self) -> Option<(&Lesson, &[TimedAction])> {
        let s = self.scenario();
        s.lesson.as_ref().map(|l| (l, s.timeline.as_slice()))
    }

    pub fn lesson_step(&self) -> usize {
        self.narration.step()
    }

    /// Moves through the lesson's steps (−1 back, +1 next), staying within them, and the
    /// run to the step's moment (docs/scenario-format.md); false when the scenario has no
    /// lesson.
    pub fn move_lesson(&mut self, delta: i32) -> bool {
        if self.scenario().lesson.is_none() {
            return false;
        }
        let step = (self.narration.step() as i64 + i64::from(delta)).max(0) as usize;
        self.narration
            .go_to(step, &mut self.playback, &self.document.scenario);
        true
    }

    /// Moves the run to `t` for the reader (the timeline, a finding): the lesson step
    /// follows the clock there.
    pub fn seek(&mut self, t: Instant) {
        self.narration.scrubbed();
        self.playback.seek(t);
    }

    /// Lets the lesson step follow the run after it moved (every frame and every message).
    pub fn follow_lesson(&mut self) -> Followed {
        self.narration
            .follow(&mut self.playback, &self.document.scenario)
    }

    /// Everything the current lesson step says to watch, as written: nodes, `router`,
    /// `manager`, links (`db1->db2`) and panels (`failover`).
    pub fn watched_names(&self) -> Vec<String> {
        (self.scenario().lesson.as_ref())
            .and_then(|l| l.steps.get(self.narration.step()))
            .map(|s| s.watch.clone())
            .unwrap_or_default()
    }

    /// The nodes the current lesson step says to watch.
    pub fn watched(&self) -> Vec<NodeId> {
        let w = self.world();
        self.scenario()
            .lesson
            .as_ref()
            .and_then(|l| l.steps.get(self.narration.step()))
            .map(|s| s.watch.iter().filter_map(|n| w.node_id(n)).collect())
            .unwrap_or_default()
    }
}

/// How the page opens, and what to tell the user about it.
pub struct Opening {
    /// None only if not even the default preset could be loaded.
    pub session: Option<Session>,
    /// Why a link or the autosaved run did not open, in words.
    pub notice: Option<String>,
    /// The run is the address bar's link (the page then drops it from the address).
    pub from_url: bool,
    /// The run is the autosaved one (its other branches may be restored too).
    pub restored: bool,
}

/// The page's first run: the link in the address bar (`url_fragment`); else the autosaved
/// run (`saved`); else the default preset. A bad link is reported, and the autosaved run
/// opens instead, untouched.
pub fn open_page(url_fragment: Option<&str>, saved: Option<&str>) -> Opening {
    let mut notice = None;
    if let Some(fragment) = url_fragment {
        match Session::from_link(fragment) {
            Ok(s) => {
                return Opening {
                    session: Some(s),
                    notice,
                    from_url: true,
                    restored: false,
                };
            }
            Err(e) => notice = Some(link_notice(&e)),
        }
    }
    let restored = saved.map(Session::from_link);
    if let Some(Ok(s)) = restored {
        return Opening {
            session: Some(s),
            notice,
            from_url: false,
            restored: true,
        };
    }
    if restored.is_some() {
        notice.get_or_insert_with(|| "Your last run could not be restored.".into());
    }
    let (session, notice) = match Session::preset(DEFAULT_PRESET) {
        Ok(s) => (Some(s), notice),
        Err(e) => (None, Some(e.to_string())),
    };
    Opening {
        session,
        notice,
        from_url: false,
        restored: false,
    }
}

/// What the page says when a link cannot be opened.
pub fn link_notice(e: &LinkError) -> String {
    format!("This link cannot be opened: {e}")
}

/// Every preset as (file stem, title), parsed once: the scenario picker is drawn on every
/// frame, and parsing each preset each time cost about a millisecond a frame.
pub fn preset_titles() -> &'static [(&'static str, String)] {
    static TITLES: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
        PRESETS
            .iter()
            .map(|(name, json)| {
                let title = Scenario::from_json(json).map_or_else(|_| name.to_string(), |s| s.name);
                (*name, title)
            })
            .collect()
    });
    &TITLES
}

/// `name` as a file name: letters, digits and dashes.
pub fn file_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    format!("{}.json", if out.is_empty() { "scenario" } else { out })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LESSON: &str = "async-failover-loses-writes";

    /// Lets a seek that spans several frames arrive.
    fn settle(s: &mut Session) {
        while s.playback.busy() {
            s.playback.frame(16.0);
        }
    }

    fn at(s: &mut Session, us: u64) {
        s.playback.seek(Instant::from_micros(us));
        settle(s);
    }

    fn crash(node: &str) -> Command {
        Command::Crash {
            node: node.into(),
            power_loss: false,
        }
    }

    /// (time, trace hash, events): what must match for two runs to be the same moment.
    fn moment(s: &Session) -> (Instant, u64, u64) {
        (s.world().now(), s.world().trace.hash(), s.world().events())
    }

    #[test]
    fn a_preset_opens_at_time_zero_as_itself() {
        let s = Session::preset(LESSON).unwrap();
        assert_eq!(s.world().now(), Instant::ZERO);
        assert_eq!(s.document().chosen_preset(), Some(LESSON));
        assert_eq!(s.document().custom_title(), None);
        assert_eq!(s.document().source, preset(LESSON).unwrap());
        assert!(s.playback.actions.is_empty());
        assert_eq!(
            Session::preset("no-such-thing").err(),
            Some(SessionError::UnknownPreset("no-such-thing".into()))
        );
    }

    #[test]
    fn a_link_opens_the_same_moment_with_the_same_hand_actions() {
        let mut sender = Session::preset(LESSON).unwrap();
        at(&mut sender, 4_000_000);
        sender.act(crash("db3")).unwrap();
        at(&mut sender, 14_000_250);
        let mut receiver = Session::from_link(&sender.fragment()).unwrap();
        settle(&mut receiver);
        // The link points at the whole millisecond after the sender's moment.
        at(&mut sender, 14_001_000);
        assert_eq!(moment(&receiver), moment(&sender));
        assert_eq!(receiver.playback.actions, sender.playback.actions);
        assert_eq!(receiver.document(), sender.document());
    }

    #[test]
    fn a_link_reopens_at_the_senders_lesson_step_and_speed() {
        let mut sender = Session::preset(LESSON).unwrap();
        assert!(sender.move_lesson(1));
        settle(&mut sender);
        sender.playback.set_speed(10.0);
        let receiver = Session::from_link(&sender.fragment()).unwrap();
        assert_eq!(receiver.lesson_step(), 1);
        assert_eq!(receiver.playback.speed, 10.0);
        assert_eq!(receiver.world().now(), Instant::from_secs(5));
        // A link without them (every link made before) opens at step 1, at 1×.
        let old = link::encode(&sender.shared());
        let opened = Session::from_link(&old).unwrap();
        assert_eq!((opened.lesson_step(), opened.playback.speed), (0, 1.0));
        // A step past the lesson opens at its last step.
        let far = link::encode_viewed(
            &sender.shared(),
            link::View {
                step: Some(99),
                speed: None,
            },
        );
        assert_eq!(Session::from_link(&far).unwrap().lesson_step(), 3);
    }

    #[test]
    fn a_bad_link_is_a_typed_error_and_the_open_run_stays() {
        let mut s = Session::preset("planned-switchover").unwrap();
        s.act(crash("db3")).unwrap();
        let before = (s.fragment(), moment(&s));
        let past_the_end = link::encode(&Shared {
            at_us: Instant::from_secs(2 * 24 * 3_600),
            ..s.shared()
        });
        assert!(matches!(
            Session::from_link("v1.this-is-not-a-link"),
            Err(LinkError::NotBase64 | LinkError::NotCompressed)
        ));
        assert!(matches!(
            Session::from_link("v7.AAAA"),
            Err(LinkError::UnknownVersion(_))
        ));
        assert!(matches!(
            Session::from_link(&past_the_end),
            Err(LinkError::Impossible(_))
        ));
        assert_eq!((s.fragment(), moment(&s)), before);
    }

    #[test]
    fn an_edited_preset_travels_as_edited() {
        let mut s = Session::preset(LESSON).unwrap();
        s.edit_timeline(TimelineEdit::Delete { index: 0 }).unwrap();
        let opened = Session::from_link(&s.fragment()).unwrap();
        assert!(opened.document().edited);
        assert_eq!(opened.document().chosen_preset(), None);
        let plain = Session::from_link(&Session::preset(LESSON).unwrap().fragment()).unwrap();
        assert!(!plain.document().edited);
    }

    #[test]
    fn export_then_import_round_trips() {
        let mut s = Session::preset(LESSON).unwrap();
        at(&mut s, 2_000_400);
        s.act(crash("db2")).unwrap();
        let export = s.export();
        assert_eq!(export.file_name, file_name(&s.scenario().name));
        assert_eq!(export.hand_actions, 1);
        assert_eq!(export.fragment, s.fragment());
        let imported = Session::from_json(&export.json).unwrap();
        assert_eq!(imported.document().preset, None);
        assert!(imported.document().custom_title().is_some());
        let timeline = &imported.scenario().timeline;
        assert_eq!(timeline.len(), s.scenario().timeline.len() + 1);
        assert!(
            timeline
                .iter()
                .any(|a| a.at_ms == 2_001 && a.action == crash("db2"))
        );
        // Everything but the timeline is the preset as written.
        let mut back = imported.scenario().clone();
        back.timeline.clone_from(&s.scenario().timeline);
        assert_eq!(&back, s.scenario());
        // A file holds no hand actions: exporting it again gives the same file.
        let mut again = imported;
        assert_eq!(again.export().json, export.json);
        assert_eq!(
            Session::from_json("{\"version\": 1")
                .err()
                .map(|e| e.to_string().is_empty()),
            Some(false)
        );
    }

    #[test]
    fn a_timeline_edit_rewrites_only_the_timeline_and_keeps_the_place() {
        let mut s = Session::preset(LESSON).unwrap();
        // The step first: moving through steps moves the run to their moments.
        assert!(s.move_lesson(2));
        at(&mut s, 3_000_000);
        s.act(crash("db3")).unwrap();
        at(&mut s, 6_000_000);
        let before = s.scenario().clone();
        let added = TimedAction {
            at_ms: 1_500,
            action: Command::HealAll,
        };
        s.edit_timeline(TimelineEdit::Add(added.clone())).unwrap();
        settle(&mut s);
        let mut timeline = before.timeline.clone();
        timeline.push(added);
        timeline.sort_by_key(|a| a.at_ms);
        assert_eq!(s.scenario().timeline, timeline);
        assert_eq!(
            Scenario {
                timeline: before.timeline.clone(),
                ..s.scenario().clone()
            },
            before
        );
        assert_eq!(s.world().now(), Instant::from_secs(6), "the user's place");
        assert_eq!(s.playback.actions.len(), 1, "the hand action");
        assert_eq!(s.lesson_step(), 2);
        assert_eq!(s.document().chosen_preset(), None);
        assert!(s.document().custom_title().unwrap().ends_with("(custom)"));
    }

    #[test]
    fn a_timeline_edit_that_cannot_apply_changes_nothing() {
        let mut s = Session::preset(LESSON).unwrap();
        at(&mut s, 1_000_000);
        let n = s.scenario().timeline.len();
        let before = (s.document().clone(), moment(&s));
        for edit in [
            TimelineEdit::Delete { index: n },
            TimelineEdit::Move { index: n, at_ms: 1 },
        ] {
            assert_eq!(s.edit_timeline(edit), Err(SessionError::ActionGone));
        }
        let unknown_node = TimelineEdit::Add(TimedAction {
            at_ms: 1,
            action: crash("db9"),
        });
        assert!(matches!(
            s.edit_timeline(unknown_node),
            Err(SessionError::Scenario(_))
        ));
        assert_eq!((s.document().clone(), moment(&s)), before);
        s.edit_timeline(TimelineEdit::Move {
            index: 0,
            at_ms: 9_000,
        })
        .unwrap();
        assert!(s.scenario().timeline.iter().any(|a| a.at_ms == 9_000));
    }

    /// What must be the same for a branch to be back exactly: the moment, the hand
    /// actions, how far the run was computed and the timeline's marks.
    type Line = (
        Instant,
        u64,
        u64,
        Vec<(Instant, Command)>,
        Instant,
        RunMarks,
    );

    fn line(s: &Session) -> Line {
        let (now, hash, events) = moment(s);
        let p = &s.playback;
        (
            now,
            hash,
            events,
            p.actions.clone(),
            p.horizon,
            p.marks.clone(),
        )
    }

    /// The free-play example: crash db3 at 4.7 s, run to 34.7 s, scrub back to
    /// 2 s and crash db2.
    fn changed_past() -> (Session, Line) {
        let mut s = Session::from_json(preset("free-play").unwrap()).unwrap();
        at(&mut s, 4_700_000);
        s.act(crash("db3")).unwrap();
        assert_eq!(
            s.branches().len(),
            1,
            "acting at the end of the run is no branch"
        );
        at(&mut s, 34_700_000);
        at(&mut s, 2_000_000);
        let before = line(&s);
        s.act(crash("db2")).unwrap();
        (s, before)
    }

    #[test]
    fn acting_in_the_past_starts_a_branch_and_undo_restores_the_old_one_exactly() {
        let (mut s, before) = changed_past();
        assert_eq!(s.branches().len(), 2);
        assert_eq!(s.branches().current(), 1);
        assert!(s.branches().undoable());
        assert_eq!(
            s.playback.actions.len(),
            1,
            "the new branch: only db2's crash"
        );
        let old = s.branches().branch(0).unwrap();
        assert_eq!(old.actions, before.3, "the old future is kept");
        assert_eq!(old.horizon, Instant::from_micros(34_700_000));
        assert_eq!(old.summary(), "crash db3 at 4.70 s");
        assert_eq!(s.branch_list()[1].forked_at, Some(Instant::from_secs(2)));
        assert!(s.undo_branch());
        settle(&mut s);
        assert_eq!(line(&s), before);
        assert_eq!(s.branches().len(), 1);
        assert!(!s.undo_branch(), "once");
        // The old future is still there to run into: db3 crashed at 4.7 s.
        at(&mut s, 30_000_000);
        let db3 = s.world().node_id("db3").unwrap();
        assert!(!s.world().node(db3).unwrap().is_running());
    }

    #[test]
    fn branches_can_be_switched_back_and_forth_exactly() {
        let (mut s, before) = changed_past();
        at(&mut s, 20_000_000);
        let new_line = line(&s);
        assert!(s.switch_branch(0));
        settle(&mut s);
        assert_eq!(line(&s), before, "the old branch, where the user left it");
        assert!(!s.branches().undoable(), "a switch settles the fork");
        assert!(s.switch_branch(1));
        settle(&mut s);
        assert_eq!(line(&s), new_line);
        // The same run as a fresh one with the same hand actions.
        let mut fresh = Session::from_json(preset("free-play").unwrap()).unwrap();
        fresh.playback.actions = s.playback.actions.clone();
        at(&mut fresh, 20_000_000);
        assert_eq!(moment(&fresh), moment(&s));
        assert!(!s.switch_branch(7));
        assert_eq!(line(&s), new_line);
    }

    #[test]
    fn lesson_steps_stay_within_the_lesson_and_name_what_to_watch() {
        let mut s = Session::preset(LESSON).unwrap();
        let steps = s.scenario().lesson.as_ref().unwrap().steps.clone();
        assert!(s.move_lesson(-1));
        assert_eq!(s.lesson_step(), 0);
        assert!(s.move_lesson(100));
        assert_eq!(s.lesson_step(), steps.len() - 1);
        let (i, step) = steps
            .iter()
            .enumerate()
            .find(|(_, st)| !st.watch.is_empty())
            .unwrap();
        s.move_lesson(i as i32 - s.lesson_step() as i32);
        let names: Vec<String> = s
            .watched()
            .iter()
            .map(|n| s.world().name((*n).into()))
            .collect();
        assert_eq!(names, step.watch);
        let mut built = Session::from_json(preset("free-play").unwrap()).unwrap();
        assert!(built.scenario().lesson.is_none());
        assert!(!built.move_lesson(1));
        assert!(built.watched().is_empty());
    }

    #[test]
    fn the_page_opens_its_link_else_the_autosave_else_the_default() {
        let mut saved = Session::preset("planned-switchover").unwrap();
        saved.act(crash("db3")).unwrap();
        let (saved, link) = (
            saved.fragment(),
            Session::preset(LESSON).unwrap().fragment(),
        );
        let opened = |url: Option<&str>, saved: Option<&str>| {
            let o = open_page(url, saved);
            let preset = o.session.unwrap().document().preset.clone().unwrap();
            (preset, o.notice, o.from_url)
        };
        assert_eq!(
            opened(Some(&link), Some(&saved)),
            (LESSON.into(), None, true)
        );
        let (preset, notice, from_url) = opened(Some("v1.not-a-link"), Some(&saved));
        assert_eq!((preset.as_str(), from_url), ("planned-switchover", false));
        assert!(
            notice
                .unwrap()
                .starts_with("This link cannot be opened: the link is damaged")
        );
        assert_eq!(
            opened(None, Some("v1.broken")),
            (
                DEFAULT_PRESET.into(),
                Some("Your last run could not be restored.".into()),
                false
            )
        );
        assert_eq!(opened(None, None), (DEFAULT_PRESET.into(), None, false));
        let (_, notice, _) = opened(Some("v7.AAAA"), Some("v1.broken"));
        assert!(
            notice.unwrap().contains("newer playground"),
            "the link's error is kept"
        );
    }

    #[test]
    fn preset_titles_are_the_scenarios_names_in_preset_order() {
        let titles = preset_titles();
        assert_eq!(titles.len(), PRESETS.len());
        for ((name, title), (stem, json)) in titles.iter().zip(PRESETS) {
            assert_eq!(name, stem);
            assert_eq!(title, &Scenario::from_json(json).unwrap().name);
        }
        assert!(std::ptr::eq(titles, preset_titles()), "built once");
    }

    #[test]
    fn file_names_are_tame() {
        assert_eq!(
            file_name("Async failover loses writes!"),
            "async-failover-loses-writes.json"
        );
        assert_eq!(file_name("../.."), "scenario.json");
        assert_eq!(
            file_name("Semi-sync: AFTER_SYNC"),
            "semi-sync-after-sync.json"
        );
    }
}
