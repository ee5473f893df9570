//! Yew components: they render engine state and send it commands, nothing more.
//!
//! `App` is the one owner of the simulation (a [`playback::Playback`]); its `Msg` is a flat
//! enum of user intents; views are plain functions of engine state in [`topology`],
//! [`controls`] and [`panels`]. Geometry lives in [`geometry`], pure and tested natively.

pub mod autosave;
pub mod builder;
pub mod charts;
pub mod controls;
pub mod geometry;
pub mod help;
pub mod lesson;
pub mod panels;
pub mod panic;
pub mod playback;
pub mod reshard;
pub mod share;
pub mod timeline;
pub mod topology;

use crate::engine::time::{Duration, Instant};
use crate::engine::{Addr, Command, NodeId, World};
use crate::scenario::link::{self, LinkError, Shared};
use crate::scenario::presets::{PRESETS, preset};
use crate::scenario::{Scenario, TimedAction};
use gloo::events::EventListener;
use gloo::render::{AnimationFrame, request_animation_frame};
use playback::{Playback, speed_from_slider};
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The scenario the page opens with.
pub const DEFAULT_PRESET: &str = "mysqld-crash";

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    Speed(f64),
    Seek(Instant),
    /// Run ahead this many simulated microseconds as fast as frames allow.
    FastForward(Duration),
    SelectNode(NodeId, bool),
    SelectLink(Addr, Addr),
    SelectActor(Addr),
    ClearSelection,
    Act(Command),
    DirectWrite(String),
    SetLinkLatency(String, String, f64),
    SetLinkLoss(String, String, f64),
    ShowFinding(Instant, Vec<NodeId>),
    ToggleHelp,
    Key(String),
    LoadPreset(String),
    /// A whole scenario document (an imported file, or automation through `playground_load`).
    LoadScenario(String),
    DismissNotice,
    BuilderOpen,
    BuilderSet(&'static str, String),
    BuilderApply,
    BuilderClose,
    /// Move through the lesson's steps (−1 back, +1 next).
    LessonStep(i32),
    TimelineMove(usize, String),
    TimelineDelete(usize),
    TimelineDraft(&'static str, String),
    TimelineAdd,
    ShareOpen,
    ShareClose,
    CopyLink(String),
    Copied(bool),
    ImportFile(Option<web_sys::File>),
    /// A share link's fragment (the URL changed while the page was open).
    OpenLink(String),
    ReadFailed(String),
}

thread_local! {
    /// The running app, so page-level entry points (`playground_load`) can reach it.
    static APP: std::cell::RefCell<Option<html::Scope<App>>> = const { std::cell::RefCell::new(None) };
}

/// Loads a scenario document (JSON) into the running app: the same path as importing a
/// file. Errors are shown in the page; the current run stays as it is.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn playground_load(json: String) -> bool {
    APP.with(|a| {
        a.borrow()
            .as_ref()
            .map(|scope| scope.send_message(Msg::LoadScenario(json)))
    })
    .is_some()
}

/// Runs a scenario document to its end, headless, and returns a one-line JSON summary
/// (events, simulated ms, trace hash, the resharding phase): the browser half of the
/// benchmarks, timed by the caller. Errors come back as `{"error": "…"}`.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn playground_run(json: String) -> String {
    match Scenario::from_json(&json).and_then(|s| {
        let mut w = s.world()?;
        w.run_until(Instant::from_millis(s.run_ms));
        Ok(w)
    }) {
        Ok(w) => format!(
            r#"{{"events":{},"simulated_ms":{},"trace_hash":"{}","reshard":"{}"}}"#,
            w.events(),
            w.now().as_millis(),
            w.trace.hash_hex(),
            w.reshard.as_ref().map_or("none", |r| r.phase.name())
        ),
        Err(e) => serde_json::json!({ "error": e.to_string() }).to_string(),
    }
}

/// Props of [`Frozen`]: its content is re-rendered only when `stamp` changes.
#[derive(Clone, Properties)]
pub struct FrozenProps {
    pub stamp: u64,
    pub content: Html,
}

impl PartialEq for FrozenProps {
    fn eq(&self, other: &Self) -> bool {
        self.stamp == other.stamp
    }
}

/// A subtree Yew skips while its stamp is unchanged: the side panel is rebuilt a few times
/// a second, not on every animation frame (with 32 nodes that was most of a frame).
#[component]
pub fn Frozen(props: &FrozenProps) -> Html {
    props.content.clone()
}

/// How often the side panel follows the running simulation, in wall milliseconds.
const SIDE_REFRESH_MS: f64 = 250.0;

/// The scenario being run: as parsed, as written, and the preset it is or was made from.
#[derive(Clone)]
struct Loaded {
    scenario: Scenario,
    source: String,
    preset: Option<String>,
    /// The preset's timeline was edited.
    edited: bool,
}

impl Loaded {
    fn preset(name: &str) -> Result<Loaded, String> {
        let source = preset(name).ok_or_else(|| format!("there is no preset called '{name}'"))?;
        Ok(Loaded {
            scenario: Scenario::from_json(source).map_err(|e| e.to_string())?,
            source: source.to_string(),
            preset: Some(name.to_string()),
            edited: false,
        })
    }
}

/// Wall milliseconds between autosaves while the run moves.
const AUTOSAVE_EVERY_MS: f64 = 2_000.0;

pub struct App {
    pb: Option<Playback>,
    loaded: Option<Loaded>,
    side_stamp: u64,
    side_built_at: f64,
    /// The side panel as last built, with the stamp it was built for.
    side_cache: std::cell::RefCell<(u64, Html)>,
    selected: Vec<NodeId>,
    link_sel: Option<(Addr, Addr)>,
    actor: Option<Addr>,
    highlight: Vec<NodeId>,
    help: bool,
    notice: Option<String>,
    last_frame: Option<f64>,
    frame: Option<AnimationFrame>,
    keys: Option<EventListener>,
    direct_writes: u64,
    builder: Option<builder::Builder>,
    share: Option<share::ShareView>,
    lesson_step: usize,
    draft: timeline::Draft,
    /// An import in progress (dropping it cancels the read).
    reader: Option<gloo::file::callbacks::FileReader>,
    saved_at: f64,
    hash_listener: Option<EventListener>,
}

impl App {
    fn request_frame(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.frame = Some(request_animation_frame(move |ts| {
            link.send_message(Msg::Frame(ts))
        }));
    }

    fn clear_selection(&mut self) {
        self.selected.clear();
        self.link_sel = None;
        self.actor = None;
        self.highlight.clear();
    }

    fn act(&mut self, cmd: Command) {
        let Some(pb) = &mut self.pb else { return };
        match pb.apply(cmd.clone()) {
            Ok(()) => self.autosave(),
            Err(e) => self.notice = Some(format!("{}: {e}", cmd.label())),
        }
    }

    /// Starts a run of `loaded` with the user's `actions`, moving to `at`. On error the
    /// current run stays as it was.
    fn start(
        &mut self,
        loaded: Loaded,
        actions: Vec<(Instant, Command)>,
        at: Instant,
    ) -> Result<(), String> {
        let world = loaded.scenario.world().map_err(|e| e.to_string())?;
        let mut pb = Playback::with_actions(world, actions);
        // Even to time zero: actions taken at the very start are applied now.
        pb.seek(at);
        self.pb = Some(pb);
        self.loaded = Some(loaded);
        self.clear_selection();
        self.lesson_step = 0;
        self.show_lesson_step();
        self.autosave();
        Ok(())
    }

    /// Starts a new run from a scenario document; on error the current run stays.
    fn load_scenario(&mut self, json: &str) -> bool {
        let loaded = Scenario::from_json(json).map(|scenario| Loaded {
            scenario,
            source: json.to_string(),
            preset: None,
            edited: false,
        });
        match loaded
            .map_err(|e| e.to_string())
            .and_then(|l| self.start(l, Vec::new(), Instant::ZERO))
        {
            Ok(()) => true,
            Err(e) => {
                self.notice = Some(format!("This scenario cannot be loaded: {e}"));
                false
            }
        }
    }

    /// Opens a share link's fragment; on error the current run (and the autosave) stay.
    fn open_link(&mut self, fragment: &str) -> Result<(), LinkError> {
        let shared = link::decode(fragment)?;
        let edited = shared
            .preset
            .as_deref()
            .and_then(|p| Loaded::preset(p).ok())
            .is_some_and(|p| p.scenario != shared.scenario);
        let loaded = Loaded {
            scenario: shared.scenario,
            source: shared.source,
            preset: shared.preset,
            edited,
        };
        self.start(loaded, shared.actions, shared.at_us)
            .map_err(LinkError::Impossible)
    }

    /// The run as a share link would carry it, at the whole millisecond at or after now.
    fn shared(&self) -> Option<Shared> {
        let (l, pb) = (self.loaded.as_ref()?, self.pb.as_ref()?);
        Some(Shared {
            scenario: l.scenario.clone(),
            source: l.source.clone(),
            preset: l.preset.clone(),
            actions: pb.actions.clone(),
            at_us: playback::whole_ms(pb.target.unwrap_or(pb.now())),
        })
    }

    fn autosave(&self) {
        if let Some(s) = self.shared() {
            autosave::save(&link::encode(&s));
        }
    }

    /// Opens the page's run: a link in the URL first; else the autosaved run; else the
    /// default preset. A bad link is reported and leaves the autosave untouched.
    fn open_initial(&mut self) {
        if let Some(fragment) = autosave::url_fragment() {
            match self.open_link(&fragment) {
                Ok(()) => return autosave::clear_fragment(),
                Err(e) => self.notice = Some(format!("This link cannot be opened: {e}")),
            }
        }
        if let Some(saved) = autosave::load() {
            if self.open_link(&saved).is_ok() {
                return;
            }
            self.notice
                .get_or_insert_with(|| "Your last run could not be restored.".into());
        }
        if let Err(e) =
            Loaded::preset(DEFAULT_PRESET).and_then(|l| self.start(l, Vec::new(), Instant::ZERO))
        {
            self.notice = Some(e);
        }
    }

    /// Moves through the lesson's steps; false when there is no lesson.
    fn update_lesson_step(&mut self, delta: i32) -> bool {
        let Some(n) = self
            .loaded
            .as_ref()
            .and_then(|l| l.scenario.lesson.as_ref())
            .map(|l| l.steps.len())
        else {
            return false;
        };
        let step = self.lesson_step as i64 + i64::from(delta);
        self.lesson_step = step.clamp(0, n.saturating_sub(1) as i64) as usize;
        self.show_lesson_step();
        self.side_stamp += 1;
        true
    }

    /// Highlights what the current lesson step says to watch.
    fn show_lesson_step(&mut self) {
        let (Some(w), Some(lesson)) = (
            self.pb.as_ref().map(|p| &p.world),
            self.loaded
                .as_ref()
                .and_then(|l| l.scenario.lesson.as_ref()),
        ) else {
            return;
        };
        self.highlight = lesson
            .steps
            .get(self.lesson_step)
            .map(|s| s.watch.iter().filter_map(|n| w.node_id(n)).collect())
            .unwrap_or_default();
    }

    /// Rewrites the scenario's timeline and replays the run to where the user was.
    fn edit_timeline(&mut self, edit: impl FnOnce(&mut Vec<TimedAction>) -> Result<(), String>) {
        let (Some(loaded), Some(pb)) = (&self.loaded, &self.pb) else {
            return;
        };
        let mut timeline = loaded.scenario.timeline.clone();
        let result = edit(&mut timeline).and_then(|()| {
            Scenario::with_timeline(&loaded.source, &timeline).map_err(|e| e.to_string())
        });
        let (actions, at, step) = (pb.actions.clone(), pb.now(), self.lesson_step);
        let preset = loaded.preset.clone();
        let result = result.and_then(|(scenario, source)| {
            let loaded = Loaded {
                scenario,
                source,
                preset,
                edited: true,
            };
            self.start(loaded, actions, at)
        });
        match result {
            Ok(()) => {
                self.lesson_step = step;
                self.show_lesson_step();
            }
            Err(e) => self.notice = Some(format!("The timeline was not changed: {e}")),
        }
    }

    fn open_share(&mut self) {
        if let Some(p) = &mut self.pb {
            p.align_to_ms();
        }
        let (Some(shared), Some(loaded)) = (self.shared(), &self.loaded) else {
            return;
        };
        let fragment = link::encode(&shared);
        autosave::save(&fragment);
        // The file reproduces the run: hand actions join the timeline at their millisecond.
        let mut timeline = loaded.scenario.timeline.clone();
        timeline.extend(shared.actions.iter().map(|(at, cmd)| TimedAction {
            at_ms: at.as_millis_ceil(),
            action: cmd.clone(),
        }));
        let json = Scenario::with_timeline(&loaded.source, &timeline)
            .map(|(_, text)| text)
            .unwrap_or_else(|_| loaded.source.clone());
        self.share = Some(share::ShareView {
            url: format!("{}#{fragment}", autosave::page_url()),
            fragment_chars: fragment.len(),
            json,
            file_name: share::file_name(&loaded.scenario.name),
            hand_actions: shared.actions.len(),
            copied: None,
        });
    }

    fn world(&self) -> Option<&World> {
        self.pb.as_ref().map(|p| &p.world)
    }

    fn key(&mut self, key: &str) -> bool {
        let first = self
            .world()
            .and_then(|w| self.selected.first().map(|n| w.name((*n).into())));
        match key {
            " " => self.pb.as_mut().map(|p| p.playing = !p.playing).is_some(),
            "ArrowRight" => self.pb.as_mut().map(Playback::step).is_some(),
            "?" => {
                self.help = !self.help;
                true
            }
            "Escape" => {
                self.help = false;
                self.clear_selection();
                true
            }
            "c" => first
                .map(|node| {
                    self.act(Command::Crash {
                        node,
                        power_loss: false,
                    })
                })
                .is_some(),
            "r" => first
                .map(|node| self.act(Command::Restart { node }))
                .is_some(),
            "n" | "b" => self.update_lesson_step(if key == "n" { 1 } else { -1 }),
            "h" => {
                self.act(Command::HealAll);
                true
            }
            "x" => {
                let names = self
                    .link_sel
                    .and_then(|(a, b)| self.world().map(|w| (w.name(a), w.name(b))));
                names
                    .map(|(from, to)| {
                        self.act(Command::CutLink {
                            from,
                            to,
                            both_ways: true,
                        })
                    })
                    .is_some()
            }
            _ => false,
        }
    }

    fn set_link(&mut self, a: String, b: String, latency_ms: Option<f64>, loss_pct: Option<f64>) {
        let Some(w) = self.world() else { return };
        let (Some(from), Some(to)) = (addr(w, &a), addr(w, &b)) else {
            return;
        };
        let cfg = w.net.link(from, to).cfg;
        let valid = |v: f64, max: f64| v.is_finite() && (0.0..=max).contains(&v);
        let latency_us = match latency_ms {
            Some(ms) if valid(ms, 60_000.0) => Duration::from_millis_f64(ms).as_micros(),
            Some(_) => return self.notice = Some("latency must be between 0 and 60000 ms".into()),
            None => cfg.latency_us,
        };
        let loss_permille = match loss_pct {
            Some(p) if valid(p, 100.0) => (p * 10.0).round() as u32,
            Some(_) => return self.notice = Some("packet loss must be between 0 and 100 %".into()),
            None => cfg.loss_permille,
        };
        self.act(Command::SetLink {
            from: a,
            to: b,
            latency_us,
            jitter_us: cfg.jitter_us,
            loss_permille,
            both_ways: true,
        });
    }
}

fn addr(w: &World, name: &str) -> Option<Addr> {
    Addr::parse(name, |n| w.node_id(n))
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let scope = ctx.link().clone();
        APP.with(|a| *a.borrow_mut() = Some(scope));
        let mut app = App {
            pb: None,
            loaded: None,
            side_stamp: 1,
            side_built_at: 0.0,
            side_cache: std::cell::RefCell::new((0, Html::default())),
            selected: Vec::new(),
            link_sel: None,
            actor: None,
            highlight: Vec::new(),
            help: false,
            notice: None,
            last_frame: None,
            frame: None,
            keys: None,
            direct_writes: 0,
            builder: None,
            share: None,
            lesson_step: 0,
            draft: timeline::Draft::default(),
            reader: None,
            saved_at: 0.0,
            hash_listener: None,
        };
        app.open_initial();
        app
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        if !first_render {
            return;
        }
        self.request_frame(ctx);
        if let Some(window) = web_sys::window() {
            let link = ctx.link().clone();
            let options = gloo::events::EventListenerOptions::enable_prevent_default();
            self.keys = Some(EventListener::new_with_options(
                &window,
                "keydown",
                options,
                move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| {
                            matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                        });
                    if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    if matches!(e.key().as_str(), " " | "ArrowRight") {
                        e.prevent_default();
                    }
                    link.send_message(Msg::Key(e.key()));
                },
            ));
            // A link pasted into the address bar of an open page changes only the fragment.
            let link = ctx.link().clone();
            self.hash_listener = Some(EventListener::new(&window, "hashchange", move |_| {
                if let Some(f) = autosave::url_fragment() {
                    link.send_message(Msg::OpenLink(f));
                }
            }));
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame(ts) => {
                let dt = self.last_frame.map_or(0.0, |last| ts - last);
                self.last_frame = Some(ts);
                self.request_frame(ctx);
                let clock = web_sys::window().and_then(|w| w.performance());
                let start = clock.as_ref().map_or(0.0, |c| c.now());
                let Some(p) = self.pb.as_mut() else {
                    return false;
                };
                let moved = p.frame(dt);
                // Keep the simulation's share of a frame under ~8 ms, leaving time to draw.
                let took = clock.as_ref().map_or(0.0, |c| c.now()) - start;
                p.slice = playback::tune_slice(p.slice, took, 8.0);
                // A seek or fast-forward that just arrived shows its final state at once.
                let arrived = !p.playing && !p.busy();
                if moved && (arrived || ts - self.side_built_at >= SIDE_REFRESH_MS) {
                    self.side_built_at = ts;
                    self.side_stamp += 1;
                }
                if moved && ts - self.saved_at >= AUTOSAVE_EVERY_MS {
                    self.saved_at = ts;
                    self.autosave();
                }
                return moved;
            }
            Msg::TogglePlay => {
                if let Some(p) = &mut self.pb {
                    p.playing = !p.playing;
                }
            }
            Msg::Step => {
                if let Some(p) = &mut self.pb {
                    p.step();
                }
            }
            Msg::Speed(pos) => {
                if let Some(p) = &mut self.pb {
                    p.set_speed(speed_from_slider(pos));
                }
            }
            Msg::Seek(t) => {
                if let Some(p) = &mut self.pb {
                    p.seek(t);
                }
            }
            Msg::FastForward(d) => {
                if let Some(p) = &mut self.pb {
                    let t = p.now() + d;
                    p.seek(t);
                }
            }
            Msg::SelectNode(n, add) => {
                self.link_sel = None;
                self.actor = None;
                if !add {
                    self.selected.clear();
                }
                if !self.selected.contains(&n) {
                    self.selected.push(n);
                }
            }
            Msg::SelectLink(a, b) => {
                self.clear_selection();
                self.link_sel = Some((a, b));
            }
            Msg::SelectActor(a) => {
                self.clear_selection();
                self.actor = Some(a);
            }
            Msg::ClearSelection => self.clear_selection(),
            Msg::Act(cmd) => self.act(cmd),
            Msg::DirectWrite(node) => {
                self.direct_writes += 1;
                let key = 1_000_000 + self.direct_writes;
                self.act(Command::DirectWrite {
                    node,
                    key,
                    value: self.direct_writes,
                });
            }
            Msg::SetLinkLatency(a, b, ms) => self.set_link(a, b, Some(ms), None),
            Msg::SetLinkLoss(a, b, pct) => self.set_link(a, b, None, Some(pct)),
            Msg::ShowFinding(at, nodes) => {
                if let Some(p) = &mut self.pb {
                    p.seek(at);
                }
                self.clear_selection();
                self.highlight = nodes;
            }
            Msg::ToggleHelp => self.help = !self.help,
            Msg::Key(k) => return self.key(&k),
            Msg::LoadPreset(name) => {
                if let Err(e) =
                    Loaded::preset(&name).and_then(|l| self.start(l, Vec::new(), Instant::ZERO))
                {
                    self.notice = Some(e);
                }
            }
            Msg::LoadScenario(json) => {
                self.reader = None;
                if self.load_scenario(&json) {
                    self.share = None;
                }
            }
            Msg::DismissNotice => self.notice = None,
            Msg::BuilderOpen => self.builder = Some(self.builder.clone().unwrap_or_default()),
            Msg::BuilderSet(field, value) => {
                if let Some(b) = &mut self.builder
                    && let Err(e) = b.set(field, &value)
                {
                    self.notice = Some(e);
                }
            }
            Msg::BuilderApply => {
                let json = self.builder.as_ref().map(|b| b.to_scenario().to_string());
                if json.is_some_and(|j| self.load_scenario(&j)) {
                    self.builder = None;
                }
            }
            Msg::BuilderClose => self.builder = None,
            Msg::LessonStep(delta) => {
                self.update_lesson_step(delta);
            }
            Msg::TimelineMove(i, secs) => self.edit_timeline(|t| {
                let at_ms = timeline::parse_secs(&secs)?;
                t.get_mut(i).ok_or("that action is gone")?.at_ms = at_ms;
                Ok(())
            }),
            Msg::TimelineDelete(i) => self.edit_timeline(|t| {
                (i < t.len())
                    .then(|| t.remove(i))
                    .map(drop)
                    .ok_or_else(|| "that action is gone".into())
            }),
            Msg::TimelineDraft(field, value) => self.draft.set(field, value),
            Msg::TimelineAdd => {
                let names: Vec<String> = self
                    .world()
                    .map(|w| w.nodes.iter().map(|n| n.name().to_string()).collect())
                    .unwrap_or_default();
                let now_ms = self.pb.as_ref().map_or(0, |p| p.now().as_millis_ceil());
                match self.draft.action(&names, now_ms) {
                    Ok(a) => self.edit_timeline(|t| {
                        t.push(a);
                        Ok(())
                    }),
                    Err(e) => self.notice = Some(e),
                }
            }
            Msg::ShareOpen => self.open_share(),
            Msg::ShareClose => self.share = None,
            Msg::CopyLink(url) => share::copy(url, ctx.link().callback(Msg::Copied)),
            Msg::Copied(ok) => {
                if let Some(s) = &mut self.share {
                    s.copied = Some(ok);
                }
            }
            Msg::ImportFile(file) => {
                let Some(file) = file else { return false };
                if file.size() > crate::scenario::MAX_SCENARIO_BYTES as f64 {
                    self.notice = Some(format!(
                        "This file is {} KB; a scenario file is at most {} KB.",
                        file.size() as u64 / 1024,
                        crate::scenario::MAX_SCENARIO_BYTES / 1024
                    ));
                } else {
                    let link = ctx.link().clone();
                    let file = gloo::file::File::from(file);
                    self.reader = Some(gloo::file::callbacks::read_as_text(&file, move |text| {
                        link.send_message(match text {
                            Ok(text) => Msg::LoadScenario(text),
                            Err(e) => Msg::ReadFailed(e.to_string()),
                        })
                    }));
                }
            }
            Msg::ReadFailed(e) => self.notice = Some(format!("The file could not be read: {e}")),
            Msg::OpenLink(fragment) => match self.open_link(&fragment) {
                Ok(()) => {
                    autosave::clear_fragment();
                    self.share = None;
                }
                Err(e) => self.notice = Some(format!("This link cannot be opened: {e}")),
            },
        }
        self.side_stamp += 1;
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let main = match &self.pb {
            Some(pb) => {
                let sel = topology::Selection {
                    speed: pb.speed,
                    nodes: &self.selected,
                    link: self.link_sel,
                    highlight: &self.highlight,
                };
                html! {
                    <>
                        { controls::view(pb, link) }
                        <div class="canvas">{ topology::view(&pb.world, &sel, link) }</div>
                    </>
                }
            }
            None => {
                html! { <p class="error" role="alert">{ "The scenario could not be loaded." }</p> }
            }
        };
        html! {
            <div class="app">
                { self.view_header(link) }
                <main class="playground" aria-label="Playground">{ main }</main>
                <aside class="side-panel" aria-label="Details">
                    <Frozen stamp={self.side_stamp} content={self.side(link)} />
                </aside>
                { view_footer() }
                if self.help { { help::view(link) } }
                if let Some(b) = &self.builder { { builder::view(b, link) } }
                if let Some(s) = &self.share { { share::view(s, link) } }
                if let Some(n) = &self.notice {
                    <div class="notice" role="alert">
                        <span>{ n.clone() }</span>
                        <button type="button" onclick={link.callback(|_| Msg::DismissNotice)} aria-label="dismiss">{ "✕" }</button>
                    </div>
                }
            </div>
        }
    }
}

impl App {
    fn view_header(&self, link: &html::Scope<Self>) -> Html {
        let on_preset = link.callback(|e: Event| {
            Msg::LoadPreset(e.target_unchecked_into::<HtmlSelectElement>().value())
        });
        let current = self.loaded.as_ref();
        let chosen = current
            .filter(|l| !l.edited)
            .and_then(|l| l.preset.as_deref())
            .unwrap_or("");
        let about = current
            .map(|l| l.scenario.description.clone())
            .unwrap_or_default();
        let custom = current
            .filter(|l| l.preset.is_none() || l.edited)
            .map(|l| format!("{} (custom)", l.scenario.name));
        html! {
            <header class="app-header">
                <h1>{ "Replication Playground" }</h1>
                <label class="preset" title={about}>{ "scenario " }
                    <select onchange={on_preset} aria-label="scenario">
                        if let Some(c) = custom { <option value="" selected=true disabled=true>{ c }</option> }
                        { for PRESETS.iter().map(|(n, _)| html! { <option value={*n} selected={*n == chosen}>{ preset_title(n) }</option> }) }
                    </select>
                </label>
                <button type="button" class="share-button" onclick={link.callback(|_| Msg::ShareOpen)} title="a link to this exact run, a QR code, and the scenario file">{ "Share…" }</button>
                <button type="button" class="build-button" onclick={link.callback(|_| Msg::BuilderOpen)} title="build your own cluster">{ "Build a cluster…" }</button>
                <button type="button" class="help-button" onclick={link.callback(|_| Msg::ToggleHelp)} title="help (?)">{ "? Help" }</button>
            </header>
        }
    }

    /// The side panel, rebuilt only when its stamp moved.
    fn side(&self, link: &html::Scope<Self>) -> Html {
        let mut cache = self.side_cache.borrow_mut();
        if cache.0 != self.side_stamp {
            *cache = (self.side_stamp, self.view_side(link));
        }
        cache.1.clone()
    }

    fn view_side(&self, link: &html::Scope<Self>) -> Html {
        let Some(w) = self.world() else {
            return Html::default();
        };
        let inspector = if self.selected.len() > 1 {
            panels::view_selection_actions(&panels::selected_names(w, &self.selected), link)
        } else if let Some(n) = self.selected.first().and_then(|n| w.node(*n)) {
            panels::view_node_inspector(w, n, link)
        } else if let Some((a, b)) = self.link_sel {
            panels::view_link_inspector(w, a, b, link)
        } else if let Some(a) = self.actor {
            panels::view_actor_inspector(w, a, link)
        } else {
            html! {
                <section class="panel-section">
                    <h2>{ "Inspector" }</h2>
                    <p class="hint">{ "Click a node to see its binlog, relay log, threads and GTID sets, and to crash it; click a link to cut it." }</p>
                </section>
            }
        };
        let loaded = self.loaded.as_ref();
        let lesson = loaded.and_then(|l| {
            let lesson = l.scenario.lesson.as_ref()?;
            Some(lesson::view(
                &l.scenario.name,
                lesson,
                self.lesson_step,
                w,
                link,
            ))
        });
        let names: Vec<String> = w.nodes.iter().map(|n| n.name().to_string()).collect();
        let editor =
            loaded.map(|l| timeline::view(&l.scenario.timeline, &names, &self.draft, link));
        html! {
            <>
                { lesson.unwrap_or_default() }
                { reshard::view(w, link) }
                { inspector }
                { editor.unwrap_or_default() }
                { panels::view_findings(w, link) }
                { panels::view_failover(w) }
                { charts::view(w) }
            </>
        }
    }
}

fn preset_title(name: &str) -> String {
    preset(name)
        .and_then(|j| Scenario::from_json(j).ok())
        .map(|s| s.name)
        .unwrap_or_else(|| name.to_string())
}

fn view_footer() -> Html {
    html! {
        <footer class="app-footer">
            <span>{ format!("Replication Playground v{}", env!("CARGO_PKG_VERSION")) }</span>
            <span class="muted">{ "Deterministic simulation: the same scenario and seed give the same run." }</span>
        </footer>
    }
}
