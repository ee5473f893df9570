//! Yew components: they render engine state and send it commands, nothing more.
//!
//! `App` owns the simulation (one owner, a flat `Msg` enum of user intents); views are
//! plain functions of engine state. Geometry lives in [`geometry`], pure and tested natively.

pub mod geometry;
pub mod panic;

use crate::engine::report::{Role, role};
use crate::engine::{Addr, World};
use crate::scenario::Scenario;
use geometry::{NODE_R, Point, VIEW_H, VIEW_W, manager_position, node_position, router_position};
use yew::prelude::*;

/// The scenario the page opens with.
pub const DEFAULT_SCENARIO: &str = include_str!("../../assets/scenarios/mysqld-crash.json");

pub enum Msg {}

pub struct App {
    world: Option<World>,
    error: Option<String>,
}

/// Builds the opening world and runs it a moment so there is something to see.
pub fn opening_world() -> Result<World, String> {
    let scenario = Scenario::from_json(DEFAULT_SCENARIO).map_err(|e| e.to_string())?;
    let mut world = scenario.world().map_err(|e| e.to_string())?;
    world.run_until(2_000_000);
    Ok(world)
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(_ctx: &Context<Self>) -> Self {
        match opening_world() {
            Ok(world) => App {
                world: Some(world),
                error: None,
            },
            Err(e) => App {
                world: None,
                error: Some(e),
            },
        }
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {}
    }

    fn view(&self, _ctx: &Context<Self>) -> Html {
        html! {
            <div class="app">
                { view_header() }
                <main class="playground" aria-label="Playground">
                    { self.world.as_ref().map(view_topology).unwrap_or_default() }
                    if let Some(e) = &self.error {
                        <p class="error" role="alert">{ e.clone() }</p>
                    }
                </main>
                { view_side_panel(self.world.as_ref()) }
                { view_footer() }
            </div>
        }
    }
}

fn view_header() -> Html {
    html! {
        <header class="app-header">
            <h1>{ "Replication Playground" }</h1>
            <p class="tagline">{ "Watch MySQL replication, failover and split brain happen — then break it yourself." }</p>
        </header>
    }
}

fn view_footer() -> Html {
    html! {
        <footer class="app-footer">
            <span>{ format!("Replication Playground v{}", env!("CARGO_PKG_VERSION")) }</span>
            <span class="muted">{ "Deterministic simulation: the same scenario and seed give the same run." }</span>
        </footer>
    }
}

fn view_side_panel(world: Option<&World>) -> Html {
    let section = |title: &str, body: Html| {
        html! {
            <section class="panel-section">
                <h2>{ title.to_string() }</h2>
                { body }
            </section>
        }
    };
    let summary = world
        .map(|w| {
            format!(
                "{} nodes · {} events · {}",
                w.nodes.len(),
                w.events(),
                w.elapsed_label()
            )
        })
        .unwrap_or_default();
    html! {
        <aside class="side-panel" aria-label="Details">
            { section("Inspector", html! { <p class="hint">{ "Click a node to see its binlog, relay log, threads and GTID sets." }</p> }) }
            { section("Failover", html! { <p class="hint">{ "The failover manager's audit log appears here." }</p> }) }
            { section("Findings", html! { <p class="hint">{ "Lost writes, split brain and other findings appear here." }</p> }) }
            <p class="run-summary">{ summary }</p>
        </aside>
    }
}

fn role_class(r: Role) -> &'static str {
    match r {
        Role::Primary => "primary",
        Role::Replica => "replica",
        Role::Intermediate => "intermediate",
        Role::CoPrimary => "co-primary",
        Role::Standalone => "standalone",
    }
}

fn position(world: &World, a: Addr) -> Point {
    match a {
        Addr::Node(n) => node_position(n.index(), world.nodes.len()),
        Addr::Router => router_position(),
        Addr::Manager => manager_position(),
    }
}

fn view_topology(world: &World) -> Html {
    let links = world.nodes.iter().filter_map(|n| {
        let c = n.channel.as_ref()?;
        let (a, b) = (position(world, Addr::Node(c.source)), position(world, n.addr()));
        Some(html! { <line class="channel" x1={a.x.to_string()} y1={a.y.to_string()} x2={b.x.to_string()} y2={b.y.to_string()} /> })
    });
    let nodes = world.nodes.iter().map(|n| {
        let p = position(world, n.addr());
        let r = role(world, n);
        let state = if n.is_running() { "" } else { " crashed" };
        let class = format!("node {}{state}", role_class(r));
        html! {
            <g class={class} transform={format!("translate({} {})", p.x, p.y)} data-node={n.name().to_string()}>
                <circle r={NODE_R.to_string()} />
                <text class="node-name" y="-4">{ n.name().to_string() }</text>
                <text class="node-role" y="16">{ format!("{r:?}").to_lowercase() }</text>
                <text class="node-pos" y={(NODE_R + 18.0).to_string()}>{ n.binlog_end().to_string() }</text>
            </g>
        }
    });
    let actor = |label: &str, class: &str, p: Point| {
        html! {
            <g class={format!("actor {class}")} transform={format!("translate({} {})", p.x, p.y)}>
                <rect x="-58" y="-26" width="116" height="52" rx="10" />
                <text y="6">{ label.to_string() }</text>
            </g>
        }
    };
    html! {
        <svg class="topology" viewBox={format!("0 0 {VIEW_W} {VIEW_H}")} role="img" aria-label="Cluster topology">
            <defs>
                <pattern id="grid" width="40" height="40" patternUnits="userSpaceOnUse">
                    <path d="M 40 0 L 0 0 0 40" class="grid-line" />
                </pattern>
            </defs>
            <rect width="100%" height="100%" fill="url(#grid)" />
            { for links }
            { actor("app + router", "router", router_position()) }
            { actor("orchestrator", "manager", manager_position()) }
            { for nodes }
        </svg>
    }
}
