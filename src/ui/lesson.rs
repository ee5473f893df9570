//! The lesson panel: narration steps with next / back, what to watch, and the goal as the
//! simulator judges it right now.

use super::Msg;
use crate::engine::World;
use crate::engine::time::{Instant, fmt_secs};
use crate::scenario::lesson::Lesson;
use yew::prelude::*;

type Scope = html::Scope<super::App>;

pub fn view(title: &str, lesson: &Lesson, step: usize, w: &World, link: &Scope) -> Html {
    let n = lesson.steps.len();
    let step = step.min(n.saturating_sub(1));
    let Some(s) = lesson.steps.get(step) else {
        return Html::default();
    };
    let status = lesson.goal.status(w);
    let passed = status.passed();
    let jump = s.at_ms.map(|ms| {
        let at = Instant::from_millis(ms);
        html! { <button type="button" class="jump" onclick={link.callback(move |_| Msg::Seek(at))}>{ format!("Go to {}", fmt_secs(at)) }</button> }
    });
    html! {
        <section class="panel-section lesson" aria-label="Lesson">
            <h2>{ "Lesson" }</h2>
            <p class="lesson-title">{ title.to_string() }</p>
            <p class="step-count">{ format!("Step {} of {n}", step + 1) }</p>
            <p class="step-text">{ s.text.clone() }</p>
            if !s.watch.is_empty() {
                <p class="hint">{ "Watch: " }{ s.watch.join(", ") }</p>
            }
            <div class="actions">
                <button type="button" disabled={step == 0} onclick={link.callback(|_| Msg::LessonStep(-1))} title="previous step (b)">{ "◂ Back" }</button>
                <button type="button" disabled={step + 1 >= n} onclick={link.callback(|_| Msg::LessonStep(1))} title="next step (n)">{ "Next ▸" }</button>
                { jump.unwrap_or_default() }
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
            </div>
        </section>
    }
}
