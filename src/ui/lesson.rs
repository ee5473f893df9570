//! The lesson panel: the step the run's clock has reached (it flashes when it changes),
//! next / back, which move the run to a step's moment, what to watch, and the goal as the
//! simulator judges it right now.

use super::Msg;
use crate::engine::World;
use crate::engine::time::fmt_secs;
use crate::scenario::TimedAction;
use crate::scenario::lesson::{Lesson, LessonStep, StepMoment};
use yew::prelude::*;

type Scope = html::Scope<super::App>;

/// When the step shows, in words: "at 5.00 s", "after the first failover, at 10.68 s", or
/// "after the first failover (not yet)".
fn when(s: &LessonStep, w: &World, timeline: &[TimedAction]) -> Option<String> {
    let after = s.after.as_ref().map(|a| a.label());
    match (s.moment(w, timeline), after) {
        (StepMoment::At(t), Some(event)) => Some(format!("after {event}, at {}", fmt_secs(t))),
        (StepMoment::At(t), None) => Some(format!("at {}", fmt_secs(t))),
        (StepMoment::Pending, Some(event)) => Some(format!("after {event} (not yet)")),
        _ => None,
    }
}

/// `preset` is the course lesson this is, if any: its end shows the next lesson.
pub fn view(
    (title, preset): (&str, Option<&str>),
    lesson: &Lesson,
    step: usize,
    (w, timeline): (&World, &[TimedAction]),
    link: &Scope,
) -> Html {
    let n = lesson.steps.len();
    let step = step.min(n.saturating_sub(1));
    let Some(s) = lesson.steps.get(step) else {
        return Html::default();
    };
    let status = lesson.goal.status(w);
    let passed = status.passed();
    html! {
        <section class="panel-section lesson" aria-label="Lesson">
            <h2>{ "Lesson" }</h2>
            <p class="lesson-title">{ title.to_string() }</p>
            <p class="step-count">
                { format!("Step {} of {n}", step + 1) }
                if let Some(when) = when(s, w, timeline) { <span class="step-when">{ format!(" · {when}") }</span> }
            </p>
            // Keyed by the step: a new step is a new element, so its flash plays once.
            <div class="step-box">
                <p key={step} class="step-text flash" aria-live="polite">{ s.text.clone() }</p>
            </div>
            if !s.watch.is_empty() {
                <p class="hint">{ "Watch: " }{ s.watch.join(", ") }</p>
            }
            <div class="actions">
                <button type="button" disabled={step == 0} onclick={link.callback(|_| Msg::LessonStep(-1))} title="previous step and its moment (b)">{ "◂ Back" }</button>
                <button type="button" disabled={step + 1 >= n} onclick={link.callback(|_| Msg::LessonStep(1))} title="next step and its moment (n)">{ "Next ▸" }</button>
                if s.at_ms.is_some() || s.after.is_some() {
                    <button type="button" class="jump" onclick={link.callback(|_| Msg::LessonStep(0))} title="back to this step's moment">{ "↺ Replay step" }</button>
                }
            </div>
            <div class={classes!("goal", passed.then_some("passed"))} role="status" aria-label="goal">
                <h3>{ "Goal" }</h3>
                <p>{ lesson.goal.text.clone() }</p>
                <ul class="checks">
                    { for status.checks.iter().map(|(label, ok)| html! {
                        <li class={if *ok { "ok" } else { "todo" }}>{ if *ok { "✓ " } else { "○ " } }{ label.clone() }</li>
                    }) }
                </ul>
                <p class="verdict">{ if passed { "Passed ✓" } else { "Not yet" } }</p>
                if passed || step + 1 >= n { { super::course::view_next(preset, link) } }
            </div>
        </section>
    }
}
