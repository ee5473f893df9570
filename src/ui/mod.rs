//! Yew components: they render engine state and send it commands, nothing more.
//!
//! `App` is the one owner of the simulation: a [`session::Session`] (the scenario, the
//! user's hand actions and the playback; plain Rust, tested natively), the
//! [`selection::Selection`], and what is open over the page. Its `Msg` is a flat enum of
//! user intents with typed payloads; `update` hands each to a small method. Views are
//! plain functions of engine state: [`chrome`] (header, footer, notices), [`controls`],
//! [`topology`], [`side`] and [`panels`]. Geometry lives in [`geometry`], pure and tested
//! natively.

pub mod autosave;
pub mod branches;
pub mod builder;
pub mod charts;
pub mod chrome;
pub mod console;
pub mod controls;
pub mod course;
pub mod dialect;
mod dialog;
mod document;
pub mod entry;
pub mod export;
pub mod findings;
pub mod geometry;
pub mod glossary;
pub mod help;
pub mod keys;
pub mod lesson;
pub mod marks;
pub mod narration;
pub mod panels;
pub mod panic;
pub mod playback;
pub mod reshard;
pub mod selection;
pub mod session;
pub mod share;
pub mod side;
pub mod timeline;
pub mod topology;

pub use entry::{playground_load, playground_run};
pub use session::DEFAULT_PRESET;

use crate::engine::time::{Duration, Instant};
use crate::engine::{Addr, Command, NodeId};
use gloo::events::EventListener;
use gloo::file::callbacks::FileReader;
use gloo::render::{AnimationFrame, request_animation_frame};
use keys::Shortcut;
use narration::Followed;
use panels::LinkSetting;
use playback::{Playback, speed_from_slider};
use selection::Selection;
use session::{Session, TimelineEdit};
use side::SidePanel;
use timeline::DraftEdit;
use yew::prelude::*;

/// What the user, or the page, asks of the app: one flat enum of intents.
#[derive(Debug, PartialEq)]
pub enum Msg {
    /// An animation frame, at this wall time in milliseconds.
    Frame(f64),
    TogglePlay,
    Step,
    /// One event back (←).
    StepBack,
    /// The speed slider's position (0…100, logarithmic).
    Speed(f64),
    Seek(Instant),
    /// Run ahead this far in simulated time, as fast as frames allow.
    FastForward(Duration),
    /// A click on a node; `add` (shift) gathers several.
    SelectNode {
        node: NodeId,
        add: bool,
    },
    /// The "select several" toggle: taps gather nodes as shift-click does (touch screens
    /// have no shift key).
    SelectSeveral,
    /// A click on a link, the router or the manager.
    Select(Selection),
    ClearSelection,
    Act(Command),
    /// A DBA writes straight into this node (an errant transaction on a replica).
    DirectWrite(String),
    /// A line typed into a node's SQL console: remembered for ↑/↓, run as `Command::Sql`.
    ConsoleSend {
        node: String,
        sql: String,
    },
    /// Widen the side panel for the console, or give the playground its width back.
    ConsoleWide,
    SetLink {
        from: Addr,
        to: Addr,
        setting: LinkSetting,
    },
    /// A finding clicked: its moment, with its nodes highlighted.
    ShowFinding(Instant, Vec<NodeId>),
    ToggleHelp,
    CloseHelp,
    /// Esc: close the dialog on top, or else clear the selection.
    Escape,
    Key(Shortcut),
    LoadPreset(String),
    /// A whole scenario document (an imported file, or automation through `playground_load`).
    LoadScenario(String),
    DismissNotice,
    BuilderOpen,
    BuilderSet(builder::Field, String),
    BuilderApply,
    BuilderClose,
    /// Move through the lesson's steps (−1 back, +1 next).
    LessonStep(i32),
    /// Go to lesson step `i` (0-based) and its moment (a timeline mark of a step not reached).
    LessonGoTo(usize),
    /// Go to the timeline's next (+1) or previous (−1) marker.
    JumpMark(i32),
    /// Drop the branch the last hand action in the past started; back to the old run.
    BranchUndo,
    /// Keep the new branch (dismiss its notice).
    BranchSettle,
    BranchSwitch(usize),
    BranchesToggle,
    /// Open a glossary entry by its key, or close it.
    Glossary(Option<&'static str>),
    /// Move a timed action to the time typed, in seconds.
    TimelineMove {
        index: usize,
        secs: String,
    },
    TimelineDelete(usize),
    TimelineDraft(DraftEdit),
    TimelineAdd,
    ShareOpen,
    ShareClose,
    /// The "Export for real servers" dialog.
    ExportOpen,
    ExportClose,
    CopyLink(String),
    Copied(bool),
    ImportFile(Option<web_sys::File>),
    /// A share link's fragment (the URL changed while the page was open).
    OpenLink(String),
    ReadFailed(String),
    /// Presenter mode on or off: the side panel and footer fold away, the canvas fills the page.
    TogglePresenter,
    /// A finding chip pressed: list that kind too, or no longer; `None`: list every kind.
    PickFindings(Option<crate::engine::checker::FindingKind>),
    /// The lesson list, open or closed.
    LessonsToggle,
    /// A lesson from the course (the list, the welcome card, "Next lesson"): opens it and
    /// closes what covered the page.
    OpenLesson(String),
    /// The welcome card dismissed: it stays dismissed.
    WelcomeClose,
}

/// Wall milliseconds between autosaves while the run moves.
const AUTOSAVE_EVERY_MS: f64 = 2_000.0;

/// The dialogs over the page.
#[derive(Default)]
struct Overlays {
    help: bool,
    builder: Option<builder::Form>,
    share: Option<share::ShareView>,
    /// The branch list is unfolded.
    branches: bool,
    /// The glossary entry open, by key.
    glossary: Option<&'static str>,
    export: bool,
    /// The lesson list.
    lessons: bool,
    /// The welcome card of a first visit.
    welcome: bool,
}

/// What ties the app to the page: its next frame, its listeners, wall-clock marks.
#[derive(Default)]
struct PageHooks {
    frame: Option<AnimationFrame>,
    last_frame_ms: Option<f64>,
    /// Wall time of the last autosave while the run moved.
    saved_at_ms: f64,
    keys: Option<EventListener>,
    hash_listener: Option<EventListener>,
    /// An import in progress (dropping it cancels the read).
    reader: Option<FileReader>,
    /// The dialogs open at the last render, bottom first, each with where focus was when
    /// it opened (to give it back when it closes).
    dialogs: Vec<dialog::Opened>,
    /// Keeps Tab inside an open dialog.
    tab_trap: Option<EventListener>,
    /// Something was just selected on the canvas: show its inspector after the render.
    reveal_inspector: bool,
    /// The lesson list just opened: focus goes to the lesson open now, after the list
    /// took focus as every dialog does.
    focus_current_lesson: bool,
}

#[derive(Default)]
pub struct App {
    /// The run shown; none only if not even the default preset could be loaded.
    session: Option<Session>,
    selection: Selection,
    /// Whether a click or tap on a node adds it to the nodes picked (the touch equivalent
    /// of shift-click).
    select_several: bool,
    /// Nodes to point at: what a lesson step says to watch, or a finding's nodes.
    highlight: Vec<NodeId>,
    /// The finding kinds whose chips are pressed: the findings list shows only these (none: all).
    finding_kinds: Vec<crate::engine::checker::FindingKind>,
    side: SidePanel,
    overlays: Overlays,
    notice: Option<String>,
    draft: timeline::Draft,
    /// What each node's console was sent from this page, for ↑/↓.
    consoles: console::Consoles,
    /// Direct writes so far: each writes a key and a value of its own.
    direct_writes: u64,
    page: PageHooks,
    /// Presenter mode: the canvas alone under the header, for a projector.
    presenter: bool,
}

impl App {
    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.page.frame = Some(request_animation_frame(move |ts| {
            link.send_message(Msg::Frame(ts))
        }));
    }

    fn playback(&mut self) -> Option<&mut Playback> {
        self.session.as_mut().map(|s| &mut s.playback)
    }

    fn with_playback(&mut self, f: impl FnOnce(&mut Playback)) {
        if let Some(p) = self.playback() {
            f(p);
        }
    }

    /// Advances the run by the wall time since the last frame; true if anything moved.
    fn on_frame(&mut self, ctx: &Context<Self>, ts: f64) -> bool {
        let dt = self.page.last_frame_ms.map_or(0.0, |last| ts - last);
        self.page.last_frame_ms = Some(ts);
        self.request_frame(ctx);
        let clock = web_sys::window().and_then(|w| w.performance());
        let start = clock.as_ref().map_or(0.0, |c| c.now());
        let Some(p) = self.playback() else {
            return false;
        };
        let moved = p.frame(dt);
        let took = clock.as_ref().map_or(0.0, |c| c.now()) - start;
        // Keep the simulation's share of a frame under ~8 ms, leaving time to draw.
        p.slice = playback::tune_slice(p.slice, took, 8.0);
        // A seek or fast-forward that just arrived shows its final state at once.
        let arrived = !p.playing && !p.busy();
        if moved {
            self.side.moved(ts, arrived);
            self.follow_lesson();
        }
        if moved && ts - self.page.saved_at_ms >= AUTOSAVE_EVERY_MS {
            self.page.saved_at_ms = ts;
            self.autosave();
        }
        moved
    }

    /// Carries out a shortcut as the messages of the buttons it stands for; false when it
    /// had nothing to act on (no re-render).
    fn on_key(&mut self, ctx: &Context<Self>, key: Shortcut) -> bool {
        let world = self.session.as_ref().map(Session::world);
        let intents = key.intents(&self.selection, world);
        intents.into_iter().fold(false, |shown, msg| {
            Component::update(self, ctx, msg) | shown
        })
    }

    /// Closes what is on top of the page (a dialog, else the widened console); false when
    /// nothing was open.
    fn close_top(&mut self) -> bool {
        let o = &mut self.overlays;
        if std::mem::take(&mut o.welcome) {
            course::remember_welcomed();
            return true;
        }
        // The export dialog opens over the share dialog: Esc closes it alone.
        if std::mem::take(&mut o.export)
            || std::mem::take(&mut o.lessons)
            || std::mem::take(&mut o.help)
            || o.builder.take().is_some()
            || o.share.take().is_some()
        {
            return true;
        }
        std::mem::take(&mut self.consoles.wide)
    }

    /// Closes the welcome card, if open, for good.
    fn close_welcome(&mut self) {
        if std::mem::take(&mut self.overlays.welcome) {
            course::remember_welcomed();
        }
    }

    /// A lesson chosen from the course: what covered the page closes.
    fn open_lesson(&mut self, name: &str) {
        self.close_welcome();
        self.overlays.lessons = false;
        self.load_preset(name);
    }

    /// Play or pause; Space on the welcome card does what the card says (the run plays).
    fn play_pause(&mut self) {
        self.close_welcome();
        self.with_playback(|p| p.playing = !p.playing);
    }

    fn clear_selection(&mut self) {
        self.selection = Selection::Nothing;
        self.highlight.clear();
    }

    fn select(&mut self, selection: Selection) {
        self.clear_selection();
        self.selection = selection;
    }

    fn show_finding(&mut self, at: Instant, nodes: Vec<NodeId>) {
        self.seek(at);
        self.clear_selection();
        self.highlight = nodes;
    }

    /// Moves through the lesson's steps and the run to each one's moment, marking what
    /// each says to watch; false when there is no lesson.
    fn move_lesson(&mut self, delta: i32) -> bool {
        let Some(s) = &mut self.session else {
            return false;
        };
        if !s.move_lesson(delta) {
            return false;
        }
        self.highlight = s.watched();
        self.side.changed();
        true
    }

    /// Undo, keep or switch a branch; autosaves the run shown when the branch changed.
    fn on_branch(&mut self, msg: Msg) {
        let Some(s) = &mut self.session else { return };
        let changed = match msg {
            Msg::BranchUndo => s.undo_branch(),
            Msg::BranchSwitch(i) => s.switch_branch(i),
            _ => {
                s.settle_branches();
                false
            }
        };
        if changed {
            self.clear_selection();
            self.follow_lesson();
            self.autosave();
        }
    }

    /// Goes to the timeline's next or previous marker; false when there is none.
    fn jump_mark(&mut self, delta: i32) -> bool {
        let Some(s) = &mut self.session else {
            return false;
        };
        let groups = marks::shown(&s.playback, s.lesson_and_timeline());
        let now = s.playback.now();
        let to = if delta > 0 {
            marks::next_moment(&groups, now)
        } else {
            marks::previous_moment(&groups, now)
        };
        let Some(at) = to else { return false };
        s.seek(at);
        // A short jump arrives at once, and a frame that moves nothing follows no lesson:
        // the step the mark stands for shows now.
        self.follow_lesson();
        self.side.changed();
        true
    }

    /// Lets the lesson step follow the run: a new step shows at once with what it says to
    /// watch; a step whose event never came says so.
    fn follow_lesson(&mut self) {
        let Some(s) = &mut self.session else { return };
        match s.follow_lesson() {
            Followed::Same => {}
            Followed::Moved => {
                self.highlight = s.watched();
                self.side.changed();
            }
            Followed::Missed(i) => {
                let event = (s.scenario().lesson.as_ref())
                    .and_then(|l| l.steps.get(i)?.after.as_ref().map(|a| a.label()))
                    .unwrap_or_default();
                self.notice = Some(format!(
                    "Step {} waits for {event}, which does not happen in this run.",
                    i + 1
                ));
            }
        }
    }

    /// The reader moves the run (the timeline, a finding): the lesson step follows.
    fn seek(&mut self, t: Instant) {
        if let Some(s) = &mut self.session {
            s.seek(t);
        }
    }

    /// Opens, closes or flips a dialog, a panel or a mode: what changes no run.
    fn toggle(&mut self, msg: Msg) {
        match msg {
            Msg::SelectSeveral => self.select_several = !self.select_several,
            Msg::ConsoleWide => self.consoles.wide = !self.consoles.wide,
            Msg::ToggleHelp => self.overlays.help = !self.overlays.help,
            Msg::CloseHelp => self.overlays.help = false,
            Msg::DismissNotice => self.notice = None,
            Msg::BuilderOpen => {
                self.overlays.builder = Some(self.overlays.builder.clone().unwrap_or_default())
            }
            Msg::BuilderClose => self.overlays.builder = None,
            Msg::BranchesToggle => self.overlays.branches = !self.overlays.branches,
            Msg::Glossary(key) => self.overlays.glossary = key,
            Msg::ShareClose => self.overlays.share = None,
            Msg::ExportOpen => self.overlays.export = true,
            Msg::ExportClose => self.overlays.export = false,
            Msg::TogglePresenter => self.presenter = !self.presenter,
            Msg::WelcomeClose => self.close_welcome(),
            Msg::LessonsToggle => {
                // From the welcome card: the list takes its place, and it is dismissed.
                self.close_welcome();
                self.overlays.lessons = !self.overlays.lessons;
                self.page.focus_current_lesson = self.overlays.lessons;
            }
            // Every other message is handled in `update` before it comes here.
            _ => {}
        }
    }

    /// The preset the run is (or was made from, by editing its timeline).
    fn current_preset(&self) -> Option<&str> {
        self.session.as_ref()?.document().preset.as_deref()
    }

    fn direct_write(&mut self, node: String) {
        self.direct_writes += 1;
        self.act(Command::DirectWrite {
            node,
            key: 1_000_000 + self.direct_writes,
            value: self.direct_writes,
        });
    }

    /// A console line: one `Command::Sql` through the same door as every button.
    fn console_send(&mut self, node: String, sql: String) {
        self.consoles.push(&node, &sql);
        self.act(Command::Sql { node, sql });
    }

    fn set_link(&mut self, from: Addr, to: Addr, setting: LinkSetting) {
        let Some(s) = &self.session else { return };
        let w = s.world();
        // A form drawn for an earlier run may name nodes this one does not have.
        let known = |a: Addr| a.node().is_none_or(|n| w.node(n).is_some());
        if !(known(from) && known(to)) {
            return;
        }
        match panels::link_command(w, from, to, setting) {
            Ok(cmd) => self.act(cmd),
            Err(e) => self.notice = Some(e.into()),
        }
    }

    fn set_builder_field(&mut self, field: builder::Field, value: &str) {
        if let Some(b) = &mut self.overlays.builder {
            b.set(field, value);
        }
    }

    /// Over the canvas's corner, so it stays where the teacher looks in both modes.
    fn presenter_button(&self, link: &html::Scope<Self>) -> Html {
        let (label, title) = if self.presenter {
            ("Details", "show the side panel again (p)")
        } else {
            (
                "Present",
                "presenter mode (p): hide the side panel, the canvas fills the screen",
            )
        };
        html! {
            <button type="button" class="presenter-button" aria-pressed={self.presenter.to_string()}
                onclick={link.callback(|_| Msg::TogglePresenter)} {title}>{ label }</button>
        }
    }

    fn view_main(&self, link: &html::Scope<Self>) -> Html {
        let Some(s) = &self.session else {
            return html! { <p class="error" role="alert">{ "The scenario could not be loaded." }</p> };
        };
        let pb = &s.playback;
        let watch = s.watched_names();
        let marks = topology::Marks {
            speed: pb.speed,
            selection: &self.selection,
            highlight: &self.highlight,
            watch: &watch,
        };
        html! {
            <>
                <div class="time-area">
                    { controls::view(pb, s.lesson_and_timeline(), link) }
                    { branches::view(s, self.overlays.branches, link) }
                </div>
                <div class="canvas">
                    { topology::view(&pb.world, &marks, link) }
                    { self.presenter_button(link) }
                    { topology::view_warnings(&pb.world) }
                    { select_several_toggle(self.select_several, link) }
                </div>
            </>
        }
    }
}

/// The touch equivalent of shift-click: while pressed, each node tapped joins the nodes
/// picked (to partition them from the rest).
fn select_several_toggle(on: bool, link: &html::Scope<App>) -> Html {
    html! {
        <button type="button" class="select-several" aria-pressed={if on { "true" } else { "false" }}
            onclick={link.callback(|_| Msg::SelectSeveral)}
            title="while on, each node clicked or tapped joins the selection (as shift-click does)">
            { if on { "✓ Selecting several" } else { "Select several" } }
        </button>
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        entry::register(ctx.link().clone());
        let mut app = App::default();
        app.open_initial();
        app
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        dialog::follow_focus(&mut self.page.dialogs);
        // The lesson list opens where the reader is: on the lesson open now.
        if std::mem::take(&mut self.page.focus_current_lesson) {
            course::focus_current();
        }
        if std::mem::take(&mut self.page.reveal_inspector) {
            dialog::reveal_inspector();
        }
        if !first_render {
            return;
        }
        self.request_frame(ctx);
        self.page.keys = keys::listen(ctx.link().clone());
        self.page.tab_trap = dialog::listen_tab();
        // A link pasted into the address bar of an open page changes only the fragment.
        let link = ctx.link().clone();
        self.page.hash_listener =
            autosave::on_link_pasted(move |fragment| link.send_message(Msg::OpenLink(fragment)));
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame(ts) => return self.on_frame(ctx, ts),
            Msg::Key(key) => return self.on_key(ctx, key),
            Msg::ImportFile(None) => return false,
            Msg::ImportFile(Some(file)) => self.import_file(ctx, file),
            Msg::TogglePlay => self.play_pause(),
            Msg::Step => self.with_playback(Playback::step),
            Msg::StepBack => self.with_playback(Playback::step_back),
            Msg::Speed(pos) => self.with_playback(|p| p.set_speed(speed_from_slider(pos))),
            Msg::Seek(t) => self.seek(t),
            Msg::FastForward(d) => {
                let now = self.session.as_ref().map(|s| s.world().now());
                now.into_iter().for_each(|now| self.seek(now + d));
            }
            Msg::SelectNode { node, add } => {
                self.selection.pick_node(node, add || self.select_several);
                self.page.reveal_inspector = true;
            }
            Msg::Select(selection) => {
                self.select(selection);
                self.page.reveal_inspector = true;
            }
            Msg::ClearSelection => self.clear_selection(),
            Msg::Act(cmd) => self.act(cmd),
            Msg::DirectWrite(node) => self.direct_write(node),
            Msg::ConsoleSend { node, sql } => self.console_send(node, sql),
            Msg::SetLink { from, to, setting } => self.set_link(from, to, setting),
            Msg::ShowFinding(at, nodes) => self.show_finding(at, nodes),
            Msg::PickFindings(kind) => findings::pick(&mut self.finding_kinds, kind),
            Msg::Escape => {
                if !self.close_top() {
                    self.clear_selection();
                }
            }
            Msg::LoadPreset(name) => self.load_preset(&name),
            Msg::OpenLesson(name) => self.open_lesson(&name),
            Msg::LoadScenario(json) => self.import_scenario(&json),
            Msg::BuilderSet(field, value) => self.set_builder_field(field, &value),
            Msg::BuilderApply => self.apply_builder(),
            Msg::LessonStep(delta) => _ = self.move_lesson(delta),
            Msg::LessonGoTo(i) => {
                let step = self.session.as_ref().map_or(0, Session::lesson_step);
                _ = self.move_lesson(i as i32 - step as i32);
            }
            Msg::JumpMark(delta) => return self.jump_mark(delta),
            m @ (Msg::BranchUndo | Msg::BranchSettle | Msg::BranchSwitch(_)) => self.on_branch(m),
            Msg::TimelineMove { index, secs } => self.edit_timeline(
                timeline::parse_secs(&secs).map(|at_ms| TimelineEdit::Move { index, at_ms }),
            ),
            Msg::TimelineDelete(index) => self.edit_timeline(Ok(TimelineEdit::Delete { index })),
            Msg::TimelineDraft(edit) => self.draft.set(edit),
            Msg::TimelineAdd => self.add_timed_action(),
            Msg::ShareOpen => self.open_share(),
            Msg::CopyLink(url) => share::copy(url, ctx.link().callback(Msg::Copied)),
            Msg::Copied(ok) => {
                if let Some(s) = &mut self.overlays.share {
                    s.copied = Some(ok);
                }
            }
            Msg::OpenLink(fragment) => self.open_pasted_link(&fragment),
            Msg::ReadFailed(e) => self.notice = Some(format!("The file could not be read: {e}")),
            toggle => self.toggle(toggle),
        }
        self.follow_lesson();
        self.side.changed();
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let side = self.side.view(|| {
            self.session
                .as_ref()
                .map(|s| {
                    side::view(
                        s,
                        &self.selection,
                        &self.draft,
                        &self.consoles,
                        &self.finding_kinds,
                        link,
                    )
                })
                .unwrap_or_default()
        });
        html! {
            <div class={classes!("app", self.consoles.wide.then_some("console-wide"), self.presenter.then_some("presenter"))}>
                { chrome::header(self.session.as_ref().map(Session::document), link) }
                <main class="playground" aria-label="Playground">{ self.view_main(link) }</main>
                <aside class="side-panel" aria-label="Details" onclick={glossary::on_panel_click(link)}>{ side }</aside>
                { chrome::footer() }
                if self.overlays.help { { help::view(link) } }
                if let Some(b) = &self.overlays.builder { { builder::view(b, link) } }
                if let Some(s) = &self.overlays.share { { share::view(s, link) } }
                if let Some(key) = self.overlays.glossary { { glossary::view_open(key, link) } }
                if self.overlays.export { { self.view_export(link) } }
                if self.overlays.lessons { { course::view_list(self.current_preset(), link) } }
                if self.overlays.welcome { { course::view_welcome(link) } }
                { chrome::notice(self.notice.as_deref(), link) }
            </div>
        }
    }
}

/// A preset's world at time zero, for the UI's unit tests.
#[cfg(test)]
pub(crate) fn preset_world(name: &str) -> crate::engine::World {
    crate::scenario::Scenario::from_json(crate::scenario::presets::preset(name).unwrap())
        .unwrap()
        .world()
        .unwrap()
}
