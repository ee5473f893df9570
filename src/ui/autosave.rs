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

/// Keeps `text` under `key` as a JSON string, as gloo's storage wrote it, so what earlier
/// versions saved still opens. A full or disabled storage (private mode) only means
/// nothing is kept; the run goes on.
fn set(key: &str, text: &str) {
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(text)) {
        let _ = s.set_item(key, &json);
    }
}

fn get(key: &str) -> Option<String> {
    let json = storage()?.get_item(key).ok()??;
    serde_json::from_str(&json).ok()
}

pub fn save(fragment: &str) {
    set(KEY, fragment);
}

pub fn load() -> Option<String> {
    get(KEY)
}

/// The other branches of the autosaved run (branches.rs: a versioned record beside it).
const BRANCHES_KEY: &str = "replication-playground.branches.v1";

/// Keeps the branch record, or drops it when the run has one branch.
pub fn save_branches(record: Option<&str>) {
    match record {
        Some(r) => set(BRANCHES_KEY, r),
        None => _ = storage().map(|s| s.remove_item(BRANCHES_KEY)),
    }
}

pub fn load_branches() -> Option<String> {
    get(BRANCHES_KEY)
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
