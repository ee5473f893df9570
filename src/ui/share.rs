//! Sharing a run: the link (copy it, or show its QR code on the projector), and the
//! scenario as a JSON file to download or import.

use super::Msg;
use crate::scenario::link::MAX_LINK_CHARS;
use qrcode::{Color, EcLevel, QrCode};
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

type Scope = html::Scope<super::App>;

/// What the share dialog shows, computed once when it opens.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareView {
    /// The page URL with the run in its fragment.
    pub url: String,
    /// Characters in the fragment (the part the cap applies to).
    pub fragment_chars: usize,
    /// The scenario as a file, with the user's actions added to its timeline.
    pub json: String,
    pub file_name: String,
    pub hand_actions: usize,
    /// Whether the last "Copy link" worked (None: not tried).
    pub copied: Option<bool>,
}

/// A QR code as one SVG path of dark modules: (modules per side, path data). Low error
/// correction keeps a 2,000-character link readable from the back of a classroom.
pub fn qr_path(text: &str) -> Option<(usize, String)> {
    let code = QrCode::with_error_correction_level(text, EcLevel::L).ok()?;
    let width = code.width();
    let mut d = String::new();
    for (i, c) in code.to_colors().into_iter().enumerate() {
        if c == Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % width, i / width));
        }
    }
    Some((width, d))
}

/// `name` as a file name: letters, digits and dashes.
pub fn file_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    format!("{}.json", if out.is_empty() { "scenario" } else { out })
}

/// Puts text on the clipboard and reports whether it worked. Pages served over plain HTTP
/// from another machine have no clipboard API, and a browser may refuse: then the dialog
/// says to copy the (selected) field by hand.
pub fn copy(text: String, done: Callback<bool>) {
    let clipboard = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"clipboard".into()).ok())
        .filter(|c| !c.is_undefined() && !c.is_null())
        .map(|c| c.unchecked_into::<web_sys::Clipboard>());
    let Some(clipboard) = clipboard else {
        return done.emit(false);
    };
    let promise = clipboard.write_text(&text);
    wasm_bindgen_futures::spawn_local(async move {
        done.emit(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
    });
}

fn select_all(e: FocusEvent) {
    e.target_unchecked_into::<HtmlInputElement>().select();
}

fn view_qr(url: &str) -> Html {
    match qr_path(url) {
        Some((width, d)) => {
            let quiet = 4;
            let size = width + 2 * quiet;
            html! {
                <svg class="qr" viewBox={format!("-{quiet} -{quiet} {size} {size}")} role="img" aria-label="QR code of the link" shape-rendering="crispEdges">
                    <rect x={format!("-{quiet}")} y={format!("-{quiet}")} width={size.to_string()} height={size.to_string()} fill="#fff" />
                    <path {d} fill="#000" />
                </svg>
            }
        }
        None => html! { <p class="hint">{ "This link is too long for a QR code." }</p> },
    }
}

pub fn view(s: &ShareView, link: &Scope) -> Html {
    let too_long = s.fragment_chars > MAX_LINK_CHARS;
    let on_import = link.callback(|e: Event| {
        let input = e.target_unchecked_into::<HtmlInputElement>();
        let file = input.files().and_then(|f| f.get(0));
        input.set_value("");
        Msg::ImportFile(file)
    });
    let url = s.url.clone();
    let href = format!(
        "data:application/json;charset=utf-8,{}",
        js_sys::encode_uri_component(&s.json)
    );
    html! {
        <div class="help-overlay" role="dialog" aria-label="Share this run">
            <div class="help-box share">
                <h2>{ "Share this run" }</h2>
                <p class="hint">{ "The link holds the scenario, what you did by hand and the moment you are looking at: whoever opens it sees exactly this run, at this moment." }</p>
                <div class="share-grid">
                    <div>
                        <div class="share-link">
                            <input class="mono" type="text" readonly=true value={s.url.clone()} aria-label="share link" onfocus={Callback::from(select_all)} />
                            <button type="button" class="primary-action copy-link" onclick={link.callback(move |_| Msg::CopyLink(url.clone()))}>
                                { if s.copied == Some(true) { "Copied ✓" } else { "Copy link" } }
                            </button>
                        </div>
                        if s.copied == Some(false) {
                            <p class="hint error" role="alert">{ "This browser did not let the page copy: select the link above and press Ctrl+C (⌘C)." }</p>
                        }
                        <p class={classes!("hint", too_long.then_some("error"))}>
                            { format!("{} characters", s.fragment_chars) }
                            { if too_long { format!(" — over the {MAX_LINK_CHARS}-character limit links are held to: export the file instead") } else { String::new() } }
                        </p>
                        <h3>{ "Scenario file" }</h3>
                        <p class="hint">{
                            if s.hand_actions == 0 { "The scenario as JSON, to edit or to run with rplay.".to_string() }
                            else { format!("The scenario as JSON, with your {} action(s) added to its timeline.", s.hand_actions) }
                        }</p>
                        <div class="actions">
                            <a class="button export" href={href} download={s.file_name.clone()}>{ "Export JSON" }</a>
                            <label class="button import">{ "Import JSON…" }
                                <input type="file" accept=".json,application/json" onchange={on_import} aria-label="import a scenario file" />
                            </label>
                        </div>
                    </div>
                    <figure>
                        { view_qr(&s.url) }
                        <figcaption class="qr-caption">{ "for the projector" }</figcaption>
                    </figure>
                </div>
                <div class="actions">
                    <button type="button" onclick={link.callback(|_| Msg::ShareClose)}>{ "Close" }</button>
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_holds_the_longest_link() {
        let (w, d) = qr_path(&format!("https://example.test/#v1.{}", "A".repeat(2_000))).unwrap();
        assert!((21..=177).contains(&w), "{w}");
        assert!(d.starts_with('M'));
        let (small, _) = qr_path("https://example.test/#v1.abc").unwrap();
        assert!(small < w);
    }

    #[test]
    fn file_names_are_tame() {
        assert_eq!(
            file_name("Async failover loses writes!"),
            "async-failover-loses-writes.json"
        );
        assert_eq!(file_name("../.."), "scenario.json");
        assert_eq!(
            file_name("Semi-sync: AFTER_SYNC"),
            "semi-sync-after-sync.json"
        );
    }
}
