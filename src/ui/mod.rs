//! Yew components: they render engine state and send it commands, nothing more.
//!
//! `App` is the one owner of the simulation (a [`playback::Playback`]); its `Msg` is a flat
//! enum of user intents; views are plain functions of engine state in [`topology`],
//! [`controls`] and [`panels`]. Geometry lives in [`geometry`], pure and tested natively.

pub mod builder;
pub mod charts;
pub mod controls;
pub mod geometry;
pub mod help;
pub mod panels;
pub mod panic;
pub mod playback;
pub mod topology;

use crate::engine::{Addr, Command, NodeId, World};
use crate::scenario::Scenario;
use crate::scenario::presets::{PRESETS, preset};
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
    Seek(u64),
    /// Run ahead this many simulated microseconds as fast as frames allow.
    FastForward(u64),
    SelectNode(NodeId, bool),
    SelectLink(Addr, Addr),
    SelectActor(Addr),
    ClearSelection,
    Act(Command),
    DirectWrite(String),
    SetLinkLatency(String, String, f64),
    SetLinkLoss(String, String, f64),
    ShowFinding(u64, Vec<NodeId>),
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

pub struct App {
    pb: Option<Playback>,
    side_stamp: u64,
    side_built_at: f64,
    /// The side panel as last built, with the stamp it was built for.
    side_cache: std::cell::RefCell<(u64, Html)>,
    preset: String,
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
}

/// Builds a preset's world, ready to play.
pub fn preset_world(name: &str) -> Result<World, String> {
    let json = preset(name).ok_or_else(|| format!("there is no preset called '{name}'"))?;
    let scenario = Scenario::from_json(json).map_err(|e| e.to_string())?;
    scenario.world().map_err(|e| e.to_string())
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
        if let Err(e) = pb.apply(cmd.clone()) {
            self.notice = Some(format!("{}: {e}", cmd.label()));
        }
    }

    /// Starts a new run from a scenario document; on error the current run stays.
    fn load_scenario(&mut self, json: &str) -> bool {
        match Scenario::from_json(json).and_then(|s| s.world()) {
            Ok(w) => {
                self.pb = Some(Playback::new(w));
                self.preset = String::new();
                self.clear_selection();
                true
            }
            Err(e) => {
                self.notice = Some(format!("This scenario cannot be loaded: {e}"));
                false
            }
        }
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
            Some(ms) if valid(ms, 60_000.0) => (ms * 1_000.0).round() as u64,
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
    match name {
        "router" => Some(Addr::Router),
        "manager" => Some(Addr::Manager),
        _ => w.node_id(name).map(Addr::Node),
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let scope = ctx.link().clone();
        APP.with(|a| *a.borrow_mut() = Some(scope));
        let (pb, notice) = match preset_world(DEFAULT_PRESET) {
            Ok(w) => (Some(Playback::new(w)), None),
            Err(e) => (None, Some(e)),
        };
        App {
            pb,
            side_stamp: 1,
            side_built_at: 0.0,
            side_cache: std::cell::RefCell::new((0, Html::default())),
            preset: DEFAULT_PRESET.into(),
            selected: Vec::new(),
            link_sel: None,
            actor: None,
            highlight: Vec::new(),
            help: false,
            notice,
            last_frame: None,
            frame: None,
            keys: None,
            direct_writes: 0,
            builder: None,
        }
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
                if moved && ts - self.side_built_at >= SIDE_REFRESH_MS {
                    self.side_built_at = ts;
                    self.side_stamp += 1;
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
                    let t = p.now().saturating_add(d);
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
            Msg::LoadPreset(name) => match preset_world(&name) {
                Ok(w) => {
                    self.pb = Some(Playback::new(w));
                    self.preset = name;
                    self.clear_selection();
                }
                Err(e) => self.notice = Some(e),
            },
            Msg::LoadScenario(json) => {
                self.load_scenario(&json);
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
        let about = preset(&self.preset)
            .and_then(|j| Scenario::from_json(j).ok())
            .map(|s| s.description)
            .unwrap_or_default();
        html! {
            <header class="app-header">
                <h1>{ "Replication Playground" }</h1>
                <label class="preset" title={about}>{ "scenario " }
                    <select onchange={on_preset} aria-label="scenario">
                        { for PRESETS.iter().map(|(n, _)| html! { <option value={*n} selected={*n == self.preset}>{ preset_title(n) }</option> }) }
                    </select>
                </label>
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
        html! {
            <>
                { inspector }
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
