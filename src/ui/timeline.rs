//! The fault-timeline editor: the scenario's timed actions, to add, move and delete. An
//! edit rewrites the scenario (and so its link) and replays the run to where the user was.

use super::Msg;
use crate::engine::Command;
use crate::engine::time::{fmt_secs, ms};
use crate::scenario::TimedAction;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

type Scope = html::Scope<super::App>;

/// Actions the editor offers: (value, label, needs a second node).
pub const KINDS: &[(&str, &str, bool)] = &[
    ("crash", "crash mysqld", false),
    ("power_loss", "power loss", false),
    ("restart", "restart", false),
    ("isolate", "isolate (partition)", false),
    ("cut_link", "cut link", true),
    ("heal_all", "heal all links", false),
    ("switchover", "switchover to", false),
    ("stop_replica", "STOP REPLICA", false),
    ("start_replica", "START REPLICA", false),
];

/// The "add an action" form, as typed.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Draft {
    pub at_s: String,
    pub kind: String,
    pub node: String,
    pub other: String,
}

/// Seconds as typed (`"8"`, `"8.25"`) to whole milliseconds.
pub fn parse_secs(text: &str) -> Result<u64, String> {
    let s: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a time in seconds"))?;
    if !(0.0..=86_400.0).contains(&s) {
        return Err("a time is between 0 and 86400 s (one day)".into());
    }
    Ok((s * 1_000.0).round() as u64)
}

impl Draft {
    pub fn set(&mut self, field: &str, value: String) {
        match field {
            "at_s" => self.at_s = value,
            "kind" => self.kind = value,
            "node" => self.node = value,
            _ => self.other = value,
        }
    }

    /// The action this form describes; `now_ms` when no time was typed.
    pub fn action(&self, names: &[String], now_ms: u64) -> Result<TimedAction, String> {
        let at_ms = if self.at_s.trim().is_empty() {
            now_ms
        } else {
            parse_secs(&self.at_s)?
        };
        let pick = |n: &str, i: usize| {
            if n.is_empty() {
                names.get(i).cloned().unwrap_or_default()
            } else {
                n.to_string()
            }
        };
        let node = pick(&self.node, 0);
        let kind = if self.kind.is_empty() {
            KINDS[0].0
        } else {
            &self.kind
        };
        let action = match kind {
            "crash" | "power_loss" => Command::Crash {
                node,
                power_loss: kind == "power_loss",
            },
            "restart" => Command::Restart { node },
            "isolate" => Command::Partition { nodes: vec![node] },
            "cut_link" => {
                let to = pick(&self.other, 1);
                if to == node {
                    return Err("a link joins two different nodes".into());
                }
                Command::CutLink {
                    from: node,
                    to,
                    both_ways: true,
                }
            }
            "heal_all" => Command::HealAll,
            "switchover" => Command::Switchover { to: node },
            "stop_replica" => Command::StopReplica { node },
            "start_replica" => Command::StartReplica { node },
            other => return Err(format!("'{other}' is not an action the editor knows")),
        };
        Ok(TimedAction { at_ms, action })
    }
}

fn select(field: &'static str, current: &str, options: Html, link: &Scope) -> Html {
    let onchange = link.callback(move |e: Event| {
        Msg::TimelineDraft(
            field,
            e.target_unchecked_into::<HtmlSelectElement>().value(),
        )
    });
    html! { <select {onchange} aria-label={field} data-value={current.to_string()}>{ options }</select> }
}

pub fn view(timeline: &[TimedAction], names: &[String], draft: &Draft, link: &Scope) -> Html {
    let rows = timeline.iter().enumerate().map(|(i, a)| {
        let onchange = link.callback(move |e: Event| {
            Msg::TimelineMove(i, e.target_unchecked_into::<HtmlInputElement>().value())
        });
        html! {
            <li>
                <input type="number" min="0" step="0.1" value={format!("{}", ms(a.at_ms).as_secs_f64())} {onchange} aria-label="time (s)" title="move: type a new time in seconds" />
                <span class="label">{ a.action.label() }</span>
                <button type="button" class="delete" onclick={link.callback(move |_| Msg::TimelineDelete(i))} aria-label="delete" title="delete">{ "✕" }</button>
            </li>
        }
    });
    let node_options = |current: &str, fallback: usize| {
        let current = if current.is_empty() {
            names.get(fallback).map_or("", String::as_str)
        } else {
            current
        };
        html! { <>{ for names.iter().map(|n| html! { <option value={n.clone()} selected={n == current}>{ n.clone() }</option> }) }</> }
    };
    let kind = if draft.kind.is_empty() {
        KINDS[0].0
    } else {
        draft.kind.as_str()
    };
    let two = KINDS.iter().any(|(k, _, two)| *k == kind && *two);
    let kinds = html! { <>{ for KINDS.iter().map(|(k, label, _)| html! { <option value={*k} selected={*k == kind}>{ *label }</option> }) }</> };
    let on_at = link.callback(|e: InputEvent| {
        Msg::TimelineDraft(
            "at_s",
            e.target_unchecked_into::<HtmlInputElement>().value(),
        )
    });
    html! {
        <details class="panel-section timeline-editor">
            <summary><h2>{ format!("Fault timeline ({})", timeline.len()) }</h2></summary>
            <p class="hint">{ "The scenario's own timed actions. Editing them changes the scenario and its link; the run replays to where you are." }</p>
            <ol class="timed-actions">{ for rows }</ol>
            <div class="add-action">
                <input type="number" min="0" step="0.1" placeholder="now" value={draft.at_s.clone()} oninput={on_at} aria-label="at (s)" title="when, in simulated seconds (empty: now)" />
                { select("kind", kind, kinds, link) }
                if kind != "heal_all" { { select("node", &draft.node, node_options(&draft.node, 0), link) } }
                if two { { select("other", &draft.other, node_options(&draft.other, 1), link) } }
                <button type="button" class="add" onclick={link.callback(|_| Msg::TimelineAdd)}>{ "Add" }</button>
            </div>
            if let Some(last) = timeline.last() {
                <p class="hint">{ format!("Last scripted action at {}.", fmt_secs(ms(last.at_ms))) }</p>
            }
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["db1".into(), "db2".into()]
    }

    #[test]
    fn the_form_builds_actions_and_refuses_nonsense() {
        let mut d = Draft::default();
        let a = d.action(&names(), 1_500).unwrap();
        assert_eq!(a.at_ms, 1_500, "no time typed: now");
        assert!(
            matches!(a.action, Command::Crash { ref node, power_loss: false } if node == "db1")
        );
        d.set("kind", "cut_link".into());
        d.set("at_s", "8.25".into());
        let a = d.action(&names(), 0).unwrap();
        assert_eq!(a.at_ms, 8_250);
        assert!(matches!(a.action, Command::CutLink { ref to, .. } if to == "db2"));
        d.set("other", "db1".into());
        assert!(d.action(&names(), 0).is_err(), "a link to itself");
        for bad in ["-1", "1e12", "NaN", "soon"] {
            d.set("at_s", bad.into());
            assert!(d.action(&names(), 0).is_err(), "{bad}");
        }
        d.set("at_s", "1".into());
        d.set("kind", "explode".into());
        assert!(d.action(&names(), 0).is_err());
    }
}
