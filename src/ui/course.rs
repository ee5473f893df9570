//! The course in the page: the scenario picker grouped by architecture, the lesson list,
//! "Next lesson" at the end of each lesson, and the welcome card of a first visit. The
//! groups and the order are [`crate::scenario::course::COURSE`]; this module only draws them.

use super::autosave::storage;
use super::session::preset_titles;
use super::{App, Msg};
use crate::scenario::course::{self, COURSE, CourseLesson};
use yew::prelude::*;

type Scope = html::Scope<App>;

/// Where the page remembers that the welcome card was dismissed.
const WELCOME_KEY: &str = "replication-playground.welcome.v1";

/// Whether the welcome card was never dismissed here (also when storage is unusable: the
/// card then shows again, which is all it costs).
pub fn first_visit() -> bool {
    storage()
        .and_then(|s| s.get_item(WELCOME_KEY).ok()?)
        .is_none()
}

/// Remembers that the welcome card was dismissed; without storage it is forgotten.
pub fn remember_welcomed() {
    if let Some(s) = storage() {
        let _ = s.set_item(WELCOME_KEY, "dismissed");
    }
}

/// A preset's title, as its document names it.
fn title(preset: &str) -> &str {
    preset_titles()
        .iter()
        .find(|(n, _)| *n == preset)
        .map_or(preset, |(_, t)| t.as_str())
}

/// "3. A title", or the title alone for free play.
fn numbered(preset: &str) -> String {
    match course::number(preset) {
        Some(n) => format!("{n}. {}", title(preset)),
        None => title(preset).to_string(),
    }
}

/// The picker's options: one group per architecture, lessons in teaching order; the value
/// of each is its preset's name.
pub fn picker_options(chosen: &str) -> Html {
    let option = |l: &CourseLesson| {
        html! { <option value={l.preset} selected={l.preset == chosen}>{ numbered(l.preset) }</option> }
    };
    COURSE
        .iter()
        .map(
            |g| html! { <optgroup label={g.title}>{ for g.lessons.iter().map(option) }</optgroup> },
        )
        .collect()
}

/// The header's button that opens the lesson list.
pub fn lessons_button(link: &Scope) -> Html {
    html! {
        <button type="button" class="lessons-button" onclick={link.callback(|_| Msg::LessonsToggle)}
            title="every lesson, grouped by architecture, in teaching order">{ "Lessons…" }</button>
    }
}

/// The lesson list: each group with its lessons in order and what each teaches; the one
/// running is marked.
pub fn view_list(current: Option<&str>, link: &Scope) -> Html {
    let item = |l: &'static CourseLesson| {
        let here = current == Some(l.preset);
        let open = link.callback(move |_| Msg::OpenLesson(l.preset.to_string()));
        html! {
            <li class={classes!("course-lesson", here.then_some("current"))}
                aria-current={here.then_some("true")}>
                <button type="button" class="lesson-open" onclick={open}>{ numbered(l.preset) }</button>
                if here { <span class="here">{ " ◂ open now" }</span> }
                <span class="teaches">{ l.teaches }</span>
            </li>
        }
    };
    html! {
        <div class="help-overlay" role="dialog" aria-modal="true" aria-label="Lessons">
            <div class="help-box course-box">
                <h2>{ "Lessons" }</h2>
                <p class="muted">{ "A course in teaching order, grouped by architecture. Each lesson ends with a button to the next one." }</p>
                <div class="course-groups">
                    { for COURSE.iter().map(|g| html! {
                        <section class="course-group" aria-label={g.title}>
                            <h3>{ g.title }</h3>
                            <ul class="course-lessons">{ for g.lessons.iter().map(item) }</ul>
                        </section>
                    }) }
                </div>
                <button type="button" class="close" onclick={link.callback(|_| Msg::LessonsToggle)}>{ "Close" }</button>
            </div>
        </div>
    }
}

/// Moves focus to the lesson open now in the list, which scrolls it into view: the list
/// opens where the reader is, not at lesson 1.
pub fn focus_current() {
    use wasm_bindgen::JsCast;
    let current = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(".course-lesson.current .lesson-open")
                .ok()?
        })
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(button) = current {
        let _ = button.focus();
    }
}

/// The end of a lesson (its last step shown, or its goal reached): a button to the next
/// lesson, or the news that the course is finished, with free play after it.
pub fn view_next(preset: Option<&str>, link: &Scope) -> Html {
    let Some(preset) = preset.filter(|p| course::number(p).is_some()) else {
        return Html::default();
    };
    let Some(next) = course::next(preset) else {
        return Html::default();
    };
    let to = next.preset;
    let open = link.callback(move |_| Msg::OpenLesson(to.to_string()));
    // After the last lesson comes free play, which is no lesson: the course is finished.
    let finished = course::number(to).is_none();
    let label = if finished {
        format!("{} ▸", title(to))
    } else {
        format!("Next lesson: {} ▸", numbered(to))
    };
    html! {
        <div class="next-lesson">
            if finished { <p class="course-finished">{ "That was the last lesson: the course is finished ✓" }</p> }
            <button type="button" class="next-lesson-button primary-action" onclick={open}>{ label }</button>
        </div>
    }
}

/// What the page is and what to press, for the welcome card: our own constant markup, no
/// user text.
const WELCOME_TEXT: &str = "<h2>Welcome to the Replication Playground</h2>\
<p>A simulated MySQL cluster you can break on purpose: a primary, its replicas, a router \
and a failover manager, replayed one event at a time, the same way every time.</p>\
<ul class=\"welcome-keys\">\
<li><strong>▶ Play</strong> (or <kbd>Space</kbd>) runs the cluster; <kbd>→</kbd> steps one event.</li>\
<li><strong>Click a node</strong> to see inside it, crash it or restart it; click a link to cut it.</li>\
<li>A lesson tells you what to watch, step by step, and checks its goal; <kbd>n</kbd> / <kbd>b</kbd> go to its next / previous step.</li>\
</ul>";

/// The welcome card of a first visit: what this is, what to press, where to start.
pub fn view_welcome(link: &Scope) -> Html {
    let first = course::first().preset;
    let start = link.callback(move |_| Msg::OpenLesson(first.to_string()));
    html! {
        <div class="help-overlay" role="dialog" aria-modal="true" aria-label="Welcome">
            <div class="help-box welcome-box">
                // Static text with its key caps: one string is far smaller in the bundle
                // than an element tree.
                { Html::from_html_unchecked(WELCOME_TEXT.into()) }
                <div class="actions">
                    <button type="button" class="primary-action" onclick={start}>{ format!("Start lesson 1: {}", title(first)) }</button>
                    <button type="button" onclick={link.callback(|_| Msg::LessonsToggle)}>{ "All lessons…" }</button>
                    <button type="button" onclick={link.callback(|_| Msg::WelcomeClose)}>{ "Look around first" }</button>
                </div>
                <p class="muted">{ "The Lessons button at the top lists the course at any time; ? explains every colour and key." }</p>
            </div>
        </div>
    }
}
