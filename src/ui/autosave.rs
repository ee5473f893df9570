//! The page's memory: the current run is kept in localStorage as a share-link fragment
//! (the same compact form a link uses), and the page URL's fragment opens a shared run.

use gloo::events::EventListener;
use wasm_bindgen::JsValue;

/// Versioned with the link format it holds.
const KEY: &str = "replication-playground.autosave.v1";

/// The page's localStorage, if it may be used. A private window or blocked site data
/// throws on the mere access (gloo's `LocalStorage` then throws too, and the page did not
/// start): without storage the page runs, it only remembers nothing.
pub fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn save(fragment: &str) {
    // Kept as a JSON string, as gloo's storage wrote it, so earlier autosaves still open.
    // A full or disabled storage (private mode) only means no autosave; the run goes on.
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(fragment)) {
        let _ = s.set_item(KEY, &json);
    }
}

pub fn load() -> Option<String> {
    let json = storage()?.get_item(KEY).ok()??;
    serde_json::from_str(&json).ok()
}

/// The URL fragment without its `#`, if it is meant as a share link (links start with
/// their version, `v1.`; other fragments, like a page anchor, are not links).
pub fn url_fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let f = hash.trim_start_matches('#');
    f.starts_with('v').then(|| f.to_string())
}

/// The page's address without a fragment: what a share link is built on.
pub fn page_url() -> String {
    web_sys::window()
        .and_then(|w| {
            let l = w.location();
            Some(format!(
                "{}{}{}",
                l.origin().ok()?,
                l.pathname().ok()?,
                l.search().ok()?
            ))
        })
        .unwrap_or_default()
}

/// Drops the fragment from the address bar without reloading: once a link is opened the
/// autosave follows the user's changes, and a reload must not reopen the original link.
pub fn clear_fragment() {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&page_url()));
    }
}

/// Calls `open` with the link whenever one is pasted into the address bar of the open
/// page: only the fragment changes then, so the page does not reload by itself.
pub fn on_link_pasted(open: impl Fn(String) + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "hashchange", move |_| {
        if let Some(fragment) = url_fragment() {
            open(fragment);
        }
    }))
}
