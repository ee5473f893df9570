//! The keyboard: which keys are shortcuts (the help overlay lists them), and the one window
//! listener that turns a key press into a [`Shortcut`] message.

use super::selection::Selection;
use super::{App, Msg};
use crate::engine::{Command, World};
use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::html::Scope;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    PlayPause,
    Step,
    Help,
    /// Closes the help and clears the selection.
    Escape,
    CrashNode,
    RestartNode,
    CutLink,
    HealAll,
    NextLessonStep,
    PreviousLessonStep,
    /// The timeline's next / previous marker: a fault, failover, finding or lesson step.
    NextMark,
    PreviousMark,
}

impl Shortcut {
    /// The shortcut a key (`KeyboardEvent.key`) stands for.
    pub fn from_key(key: &str) -> Option<Shortcut> {
        Some(match key {
            " " => Shortcut::PlayPause,
            "ArrowRight" => Shortcut::Step,
            "?" => Shortcut::Help,
            "Escape" => Shortcut::Escape,
            "c" => Shortcut::CrashNode,
            "r" => Shortcut::RestartNode,
            "x" => Shortcut::CutLink,
            "h" => Shortcut::HealAll,
            "n" => Shortcut::NextLessonStep,
            "b" => Shortcut::PreviousLessonStep,
            "]" => Shortcut::NextMark,
            "[" => Shortcut::PreviousMark,
            _ => return None,
        })
    }

    /// What the shortcut asks for, given what is selected: the same messages as the
    /// buttons it stands for; none when it has nothing to act on.
    pub fn intents(self, selection: &Selection, world: Option<&World>) -> Vec<Msg> {
        let node = world
            .zip(selection.first_node())
            .map(|(w, n)| w.name(n.into()));
        let link = world
            .zip(selection.link())
            .map(|(w, (a, b))| (w.name(a), w.name(b)));
        let act = match self {
            Shortcut::PlayPause => return vec![Msg::TogglePlay],
            Shortcut::Step => return vec![Msg::Step],
            Shortcut::Help => return vec![Msg::ToggleHelp],
            Shortcut::Escape => return vec![Msg::CloseHelp, Msg::ClearSelection],
            Shortcut::NextLessonStep => return vec![Msg::LessonStep(1)],
            Shortcut::PreviousLessonStep => return vec![Msg::LessonStep(-1)],
            Shortcut::NextMark => return vec![Msg::JumpMark(1)],
            Shortcut::PreviousMark => return vec![Msg::JumpMark(-1)],
            Shortcut::HealAll => Some(Command::HealAll),
            Shortcut::CrashNode => node.map(|node| Command::Crash {
                node,
                power_loss: false,
            }),
            Shortcut::RestartNode => node.map(|node| Command::Restart { node }),
            Shortcut::CutLink => link.map(|(from, to)| Command::CutLink {
                from,
                to,
                both_ways: true,
            }),
        };
        act.map(Msg::Act).into_iter().collect()
    }

    /// Keys the browser would otherwise use too (space scrolls, → moves focus).
    fn overrides_browser(self) -> bool {
        matches!(self, Shortcut::PlayPause | Shortcut::Step)
    }
}

/// Sends the app each shortcut pressed, except while the user types in a form field or a
/// node's SQL console, or holds a modifier (Ctrl+C must still copy).
pub fn listen(link: Scope<App>) -> Option<EventListener> {
    let window = web_sys::window()?;
    let options = EventListenerOptions::enable_prevent_default();
    Some(EventListener::new_with_options(
        &window,
        "keydown",
        options,
        move |e| {
            let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                return;
            };
            // Inside a node's console every key is the console's (space and arrows scroll
            // its transcript), not only in its input line.
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                        || el.closest(".console").ok().flatten().is_some()
                });
            if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let Some(shortcut) = Shortcut::from_key(&e.key()) else {
                return;
            };
            if shortcut.overrides_browser() {
                e.prevent_default();
            }
            link.send_message(Msg::Key(shortcut));
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_overlays_keys_are_shortcuts_and_others_are_not() {
        for key in [
            " ",
            "ArrowRight",
            "?",
            "Escape",
            "c",
            "r",
            "x",
            "h",
            "n",
            "b",
            "]",
            "[",
        ] {
            assert!(Shortcut::from_key(key).is_some(), "{key:?}");
        }
        for key in ["C", "a", "Enter", "ArrowLeft", "", "cc"] {
            assert_eq!(Shortcut::from_key(key), None, "{key:?}");
        }
        assert_eq!(Shortcut::from_key("n"), Some(Shortcut::NextLessonStep));
        assert!(Shortcut::PlayPause.overrides_browser() && !Shortcut::HealAll.overrides_browser());
    }

    #[test]
    fn shortcuts_act_on_the_selection_or_do_nothing() {
        let s = crate::scenario::Scenario::from_json(
            crate::scenario::presets::preset("planned-switchover").unwrap(),
        )
        .unwrap();
        let w = s.world().unwrap();
        let (db1, db2) = (w.node_id("db1").unwrap(), w.node_id("db2").unwrap());
        let mut picked = Selection::Node(db2);
        picked.pick_node(db1, true);
        assert_eq!(
            Shortcut::CrashNode.intents(&picked, Some(&w)),
            vec![Msg::Act(Command::Crash {
                node: "db2".into(),
                power_loss: false
            })],
            "the first node picked"
        );
        let link = Selection::Link(db1.into(), db2.into());
        assert_eq!(
            Shortcut::CutLink.intents(&link, Some(&w)),
            vec![Msg::Act(Command::CutLink {
                from: "db1".into(),
                to: "db2".into(),
                both_ways: true
            })]
        );
        for nothing_to_act_on in [
            Shortcut::CrashNode.intents(&link, Some(&w)),
            Shortcut::RestartNode.intents(&Selection::Router, Some(&w)),
            Shortcut::CutLink.intents(&picked, Some(&w)),
            Shortcut::CrashNode.intents(&picked, None),
        ] {
            assert_eq!(nothing_to_act_on, vec![]);
        }
        assert_eq!(
            Shortcut::Escape.intents(&link, Some(&w)),
            vec![Msg::CloseHelp, Msg::ClearSelection]
        );
        assert_eq!(
            Shortcut::HealAll.intents(&Selection::Nothing, None),
            vec![Msg::Act(Command::HealAll)]
        );
    }
}
