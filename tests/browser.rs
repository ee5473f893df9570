//! Browser tests (wasm-bindgen-test in headless Chromium): what only a browser can show.
//! Run by `make test`; by hand: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test browser`.
#![cfg(target_arch = "wasm32")]

mod golden;

use replication_playground::ui::{self, App};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts the app into a fresh element and lets Yew render.
async fn mount() -> web_sys::Element {
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    gloo::timers::future::TimeoutFuture::new(50).await;
    root
}

#[wasm_bindgen_test]
async fn the_app_renders_its_layout_from_engine_state() {
    let root = mount().await;
    let q = |sel: &str| root.query_selector(sel).unwrap();
    assert_eq!(
        q("header h1").unwrap().text_content().unwrap(),
        "Replication Playground"
    );
    assert!(q("main svg.topology").is_some(), "the SVG canvas");
    assert_eq!(
        root.query_selector_all("svg .node").unwrap().length(),
        3,
        "three nodes of the opening scenario"
    );
    assert!(q("svg .node.primary").is_some());
    let aside = q("aside.side-panel").unwrap().text_content().unwrap();
    for section in ["Inspector", "Failover", "Findings"] {
        assert!(aside.contains(section), "{section} in {aside}");
    }
    let footer = q("footer").unwrap().text_content().unwrap();
    assert!(footer.contains(env!("CARGO_PKG_VERSION")), "{footer}");
}

#[wasm_bindgen_test]
fn the_panic_overlay_shows_the_message_and_a_reload_button() {
    ui::panic::show_overlay("boom <script>");
    let overlay = document()
        .get_element_by_id("panic-overlay")
        .expect("overlay");
    let text = overlay.text_content().unwrap();
    assert!(
        text.contains("internal error") && text.contains("boom <script>"),
        "{text}"
    );
    let button = overlay
        .query_selector("button.panic-reload")
        .unwrap()
        .expect("reload button");
    assert_eq!(
        button.get_attribute("onclick").as_deref(),
        Some("location.reload()")
    );
    assert!(
        overlay.query_selector("script").unwrap().is_none(),
        "the message is escaped"
    );
    overlay.remove();
}

#[wasm_bindgen_test]
fn wasm_gives_the_same_trace_hashes_as_native() {
    assert_eq!(golden::compute(), golden::expected());
}
