//! The topology view (SVG): nodes by role and health, replication channels as directed
//! links, the router and the failover manager on the network, messages in flight moving
//! along their links, and per-node binlog / received / applied bars with a lag badge.
//! Everything drawn is engine state; positions come from [`super::geometry`].

use super::geometry::{
    Detail, NodeLook, Point, VIEW_H, VIEW_W, actor_curve_control, convex_hull, curve_mid,
    manager_position, message_position, node_look, node_position, plain_cell, router_position,
    shard_band, shard_cell, shard_node_position,
};
use super::selection::Selection;
use super::{Msg, keys};
use crate::engine::message::MsgKind;
use crate::engine::node::Node;
use crate::engine::report::{Role, role};
use crate::engine::status::IoRunning;
use crate::engine::{Addr, NodeId, World};
use yew::prelude::*;

/// Messages drawn at most (a busy cluster has thousands in flight; the eye sees a few hundred).
const MAX_MESSAGES: usize = 200;
/// At high speed a message crosses its link within a frame or two: fewer are drawn.
const MAX_MESSAGES_FAST: usize = 40;

pub fn position(world: &World, a: Addr) -> Point {
    match a {
        Addr::Node(n) if world.shard_map.is_sharded() => {
            let shard = world.shard_of(n);
            let members = world.managers[shard.index()].members();
            let i = members.iter().position(|m| *m == n).unwrap_or(0);
            shard_node_position(shard.index(), i, members.len(), world.managers.len())
        }
        Addr::Node(n) => node_position(n.index(), world.nodes.len()),
        Addr::Router => router_position(),
        Addr::Manager => manager_position(),
    }
}

/// How large nodes are drawn and how much of each: one look for the whole cluster, by
/// the room its most crowded row leaves.
pub fn look(world: &World) -> NodeLook {
    if world.shard_map.is_sharded() {
        let largest = world.managers.iter().map(|m| m.members().len()).max();
        node_look(shard_cell(largest.unwrap_or(1), world.managers.len()))
    } else {
        node_look(plain_cell(world.nodes.len()))
    }
}

/// The longest of `texts` that fits `width` units at 18-unit text (about 10 units a
/// character), else the shortest: headers shrink before they run into each other.
fn fit(texts: &[String], width: f64) -> String {
    texts
        .iter()
        .find(|t| t.chars().count() as f64 * 10.0 <= width)
        .or(texts.last())
        .cloned()
        .unwrap_or_default()
}

pub fn role_class(r: Role) -> &'static str {
    match r {
        Role::Primary => "primary",
        Role::Replica => "replica",
        Role::Intermediate => "intermediate",
        Role::CoPrimary => "co-primary",
        Role::Standalone => "standalone",
    }
}

fn kind_class(k: MsgKind) -> &'static str {
    match k {
        MsgKind::Binlog => "binlog",
        MsgKind::Ack => "ack",
        MsgKind::Heartbeat => "heartbeat",
        MsgKind::Connection => "connection",
        MsgKind::Client => "client",
        MsgKind::Probe => "probe",
        MsgKind::Admin => "admin",
    }
}

/// Health words a student reads on the node.
pub fn health(n: &Node) -> &'static str {
    if !n.is_running() {
        return match n.process {
            crate::engine::node::Process::Booting => "recovering",
            _ => "crashed",
        };
    }
    match &n.channel {
        Some(c) if c.last_sql_error.is_some() && !c.sql_running => "applier stopped",
        Some(c) if c.io == IoRunning::No && c.last_io_error.is_some() => "receiver stopped",
        Some(c) if c.io == IoRunning::Connecting => "connecting",
        _ if n.read_only => "read-only",
        _ => "writable",
    }
}

/// The receiver's first attempt to connect, nothing failed yet (at 0 s, or after START
/// REPLICA): the engine truly reports `Connecting` and a NULL lag, but the canvas draws it
/// in a neutral style, not in the colours of a broken link.
fn first_connect(c: &crate::engine::node::Channel) -> bool {
    c.io == IoRunning::Connecting && c.last_io_error.is_none() && c.connect_attempts <= 1
}

/// A soft warning under the canvas: what is risky, in a few words, and one sentence of why.
#[derive(Debug, PartialEq)]
pub struct Warning {
    pub title: String,
    pub why: &'static str,
}

/// Writable nodes where a class should not have them: two writable primaries in one
/// cluster (or shard), and replicas with `read_only` off. Engine state only.
pub fn warnings(world: &World) -> Vec<Warning> {
    let mut primaries: Vec<(usize, Vec<String>)> = Vec::new();
    let mut replicas = Vec::new();
    for n in world
        .nodes
        .iter()
        .filter(|n| n.is_running() && !n.read_only)
    {
        let group = if world.shard_map.is_sharded() {
            world.shard_of(n.id).index()
        } else {
            0
        };
        match role(world, n) {
            Role::Replica | Role::Intermediate => replicas.push(n.name().to_string()),
            Role::Primary | Role::CoPrimary | Role::Standalone => {
                match primaries.iter_mut().find(|p| p.0 == group) {
                    Some(p) => p.1.push(n.name().to_string()),
                    None => primaries.push((group, vec![n.name().to_string()])),
                }
            }
        }
    }
    let mut out: Vec<Warning> = primaries
        .into_iter()
        .map(|p| p.1)
        .filter(|names| names.len() > 1)
        .map(|names| Warning {
            title: format!("{} writable primaries: {}", names.len(), names.join(", ")),
            why: "each accepts writes the other never sees, so the data diverges and no replication can merge it back.",
        })
        .collect();
    if !replicas.is_empty() {
        out.push(Warning {
            title: format!(
                "writable replica{}: {}",
                if replicas.len() > 1 { "s" } else { "" },
                replicas.join(", ")
            ),
            why: super::dialect::writable_replica_why(world),
        });
    }
    out
}

/// The warnings over the canvas's bottom corner (HTML, so they wrap), or nothing.
pub fn view_warnings(world: &World) -> Html {
    let list = warnings(world);
    if list.is_empty() {
        return Html::default();
    }
    html! {
        <div class="canvas-warnings" role="status">
            { for list.into_iter().map(|w| html! {
                <p class="canvas-warning"><strong>{ format!("⚠ {}", w.title) }</strong>{ format!(" — {}", w.why) }</p>
            }) }
        </div>
    }
}

/// What the canvas marks, besides the world itself.
pub struct Marks<'a> {
    /// Playback speed (simulated seconds per wall second).
    pub speed: f64,
    pub selection: &'a Selection,
    /// Nodes to point at: what a lesson step says to watch, or a finding's nodes.
    pub highlight: &'a [NodeId],
    /// Everything else the lesson step says to watch: `router`, `manager`, a link `db1->db2`.
    pub watch: &'a [String],
}

impl Marks<'_> {
    /// " watched" when the lesson step names `what` (a link either way round).
    fn watched(&self, what: &str) -> &'static str {
        if self.watch.iter().any(|w| w == what) {
            " watched"
        } else {
            ""
        }
    }
}

pub fn view(world: &World, sel: &Marks<'_>, link: &html::Scope<super::App>) -> Html {
    let look = look(world);
    let cuts = cut_pairs(world);
    let channels = channel_pairs(world);
    let wires = wires(world, &cuts, &channels);
    let busy = busy_pairs(world);
    let addrs: Vec<Addr> = world
        .nodes
        .iter()
        .map(Node::addr)
        .chain([Addr::Router, Addr::Manager])
        .collect();
    let sides = if cuts.is_empty() {
        Vec::new()
    } else {
        partition_sides(&addrs, |a, b| world.net.link(a, b).cut)
    };
    html! {
        <svg class="topology" viewBox={format!("0 0 {VIEW_W} {VIEW_H}")} role="group" aria-label="Cluster topology: Tab to a node or link, Enter to select it">
            <defs>
                <pattern id="grid" width="40" height="40" patternUnits="userSpaceOnUse">
                    <path d="M 40 0 L 0 0 0 40" class="grid-line" />
                </pattern>
                <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                </marker>
            </defs>
            <rect width="100%" height="100%" fill="url(#grid)" onclick={link.callback(|_| Msg::ClearSelection)} />
            { view_partition(world, look, &sides) }
            { view_shards(world) }
            { view_wires(world, &wires, &busy) }
            { for view_links(world, sel, look, link) }
            // Messages under the crosses, boxes and nodes, so every label stays readable.
            { view_messages(world, if sel.speed > 20.0 { MAX_MESSAGES_FAST } else { MAX_MESSAGES }) }
            { view_cuts(world, &cuts, sides.len() > 1) }
            { view_actor(world, "app + router", &format!("router{}", sel.watched("router")), Addr::Router, link) }
            { view_actor(world, "orchestrator", &format!("manager{}", sel.watched("manager")), Addr::Manager, link) }
            { for world.nodes.iter().map(|n| view_node(world, n, sel, look, link)) }
        </svg>
    }
}

/// Sharded: above each shard's column, its key range as a bar over the whole keyspace,
/// its rows, and its share of the traffic as the column's heat (a small heat map).
fn view_shards(world: &World) -> Html {
    let shards = &world.router.shards;
    if shards.len() < 2 {
        return Html::default();
    }
    let total: u64 = shards.iter().map(|s| s.ops).sum::<u64>().max(1);
    let busiest = shards.iter().map(|s| s.ops).max().unwrap_or(0).max(1);
    let bands = shards.iter().enumerate().map(|(g, s)| {
        let (x0, x1) = shard_band(g, shards.len());
        let w = x1 - x0;
        let from = s.range.start as f64 / 2f64.powi(64);
        let to = s.range.end.map_or(1.0, |e| e as f64 / 2f64.powi(64));
        let heat = s.ops as f64 / busiest as f64;
        let rows = s
            .writer
            .and_then(|n| world.node(n))
            .map_or(0, |n| n.data.len());
        let serving = match (s.serving_reads, s.serving_writes) {
            (false, false) => " · not serving",
            (true, false) => " · reads",
            (false, true) => " · writes",
            _ => "",
        };
        let pct = s.ops as f64 * 100.0 / total as f64;
        html! {
            <g class={if s.serving_reads || s.serving_writes { "shard" } else { "shard idle" }} data-shard={s.range.to_string()}>
                <rect class="shard-column" x={format!("{x0:.1}")} y="196" width={format!("{w:.1}")} height="436" rx="12"
                    fill-opacity={format!("{:.3}", 0.04 + 0.22 * heat)} />
                <text class="shard-name" x={format!("{:.1}", x0 + 10.0)} y="218">{ fit(&[format!("shard {}{serving}", s.range), format!("{}{serving}", s.range), s.range.to_string()], w - 16.0) }</text>
                <text class="shard-load" x={format!("{:.1}", x0 + 10.0)} y="240">{ fit(&[format!("{rows} rows · {pct:.0} % of ops"), format!("{pct:.0} % of ops"), format!("{pct:.0} %")], w - 16.0) }</text>
                <rect class="keyrange-track" x={format!("{:.1}", x0 + 10.0)} y="248" width={format!("{:.1}", w - 20.0)} height="8" rx="4" />
                <rect class="keyrange" x={format!("{:.1}", x0 + 10.0 + (w - 20.0) * from)} y="248" width={format!("{:.1}", ((w - 20.0) * (to - from)).max(2.0))} height="8" rx="4" />
            </g>
        }
    });
    html! { <g class="shards">{ for bands }{ view_streams(world) }</g> }
}

/// Resharding streams: a dashed arrow from the source shard's primary to the target's.
fn view_streams(world: &World) -> Html {
    let Some(wf) = &world.reshard else {
        return Html::default();
    };
    let active = matches!(
        wf.phase,
        crate::engine::reshard::Phase::Copying
            | crate::engine::reshard::Phase::Running
            | crate::engine::reshard::Phase::ReadsSwitched
    );
    let streams = wf
        .streams
        .iter()
        .filter(|_| active || wf.switch.is_some())
        .chain(&wf.reverse);
    let arrows = streams.filter_map(|s| {
        let from = world.managers.get(s.from.index())?.primary?;
        let to = world.managers.get(s.to.index())?.primary?;
        let (a, b) = shorten(position(world, from.into()), position(world, to.into()), look(world).r);
        let class = if s.error.is_some() { "stream stalled" } else if s.copy.is_some() { "stream copying" } else { "stream" };
        Some(html! {
            <line class={class} x1={format!("{:.1}", a.x)} y1={format!("{:.1}", a.y)} x2={format!("{:.1}", b.x)} y2={format!("{:.1}", b.y)} marker-end="url(#arrow)">
                <title>{ format!("VReplication stream for {}", s.range) }</title>
            </line>
        })
    });
    html! { <g class="streams">{ for arrows }</g> }
}

/// A replication channel: an arrow from source to replica, drawn by the channel's state.
fn view_links<'a>(
    world: &'a World,
    sel: &'a Marks<'_>,
    look: NodeLook,
    link: &'a html::Scope<super::App>,
) -> impl Iterator<Item = Html> + 'a {
    world.nodes.iter().filter_map(move |n| {
        let c = n.channel.as_ref()?;
        let (from, to) = (Addr::Node(c.source), n.addr());
        let (a, b) = shorten(position(world, from), position(world, to), look.r);
        let state = match (c.io, c.sql_running && n.is_running()) {
            (IoRunning::Yes, true) => "ok",
            _ if first_connect(c) => "starting",
            (IoRunning::Connecting, _) => "connecting",
            _ => "broken",
        };
        let selected = sel.selection.has_link(from, to);
        let cut = world.net.link(from, to).cut;
        let names = (world.name(from), world.name(to));
        let watched = [format!("{}->{}", names.0, names.1), format!("{}->{}", names.1, names.0)]
            .iter()
            .map(|w| sel.watched(w))
            .max()
            .unwrap_or_default();
        let class = format!("channel {state}{}{}{watched}", if selected { " selected" } else { "" }, if cut { " cut" } else { "" });
        let onclick = link.callback(move |e: MouseEvent| {
            e.stop_propagation();
            Msg::Select(Selection::Link(from, to))
        });
        let label = format!("link {} → {}, {state}{}", world.name(from), world.name(to), if cut { ", cut" } else { "" });
        Some(html! {
            <g class="channel-group" {onclick} tabindex="0" role="button" aria-label={label} aria-pressed={selected.to_string()} onkeydown={keys::click_on_enter}>
                <line class="channel-hit" x1={a.x.to_string()} y1={a.y.to_string()} x2={b.x.to_string()} y2={b.y.to_string()} />
                <line class={class} x1={a.x.to_string()} y1={a.y.to_string()} x2={b.x.to_string()} y2={b.y.to_string()} marker-end="url(#arrow)" />
            </g>
        })
    })
}

/// A pair of network addresses, lower first: a link drawn once for both directions.
type Pair = (Addr, Addr);

fn pair(a: Addr, b: Addr) -> Pair {
    if a <= b { (a, b) } else { (b, a) }
}

/// Sorted and without repeats. Plain vectors, not B-trees: a new B-tree instantiation
/// costs the page kilobytes of WebAssembly.
fn sorted(mut pairs: Vec<Pair>) -> Vec<Pair> {
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Pairs with a message on the wire now (either way), sorted: their lines are brighter.
fn busy_pairs(world: &World) -> Vec<Pair> {
    sorted(world.in_flight().map(|m| pair(m.from, m.to)).collect())
}

/// Pairs joined by a replication channel (drawn by [`view_links`]).
fn channel_pairs(world: &World) -> Vec<Pair> {
    world
        .nodes
        .iter()
        .filter_map(|n| Some(pair(Addr::Node(n.channel.as_ref()?.source), n.addr())))
        .collect()
}

/// Each cut pair once, sorted, with whether only one direction is cut.
fn cut_pairs(world: &World) -> Vec<(Pair, bool)> {
    sorted(
        world
            .net
            .cuts()
            .into_iter()
            .map(|(a, b)| pair(a, b))
            .collect(),
    )
    .into_iter()
    .map(|(a, b)| {
        (
            (a, b),
            !(world.net.link(a, b).cut && world.net.link(b, a).cut),
        )
    })
    .collect()
}

/// The network lines besides replication channels: the router and the manager to every
/// node (the application's queries, the manager's probes), and any other pair while it is
/// cut, so that every cut has a line to sit on.
fn wires(world: &World, cuts: &[(Pair, bool)], channels: &[Pair]) -> Vec<Pair> {
    let mut out: Vec<Pair> = world
        .nodes
        .iter()
        .flat_map(|n| [pair(n.addr(), Addr::Router), pair(n.addr(), Addr::Manager)])
        .collect();
    out.extend(cuts.iter().map(|c| c.0).filter(|p| !channels.contains(p)));
    sorted(out)
}

/// Where a line's middle is (its cross goes there); the router↔manager line is a curve.
fn line_mid(world: &World, (a, b): Pair) -> Point {
    let (p, q) = (position(world, a), position(world, b));
    if (a, b) == (Addr::Router, Addr::Manager) {
        return curve_mid(p, actor_curve_control(), q);
    }
    Point {
        x: (p.x + q.x) / 2.0,
        y: (p.y + q.y) / 2.0,
    }
}

/// Router, manager and cut peer links: faint while idle, brighter with a message on them.
fn view_wires(world: &World, wires: &[Pair], busy: &[Pair]) -> Html {
    let lines = wires.iter().map(|&(a, b)| {
        let (p, q) = (position(world, a), position(world, b));
        let class = format!(
            "wire{}",
            if busy.binary_search(&(a, b)).is_ok() {
                " busy"
            } else {
                ""
            }
        );
        let d = if (a, b) == (Addr::Router, Addr::Manager) {
            let c = actor_curve_control();
            format!(
                "M {:.1} {:.1} Q {:.1} {:.1} {:.1} {:.1}",
                p.x, p.y, c.x, c.y, q.x, q.y
            )
        } else {
            format!("M {:.1} {:.1} L {:.1} {:.1}", p.x, p.y, q.x, q.y)
        };
        html! { <path {class} {d} data-link={format!("{}–{}", world.name(a), world.name(b))} /> }
    });
    html! { <g class="wires">{ for lines }</g> }
}

/// Each cut as a red cross on its line. A cut inside a partition is explained by the
/// shaded sides; any other cut says so in words beside its cross.
fn view_cuts(world: &World, cuts: &[(Pair, bool)], split: bool) -> Html {
    let marks = cuts.iter().map(|&((a, b), one_way)| {
        let m = line_mid(world, (a, b));
        let words = if one_way { "cut one way" } else { "cut" };
        html! {
            <g class="cut-mark" transform={format!("translate({:.1} {:.1})", m.x, m.y)} data-link={format!("{}–{}", world.name(a), world.name(b))}>
                <line x1="-9" y1="-9" x2="9" y2="9" />
                <line x1="-9" y1="9" x2="9" y2="-9" />
                if !split { <text class="cut-label" x="14" y="6">{ words }</text> }
                <title>{ format!("link {} ↔ {}: {words}", world.name(a), world.name(b)) }</title>
            </g>
        }
    });
    html! { <g class="cuts">{ for marks }</g> }
}

/// The sides of a partition: addresses that still reach each other (both directions up),
/// by union–find over every pair; one side when nothing is split.
pub fn partition_sides(addrs: &[Addr], cut: impl Fn(Addr, Addr) -> bool) -> Vec<Vec<Addr>> {
    let mut root: Vec<usize> = (0..addrs.len()).collect();
    fn find(root: &mut [usize], i: usize) -> usize {
        let mut i = i;
        while root[i] != i {
            root[i] = root[root[i]];
            i = root[i];
        }
        i
    }
    for i in 0..addrs.len() {
        for j in i + 1..addrs.len() {
            if !cut(addrs[i], addrs[j]) && !cut(addrs[j], addrs[i]) {
                let (a, b) = (find(&mut root, i), find(&mut root, j));
                root[a.max(b)] = a.min(b);
            }
        }
    }
    // Roots are each side's first member, so sides come out in the addresses' order.
    let mut sides: Vec<(usize, Vec<Addr>)> = Vec::new();
    for (i, a) in addrs.iter().enumerate() {
        let r = find(&mut root, i);
        match sides.iter_mut().find(|s| s.0 == r) {
            Some(side) => side.1.push(*a),
            None => sides.push((r, vec![*a])),
        }
    }
    sides.into_iter().map(|s| s.1).collect()
}

/// How wide a side's caption may be, in user units: two captions anchored at opposite
/// edges of the 1000-unit canvas leave a gap between them.
const SIDE_LABEL_W: f64 = 440.0;

/// A side's caption, longest first (`fit` takes the longest that fits): what is on it and
/// what it is cut off from. Its ✕ is the crosses' legend: every cut link between the sides
/// carries one on its line, so the one label per side names them all without a label on
/// each line (248 of them when 4 of 64 nodes are cut off).
fn side_caption(names: &[String], others: &[String]) -> Vec<String> {
    let (mine, theirs) = (names.join(", "), others.join(", "));
    // The other side's caption names its own members, so a side's names matter more than
    // saying again what it is cut off from.
    vec![
        format!("{mine} ✕ cut off from {theirs}"),
        format!("{mine} ✕ cut off"),
        format!(
            "{} here ✕ cut off from the other {}",
            names.len(),
            others.len()
        ),
        format!("{} here ✕ cut off", names.len()),
    ]
}

/// A partition's sides shaded, each with the names of what is on it and what it is cut
/// off from.
fn view_partition(world: &World, look: NodeLook, sides: &[Vec<Addr>]) -> Html {
    if sides.len() < 2 {
        return Html::default();
    }
    let shaded = sides.iter().enumerate().map(|(i, side)| {
        // An actor's box corners, so the shading covers the whole box.
        let points: Vec<Point> = side
            .iter()
            .flat_map(|&a| {
                let p = position(world, a);
                let (w, h) = if a.node().is_some() { (0.0, 0.0) } else { (85.0, 26.0) };
                [(-w, -h), (w, -h), (w, h), (-w, h)].map(|(dx, dy)| Point { x: p.x + dx, y: p.y + dy })
            })
            .collect();
        let hull = convex_hull(&points);
        let d: String = hull
            .iter()
            .enumerate()
            .map(|(k, p)| format!("{}{:.1} {:.1} ", if k == 0 { "M " } else { "L " }, p.x, p.y))
            .collect();
        let top = hull.iter().copied().fold(hull[0], |t, p| if p.y < t.y { p } else { t });
        let names: Vec<String> = side.iter().map(|&a| short_name(world, a)).collect();
        let others: Vec<String> = (sides.iter().enumerate())
            .filter(|(j, _)| *j != i)
            .flat_map(|(_, s)| s.iter().map(|&a| short_name(world, a)))
            .collect();
        let caption = fit(&side_caption(&names, &others), SIDE_LABEL_W);
        let (before, after) = caption.split_once('✕').unwrap_or((&caption, ""));
        html! {
            <g class={format!("partition-side side-{}", i % 2)}>
                <g class="side-shade"><path d={format!("{d}Z")} stroke-width={format!("{:.0}", 2.0 * (look.r + 14.0))} /></g>
                <text class="side-label" x={format!("{:.1}", top.x.clamp(20.0, VIEW_W - 20.0))} y={format!("{:.1}", (top.y - look.r - 22.0).max(24.0))} text-anchor={if top.x < VIEW_W / 2.0 { "start" } else { "end" }}>{ before.to_string() }<tspan class="cut-glyph">{ "✕" }</tspan>{ after.to_string() }</text>
            </g>
        }
    });
    html! { <g class="partition">{ for shaded }</g> }
}

fn short_name(world: &World, a: Addr) -> String {
    match a {
        Addr::Router => "router".into(),
        Addr::Manager => "orchestrator".into(),
        Addr::Node(_) => world.name(a),
    }
}

/// The segment between two nodes' rims (radius `r`), so arrow heads stay visible.
fn shorten(a: Point, b: Point, r: f64) -> (Point, Point) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let k = (r + 6.0) / len;
    (
        Point {
            x: a.x + dx * k,
            y: a.y + dy * k,
        },
        Point {
            x: b.x - dx * k,
            y: b.y - dy * k,
        },
    )
}

/// The router's one line: where writes go, by name while that fits, else how many.
fn router_line(world: &World) -> Option<String> {
    let writers: Vec<String> = world
        .router
        .shards
        .iter()
        .filter_map(|s| s.writer)
        .map(|w| world.name(w.into()))
        .collect();
    match writers.len() {
        0 => None,
        1 | 2 => Some(format!("writes → {}", writers.join(", "))),
        n => Some(format!("writes → {n} primaries")),
    }
}

/// The manager's one line for the whole cluster (not one word per shard): its analysis,
/// or the first shard's problem and how many more there are.
fn manager_line(world: &World) -> String {
    use crate::engine::manager::Analysis;
    let problems: Vec<Analysis> = world
        .managers
        .iter()
        .map(|m| m.analysis)
        .filter(|a| *a != Analysis::NoProblem)
        .collect();
    match (problems.as_slice(), world.managers.len()) {
        ([], 0 | 1) => "NoProblem".into(),
        ([], shards) => format!("NoProblem in {shards} shards"),
        ([one], _) => format!("{one:?}"),
        ([first, rest @ ..], _) => format!("{first:?} +{} more", rest.len()),
    }
}

fn view_actor(
    world: &World,
    label: &str,
    class: &str,
    a: Addr,
    link: &html::Scope<super::App>,
) -> Html {
    let p = position(world, a);
    // Anchored at the box's outer edge so a long line grows toward the middle, not off the canvas.
    let (line, anchor, x) = if a == Addr::Router {
        (router_line(world).unwrap_or_default(), "start", -85)
    } else {
        (manager_line(world), "end", 85)
    };
    let onclick = link.callback(move |e: MouseEvent| {
        e.stop_propagation();
        Msg::Select(Selection::actor(a))
    });
    html! {
        <g class={format!("actor {class}")} transform={format!("translate({} {})", p.x, p.y)} {onclick}
            tabindex="0" role="button" onkeydown={keys::click_on_enter}>
            <rect x="-85" y="-26" width="170" height="52" rx="10" />
            <text y="7">{ label.to_string() }</text>
            <text class="actor-sub" x={x.to_string()} y="50" text-anchor={anchor}>{ line }</text>
        </g>
    }
}

/// Fraction `part/whole` as a bar width out of `w`.
fn bar(part: u64, whole: u64, w: f64) -> String {
    if whole == 0 {
        return "0".into();
    }
    format!("{:.1}", (part.min(whole) as f64 / whole as f64) * w)
}

/// Under a node: its binlog file filling up; for a replica, how much of its source's
/// transactions it has received (relay log) and applied. Labels left of the bars, so the
/// pair is centred under the node.
fn view_bars(world: &World, n: &Node, r: f64, link: &html::Scope<super::App>) -> Html {
    let source_count = n
        .channel
        .as_ref()
        .and_then(|c| world.node(c.source))
        .map(|s| s.gtid_executed.count());
    let executed = n.gtid_executed.count();
    // Received = applied + what waits in the relay log (no set arithmetic per frame).
    let received = executed + n.relay_pending();
    let bw = 84.0;
    let row = |label: Html, class: &'static str, y: f64, width: String| {
        html! {
            <>
                { label }
                <rect class="bar-bg" y={y.to_string()} width={bw.to_string()} height="10" />
                <rect class={format!("bar {class}")} y={y.to_string()} {width} height="10" />
            </>
        }
    };
    html! {
        <g class="bars" transform={format!("translate({} {})", -bw / 2.0 + 34.0, r + 38.0)}>
            { row(bar_term("binlog", "binlog", 0.0, link), "binlog", 0.0, bar(n.binlog.end().pos, n.cfg.max_binlog_size, bw)) }
            if let Some(total) = source_count {
                { row(bar_term("relay_log", "received", 22.0, link), "received", 22.0, bar(received, total, bw)) }
                { row(bar_term("sql_thread", "applied", 44.0, link), "applied", 44.0, bar(executed, total, bw)) }
            }
        </g>
    }
}

/// A bar's label, a glossary term: hover explains it, a click opens its entry.
fn bar_term(
    key: &'static str,
    label: &'static str,
    y: f64,
    link: &html::Scope<super::App>,
) -> Html {
    let text =
        html! { <text class="bar-label" x="-6" y={format!("{:.0}", y + 10.0)}>{ label }</text> };
    super::glossary::svg_term(key, label, text, link)
}

fn node_class(world: &World, n: &Node, sel: &Marks<'_>, look: NodeLook) -> String {
    let selected = sel.selection.nodes().contains(&n.id);
    let highlighted = sel.highlight.contains(&n.id);
    let broken = n.channel.as_ref().is_some_and(|c| {
        (c.last_sql_error.is_some() && !c.sql_running)
            || (c.io == IoRunning::No && c.last_io_error.is_some())
    });
    let detail = match look.detail {
        Detail::Full => "full",
        Detail::Medium => "medium",
        Detail::Compact => "compact",
    };
    format!(
        "node {} {detail}{}{}{}{}{}",
        role_class(role(world, n)),
        if n.is_running() { "" } else { " crashed" },
        if n.read_only {
            " read-only"
        } else {
            " writable"
        },
        if broken { " broken" } else { "" },
        if selected { " selected" } else { "" },
        if highlighted { " highlighted" } else { "" }
    )
}

/// Seconds_Behind_Source as the badge says it; empty for a node without a channel.
fn lag_text(world: &World, n: &Node) -> String {
    match n
        .channel
        .as_ref()
        .map(|c| c.replication_lag(world.now(), n.is_running()))
    {
        Some(Some(lag)) => format!("lag {:.1} s", lag.as_secs_f64()),
        Some(None) => "lag NULL".into(),
        None => String::new(),
    }
}

fn view_node(
    world: &World,
    n: &Node,
    sel: &Marks<'_>,
    look: NodeLook,
    link: &html::Scope<super::App>,
) -> Html {
    let p = position(world, n.addr());
    let r = look.r;
    let id = n.id;
    let onclick = link.callback(move |e: MouseEvent| {
        e.stop_propagation();
        Msg::SelectNode {
            node: id,
            add: e.shift_key(),
        }
    });
    let role_word = format!("{:?}", role(world, n))
        .to_lowercase()
        .replace("coprimary", "co-primary");
    let lag = lag_text(world, n);
    let inside = match look.detail {
        Detail::Compact => html! { <text class="node-name" y="6">{ n.name().to_string() }</text> },
        Detail::Full | Detail::Medium => html! {
            <>
                <text class="node-name" y="-5">{ n.name().to_string() }</text>
                <text class="node-role" y="17">{ role_word.clone() }</text>
                <text class="node-health" y={format!("{:.0}", r + 24.0)}>{ health(n) }</text>
            </>
        },
    };
    let below = match look.detail {
        Detail::Full => html! {
            <>
                if !lag.is_empty() {
                    <g class={if n.channel.as_ref().is_some_and(first_connect) { "lag-badge starting" } else { "lag-badge" }} transform={format!("translate({} {})", r - 4.0, -r + 2.0)}>
                        { super::glossary::svg_term("lag", &lag, html! { <>
                            <rect x="0" y="-15" width="96" height="26" rx="13" />
                            <text x="48" y="4">{ lag.clone() }</text>
                        </> }, link) }
                    </g>
                }
                { view_bars(world, n, r, link) }
            </>
        },
        Detail::Medium if !lag.is_empty() => {
            html! { <text class="node-lag" y={format!("{:.0}", r + 44.0)}>{ lag.clone() }</text> }
        }
        _ => Html::default(),
    };
    html! {
        <g class={node_class(world, n, sel, look)} transform={format!("translate({:.1} {:.1})", p.x, p.y)} data-node={n.name().to_string()} {onclick}
            tabindex="0" role="button" aria-pressed={sel.selection.nodes().contains(&n.id).to_string()} onkeydown={keys::click_on_enter}>
            <circle class="node-ring" r={(r + 7.0).to_string()} />
            <circle class="node-body" r={r.to_string()} />
            { inside }
            { below }
            <title>{ format!("{} — {role_word} — {}{}{} — {} — {}", n.name(), health(n), if lag.is_empty() { "" } else { " — " }, lag, n.binlog.end(), super::dialect::gtid_state(n)) }</title>
        </g>
    }
}

/// Messages in flight, interpolated between send and arrival time.
fn view_messages(world: &World, max: usize) -> Html {
    let now = world.now();
    let dots = world.in_flight().take(max).map(|m| {
        let p = message_position(position(world, m.from), position(world, m.to), m.sent_us.as_micros(), m.arrive_us.as_micros(), now.as_micros());
        html! { <circle class={format!("msg {}", kind_class(m.kind))} cx={format!("{:.1}", p.x)} cy={format!("{:.1}", p.y)} r="5" /> }
    });
    html! { <g class="messages">{ for dots }</g> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::NodeId;

    use crate::ui::preset_world as world;

    #[test]
    fn writable_primaries_and_replicas_are_warned_about() {
        assert_eq!(warnings(&world("free-play")), vec![], "a healthy cluster");
        let mut w = world("free-play");
        w.nodes[1].read_only = false;
        let warned = warnings(&w);
        assert_eq!(warned.len(), 1);
        assert_eq!(warned[0].title, "writable replica: db2");
        let both = warnings(&world("dual-primary-conflict"));
        assert_eq!(both.len(), 1, "{both:?}");
        assert!(
            both[0].title.starts_with("2 writable primaries: db1, db2"),
            "{both:?}"
        );
        assert_eq!(warnings(&world("dual-primary-active-passive")), vec![]);
    }

    #[test]
    fn replicas_start_in_a_neutral_style_until_a_connect_fails() {
        let w = world("free-play");
        let c = w.nodes[1].channel.as_ref().unwrap();
        assert_eq!(
            c.io,
            IoRunning::Connecting,
            "what the engine reports at 0 s"
        );
        assert!(first_connect(c));
    }

    #[test]
    fn a_side_says_what_it_is_cut_off_from_in_the_room_it_has() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, b) = (
            names(&["db1", "db2", "router"]),
            names(&["db3", "db4", "orchestrator"]),
        );
        assert_eq!(
            fit(
                &side_caption(&names(&["db1"]), &names(&["db2", "db3"])),
                SIDE_LABEL_W
            ),
            "db1 ✕ cut off from db2, db3"
        );
        // Split brain: both sides' names would run into each other.
        assert_eq!(
            fit(&side_caption(&a, &b), SIDE_LABEL_W),
            "db1, db2, router ✕ cut off"
        );
        assert_eq!(
            fit(&side_caption(&b, &a), SIDE_LABEL_W),
            "db3, db4, orchestrator ✕ cut off"
        );
        let many: Vec<String> = (1..=60).map(|i| format!("db{i}")).collect();
        assert_eq!(
            fit(&side_caption(&a, &many), SIDE_LABEL_W),
            "db1, db2, router ✕ cut off"
        );
        assert_eq!(
            fit(&side_caption(&many, &a), SIDE_LABEL_W),
            "60 here ✕ cut off from the other 3"
        );
    }

    #[test]
    fn a_partition_has_two_sides_and_a_single_cut_has_one() {
        let n = |i| Addr::Node(NodeId(i));
        let addrs = [n(0), n(1), n(2), n(3), Addr::Router, Addr::Manager];
        let left = [n(0), n(1), Addr::Router];
        let split = |a: Addr, b: Addr| left.contains(&a) != left.contains(&b);
        let sides = partition_sides(&addrs, split);
        assert_eq!(
            sides,
            vec![
                vec![n(0), n(1), Addr::Router],
                vec![n(2), n(3), Addr::Manager]
            ]
        );
        // One link cut both ways: the other paths still join everything.
        let one = |a: Addr, b: Addr| pair(a, b) == (n(0), n(1));
        assert_eq!(partition_sides(&addrs, one).len(), 1);
        // One direction cut is not a split either: the way back is up.
        let one_way = |a: Addr, b: Addr| (a, b) == (n(0), n(2));
        assert_eq!(partition_sides(&addrs, one_way).len(), 1);
    }
}
