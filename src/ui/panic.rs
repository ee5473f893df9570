//! The last line of defence: when the app dies, an overlay says what happened, links to
//! the run as last autosaved (to reproduce it, or to file it with a bug report) and offers
//! a Reload button, instead of a blank page or a frozen clock.
//!
//! Two ways to die. A panic runs the panic hook. A WebAssembly trap does not: an allocation
//! failure aborts (`unreachable`) without a panic, and after it nothing can be allocated
//! in wasm memory. So the overlay is drawn by a few lines of plain JavaScript installed at
//! start-up, which the panic hook calls and which a window `error` or `unhandledrejection`
//! listener calls for a trap, without entering the wasm module again.

use std::panic::PanicHookInfo;
use wasm_bindgen::JsValue;

/// Where the overlay function lives on `window`.
const OVERLAY_FN: &str = "playgroundOverlay";

/// Defines `window.playgroundOverlay(kind, text)` (kind: "panic" or "trap") and the trap
/// listeners. The link comes from the autosave (autosave.rs: a JSON string under this key).
/// It is a module wasm-bindgen writes out as a file (`snippets/`), not a string evaluated
/// at run time: the page's Content-Security-Policy allows no `eval`/`new Function`, and
/// the Reload button gets a listener, not an inline handler, for the same reason.
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function install_overlay() {
  const KEY = 'replication-playground.autosave.v1';
  const WORDS = {
    panic: ['The playground hit an internal error',
      'This is a bug in Replication Playground, not in your scenario. Reload to start the playground again.'],
    trap: ['The playground stopped: it ran out of memory or hit an internal error',
      'The simulation engine (WebAssembly) was stopped by the browser. Running out of memory ends it this way, without an error message of its own. Reload to start the playground again.'],
  };
  function reproduceUrl() {
    try {
      const fragment = JSON.parse(localStorage.getItem(KEY) || 'null');
      if (typeof fragment !== 'string') return null;
      return location.origin + location.pathname + location.search + '#' + fragment;
    } catch (e) {
      return null;
    }
  }
  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text) e.textContent = text;
    return e;
  }
  function show(kind, text) {
    if (document.getElementById('panic-overlay') || !document.body) return;
    const [title, why] = WORDS[kind] || WORDS.panic;
    const overlay = el('div');
    overlay.id = 'panic-overlay';
    overlay.setAttribute('role', 'alertdialog');
    overlay.setAttribute('aria-labelledby', 'panic-title');
    const box = el('div', 'panic-box');
    const heading = el('h2', null, title);
    heading.id = 'panic-title';
    box.append(heading, el('p', null, why), el('pre', 'panic-text', text));
    const url = reproduceUrl();
    if (url) {
      const link = el('a', 'panic-link', 'Link to this run (as last autosaved), to reproduce it');
      link.href = url;
      const line = el('p');
      line.append(link);
      box.append(line);
    }
    const reload = el('button', 'panic-reload', 'Reload');
    reload.type = 'button';
    reload.addEventListener('click', () => location.reload());
    box.append(reload);
    overlay.append(box);
    document.body.append(overlay);
  }
  window.playgroundOverlay = show;
  const trapped = (e) => e instanceof WebAssembly.RuntimeError;
  addEventListener('error', (e) => { if (trapped(e.error)) show('trap', String(e.error)); });
  addEventListener('unhandledrejection', (e) => { if (trapped(e.reason)) show('trap', String(e.reason)); });
}
"#)]
extern "C" {
    fn install_overlay();
}

/// The text the overlay shows for a panic.
pub fn describe(info: &PanicHookInfo<'_>) -> String {
    let msg = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    match info.location() {
        Some(l) => format!("{msg}\n  at {}:{}:{}", l.file(), l.line(), l.column()),
        None => msg,
    }
}

/// Installs the overlay and its trap listeners, then the panic hook, through Yew, which
/// would otherwise replace any hook set before it with its own console-only one when
/// the app starts.
pub fn install() {
    install_overlay();
    yew::set_custom_panic_hook(Box::new(|info| {
        let text = describe(info);
        web_sys::console::error_1(&format!("Replication Playground panicked: {text}").into());
        show_overlay(&text);
    }));
}

/// Shows the overlay for a panic. Every step is fallible and ignored on failure: a panic
/// hook must never panic.
pub fn show_overlay(text: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(show) = js_sys::Reflect::get(&window, &OVERLAY_FN.into()) else {
        return;
    };
    if let Some(show) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&show) {
        let _ = show.call2(&JsValue::NULL, &"panic".into(), &text.into());
    }
}

/// Test hook (`#oom-test`): runs the wasm module out of memory for real, as a busy run
/// once did. Blocks are zeroed by the allocator's fresh pages and never touched, so the
/// browser grows the module's memory to its limit without the host paying for it; the
/// failed allocation then aborts, which traps.
pub fn exhaust_memory() -> ! {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        blocks.push(vec![0; 256 << 20]);
        std::hint::black_box(&blocks);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    /// The overlay shows the panic's message and where it happened.
    #[test]
    fn a_panic_is_described_with_its_message_and_location() {
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|info| {
            SEEN.lock().unwrap().push(super::describe(info));
        }));
        let line = line!() + 1;
        let _ = std::panic::catch_unwind(|| panic!("overlay test {}", 42));
        std::panic::set_hook(previous);
        let seen = SEEN.lock().unwrap();
        let text = seen
            .iter()
            .find(|t| t.starts_with("overlay test 42"))
            .unwrap();
        assert!(
            text.contains(&format!("\n  at src/ui/panic.rs:{line}:")),
            "{text}"
        );
    }
}
