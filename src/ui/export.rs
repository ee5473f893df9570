//! "Export for real servers": the files that build the running scenario's cluster on real
//! MySQL 8.4 / 8.0 or MariaDB 10.11 servers ([`crate::engine::export`], docs/export.md),
//! one tab per file, each to copy or download, or all as one text with headers.
//!
//! A component of its own so the dialog keeps its flavor and tab while the run plays; focus
//! moves in and back as for every dialog (`super::dialog`); Esc closes it
//! (`App::close_top`, before the share dialog under it).

use crate::engine::config::ClusterConfig;
use crate::engine::export::{self, Flavor};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// The button in the share dialog that opens this one (focus returns to it, e2e finds it).
pub const OPENER_CLASS: &str = "export-real-button";

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The scenario's cluster as it starts (built or edited in the page or the file), or
    /// why it has none.
    pub cluster: Result<ClusterConfig, String>,
    pub on_close: Callback<()>,
}

/// A `data:` URL of `text`, for a download link (no Blob URL to revoke).
fn data_url(text: &str) -> String {
    format!(
        "data:text/plain;charset=utf-8,{}",
        js_sys::encode_uri_component(text)
    )
}

#[function_component(ExportDialog)]
pub fn export_dialog(props: &Props) -> Html {
    // The flavor the scenario runs as, to begin with.
    let first = props.cluster.as_ref().map_or(Flavor::Mysql84, Flavor::of);
    let flavor = use_state(|| first);
    let tab = use_state(|| 0usize);
    let copied = use_state(|| None::<bool>);
    // Focus moves in when it opens and back to its button when it closes as for every
    // dialog (`dialog::follow_focus`), which knows it is on top of the share dialog.
    let close = props.on_close.reform(|_| ());
    let on_flavor = {
        let (flavor, tab, copied) = (flavor.clone(), tab.clone(), copied.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            flavor.set(Flavor::parse(&value).unwrap_or(Flavor::Mysql84));
            tab.set(0);
            copied.set(None);
        })
    };
    let files = props
        .cluster
        .clone()
        .and_then(|c| export::bundle(&c, *flavor).map_err(|e| e.to_string()));
    let body = |close: Callback<MouseEvent>| match &files {
        Ok(files) => view_files(files, &tab, &copied, close),
        Err(e) => html! {
            <>
                <p class="hint error" role="alert">{ format!("This cluster cannot be exported: {e}") }</p>
                <div class="actions"><button type="button" onclick={close}>{ "Close" }</button></div>
            </>
        },
    };
    html! {
        <div class="help-overlay" role="dialog" aria-modal="true" aria-label="Export for real servers">
            <div class="help-box export-real">
                <h2>{ "Export for real servers" }</h2>
                <p class="hint">{ "The files that build this cluster on real servers: an option file and a setup script per node, Orchestrator and ProxySQL settings. README.txt says the order to run them in and what the real servers do differently." }</p>
                <label class="export-flavor">{ "servers " }
                    <select onchange={on_flavor} aria-label="server flavor">
                        { for Flavor::ALL.iter().map(|f| html! { <option value={f.name()} selected={*f == *flavor}>{ f.title() }</option> }) }
                    </select>
                </label>
                { body(close) }
            </div>
        </div>
    }
}

fn view_files(
    files: &[export::ExportFile],
    tab: &UseStateHandle<usize>,
    copied: &UseStateHandle<Option<bool>>,
    close: Callback<MouseEvent>,
) -> Html {
    let i = (**tab).min(files.len().saturating_sub(1));
    let Some(file) = files.get(i) else {
        return Html::default();
    };
    let tabs = files.iter().enumerate().map(|(k, f)| {
        let (tab, copied) = (tab.clone(), copied.clone());
        let pick = Callback::from(move |_: MouseEvent| {
            tab.set(k);
            copied.set(None);
        });
        html! { <button type="button" role="tab" aria-selected={(k == i).to_string()} class={classes!((k == i).then_some("current"))} onclick={pick}>{ f.path.clone() }</button> }
    });
    let on_copy = {
        let (text, copied) = (file.text.clone(), copied.clone());
        Callback::from(move |_: MouseEvent| {
            let copied = copied.clone();
            super::share::copy(text.clone(), Callback::from(move |ok| copied.set(Some(ok))));
        })
    };
    let all = export::concatenated(files);
    html! {
        <>
            <div class="export-tabs" role="tablist" aria-label="files">{ for tabs }</div>
            <pre class="export-file mono" role="tabpanel" aria-label={file.path.clone()} tabindex="0">{ file.text.clone() }</pre>
            if **copied == Some(false) {
                <p class="hint error" role="alert">{ "This browser did not let the page copy: select the text above and press Ctrl+C (⌘C)." }</p>
            }
            <div class="actions">
                <button type="button" class="primary-action copy-file" onclick={on_copy}>{ if **copied == Some(true) { "Copied ✓" } else { "Copy" } }</button>
                <a class="button download-file" href={data_url(&file.text)} download={file.path.clone()}>{ format!("Download {}", file.path) }</a>
                <a class="button download-all" href={data_url(&all)} download="playground-export.txt">{ "Download all (.txt)" }</a>
                <button type="button" onclick={close}>{ "Close" }</button>
            </div>
        </>
    }
}
