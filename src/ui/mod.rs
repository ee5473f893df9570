//! Yew components: they render engine state and send it commands, nothing more.
//!
//! `App` is the one owner of the simulation (a [`playback::Playback`]); its `Msg` is a flat
//! enum of user intents; views are plain functions of engine state in [`topology`],
//! [`controls`] and [`panels`]. Geometry lives in [`geometry`], pure and tested natively.

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
    DismissNotice,
}

pub struct App {
    pb: Option<Playback>,
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

    fn create(_ctx: &Context<Self>) -> Self {
        let (pb, notice) = match preset_world(DEFAULT_PRESET) {
            Ok(w) => (Some(Playback::new(w)), None),
            Err(e) => (None, Some(e)),
        };
        App {
            pb,
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
                return self.pb.as_mut().is_some_and(|p| p.frame(dt));
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
            Msg::DismissNotice => self.notice = None,
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let main = match &self.pb {
            Some(pb) => {
                let sel = topology::Selection {
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
                <aside class="side-panel" aria-label="Details">{ self.view_side(link) }</aside>
                { view_footer() }
                if self.help { { help::view(link) } }
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
                <button type="button" class="help-button" onclick={link.callback(|_| Msg::ToggleHelp)} title="help (?)">{ "? Help" }</button>
            </header>
        }
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
                { panels::view_failover(w) }
                { panels::view_findings(w, link) }
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
