//! The side panel: lesson, resharding, inspector, timeline editor, findings, failover and
//! charts. It is rebuilt a few times a second while the run moves, not on every frame.

use super::selection::Selection;
use super::session::Session;
use super::{App, charts, console, lesson, panels, reshard, timeline};
use crate::engine::checker::FindingKind;
use crate::engine::{Addr, World};
use std::cell::RefCell;
use yew::html::Scope;
use yew::prelude::*;

/// How often the side panel follows the running simulation, in wall milliseconds.
const REFRESH_MS: f64 = 250.0;

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

/// When the side panel is due to be rebuilt, and the panel as last built.
pub struct SidePanel {
    /// Moves whenever what the panel shows may have changed.
    stamp: u64,
    /// Wall time of the last rebuild while the run moved.
    built_at_ms: f64,
    /// The panel as last built, with the stamp it was built for.
    cache: RefCell<(u64, Html)>,
}

impl Default for SidePanel {
    fn default() -> Self {
        SidePanel {
            stamp: 1,
            built_at_ms: 0.0,
            cache: RefCell::new((0, Html::default())),
        }
    }
}

impl SidePanel {
    /// Something the panel shows changed (a click, a message): rebuild it.
    pub fn changed(&mut self) {
        self.stamp += 1;
    }

    /// The run moved on a frame at wall time `now_ms`: rebuild at once when a seek just
    /// arrived (its final state shows), else a few times a second (`REFRESH_MS`).
    pub fn moved(&mut self, now_ms: f64, arrived: bool) {
        if arrived || now_ms - self.built_at_ms >= REFRESH_MS {
            self.built_at_ms = now_ms;
            self.stamp += 1;
        }
    }

    /// The panel, calling `build` only when the stamp moved since the last build.
    pub fn view(&self, build: impl FnOnce() -> Html) -> Html {
        let mut cache = self.cache.borrow_mut();
        if cache.0 != self.stamp {
            *cache = (self.stamp, build());
        }
        html! { <Frozen stamp={self.stamp} content={cache.1.clone()} /> }
    }
}

/// The panel's content for the run in `session`.
pub fn view(
    session: &Session,
    selection: &Selection,
    draft: &timeline::Draft,
    consoles: &console::Consoles,
    picked: &[FindingKind],
    link: &Scope<App>,
) -> Html {
    let w = session.world();
    let scenario = session.scenario();
    let lesson = scenario.lesson.as_ref().map(|l| {
        let run = (w, scenario.timeline.as_slice());
        let preset = session.document().preset.as_deref();
        lesson::view(
            (&scenario.name, preset),
            l,
            session.lesson_step(),
            run,
            link,
        )
    });
    let names = timeline::node_names(w);
    let watch = session.watched_names();
    // A panel the lesson step says to watch is framed in the watch colour.
    let framed = |panel: &str, content: Html| {
        let watched = watch.iter().any(|n| n == panel);
        html! { <div class={classes!("panel-frame", watched.then_some("watched"))}>{ content }</div> }
    };
    html! {
        <>
            { lesson.unwrap_or_default() }
            { reshard::view(w, link) }
            { inspector(session, selection, consoles, link) }
            { timeline::view(&scenario.timeline, &names, draft, link) }
            { framed("findings", panels::view_findings(w, picked, link)) }
            { framed("failover", panels::view_failover(w, link)) }
            { framed("charts", charts::view(w)) }
        </>
    }
}

/// What the selection is, in detail, with what can be done to it; a node's with its console.
fn inspector(
    session: &Session,
    selection: &Selection,
    consoles: &console::Consoles,
    link: &Scope<App>,
) -> Html {
    let w = session.world();
    match selection {
        Selection::Nodes(ids) => {
            panels::view_selection_actions(&panels::selected_names(w, ids), link)
        }
        Selection::Node(id) => match w.node(*id) {
            Some(n) => {
                let paused = !session.playback.playing;
                let console = console::view(w, n.name(), consoles, paused, link);
                panels::view_node_inspector(w, n, console, link)
            }
            None => nothing_selected(w, link),
        },
        Selection::Link(a, b) => panels::view_link_inspector(w, *a, *b, link),
        Selection::Router => panels::view_actor_inspector(w, Addr::Router, link),
        Selection::Manager => panels::view_actor_inspector(w, Addr::Manager, link),
        Selection::Nothing => nothing_selected(w, link),
    }
}

fn nothing_selected(w: &World, link: &Scope<App>) -> Html {
    html! {
        <section class="panel-section">
            <h2>{ "Inspector" }</h2>
            <p class="hint">{ "Click a node to see its binlog, relay log, threads and GTID sets, and to crash it; click a link to cut it." }</p>
            <div class="actions">{ panels::add_server_button(w, link) }</div>
        </section>
    }
}
