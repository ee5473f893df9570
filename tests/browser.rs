//! Browser tests (wasm-bindgen-test in headless Chromium): what only a browser can show.
//! Run by `make test`; by hand: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test browser`.
#![cfg(target_arch = "wasm32")]

mod golden;

use replication_playground::ui::{self, App};
use wasm_bindgen::JsCast;
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
    // The overlay is plain JavaScript installed at start-up (it must work after a trap).
    ui::panic::install();
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
    assert_eq!(button.text_content().as_deref(), Some("Reload"));
    assert!(
        button.get_attribute("onclick").is_none(),
        "no inline handler: a Content-Security-Policy without 'unsafe-inline' allows it"
    );
    assert!(
        overlay.query_selector("script").unwrap().is_none(),
        "the message is escaped"
    );
    overlay.remove();
}

/// Native and wasm run the same simulation: every preset's whole run, through its failovers,
/// crash recoveries and reshardings, lands on the hashes pinned natively.
#[wasm_bindgen_test]
fn wasm_gives_the_same_trace_hashes_as_native() {
    if let Some(message) = golden::mismatches(&golden::compute(), &golden::expected()) {
        panic!("{WASM_DIFFERS}{message}");
    }
}

#[wasm_bindgen_test]
fn every_preset_opened_from_a_link_in_wasm_gives_the_native_trace() {
    let got = golden::compute_via_links();
    if let Some(message) = golden::mismatches(&got, &golden::expected()) {
        panic!("{WASM_DIFFERS}opened from share links: {message}");
    }
}

/// Re-pinning is only right when native moved too: if native passes, wasm has diverged.
const WASM_DIFFERS: &str = "in wasm (if `cargo test --test determinism` passes natively, \
    wasm diverges from native: a platform dependence in the engine, not a case for re-pinning)\n";

fn click(el: &web_sys::Element) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &{
        let m = web_sys::MouseEventInit::new();
        m.set_bubbles(true);
        m
    })
    .unwrap();
    el.dispatch_event(&ev).unwrap();
}

async fn settle() {
    gloo::timers::future::TimeoutFuture::new(60).await;
}

#[wasm_bindgen_test]
async fn clicking_a_node_opens_its_inspector_and_crash_takes_it_down() {
    let root = mount().await;
    let node = root
        .query_selector("g.node[data-node=db2]")
        .unwrap()
        .unwrap();
    click(&node);
    settle().await;
    let aside = root
        .query_selector("aside")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        aside.contains("Inspector — db2") && aside.contains("gtid_executed"),
        "{aside}"
    );
    let crash = root.query_selector_all(".inspector button").unwrap();
    let crash = (0..crash.length())
        .filter_map(|i| crash.item(i))
        .find(|b| b.text_content().as_deref() == Some("Crash"))
        .expect("a Crash button");
    click(&crash.dyn_into().unwrap());
    settle().await;
    assert!(
        root.query_selector("g.node[data-node=db2].crashed")
            .unwrap()
            .is_some(),
        "db2 is drawn crashed"
    );
}

#[wasm_bindgen_test]
async fn the_play_button_toggles_and_step_advances_the_clock() {
    let root = mount().await;
    let play = root.query_selector("button.play").unwrap().unwrap();
    assert!(play.text_content().unwrap().contains("Play"));
    click(&play);
    settle().await;
    assert!(
        root.query_selector("button.play")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
            .contains("Pause")
    );
    click(&root.query_selector("button.play").unwrap().unwrap());
    let before = root
        .query_selector(".clock")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    let step = root
        .query_selector_all(".controls button")
        .unwrap()
        .item(1)
        .unwrap();
    for _ in 0..50 {
        click(&step.clone().dyn_into().unwrap());
    }
    settle().await;
    let after = root
        .query_selector(".clock")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert_ne!(before, after, "fifty events move the clock");
}
