//! Sharing a run: the link (copy it, or show its QR code on the projector), and the
//! scenario as a JSON file to download or import. The run itself comes from
//! [`super::session::Session::export`]; this is the web side: the dialog, the clipboard
//! and the file reader.

use super::Msg;
use super::session::Export;
use crate::scenario::MAX_SCENARIO_BYTES;
use crate::scenario::link::MAX_LINK_CHARS;
use gloo::file::callbacks::FileReader;
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

impl ShareView {
    /// The dialog for `export`, with links built on the page's address `page_url`.
    pub fn new(page_url: &str, export: Export) -> ShareView {
        ShareView {
            url: format!("{page_url}#{}", export.fragment),
            fragment_chars: export.fragment.len(),
            json: export.json,
            file_name: export.file_name,
            hand_actions: export.hand_actions,
            copied: None,
        }
    }
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

/// Starts reading a scenario file the user picked; its text, or why it could not be read,
/// comes back as a message. A file too large to be a scenario is refused unread.
pub fn read_file(file: web_sys::File, link: &Scope) -> Result<FileReader, String> {
    let max = MAX_SCENARIO_BYTES;
    if file.size() > max as f64 {
        return Err(format!(
            "This file is {} KB; a scenario file is at most {} KB.",
            file.size() as u64 / 1024,
            max / 1024
        ));
    }
    let link = link.clone();
    let file = gloo::file::File::from(file);
    Ok(gloo::file::callbacks::read_as_text(&file, move |text| {
        link.send_message(match text {
            Ok(text) => Msg::LoadScenario(text),
            Err(e) => Msg::ReadFailed(e.to_string()),
        })
    }))
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
        <div class="help-overlay" role="dialog" aria-modal="true" aria-label="Share this run">
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
                        <h3>{ "Real servers" }</h3>
                        <p class="hint">{ "The option files, setup SQL, Orchestrator and ProxySQL settings that build this cluster on MySQL 8.4, 8.0 or MariaDB 10.11." }</p>
                        <div class="actions">
                            <button type="button" class={super::export::OPENER_CLASS} onclick={link.callback(|_| Msg::ExportOpen)}>{ "Export for real servers…" }</button>
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
}
