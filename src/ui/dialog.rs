//! Keyboard focus and dialogs: when one opens, focus moves into it (a keyboard or screen
//! reader user is where the dialog is); when it closes, focus goes back to what opened it.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// What focus moves to in a dialog: its first field, else its first button.
const FIRST_FOCUSABLE: &str =
    "input:not([disabled]), select:not([disabled]), textarea, button:not([disabled]), [tabindex]";

/// Moves focus into the dialog now on the page and returns the element that had it (the
/// dialog's opener, to give focus back to), if any.
pub fn focus_dialog() -> Option<HtmlElement> {
    let doc = web_sys::window()?.document()?;
    let opener = doc
        .active_element()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.closest("[role=dialog]").ok().flatten().is_none());
    let target = doc
        .query_selector(&format!("[role=dialog] :is({FIRST_FOCUSABLE})"))
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    if let Some(t) = target {
        let _ = t.focus();
    }
    opener
}
