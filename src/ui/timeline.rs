//! The fault-timeline editor: the scenario's timed actions, to add, move and delete. An
//! edit rewrites the scenario (and so its link) and replays the run to where the user was.

use super::Msg;
use crate::engine::time::{fmt_secs, ms};
use crate::engine::{Command, World};
use crate::scenario::TimedAction;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

type Scope = html::Scope<super::App>;

/// An action the editor offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ActionKind {
    #[default]
    Crash,
    PowerLoss,
    Restart,
    Isolate,
    CutLink,
    HealAll,
    Switchover,
    StopReplica,
    StartReplica,
}

impl ActionKind {
    /// In the order the form lists them.
    pub const ALL: [ActionKind; 9] = [
        ActionKind::Crash,
        ActionKind::PowerLoss,
        ActionKind::Restart,
        ActionKind::Isolate,
        ActionKind::CutLink,
        ActionKind::HealAll,
        ActionKind::Switchover,
        ActionKind::StopReplica,
        ActionKind::StartReplica,
    ];

    /// Its value in the form.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Crash => "crash",
            ActionKind::PowerLoss => "power_loss",
            ActionKind::Restart => "restart",
            ActionKind::Isolate => "isolate",
            ActionKind::CutLink => "cut_link",
            ActionKind::HealAll => "heal_all",
            ActionKind::Switchover => "switchover",
            ActionKind::StopReplica => "stop_replica",
            ActionKind::StartReplica => "start_replica",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Crash => "crash mysqld",
            ActionKind::PowerLoss => "power loss",
            ActionKind::Restart => "restart",
            ActionKind::Isolate => "isolate (partition)",
            ActionKind::CutLink => "cut link",
            ActionKind::HealAll => "heal all links",
            ActionKind::Switchover => "switchover to",
            ActionKind::StopReplica => "STOP REPLICA",
            ActionKind::StartReplica => "START REPLICA",
        }
    }

    pub fn from_name(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// How many nodes it names: none for healing everything, two for a link.
    pub fn nodes(self) -> usize {
        match self {
            ActionKind::HealAll => 0,
            ActionKind::CutLink => 2,
            _ => 1,
        }
    }
}

/// The "add an action" form, as typed.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Draft {
    pub at_s: String,
    pub kind: ActionKind,
    /// The node, empty for the first in the list.
    pub node: String,
    /// A link's other end, empty for the second in the list.
    pub other: String,
}

/// One change to the form.
#[derive(Clone, Debug, PartialEq)]
pub enum DraftEdit {
    AtS(String),
    Kind(ActionKind),
    Node(String),
    Other(String),
}

/// The world's node names, in order: what the form's node lists offer.
pub fn node_names(world: &World) -> Vec<String> {
    world.nodes.iter().map(|n| n.name().to_string()).collect()
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
    pub fn set(&mut self, edit: DraftEdit) {
        match edit {
            DraftEdit::AtS(v) => self.at_s = v,
            DraftEdit::Kind(k) => self.kind = k,
            DraftEdit::Node(v) => self.node = v,
            DraftEdit::Other(v) => self.other = v,
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
        let action = match self.kind {
            ActionKind::Crash | ActionKind::PowerLoss => Command::Crash {
                node,
                power_loss: self.kind == ActionKind::PowerLoss,
            },
            ActionKind::Restart => Command::Restart { node },
            ActionKind::Isolate => Command::Partition { nodes: vec![node] },
            ActionKind::CutLink => {
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
            ActionKind::HealAll => Command::HealAll,
            ActionKind::Switchover => Command::Switchover { to: node },
            ActionKind::StopReplica => Command::StopReplica { node },
            ActionKind::StartReplica => Command::StartReplica { node },
        };
        Ok(TimedAction { at_ms, action })
    }
}

/// One of the form's drop-downs; `edit` reads its value (`aria-label` is `label`).
fn select(
    label: &'static str,
    current: &str,
    options: Html,
    edit: fn(String) -> Option<DraftEdit>,
    link: &Scope,
) -> Html {
    let onchange = link.batch_callback(move |e: Event| {
        edit(e.target_unchecked_into::<HtmlSelectElement>().value()).map(Msg::TimelineDraft)
    });
    html! { <select {onchange} aria-label={label} data-value={current.to_string()}>{ options }</select> }
}

fn view_row(i: usize, a: &TimedAction, link: &Scope) -> Html {
    let onchange = link.callback(move |e: Event| Msg::TimelineMove {
        index: i,
        secs: e.target_unchecked_into::<HtmlInputElement>().value(),
    });
    html! {
        <li>
            <input type="number" min="0" step="0.1" value={format!("{}", ms(a.at_ms).as_secs_f64())} {onchange} aria-label="time (s)" title="move: type a new time in seconds" />
            <span class="label">{ a.action.label() }</span>
            <button type="button" class="delete" onclick={link.callback(move |_| Msg::TimelineDelete(i))} aria-label="delete" title="delete">{ "✕" }</button>
        </li>
    }
}

pub fn view(timeline: &[TimedAction], names: &[String], draft: &Draft, link: &Scope) -> Html {
    let node_options = |current: &str, fallback: usize| {
        let current = if current.is_empty() {
            names.get(fallback).map_or("", String::as_str)
        } else {
            current
        };
        html! { <>{ for names.iter().map(|n| html! { <option value={n.clone()} selected={n == current}>{ n.clone() }</option> }) }</> }
    };
    let kind = draft.kind;
    let kinds = html! { <>{ for ActionKind::ALL.iter().map(|k| html! { <option value={k.name()} selected={*k == kind}>{ k.label() }</option> }) }</> };
    let on_at = link.callback(|e: InputEvent| {
        Msg::TimelineDraft(DraftEdit::AtS(
            e.target_unchecked_into::<HtmlInputElement>().value(),
        ))
    });
    html! {
        <details class="panel-section timeline-editor">
            <summary><h2>{ format!("Fault timeline ({})", timeline.len()) }</h2></summary>
            <p class="hint">{ "The scenario's own timed actions. Editing them changes the scenario and its link; the run replays to where you are." }</p>
            <ol class="timed-actions">{ for timeline.iter().enumerate().map(|(i, a)| view_row(i, a, link)) }</ol>
            <div class="add-action">
                <input type="number" min="0" step="0.1" placeholder="now" value={draft.at_s.clone()} oninput={on_at} aria-label="at (s)" title="when, in simulated seconds (empty: now)" />
                { select("kind", kind.name(), kinds, |v| ActionKind::from_name(&v).map(DraftEdit::Kind), link) }
                if kind.nodes() > 0 { { select("node", &draft.node, node_options(&draft.node, 0), |v| Some(DraftEdit::Node(v)), link) } }
                if kind.nodes() > 1 { { select("other", &draft.other, node_options(&draft.other, 1), |v| Some(DraftEdit::Other(v)), link) } }
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
        d.set(DraftEdit::Kind(ActionKind::CutLink));
        d.set(DraftEdit::AtS("8.25".into()));
        let a = d.action(&names(), 0).unwrap();
        assert_eq!(a.at_ms, 8_250);
        assert!(matches!(a.action, Command::CutLink { ref to, .. } if to == "db2"));
        d.set(DraftEdit::Other("db1".into()));
        assert!(d.action(&names(), 0).is_err(), "a link to itself");
        for bad in ["-1", "1e12", "NaN", "soon"] {
            d.set(DraftEdit::AtS(bad.into()));
            assert!(d.action(&names(), 0).is_err(), "{bad}");
        }
        assert_eq!(ActionKind::from_name("explode"), None);
    }

    #[test]
    fn every_kind_is_named_by_its_form_value() {
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::from_name(k.name()), Some(k));
        }
        assert_eq!(
            Draft::default().kind,
            ActionKind::ALL[0],
            "the form starts at the first"
        );
        let mut d = Draft::default();
        for (k, at_s) in [(ActionKind::PowerLoss, "2"), (ActionKind::HealAll, "3")] {
            d.set(DraftEdit::Kind(k));
            d.set(DraftEdit::AtS(at_s.into()));
            let a = d.action(&names(), 0).unwrap();
            let want = match k {
                ActionKind::HealAll => Command::HealAll,
                _ => Command::Crash {
                    node: "db1".into(),
                    power_loss: true,
                },
            };
            assert_eq!(a.action, want);
        }
    }
}
