//! The keyboard: which keys are shortcuts (the help overlay lists them), and the one window
//! listener that turns a key press into a [`Shortcut`] message.

use super::{App, Msg};
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
            _ => return None,
        })
    }

    /// Keys the browser would otherwise use too (space scrolls, → moves focus).
    fn overrides_browser(self) -> bool {
        matches!(self, Shortcut::PlayPause | Shortcut::Step)
    }
}

/// Sends the app each shortcut pressed, except while the user types in a form field or
/// holds a modifier (Ctrl+C must still copy).
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
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .is_some_and(|el| {
                    matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
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
        ] {
            assert!(Shortcut::from_key(key).is_some(), "{key:?}");
        }
        for key in ["C", "a", "Enter", "ArrowLeft", "", "cc"] {
            assert_eq!(Shortcut::from_key(key), None, "{key:?}");
        }
        assert_eq!(Shortcut::from_key("n"), Some(Shortcut::NextLessonStep));
        assert!(Shortcut::PlayPause.overrides_browser() && !Shortcut::HealAll.overrides_browser());
    }
}
