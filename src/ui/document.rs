//! The page's side of the document: `App`'s handlers that open a run (a preset, a link, a
//! file, a built cluster), share it, edit its timeline and autosave it. Each asks
//! [`Session`] for the work, then does what only a page can (localStorage, the address
//! bar, the file reader) and says in the notice line what went wrong.

use super::selection::Selection;
use super::session::{self, Session, TimelineEdit};
use super::{App, autosave, branches, share, timeline};
use crate::engine::Command;
use std::fmt::Display;
use yew::prelude::*;

/// Autosaves the run shown as `fragment`, and its other branches beside it.
fn save_run(s: &Session, fragment: &str) {
    autosave::save(fragment);
    autosave::save_branches(branches::encode(s, fragment).as_deref());
}

impl App {
    /// The value, or None with the error said in the notice line after `context`.
    pub(super) fn or_notice<T>(
        &mut self,
        result: Result<T, impl Display>,
        context: &str,
    ) -> Option<T> {
        result
            .map_err(|e| self.notice = Some(format!("{context}{e}")))
            .ok()
    }

    /// Shows a new run from where it opens: nothing selected, its first lesson step marked.
    fn begin(&mut self, session: Session) {
        self.highlight = session.watched();
        self.session = Some(session);
        self.selection = Selection::Nothing;
        self.autosave();
    }

    pub(super) fn autosave(&self) {
        if let Some(s) = &self.session {
            save_run(s, &s.fragment());
        }
    }

    /// A hand action on the run now; recorded, so links and the autosave replay it.
    pub(super) fn act(&mut self, cmd: Command) {
        let Some(s) = &mut self.session else { return };
        let label = cmd.label();
        let acted = s.act(cmd);
        if self.or_notice(acted, &format!("{label}: ")).is_some() {
            self.autosave();
        }
    }

    /// Opens the page's run: a link in the URL first; else the autosaved run; else the
    /// default preset.
    pub(super) fn open_initial(&mut self) {
        let saved = autosave::load();
        let opening = session::open_page(autosave::url_fragment().as_deref(), saved.as_deref());
        self.notice = opening.notice;
        // A link opens on the sender's run: no card covers it on that visit.
        self.overlays.welcome = !opening.from_url && super::course::first_visit();
        if let Some(mut s) = opening.session {
            if let (true, Some(run), Some(record)) =
                (opening.restored, saved, autosave::load_branches())
                && let Err(e) = branches::restore(&mut s, &run, &record)
            {
                self.notice = Some(format!(
                    "Your other branches could not be restored ({e}); the run you were on opens alone."
                ));
            }
            self.begin(s);
        }
        if opening.from_url {
            autosave::clear_fragment();
        }
    }

    pub(super) fn load_preset(&mut self, name: &str) {
        if let Some(s) = self.or_notice(Session::preset(name), "") {
            self.begin(s);
        }
    }

    /// Starts a new run from a scenario document; on error the current run stays.
    fn load_scenario(&mut self, json: &str) -> bool {
        let opened = Session::from_json(json);
        let opened = self.or_notice(opened, "This scenario cannot be loaded: ");
        opened.map(|s| self.begin(s)).is_some()
    }

    /// A file read, or a document from `playground_load`: a run of its own.
    pub(super) fn import_scenario(&mut self, json: &str) {
        self.page.reader = None;
        if self.load_scenario(json) {
            self.overlays.share = None;
        }
    }

    pub(super) fn import_file(&mut self, ctx: &Context<Self>, file: web_sys::File) {
        let reader = share::read_file(file, ctx.link());
        if let Some(reader) = self.or_notice(reader, "") {
            self.page.reader = Some(reader);
        }
    }

    /// Starts the cluster the builder describes; the form closes only if it did, else it
    /// says why inside the dialog (a notice would sit behind it).
    pub(super) fn apply_builder(&mut self) {
        let Some(json) = self.overlays.builder.as_mut().and_then(|b| b.scenario()) else {
            return;
        };
        if self.load_scenario(&json.to_string()) {
            self.overlays.builder = None;
        } else if let Some(b) = &mut self.overlays.builder {
            b.error = self.notice.take();
        }
    }

    /// A link pasted into the address bar of the open page; on error the run stays.
    pub(super) fn open_pasted_link(&mut self, fragment: &str) {
        let opened = Session::from_link(fragment).map_err(|e| session::link_notice(&e));
        if let Some(s) = self.or_notice(opened, "") {
            // The sender's run is what the link is for: no welcome card covers it.
            self.overlays.welcome = false;
            self.begin(s);
            autosave::clear_fragment();
            self.overlays.share = None;
        }
    }

    /// Opens the share dialog on the run as it is now (and autosaves that moment).
    /// The export dialog for the running scenario's cluster.
    pub(super) fn view_export(&self, link: &yew::html::Scope<App>) -> yew::Html {
        let cluster = match &self.session {
            Some(s) => s.document().scenario.cluster().map_err(|e| e.to_string()),
            None => Err("no scenario is loaded".to_string()),
        };
        let on_close = link.callback(|()| super::Msg::ExportClose);
        yew::html! { <super::export::ExportDialog {cluster} {on_close} /> }
    }

    pub(super) fn open_share(&mut self) {
        let Some(s) = &mut self.session else { return };
        let export = s.export();
        save_run(s, &export.fragment);
        self.overlays.share = Some(share::ShareView::new(&autosave::page_url(), export));
    }

    /// Applies a timeline edit (or says why there is none) and replays to where the user
    /// was; on error nothing changes.
    pub(super) fn edit_timeline(&mut self, edit: Result<TimelineEdit, String>) {
        let Some(s) = &mut self.session else { return };
        match edit.and_then(|edit| s.edit_timeline(edit).map_err(|e| e.to_string())) {
            Ok(()) => {
                self.highlight = s.watched();
                self.selection = Selection::Nothing;
                self.autosave();
            }
            Err(e) => self.notice = Some(format!("The timeline was not changed: {e}")),
        }
    }

    /// Adds the action the timeline editor's form describes (at now, if no time was typed).
    pub(super) fn add_timed_action(&mut self) {
        let Some(s) = &self.session else { return };
        let names = timeline::node_names(s.world());
        let now_ms = s.playback.now().as_millis_ceil();
        let action = self.draft.action(&names, now_ms);
        if let Some(a) = self.or_notice(action, "") {
            self.edit_timeline(Ok(TimelineEdit::Add(a)));
        }
    }
}
