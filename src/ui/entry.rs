//! Entry points the page exports to JavaScript, for automation and the benchmarks.

use super::{App, Msg};
use crate::engine::time::Instant;
use crate::scenario::Scenario;
use std::cell::RefCell;
use wasm_bindgen::prelude::wasm_bindgen;
use yew::html::Scope;

thread_local! {
    /// The running app, so page-level entry points (`playground_load`) can reach it.
    static APP: RefCell<Option<Scope<App>>> = const { RefCell::new(None) };
}

/// Makes `scope` the app `playground_load` talks to.
pub(super) fn register(scope: Scope<App>) {
    APP.with(|a| *a.borrow_mut() = Some(scope));
}

/// Loads a scenario document (JSON) into the running app: the same path as importing a
/// file. Errors are shown in the page; the current run stays as it is.
#[wasm_bindgen]
pub fn playground_load(json: String) -> bool {
    APP.with(|a| {
        a.borrow()
            .as_ref()
            .map(|scope| scope.send_message(Msg::LoadScenario(json)))
    })
    .is_some()
}

/// Runs a scenario document to its end, headless, and returns a one-line JSON summary
/// (events, simulated ms, trace hash, the resharding phase): the browser half of the
/// benchmarks, timed by the caller. Errors come back as `{"error": "…"}`.
#[wasm_bindgen]
pub fn playground_run(json: String) -> String {
    match Scenario::from_json(&json).and_then(|s| {
        let mut w = s.world()?;
        w.run_until(Instant::from_millis(s.run_ms));
        Ok(w)
    }) {
        Ok(w) => format!(
            r#"{{"events":{},"simulated_ms":{},"trace_hash":"{}","reshard":"{}"}}"#,
            w.events(),
            w.now().as_millis(),
            w.trace.hash_hex(),
            w.reshard.as_ref().map_or("none", |r| r.phase.name())
        ),
        Err(e) => serde_json::json!({ "error": e.to_string() }).to_string(),
    }
}
