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
    /// One event back (←).
    StepBack,
    Help,
    /// Closes the dialog on top, or else clears the selection.
    Escape,
    CrashNode,
    RestartNode,
    CutLink,
    HealAll,
    NextLessonStep,
    PreviousLessonStep,
    /// Presenter mode on or off.
    Presenter,
}

impl Shortcut {
    /// The shortcut a key (`KeyboardEvent.key`) stands for.
    pub fn from_key(key: &str) -> Option<Shortcut> {
        Some(match key {
            " " => Shortcut::PlayPause,
            "ArrowRight" => Shortcut::Step,
            "ArrowLeft" => Shortcut::StepBack,
            "?" => Shortcut::Help,
            "Escape" => Shortcut::Escape,
            "c" => Shortcut::CrashNode,
            "r" => Shortcut::RestartNode,
            "x" => Shortcut::CutLink,
            "h" => Shortcut::HealAll,
            "n" => Shortcut::NextLessonStep,
            "b" => Shortcut::PreviousLessonStep,
            "p" => Shortcut::Presenter,
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
            Shortcut::StepBack => return vec![Msg::StepBack],
            Shortcut::Help => return vec![Msg::ToggleHelp],
            Shortcut::Escape => return vec![Msg::Escape],
            Shortcut::NextLessonStep => return vec![Msg::LessonStep(1)],
            Shortcut::PreviousLessonStep => return vec![Msg::LessonStep(-1)],
            Shortcut::Presenter => return vec![Msg::TogglePresenter],
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
        matches!(
            self,
            Shortcut::PlayPause | Shortcut::Step | Shortcut::StepBack
        )
    }
}

/// Where keyboard focus is, as far as the shortcuts care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// A node's SQL console: every key is the console's (Esc leaves it).
    Console,
    /// A text or number field: every key types there, but Esc still closes its dialog.
    Text,
    /// A drop-down list (the scenario list): letters and ↑/↓ pick an entry.
    List,
    /// A slider (speed, timeline): its arrows move it.
    Slider,
    /// Anything else: a button, the canvas, the page.
    Other,
}

impl Focus {
    /// Whether the focused element keeps `key` for itself instead of the shortcut. Space,
    /// → and ← play and step wherever focus is (after picking a scenario or moving the
    /// speed, Space plays), except while typing; a slider keeps its arrows; Esc always
    /// closes the dialog on top, even from one of its fields.
    pub fn keeps(self, key: &str) -> bool {
        match self {
            Focus::Console => true,
            Focus::Text => key != "Escape",
            Focus::List => !matches!(key, " " | "ArrowRight" | "ArrowLeft" | "Escape"),
            Focus::Slider => matches!(key, "ArrowRight" | "ArrowLeft"),
            Focus::Other => false,
        }
    }

    /// The kind of focus of an element, by its tag and (for an `<input>`) its type.
    pub fn of(tag: &str, input_type: &str, in_console: bool) -> Focus {
        match tag {
            _ if in_console => Focus::Console,
            "TEXTAREA" => Focus::Text,
            "SELECT" => Focus::List,
            "INPUT" if input_type == "range" => Focus::Slider,
            "INPUT" if matches!(input_type, "button" | "checkbox" | "radio" | "file") => {
                Focus::Other
            }
            "INPUT" => Focus::Text,
            _ => Focus::Other,
        }
    }
}

/// Enter or Space on a focused canvas element (a node, a link, an actor) or timeline
/// marker: the click it stands for, shift-click with shift. One plain function for all of
/// them, so keyboard access costs the bundle next to nothing. The key stops there, so
/// Space selects a node rather than also playing.
pub fn click_on_enter(e: web_sys::KeyboardEvent) {
    if !matches!(e.key().as_str(), "Enter" | " ") {
        return;
    }
    e.prevent_default();
    e.stop_propagation();
    let init = web_sys::MouseEventInit::new();
    init.set_bubbles(true);
    init.set_shift_key(e.shift_key());
    let click = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init);
    if let (Some(target), Ok(click)) = (e.target(), click) {
        let _ = target.dispatch_event(&click);
    }
}

fn focus_of(e: &web_sys::KeyboardEvent) -> Focus {
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return Focus::Other;
    };
    let input_type = el.get_attribute("type").unwrap_or_default();
    // Inside a node's console every key is the console's (space and arrows scroll its
    // transcript), not only in its input line.
    let in_console = el.closest(".console").ok().flatten().is_some();
    Focus::of(&el.tag_name(), &input_type, in_console)
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
            let key = e.key();
            if focus_of(e).keeps(&key) || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let Some(shortcut) = Shortcut::from_key(&key) else {
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
            "ArrowLeft",
            "?",
            "Escape",
            "c",
            "r",
            "x",
            "h",
            "n",
            "b",
            "p",
        ] {
            assert!(Shortcut::from_key(key).is_some(), "{key:?}");
        }
        for key in ["C", "a", "Enter", "ArrowUp", "", "cc"] {
            assert_eq!(Shortcut::from_key(key), None, "{key:?}");
        }
        assert_eq!(Shortcut::from_key("n"), Some(Shortcut::NextLessonStep));
        assert_eq!(
            Shortcut::Presenter.intents(&Selection::Nothing, None),
            vec![Msg::TogglePresenter]
        );
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
            vec![Msg::Escape],
            "the app closes the dialog on top, or else clears the selection"
        );
        assert_eq!(Shortcut::StepBack.intents(&link, None), vec![Msg::StepBack]);
        assert_eq!(
            Shortcut::HealAll.intents(&Selection::Nothing, None),
            vec![Msg::Act(Command::HealAll)]
        );
    }

    #[test]
    fn space_and_arrows_work_wherever_focus_is_except_while_typing() {
        let text = Focus::of("INPUT", "number", false);
        let list = Focus::of("SELECT", "", false);
        let slider = Focus::of("INPUT", "range", false);
        let console = Focus::of("INPUT", "text", true);
        let button = Focus::of("BUTTON", "button", false);
        assert_eq!(
            [text, list, slider, console, button],
            [
                Focus::Text,
                Focus::List,
                Focus::Slider,
                Focus::Console,
                Focus::Other
            ]
        );
        assert_eq!(Focus::of("TEXTAREA", "", false), Focus::Text);
        assert_eq!(Focus::of("INPUT", "checkbox", false), Focus::Other);
        assert_eq!(Focus::of("g", "", false), Focus::Other, "a canvas node");
        for key in [" ", "ArrowRight", "ArrowLeft", "c", "?"] {
            assert!(text.keeps(key) && console.keeps(key), "{key:?} types");
            assert!(!button.keeps(key), "{key:?} on a button is a shortcut");
        }
        // After picking a scenario or moving the speed, Space plays.
        assert!(!list.keeps(" ") && !slider.keeps(" "));
        assert!(!list.keeps("ArrowLeft") && list.keeps("ArrowDown") && list.keeps("c"));
        assert!(slider.keeps("ArrowRight") && slider.keeps("ArrowLeft"));
        // Esc closes a dialog from any of its fields, but in a console it only leaves it.
        assert!(!text.keeps("Escape") && !list.keeps("Escape") && !slider.keeps("Escape"));
        assert!(console.keeps("Escape"));
    }
}
