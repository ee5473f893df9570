//! The last line of defence: a panic in wasm kills the app, so the panic hook draws a
//! plain-DOM overlay (Yew may be dead by then) saying what happened, with a Reload button.

use std::panic::PanicHookInfo;

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

/// Installs the hook through Yew, which would otherwise replace any hook set before it
/// with its own console-only one when the app starts.
pub fn install() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let text = describe(info);
        web_sys::console::error_1(&format!("Replication Playground panicked: {text}").into());
        show_overlay(&text);
    }));
}

/// Builds the overlay with web-sys only. Every step is fallible and ignored on failure:
/// a panic hook must never panic.
pub fn show_overlay(text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    if doc.get_element_by_id("panic-overlay").is_some() {
        return;
    }
    let Ok(overlay) = doc.create_element("div") else {
        return;
    };
    overlay.set_id("panic-overlay");
    let _ = overlay.set_attribute("role", "alertdialog");
    let _ = overlay.set_attribute("aria-labelledby", "panic-title");
    let html = format!(
        "<div class=\"panic-box\"><h2 id=\"panic-title\">The playground hit an internal error</h2>\
         <p>This is a bug in Replication Playground, not in your scenario. Reload to start the playground again.</p>\
         <pre class=\"panic-text\">{}</pre>\
         <button type=\"button\" class=\"panic-reload\" onclick=\"location.reload()\">Reload</button></div>",
        escape(text)
    );
    overlay.set_inner_html(&html);
    let _ = body.append_child(&overlay);
}

/// Escapes text for HTML (the panic message may contain anything).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape("<b>\"x\" & y</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;"
        );
    }
}
