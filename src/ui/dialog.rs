//! Keyboard focus and dialogs: when one opens, focus moves into it (a keyboard or screen
//! reader user is where the dialog is); while it is open, Tab and Shift+Tab stay inside
//! it; when it closes, focus goes back to what opened it.

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, KeyboardEvent};

/// What focus moves to in a dialog: its first field, else its first button.
const FIRST_FOCUSABLE: &str =
    "input:not([disabled]), select:not([disabled]), textarea, button:not([disabled]), [tabindex]";

/// What Tab stops at inside a dialog (links too, such as a download).
const TAB_STOPS: &str = "a[href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), button:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// The modal dialogs on the page. Any of them, the builder's, the share, help or export
/// one, or one added later, is found by its role, so each gets the same focus handling.
const MODAL: &str = "[role=dialog][aria-modal=true]";

/// A dialog that took focus: its name, and what had focus before it (to give it back).
pub struct Opened {
    label: String,
    opener: Option<HtmlElement>,
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn all(root: &impl AsRef<Element>, selector: &str) -> Vec<HtmlElement> {
    let Ok(list) = root.as_ref().query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .collect()
}

/// The modal dialogs open now, bottom first: the export dialog comes after the share
/// dialog it opens over, so the last one is on top.
fn open_dialogs(doc: &Document) -> Vec<HtmlElement> {
    doc.document_element()
        .map(|root| all(&root, MODAL))
        .unwrap_or_default()
}

fn label(dialog: &Element) -> String {
    dialog.get_attribute("aria-label").unwrap_or_default()
}

/// After each render: a dialog that just opened takes focus (its first field, else its
/// first button) and remembers what had it; a dialog that just closed gives focus back to
/// what opened it, if that is still on the page. `opened` is the dialogs as last seen,
/// bottom first.
pub fn follow_focus(opened: &mut Vec<Opened>) {
    let Some(doc) = document() else {
        return;
    };
    let now: Vec<HtmlElement> = open_dialogs(&doc);
    let labels: Vec<String> = now.iter().map(|d| label(d)).collect();
    // Closed: from the top down, each gives focus back to its opener.
    while let Some(top) = opened.last() {
        if opened.len() <= labels.len() && labels[opened.len() - 1] == top.label {
            break;
        }
        let closed = opened.pop();
        if let Some(opener) = closed.and_then(|c| c.opener).filter(|o| o.is_connected()) {
            let _ = opener.focus();
        }
    }
    // Opened: each new one, bottom up, takes focus from what had it.
    for dialog in &now[opened.len()..] {
        let opener = doc
            .active_element()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok());
        if let Some(first) = all(dialog, FIRST_FOCUSABLE).into_iter().next() {
            let _ = first.focus();
        }
        opened.push(Opened {
            label: label(dialog),
            opener,
        });
    }
}

/// Keeps Tab and Shift+Tab inside the dialog on top while one is open: past its last stop
/// focus wraps to its first and back, and from outside it (a click on the page behind)
/// Tab comes back in, as a modal dialog does (WAI-ARIA APG, "Dialog (Modal)").
fn trap_tab(e: &KeyboardEvent) {
    if e.key() != "Tab" || e.ctrl_key() || e.alt_key() || e.meta_key() {
        return;
    }
    let Some(doc) = document() else {
        return;
    };
    let Some(dialog) = open_dialogs(&doc).pop() else {
        return;
    };
    // Stops that are drawn: a folded panel's buttons have no box.
    let stops: Vec<HtmlElement> = all(&dialog, TAB_STOPS)
        .into_iter()
        .filter(|s| s.offset_width() > 0 || s.offset_height() > 0)
        .collect();
    let (Some(first), Some(last)) = (stops.first(), stops.last()) else {
        e.prevent_default();
        return;
    };
    let active = doc.active_element();
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    let at = |el: &HtmlElement| active.as_ref() == Some(el.as_ref());
    let wrap_to = match (e.shift_key(), inside) {
        (false, false) => Some(first),
        (true, false) => Some(last),
        (false, true) if at(last) => Some(first),
        (true, true) if at(first) => Some(last),
        _ => None,
    };
    if let Some(target) = wrap_to {
        e.prevent_default();
        let _ = target.focus();
    }
}

/// Listens for Tab on the page, to keep it inside an open dialog.
pub fn listen_tab() -> Option<EventListener> {
    let window = web_sys::window()?;
    let options = EventListenerOptions::enable_prevent_default();
    Some(EventListener::new_with_options(
        &window,
        "keydown",
        options,
        |e| {
            if let Some(e) = e.dyn_ref::<KeyboardEvent>() {
                trap_tab(e);
            }
        },
    ))
}

/// Scrolls the side panel to the inspector (what was just selected), when the panel
/// scrolls on its own. On a phone the whole page scrolls instead: moving it would take
/// the canvas just tapped off the screen, so it stays.
pub fn reveal_inspector() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let panel = doc.query_selector("aside.side-panel").ok().flatten();
    let inspector = doc
        .query_selector("aside.side-panel .inspector")
        .ok()
        .flatten();
    if let (Some(panel), Some(inspector)) = (panel, inspector)
        && panel.scroll_height() > panel.client_height()
    {
        inspector.scroll_into_view_with_bool(true);
    }
}
