//! The resharding panel: the workflow's steps with the current one marked, each stream's
//! progress (rows copied, ETA, transactions behind, why it is stalled), VDiff, the
//! measured write stalls, and buttons for the next step.

use super::Msg;
use crate::engine::ids::ShardId;
use crate::engine::reshard::{Phase, Step, Stream};
use crate::engine::steps::Actor;
use crate::engine::time::fmt_secs;
use crate::engine::{Command, World};
use yew::prelude::*;

type Scope = html::Scope<super::App>;

fn step_button(link: &Scope, label: &str, title: &str, step: Step, enabled: bool) -> Html {
    html! {
        <button type="button" disabled={!enabled} title={title.to_string()} data-step={crate::engine::reshard::step_name(step)}
            onclick={link.callback(move |_| Msg::Act(Command::Reshard { step }))}>{ label.to_string() }</button>
    }
}

fn view_stream(w: &World, s: &Stream) -> Html {
    let range = |g: ShardId| {
        w.router
            .route(g)
            .map(|r| r.range.to_string())
            .unwrap_or_default()
    };
    let state = if let Some(e) = &s.error {
        format!("stalled: {e}")
    } else if s.copy.is_some() && s.rows_to_copy == 0 && s.rows_copied == 0 {
        "starting the copy".to_string()
    } else if let Some((done, eta)) = s.progress(w.now()) {
        format!(
            "copying {} of ~{} rows ({:.0} %){}",
            s.rows_copied,
            s.rows_to_copy.max(s.rows_copied),
            done * 100.0,
            eta.map(|e| format!(", ETA {}", fmt_secs(e)))
                .unwrap_or_default()
        )
    } else if s.behind == 0 {
        "replicating, caught up".to_string()
    } else {
        format!("replicating, {} transactions behind", s.behind)
    };
    html! {
        <tr class={if s.error.is_some() { "stalled" } else { "" }}>
            <td class="mono">{ format!("{} → {}", range(s.from), range(s.to)) }</td>
            <td>{ state }</td>
        </tr>
    }
}

pub fn view(w: &World, link: &Scope) -> Html {
    let has_targets = w
        .router
        .shards
        .iter()
        .any(|s| !s.serving_reads && !s.serving_writes);
    let Some(wf) = &w.reshard else {
        if !has_targets {
            return Html::default();
        }
        return html! {
            <section class="panel-section reshard" aria-label="Resharding">
                <h2>{ "Resharding" }</h2>
                <p class="hint">{ "New shards are provisioned but serve nothing yet. Create the Reshard workflow to copy their key ranges and stream changes into them." }</p>
                <div class="actions">{ step_button(link, "Create workflow", "copy and stream into the new shards", Step::Create, true) }</div>
            </section>
        };
    };
    let phases = [
        Phase::Copying,
        Phase::Running,
        Phase::ReadsSwitched,
        Phase::WritesSwitched,
        Phase::Completed,
    ];
    let switching = wf.switch.is_some();
    let p = wf.phase;
    let live = !matches!(p, Phase::Completed | Phase::Cancelled) && !switching;
    let forward = matches!(p, Phase::Copying | Phase::Running | Phase::ReadsSwitched)
        || wf.switch.as_ref().is_some_and(|s| s.to_targets);
    html! {
        <section class="panel-section reshard" aria-label="Resharding">
            <h2>{ "Resharding" }</h2>
            <ol class="phases">
                { for phases.iter().map(|ph| {
                    let class = if *ph == p { "current" } else if *ph < p && p != Phase::Cancelled { "done" } else { "todo" };
                    html! { <li class={class}>{ ph.name() }</li> }
                }) }
                if p == Phase::Cancelled { <li class="current">{ "cancelled" }</li> }
            </ol>
            if switching { <p class="switching" role="status">{ "switching traffic: writes are stopped while the streams catch up…" }</p> }
            <table class="events streams">
                <tr><th>{ "stream" }</th><th>{ "state" }</th></tr>
                { for wf.streams.iter().filter(|_| forward).map(|s| view_stream(w, s)) }
                { for wf.reverse.iter().filter(|_| p == Phase::WritesSwitched).map(|s| view_stream(w, s)) }
            </table>
            if let Some((at, rows, diff)) = wf.vdiff {
                <p class={if diff == 0 { "vdiff ok" } else { "vdiff error" }}>{ format!("VDiff at {}: {rows} rows compared, {diff} differ", fmt_secs(at)) }</p>
            }
            if !wf.stalls.is_empty() {
                <p class="hint">{ format!("write stalls: {}", wf.stalls.iter().map(|&(a, b)| fmt_secs(b - a)).collect::<Vec<_>>().join(", ")) }</p>
            }
            <div class="actions">
                { step_button(link, "Switch reads", "SwitchTraffic for replica reads", Step::SwitchReads, live && p == Phase::Running) }
                { step_button(link, "Switch writes", "SwitchTraffic for the primary: a brief write stall", Step::SwitchWrites, live && matches!(p, Phase::Running | Phase::ReadsSwitched)) }
                { step_button(link, "Reverse traffic", "move traffic back to the source shards", Step::ReverseTraffic, live && matches!(p, Phase::ReadsSwitched | Phase::WritesSwitched)) }
                { step_button(link, "Complete", "drop reverse streams and retire the sources", Step::Complete, live && p == Phase::WritesSwitched) }
                { step_button(link, "Cancel", "stop the workflow (only before writes switch)", Step::Cancel, live && matches!(p, Phase::Copying | Phase::Running | Phase::ReadsSwitched)) }
                if matches!(p, Phase::Completed | Phase::Cancelled) { { step_button(link, "New workflow", "", Step::Create, has_targets) } }
            </div>
            <ul class="audit-log">
                { for wf.log.iter().rev().take(6).map(|(t, text)| html! { <li><span class="t">{ fmt_secs(*t) }</span>{ format!(" {text}") }</li> }) }
            </ul>
            <h3>{ "vtctldclient" }</h3>
            <ol class="statements">
                { for w.statements.iter().filter(|s| s.actor == Actor::Workflow).map(|s| html! { <li><span class="t">{ fmt_secs(s.at) }</span><code>{ format!("$ {}", s.text) }</code></li> }) }
            </ol>
        </section>
    }
}
