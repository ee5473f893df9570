//! The page around the playground: the header with the scenario picker and the dialog
//! buttons, the footer, and the notice line where errors are said in words.

use super::session::Document;
use super::{App, Msg};
use web_sys::HtmlSelectElement;
use yew::html::Scope;
use yew::prelude::*;

/// The header; `document` is the scenario running, if any.
pub fn header(document: Option<&Document>, link: &Scope<App>) -> Html {
    let on_preset = link.callback(|e: Event| {
        Msg::LoadPreset(e.target_unchecked_into::<HtmlSelectElement>().value())
    });
    let chosen = document.and_then(Document::chosen_preset).unwrap_or("");
    let about = document
        .map(|d| d.scenario.description.clone())
        .unwrap_or_default();
    let custom = document.and_then(Document::custom_title);
    html! {
        <header class="app-header">
            <h1>{ "Replication Playground" }</h1>
            <label class="preset" title={about}>{ "scenario " }
                <select onchange={on_preset} aria-label="scenario">
                    if let Some(c) = custom { <option value="" selected=true disabled=true>{ c }</option> }
                    { super::course::picker_options(chosen) }
                </select>
            </label>
            { super::course::lessons_button(link) }
            <button type="button" class="share-button" onclick={link.callback(|_| Msg::ShareOpen)} title="a link to this exact run, a QR code, and the scenario file">{ "Share…" }</button>
            <button type="button" class="build-button" onclick={link.callback(|_| Msg::BuilderOpen)} title="build your own cluster">{ "Build" }<span class="long">{ " a cluster" }</span>{ "…" }</button>
            <button type="button" class="help-button" onclick={link.callback(|_| Msg::ToggleHelp)} title="help (?)">{ "? Help" }</button>
        </header>
    }
}

pub fn footer() -> Html {
    html! {
        <footer class="app-footer">
            <span>{ format!("Replication Playground v{}", env!("CARGO_PKG_VERSION")) }</span>
            <span class="muted">{ "Deterministic simulation: the same scenario and seed give the same run." }</span>
        </footer>
    }
}

/// The last error or warning, until dismissed.
pub fn notice(text: Option<&str>, link: &Scope<App>) -> Html {
    let Some(text) = text else {
        return Html::default();
    };
    html! {
        <div class="notice" role="alert">
            <span>{ text.to_string() }</span>
            <button type="button" onclick={link.callback(|_| Msg::DismissNotice)} aria-label="dismiss">{ "✕" }</button>
        </div>
    }
}
