//! The side panel: the node inspector (what `SHOW REPLICA STATUS`, `SHOW BINARY LOG
//! STATUS` and a SELECT would tell), link controls, the failover manager's audit log
//! with its "why this candidate?" table, and the checker's findings.

use super::Msg;
use super::dialect;
use super::glossary;
use super::topology::health;
use crate::engine::checker::FindingKind;
use crate::engine::config::PromotionRule;
use crate::engine::manager::CandidateRow;
use crate::engine::mysqlbinlog;
use crate::engine::node::Node;
use crate::engine::report::role;
use crate::engine::steps::Actor;
use crate::engine::time::{Duration, fmt_secs, us};
use crate::engine::{Addr, Command, NodeId, World};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

type Scope = html::Scope<super::App>;

fn act(link: &Scope, cmd: Command) -> Callback<MouseEvent> {
    link.callback(move |_| Msg::Act(cmd.clone()))
}

fn button(link: &Scope, label: &str, title: &str, cmd: Command) -> Html {
    html! { <button type="button" title={title.to_string()} onclick={act(link, cmd)}>{ label.to_string() }</button> }
}

/// A row; its name is a glossary term when the glossary lists it (`glossary::SHOWN`).
fn row(k: &str, v: impl Into<String>) -> Html {
    html! { <tr><th>{ glossary::row_name(k) }</th><td>{ v.into() }</td></tr> }
}

/// A row whose name is a glossary term.
fn term_row(key: &'static str, k: &str, v: impl Into<String>, link: &Scope) -> Html {
    html! { <tr><th>{ glossary::term(key, k.to_string(), link) }</th><td>{ v.into() }</td></tr> }
}

/// A node in detail; `console` (its SQL console) comes right after what can be done to it.
pub fn view_node_inspector(world: &World, n: &Node, console: Html, link: &Scope) -> Html {
    let name = n.name().to_string();
    let now = world.now();
    let ch = n.channel.as_ref();
    let st = ch.map(|c| c.status(now, n.is_running()));
    let yes_no = |b: bool| if b { "Yes" } else { "No" };
    html! {
        <section class="panel-section inspector">
            <h2>{ format!("Inspector — {name}") }</h2>
            <p class="node-state">{ format!("{:?} · {} · {}", role(world, n), health(n), dialect::identity(n)) }</p>
            { view_node_actions(world, n, link) }
            { view_backups(world, n, link) }
            { console }
            if dialect::is_mariadb(n) {
                { view_mariadb_state(world, n, link) }
            } else {
            <table class="kv">
                { term_row("read_only", "read_only / super_read_only", format!("{} / {}", n.read_only, n.super_read_only), link) }
                { row("binlog position", n.binlog.end().to_string()) }
                { row("binlog files", format!("binlog.{:06} … ({} kept)", n.binlog.first_file(), n.binlog.file_count())) }
                { term_row("gtid_set", "gtid_executed", n.gtid_executed.to_string(), link) }
                { row("gtid_purged", n.gtid_purged().to_string()) }
                if n.semi_sync.enabled {
                    { term_row("semi_sync", "Rpl_semi_sync_source_status", if n.semi_sync.on { "ON" } else { "OFF" }, link) }
                    { row("semi-sync yes_tx / no_tx", format!("{} / {}", n.semi_sync.yes_tx, n.semi_sync.no_tx)) }
                }
                { row("rows · checksum", format!("{} · {:016x}", n.data.len(), n.data.checksum())) }
            </table>
            }
            if let Some(s) = st.filter(|_| !dialect::is_mariadb(n)) {
                <h3>{ "SHOW REPLICA STATUS" }</h3>
                <table class="kv">
                    { row("Source", world.name(s.source.into())) }
                    { term_row("io_thread", "Replica_IO_Running", format!("{:?}", s.io_running), link) }
                    { term_row("sql_thread", "Replica_SQL_Running", yes_no(s.sql_running), link) }
                    { row("Read_Source_Log_Pos", s.read_source_pos.to_string()) }
                    { row("Exec_Source_Log_Pos", s.exec_source_pos.to_string()) }
                    { term_row("relay_log", "Retrieved_Gtid_Set", s.retrieved_gtid_set.to_string(), link) }
                    { row("Executed_Gtid_Set", n.gtid_executed.to_string()) }
                    { term_row("lag", "Seconds_Behind_Source", s.seconds_behind_source().map_or("NULL".into(), |s| s.to_string()), link) }
                    { row("Relay log pending", s.relay_log_pending.to_string()) }
                    { row("Auto_Position", if s.auto_position { "1" } else { "0" }) }
                    { row("SQL_Delay", s.sql_delay_s.to_string()) }
                    { row("SQL_Remaining_Delay", s.sql_remaining_delay_s.map_or("NULL".into(), |r| r.to_string())) }
                    { row("Replica_SQL_Running_State", s.sql_state) }
                    if let Some(e) = &s.last_io_error { { row("Last_IO_Error", format!("{} {}", e.errno, e.message)) } }
                    if let Some(e) = &s.last_sql_error { { row("Last_SQL_Error", format!("{} {}", e.errno, e.message)) } }
                </table>
            }
            { view_binlog(n, link) }
            { view_relay_log(n, link) }
            { view_data(world, n) }
        </section>
    }
}

fn dialect_rows(rows: Vec<dialect::Row>, link: &Scope) -> Html {
    html! {
        { for rows.into_iter().map(|r| match r.term {
            Some(key) => term_row(key, &r.name, r.value, link),
            None => row(&r.name, r.value),
        }) }
    }
}

/// A MariaDB node's state as MariaDB shows it: `@@gtid_binlog_pos`, `@@gtid_slave_pos`,
/// `@@gtid_current_pos`, `read_only`, and SHOW SLAVE STATUS's own columns.
fn view_mariadb_state(world: &World, n: &Node, link: &Scope) -> Html {
    let replica = dialect::mariadb_replica_rows(world, n.id);
    html! {
        <>
            <table class="kv">
                { dialect_rows(dialect::mariadb_server_rows(n), link) }
                { row("binlog position", n.binlog.end().to_string()) }
                { row("binlog files", format!("binlog.{:06} … ({} kept)", n.binlog.first_file(), n.binlog.file_count())) }
                if n.semi_sync.enabled {
                    { term_row("semi_sync", "Rpl_semi_sync_master_status", if n.semi_sync.on { "ON" } else { "OFF" }, link) }
                    { row("semi-sync yes_tx / no_tx", format!("{} / {}", n.semi_sync.yes_tx, n.semi_sync.no_tx)) }
                }
                { row("rows · checksum", format!("{} · {:016x}", n.data.len(), n.data.checksum())) }
            </table>
            if !replica.is_empty() {
                <h3>{ "SHOW SLAVE STATUS" }</h3>
                <table class="kv">{ dialect_rows(replica, link) }</table>
            }
        </>
    }
}

/// What can be done to a node: crash or restart it, drive its replication, write to it
/// by hand, promote it, and its promotion rule.
fn view_node_actions(world: &World, n: &Node, link: &Scope) -> Html {
    let name = n.name().to_string();
    let ch = n.channel.as_ref();
    let rule = world
        .manager_of(n.id)
        .promotion_rules
        .get(n.id.index())
        .copied()
        .unwrap_or_default();
    let on_rule = {
        let name = name.clone();
        link.callback(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let rule = match v.as_str() {
                "prefer" => PromotionRule::Prefer,
                "prefer_not" => PromotionRule::PreferNot,
                "must_not" => PromotionRule::MustNot,
                _ => PromotionRule::Neutral,
            };
            Msg::Act(Command::SetPromotionRule {
                node: name.clone(),
                rule,
            })
        })
    };
    let direct_write = {
        let name = name.clone();
        link.callback(move |_| Msg::DirectWrite(name.clone()))
    };
    let w = dialect::words(n);
    html! {
        <div class="actions">
            if n.is_running() {
                { button(link, "Crash", &format!("kill {}; the host stays up and resets connections (c)", w.server), Command::Crash { node: name.clone(), power_loss: false }) }
                { button(link, "Power off", "the host dies: un-fsynced binlog and redo are lost", Command::Crash { node: name.clone(), power_loss: true }) }
            } else {
                { button(link, "Restart", &format!("start {}: crash recovery, then serve (r)", w.server), Command::Restart { node: name.clone() }) }
            }
            if ch.is_some() && n.is_running() {
                { button(link, "Stop replica", w.stop_replica, Command::StopReplica { node: name.clone() }) }
                { button(link, "Start replica", w.start_replica, Command::StartReplica { node: name.clone() }) }
                { button(link, "Switchover here", "planned, lossless takeover by this replica", Command::Switchover { to: name.clone() }) }
                if n.apply_slowdown > 1 {
                    { button(link, "Normal applier", "the applier at normal speed", Command::SlowApplier { node: name.clone(), factor: 1 }) }
                } else {
                    { button(link, "Slow applier ×20", "each transaction takes 20 times longer to apply", Command::SlowApplier { node: name.clone(), factor: 20 }) }
                }
                if ch.is_some_and(|c| c.last_sql_error.is_some() && !c.sql_running) {
                    { button(link, "Skip failed trx", "inject an empty transaction for the failing GTID", Command::SkipTransaction { node: name.clone() }) }
                }
            }
            if n.is_running() {
                <button type="button" title={w.direct_write} onclick={direct_write}>{ "Direct write" }</button>
                { button(link, "Promote now", "by hand: stop replication, make writable, send writes here", Command::Promote { node: name.clone() }) }
            }
            <label class="inline">{ "promotion rule " }
                <select onchange={on_rule}>
                    { for ["prefer", "neutral", "prefer_not", "must_not"].iter().map(|r| html! { <option value={*r} selected={rule.name() == *r}>{ *r }</option> }) }
                </select>
            </label>
        </div>
    }
}

/// The "Add server" button: a new, empty mysqld with the next free `dbN` name.
pub fn add_server_button(world: &World, link: &Scope) -> Html {
    let free = (world.nodes.len() + 1..)
        .map(|k| format!("db{k}"))
        .find(|name| world.node_id(name).is_none())
        .unwrap_or_default();
    let title = format!("an empty mysqld, {free}, joins: no rows, no GTIDs, no replication");
    button(
        link,
        "Add server",
        &title,
        Command::AddServer { node: free },
    )
}

/// Backups: take one of this server; restore one here if the server is empty; the ones
/// taken of it, with the lines the dump file starts with.
fn view_backups(world: &World, n: &Node, link: &Scope) -> Html {
    let name = n.name().to_string();
    let empty = n.gtid_executed.is_empty();
    let mine: Vec<_> = world.backups().iter().filter(|b| b.node == name).collect();
    let w = dialect::words(n);
    html! {
        <div class="actions backups">
            if n.is_running() {
                { button(link, "Back up", w.backup, Command::Backup { node: name.clone() }) }
                if empty {
                    { for world.backups().iter().map(|b| button(link, &format!("Restore {} here", b.name), &format!("load {}'s dump of {} here: its rows, and {}", b.name, b.node, w.restore_gtid), Command::Restore { backup: b.name.clone(), node: name.clone() })) }
                }
            }
            { add_server_button(world, link) }
            { for mine.iter().map(|b| html! {
                <div class="backup">
                    <p class="hint">{ format!("{} · taken at {} · {} rows", b.name, fmt_secs(b.taken_at), b.rows.len()) }</p>
                    <pre class="dump-header">{ b.header().join("\n") }</pre>
                </div>
            }) }
        </div>
    }
}

/// Transactions the binlog and relay-log views print.
const MYSQLBINLOG_TRANSACTIONS: usize = 8;

/// The last transactions of the node's binlog as `mysqlbinlog -v` prints them.
fn view_binlog(n: &Node, link: &Scope) -> Html {
    let text = mysqlbinlog::render_binlog(&n.binlog, n.server_id, MYSQLBINLOG_TRANSACTIONS);
    // The files the window spans, as the command line would name them.
    let last_file = n.binlog.end().file;
    let shown = n.binlog.entries().len().min(MYSQLBINLOG_TRANSACTIONS);
    let first_file =
        (n.binlog.entries().rev().nth(shown.saturating_sub(1))).map_or(last_file, |e| e.end().file);
    let files = (first_file..=last_file)
        .map(|f| format!("binlog.{f:06}"))
        .collect::<Vec<_>>()
        .join(" ");
    let title = format!(
        "mysqlbinlog -v --base64-output=decode-rows {files} (last {MYSQLBINLOG_TRANSACTIONS} transactions)"
    );
    html! {
        <>
            <h3>{ glossary::term("binlog", "Binlog", link) }{ " (latest)" }</h3>
            <p class="hint mono mysqlbinlog-title">{ title }</p>
            if text.is_empty() {
                <p class="hint">{ "no transaction in the retained binlog files yet" }</p>
            } else {
                <pre class="mysqlbinlog binlog-events">{ text }</pre>
            }
        </>
    }
}

/// The next transactions the applier will run, as `mysqlbinlog -v` prints a relay log.
fn view_relay_log(n: &Node, link: &Scope) -> Html {
    let Some(c) = &n.channel else {
        return Html::default();
    };
    let entries = c.relay_log.iter().map(|e| (&*e.trx, e.source_end));
    let text = mysqlbinlog::render_relay_log(entries, MYSQLBINLOG_TRANSACTIONS);
    html! {
        <>
            <h3>{ glossary::term("relay_log", "Relay log", link) }{ format!(": {} not yet applied", c.relay_log.len()) }</h3>
            if !text.is_empty() {
                <pre class="mysqlbinlog relay-events">{ text }</pre>
            }
        </>
    }
}

/// The node's rows, with those that differ from its source marked.
fn view_data(world: &World, n: &Node) -> Html {
    let source = n.channel.as_ref().and_then(|c| world.node(c.source));
    let differs = |k: u64, v: u64| source.is_some_and(|s| s.data.get(k) != Some(v));
    let diff_count = source.map_or(0, |s| {
        n.data
            .iter()
            .filter(|(k, v)| s.data.get(*k) != Some(*v))
            .count()
            + s.data
                .iter()
                .filter(|(k, _)| n.data.get(*k).is_none())
                .count()
    });
    let rows = n.data.iter().take(12).map(|(k, v)| {
        let class = if differs(k, v) { "differs" } else { "" };
        html! { <tr class={class}><td>{ k }</td><td class="mono">{ format!("#{}", v & 0xFF_FFFF_FFFF) }</td></tr> }
    });
    html! {
        <>
            <h3>{ format!("Data: {} rows{}", n.data.len(), if source.is_some() { format!(", {diff_count} differ from the source") } else { String::new() }) }</h3>
            <table class="events"><tr><th>{ "id" }</th><th>{ "val (write #)" }</th></tr>{ for rows }</table>
        </>
    }
}

pub fn view_link_inspector(world: &World, from: Addr, to: Addr, link: &Scope) -> Html {
    let (a, b) = (world.name(from), world.name(to));
    let l = world.net.link(from, to);
    let back = world.net.link(to, from);
    let setting = |make: fn(f64) -> LinkSetting, fallback: f64| {
        link.callback(move |e: Event| {
            let value = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
                .unwrap_or(fallback);
            Msg::SetLink {
                from,
                to,
                setting: make(value),
            }
        })
    };
    let set_latency = setting(LinkSetting::LatencyMs, 0.5);
    let set_loss = setting(LinkSetting::LossPct, 0.0);
    html! {
        <section class="panel-section inspector">
            <h2>{ format!("Link {a} ⇄ {b}") }</h2>
            <p>{ format!("{a} → {b}: {}", if l.cut { "cut" } else { "up" }) }<br />{ format!("{b} → {a}: {}", if back.cut { "cut" } else { "up" }) }</p>
            <div class="actions">
                { button(link, &format!("Cut {a} → {b}"), "drop everything one way", Command::CutLink { from: a.clone(), to: b.clone(), both_ways: false }) }
                { button(link, "Cut both ways", "a partition of this link (x)", Command::CutLink { from: a.clone(), to: b.clone(), both_ways: true }) }
                { button(link, "Heal", "restore both directions", Command::HealLink { from: a.clone(), to: b.clone(), both_ways: true }) }
            </div>
            <label class="field">{ "latency (ms) " }
                <input type="number" min="0" max="60000" step="0.5" value={format!("{}", us(l.cfg.latency_us).as_millis_f64())} onchange={set_latency} />
            </label>
            <label class="field">{ "packet loss (%) " }
                <input type="number" min="0" max="100" step="1" value={format!("{}", f64::from(l.cfg.loss_permille) / 10.0)} onchange={set_loss} />
            </label>
        </section>
    }
}

/// A change typed into the link inspector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LinkSetting {
    LatencyMs(f64),
    LossPct(f64),
}

/// The command that applies `setting` to the link `from`–`to` (both ways), keeping its
/// other settings; an error in words for a value out of range.
pub fn link_command(
    world: &World,
    from: Addr,
    to: Addr,
    setting: LinkSetting,
) -> Result<Command, &'static str> {
    let cfg = world.net.link(from, to).cfg;
    let valid = |v: f64, max: f64| v.is_finite() && (0.0..=max).contains(&v);
    let (mut latency_us, mut loss_permille) = (cfg.latency_us, cfg.loss_permille);
    match setting {
        LinkSetting::LatencyMs(ms) if valid(ms, 60_000.0) => {
            latency_us = Duration::from_millis_f64(ms).as_micros()
        }
        LinkSetting::LatencyMs(_) => return Err("latency must be between 0 and 60000 ms"),
        LinkSetting::LossPct(p) if valid(p, 100.0) => loss_permille = (p * 10.0).round() as u32,
        LinkSetting::LossPct(_) => return Err("packet loss must be between 0 and 100 %"),
    }
    Ok(Command::SetLink {
        from: world.name(from),
        to: world.name(to),
        latency_us,
        jitter_us: cfg.jitter_us,
        loss_permille,
        both_ways: true,
    })
}

/// Sharded: what adding one shard would move, three ways, over the workload's keys
/// (docs/semantics.md §8.3). Capped so the panel stays cheap to rebuild.
fn view_rebalance_cost(world: &World) -> Html {
    use crate::engine::rebalance::{Placement, keys_moved};
    let shards = world.router.shards.len() as u32;
    if shards < 2 {
        return Html::default();
    }
    let key_space = world
        .config
        .clients
        .iter()
        .map(|c| c.key_space)
        .max()
        .unwrap_or(0)
        .min(2_000);
    let keys: Vec<u64> = (1..=key_space).collect();
    let rows = [
        ("hash mod N", Placement::Modulo),
        ("consistent hashing (128 vnodes)", Placement::ConsistentHash { virtual_nodes: 128 }),
        ("range split (Vitess)", Placement::RangeSplit),
    ]
    .map(|(label, p)| {
        let m = keys_moved(p, &keys, shards);
        html! { <tr><td>{ label }</td><td>{ format!("{:.0} %", m.fraction() * 100.0) }</td><td>{ format!("{} of {shards}", m.shards_touched) }</td></tr> }
    });
    html! {
        <>
            <h3>{ format!("Adding a shard to these {shards}") }</h3>
            <table class="events rebalance">
                <tr><th>{ "placement" }</th><th>{ "keys moved" }</th><th>{ "shards touched" }</th></tr>
                { for rows }
            </table>
            <p class="hint">{ format!("Over the workload's {key_space} keys. Range sharding copies only the split shard; a ring moves about 1/(N+1), all to the new shard; mod N moves almost everything.") }</p>
        </>
    }
}

/// The verdict column: chosen, moved under the new primary, lost, or excluded.
fn candidate_verdict(c: &CandidateRow) -> &'static str {
    let last = c.reasons.last().map_or("", String::as_str);
    if c.chosen {
        "chosen"
    } else if last.starts_with("lost") {
        "lost"
    } else if last.starts_with("moved") {
        "moved"
    } else if c.kept {
        "eligible"
    } else {
        "excluded"
    }
}

/// ` of shard -80` for a sharded cluster's manager, nothing otherwise.
fn shard_label(world: &World, m: &crate::engine::manager::Manager) -> String {
    world
        .router
        .route(m.shard)
        .filter(|_| world.shard_map.is_sharded())
        .map(|s| format!(" of shard {}", s.range))
        .unwrap_or_default()
}

/// One shard's trouble in words, none when it is healthy: a recovery still running, else
/// what the manager's analysis found.
fn shard_trouble(m: &crate::engine::manager::Manager) -> Option<String> {
    use crate::engine::manager::Analysis;
    // A recovery runs (or drains replicas first) until it is pushed, finished, to `recoveries`.
    if m.busy() {
        return Some("failover in progress".into());
    }
    (m.analysis != Analysis::NoProblem).then(|| format!("{:?}", m.analysis))
}

/// The manager's one status line for the whole cluster, like the canvas's orchestrator
/// line: a single cluster's analysis, or for a sharded one how many shards are healthy
/// and the first troubled ones by key range ("8 shards: 7 healthy, shard -40: failover
/// in progress"), never a word per shard.
pub fn failover_status(world: &World) -> String {
    let managers = &world.managers;
    if !world.shard_map.is_sharded() || managers.len() < 2 {
        let state = managers.first().and_then(shard_trouble);
        return format!("analysis: {}", state.as_deref().unwrap_or("NoProblem"));
    }
    let troubled: Vec<String> = (managers.iter())
        .filter_map(|m| {
            let trouble = shard_trouble(m)?;
            let range = world.router.route(m.shard).map(|s| s.range.to_string());
            Some(format!("shard {}: {trouble}", range.unwrap_or_default()))
        })
        .collect();
    let (n, healthy) = (managers.len(), managers.len() - troubled.len());
    match troubled.as_slice() {
        [] => format!("{n} shards: all healthy"),
        [a] => format!("{n} shards: {healthy} healthy, {a}"),
        [a, b] => format!("{n} shards: {healthy} healthy, {a}, {b}"),
        [a, b, rest @ ..] => format!(
            "{n} shards: {healthy} healthy, {a}, {b} and {} more",
            rest.len()
        ),
    }
}

/// Each shard's primary and analysis, folded under the status line: details on demand.
fn view_shard_details(world: &World) -> Html {
    if !world.shard_map.is_sharded() || world.managers.len() < 2 {
        return Html::default();
    }
    html! {
        <details class="failover-shards">
            <summary>{ "each shard" }</summary>
            <table class="kv">
                <tr><th>{ "shard" }</th><th>{ "primary (as it knows)" }</th><th>{ "state" }</th></tr>
                { for world.managers.iter().map(|m| html! {
                    <tr>
                        <td>{ world.router.route(m.shard).map(|s| s.range.to_string()).unwrap_or_default() }</td>
                        <td>{ m.primary.map(|p| world.name(p.into())).unwrap_or_else(|| "none".into()) }</td>
                        <td>{ shard_trouble(m).unwrap_or_else(|| "healthy".into()) }</td>
                    </tr>
                }) }
            </table>
        </details>
    }
}

pub fn view_failover(world: &World, link: &Scope) -> Html {
    let m = world.manager();
    let mut audit: Vec<_> = world
        .managers
        .iter()
        .flat_map(|m| m.audit.iter().map(move |a| (m, a)))
        .collect();
    audit.sort_by_key(|(_, a)| a.at_us);
    let entries = audit.into_iter().rev().take(12).map(|(m, a)| {
        let shard = shard_label(world, m);
        html! { <li class={format!("audit {}", a.kind)}><span class="t">{ fmt_secs(a.at_us) }</span>{ format!(" [{}{shard}] {}", a.kind, a.text) }</li> }
    });
    let recoveries = world.recoveries();
    let last = recoveries.last().copied();
    let monitor: Vec<_> = (world.statements.iter().rev())
        .filter(|s| s.actor == Actor::Router)
        .take(6)
        .collect();
    html! {
        <section class="panel-section failover">
            <h2>{ glossary::term("failover", "Failover", link) }</h2>
            <p class="hint failover-status">{ format!("{} · automatic: {} · {} {}", failover_status(world), if m.cfg.automatic { "on" } else { "off" }, recoveries.len(), if recoveries.len() == 1 { "recovery" } else { "recoveries" }) }</p>
            { view_shard_details(world) }
            <ul class="audit-log">{ for entries }</ul>
            { view_recovery_statements(world) }
            if !monitor.is_empty() {
                <h3>{ "ProxySQL monitor" }</h3>
                <ol class="statements">{ for monitor.iter().rev().map(|s| view_statements(world, std::slice::from_ref(s))) }</ol>
            }
            if let Some(r) = last {
                <h3>{ format!("Why {}?", r.promoted.map(|p| world.name(p.into())).unwrap_or_else(|| "no candidate".into())) }</h3>
                <p class="hint">{ dialect::candidate_order(world) }</p>
                <table class="candidates">
                    <tr><th>{ "replica" }</th><th>{ "verdict" }</th><th>{ "rules, in the order they weigh" }</th></tr>
                    { for r.candidates.iter().map(|c| html! {
                        <tr class={if c.chosen { "chosen" } else if c.kept { "kept" } else { "dropped" }}>
                            <td>{ world.name(c.node.into()) }</td>
                            <td>{ candidate_verdict(c) }</td>
                            <td><ul>{ for c.reasons.iter().map(|x| html! { <li>{ dialect::candidate_reason(world, x) }</li> }) }</ul></td>
                        </tr>
                    }) }
                </table>
            }
        </section>
    }
}

/// The statements the last recoveries ran, each with the server it ran on, in order.
fn view_recovery_statements(world: &World) -> Html {
    let mut runs: Vec<_> = (world.managers.iter())
        .flat_map(|m| m.recoveries.iter().map(move |r| (m, r)))
        .collect();
    runs.sort_by_key(|(_, r)| (r.started_us, r.id));
    let count = runs.len();
    let shown = runs.into_iter().rev().take(3).enumerate().map(|(i, (m, r))| {
        let kind = if r.planned { "switchover" } else { "recovery" };
        let to = r.promoted.map(|p| format!(" → {}", world.name(p.into()))).unwrap_or_default();
        let summary = format!("{} {kind} of {}{to}{}", fmt_secs(r.started_us), world.name(r.failed.into()), shard_label(world, m));
        let statements: Vec<_> = world.recovery_statements(m.shard, r.id).collect();
        html! {
            <details class="recovery-statements" open={i == 0}>
                <summary>{ summary }</summary>
                if statements.is_empty() {
                    <p class="hint">{ "no statement ran (nothing to promote, or older than the window)" }</p>
                } else {
                    <ol class="statements">{ for group_by_place(&statements).into_iter().map(|g| view_statements(world, g)) }</ol>
                }
            </details>
        }
    });
    html! {
        if count > 0 {
            <h3>{ "Statements run" }</h3>
            { for shown }
        }
    }
}

type StepRef<'a> = &'a crate::engine::steps::StepStatement;

/// Runs of statements that ran in one place (one server, or ProxySQL's admin), in order.
fn group_by_place<'a>(statements: &[StepRef<'a>]) -> Vec<Vec<StepRef<'a>>> {
    let mut groups: Vec<Vec<StepRef<'a>>> = Vec::new();
    for &s in statements {
        match groups.last_mut() {
            Some(g) if g[0].node == s.node && g[0].tool == s.tool => g.push(s),
            _ => groups.push(vec![s]),
        }
    }
    groups
}

/// Statements run in one place: when the first ran, where (the server with the client's
/// prompt, ProxySQL's admin or monitor), then each statement on its own line.
fn view_statements<S: std::borrow::Borrow<crate::engine::steps::StepStatement>>(
    world: &World,
    run: impl AsRef<[S]>,
) -> Html {
    let run = run.as_ref();
    let Some(first) = run.first().map(|s| s.borrow()) else {
        return Html::default();
    };
    let place = match first.node {
        Some(n) => format!(
            "{} {}",
            world.name(n.into()),
            dialect::prompt(world, first.tool)
        ),
        None => first.tool.prompt().to_string(),
    };
    html! {
        <li data-where={first.node.map(|n| world.name(n.into())).unwrap_or_else(|| first.tool.prompt().trim_end_matches(['>', ':']).to_string())}>
            <div class="head"><span class="t">{ fmt_secs(first.at) }</span><span class="where">{ place }</span></div>
            { for run.iter().map(|s| html! { <code>{ s.borrow().text.clone() }</code> }) }
        </li>
    }
}

/// What a finding kind means, in a sentence (the tooltip of its label and its count).
fn finding_meaning(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::LostWrite => {
            "a write a client was told succeeded is gone: the promoted node never had it, or crash recovery rolled it back"
        }
        FindingKind::Divergence => {
            "two servers executed the same transactions but hold different rows"
        }
        FindingKind::ErrantGtid => {
            "a replica has transactions its source never executed; promoting it ships them everywhere"
        }
        FindingKind::SplitBrain => {
            "two writable servers of one cluster took client writes at the same time"
        }
        FindingKind::StaleRead => {
            "a read returned a value older than a write acknowledged before the read began"
        }
        FindingKind::ReadYourWrites => "a client did not see its own acknowledged write",
        FindingKind::ReplicationError => {
            "a replication thread stopped on an error and waits for an operator"
        }
        FindingKind::PhantomRead => {
            "a client read a value whose write was never acknowledged, and after a failover no server has it: the value it saw no longer exists (semi-sync AFTER_COMMIT lets other sessions read a commit before any replica has it; not the SQL isolation-level 'phantom')"
        }
        FindingKind::BinlogMismatch => {
            "after a crash a server's tables and its binary log disagree: commits whose binlog events were lost (sync_binlog=0), which replicas that lack them can never fetch, or binlogged transactions recovery undid in the tables"
        }
        // A kind added since: its name says enough until it is described here.
        #[allow(unreachable_patterns)]
        _ => "see docs/semantics.md, section 9",
    }
}

/// The same, where MariaDB words a kind its own way (ui/dialect.rs).
fn finding_meaning_mariadb(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::ErrantGtid => dialect::MARIADB_EXTRA_TRX_MEANING,
        _ => finding_meaning(kind),
    }
}

/// The findings, filtered to the kinds `picked` by their chips (none: all).
pub fn view_findings(world: &World, picked: &[FindingKind], link: &Scope) -> Html {
    let meaning = if dialect::world_is_mariadb(world) {
        finding_meaning_mariadb
    } else {
        finding_meaning
    };
    super::findings::view(world, meaning, picked, link)
}

pub fn view_actor_inspector(world: &World, a: Addr, link: &Scope) -> Html {
    match a {
        Addr::Router => {
            let r = &world.router;
            html! {
                <section class="panel-section inspector">
                    <h2>{ "Router and application" }</h2>
                    <table class="kv">
                        { for r.shards.iter().map(|s| {
                            let label = if r.shards.len() > 1 { format!("shard {} writes go to", s.range) } else { "writes go to".to_string() };
                            row(&label, s.writer.map(|w| world.name(w.into())).unwrap_or_else(|| "nobody".into()))
                        }) }
                        { row("writer chosen by", format!("{:?}", r.cfg.writer_source)) }
                        { row("read-your-writes", if r.cfg.read_your_writes { "on" } else { "off" }) }
                        { row("max replication lag", format!("{} s", r.cfg.max_replication_lag_s)) }
                        { row("operations ok / failed / unknown", format!("{} / {} / {}", r.totals.ok, r.totals.failed, r.totals.unknown)) }
                        { row("in flight", r.inflight().to_string()) }
                    </table>
                    { view_rebalance_cost(world) }
                    <div class="actions">
                        { button(link, "Partition the router", "cut the application off from every node", Command::Partition { nodes: vec!["router".into()] }) }
                        { button(link, "Heal all", "restore every link", Command::HealAll) }
                    </div>
                </section>
            }
        }
        _ => {
            let m = world.manager();
            html! {
                <section class="panel-section inspector">
                    <h2>{ "Failover manager" }</h2>
                    <table class="kv">
                        { for world.managers.iter().map(|m| {
                            let shard = shard_label(world, m);
                            html! { <>
                                { row(&format!("primary{shard} (as it knows)"), m.primary.map(|p| world.name(p.into())).unwrap_or_else(|| "none".into())) }
                                { row(&format!("analysis{shard}"), format!("{:?}", m.analysis)) }
                            </> }
                        }) }
                        { row("poll every", format!("{} ms", m.cfg.instance_poll_ms)) }
                        { row("wait for relay log", m.cfg.wait_for_relay_log_apply.to_string()) }
                    </table>
                    <div class="actions">
                        { button(link, if m.cfg.automatic { "Turn automatic failover off" } else { "Turn automatic failover on" }, "", Command::SetAutomaticFailover { enabled: !m.cfg.automatic }) }
                        { button(link, "Acknowledge recoveries", "lift the anti-flapping block", Command::AcknowledgeRecoveries) }
                        { button(link, "Partition the manager", "cut the orchestrator off", Command::Partition { nodes: vec!["manager".into()] }) }
                    </div>
                </section>
            }
        }
    }
}

pub fn view_selection_actions(names: &[String], link: &Scope) -> Html {
    html! {
        <section class="panel-section inspector">
            <h2>{ format!("{} nodes selected", names.len()) }</h2>
            <p class="hint">{ names.join(", ") }</p>
            <div class="actions">
                { button(link, "Partition them from the rest", "cut every link between the selection and everything else", Command::Partition { nodes: names.to_vec() }) }
                { button(link, "Heal all", "restore every link", Command::HealAll) }
            </div>
        </section>
    }
}

pub fn selected_names(world: &World, ids: &[NodeId]) -> Vec<String> {
    ids.iter().map(|n| world.name((*n).into())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::Instant;

    use crate::ui::preset_world as world;

    #[test]
    fn a_sharded_cluster_has_one_failover_status_line() {
        let mut w = world("shard-failover");
        assert_eq!(failover_status(&w), "2 shards: all healthy");
        // Each 100 ms through the crash of b1 at 6 s and shard 80-'s recovery.
        let mut seen: Vec<String> = Vec::new();
        for tenth in 1..=200 {
            w.run_until(Instant::from_millis(tenth * 100));
            let line = failover_status(&w);
            if seen.last() != Some(&line) {
                seen.push(line);
            }
        }
        assert!(
            seen.iter()
                .any(|l| l.starts_with("2 shards: 1 healthy, shard 80-: ")),
            "{seen:?}"
        );
        assert!(
            seen.iter()
                .any(|l| l == "2 shards: 1 healthy, shard 80-: failover in progress"),
            "{seen:?}"
        );
        assert!(seen.iter().all(|l| !l.contains("-80:")), "{seen:?}");
        assert_eq!(
            seen.last().map(String::as_str),
            Some("2 shards: all healthy")
        );
    }

    #[test]
    fn a_single_cluster_reads_as_its_analysis() {
        assert_eq!(failover_status(&world("free-play")), "analysis: NoProblem");
    }
}
