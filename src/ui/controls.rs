//! Time controls: play / pause, one event, speed (log scale), and the timeline with its
//! markers (faults, failovers, findings) and a scrubber that moves back and forth exactly.

use super::Msg;
use super::marks::{self, Group};
use super::playback::{Playback, slider_from_speed};
use crate::engine::time::{Duration, Instant, fmt_secs, secs};
use crate::scenario::TimedAction;
use crate::scenario::lesson::Lesson;
use web_sys::HtmlInputElement;
use yew::prelude::*;

type Scope = html::Scope<super::App>;

fn speed_label(s: f64) -> String {
    if s < 1.0 {
        format!("{s:.1}×")
    } else {
        format!("{s:.0}×")
    }
}

/// One marker (several merged, if they would cover each other): a click, Enter or space goes to
/// its moment; hover or keyboard focus shows its label under the bar.
fn marker(g: &Group, end: Instant, link: &Scope) -> Html {
    let left = g.at.as_micros() as f64 / end.as_micros() as f64 * 100.0;
    let at = g.at;
    // A step not reached yet is looked for, as Next does; anything else is at its moment.
    let pending = g.pending_step;
    // Near an end the label grows inwards, so it stays on the page.
    let anchor = match left {
        l if l < 25.0 => "start",
        l if l > 75.0 => "end",
        _ => "middle",
    };
    let merged = (g.marks > 1).then_some("merged");
    // The name a screen reader says is the tooltip's text (axe counts an SVG <title> as the
    // element's visible text), starting with the short label drawn under the dot.
    let tooltip = std::iter::once(g.title()).chain(g.lines.iter().cloned());
    let (tooltip, name) = (
        tooltip.clone().collect::<Vec<_>>().join("\n"),
        tooltip.collect::<Vec<_>>().join(" "),
    );
    // Placed by an SVG percentage, not a `style`: the page's CSP forbids inline styles.
    html! {
        <g class={classes!("marker", g.kind.class(), merged)} role="button" tabindex="0" aria-label={name} data-at-ms={g.at.as_millis().to_string()} onclick={link.callback(move |_| pending.map_or(Msg::Seek(at), Msg::LessonGoTo))} onkeydown={super::keys::click_on_enter}>
            <title>{ tooltip }</title>
            <circle cx={format!("{left:.2}%")} cy="6" r={if merged.is_some() { "6.5" } else { "5" }} />
            <text class="marker-label" x={format!("{left:.2}%")} y="30" text-anchor={anchor}>{ g.title() }</text>
        </g>
    }
}

pub fn view(p: &Playback, lesson: Option<(&Lesson, &[TimedAction])>, link: &Scope) -> Html {
    let on_speed = link.callback(|e: InputEvent| {
        let v: f64 = e
            .target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(25.0);
        Msg::Speed(v)
    });
    let end = marks::timeline_end(p);
    let on_scrub = link.callback(|e: InputEvent| {
        let v: f64 = e
            .target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(0.0);
        Msg::Seek(Instant::ZERO + Duration::from_millis_f64(v))
    });
    let markers = marks::shown(p, lesson)
        .into_iter()
        .map(|g| marker(&g, end, link));
    let busy = p.busy().then(|| {
        let t = p.target.unwrap_or(Instant::ZERO);
        let pct = if t == Instant::ZERO { 100.0 } else { p.now().as_micros() as f64 / t.as_micros() as f64 * 100.0 };
        html! { <span class="progress" role="status">{ format!("running to {} … {pct:.0}%", fmt_secs(t)) }</span> }
    });
    html! {
        <div class="controls" role="toolbar" aria-label="Time controls">
            <button type="button" class="play" onclick={link.callback(|_| Msg::TogglePlay)} title="play / pause (space)">
                { if p.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button type="button" onclick={link.callback(|_| Msg::Step)} title="process one event (→); [ and ] jump to the previous / next mark">{ "Step ▸" }</button>
            <button type="button" class="fast-forward" onclick={link.callback(move |_| Msg::FastForward(secs(30)))} title="run 30 simulated seconds as fast as possible">{ "Fast-forward 30 s" }</button>
            <label class="speed">{ "speed " }
                <input type="range" min="0" max="100" step="1" value={format!("{:.0}", slider_from_speed(p.speed))} oninput={on_speed} aria-label="speed" />
                <span class="speed-value">{ speed_label(p.speed) }</span>
            </label>
            <span class="clock" aria-label="simulated time">{ fmt_secs(p.now()) }</span>
            <div class="timeline">
                <input type="range" min="0" max={format!("{}", end.as_millis())} step="10" value={format!("{}", p.now().as_millis())} oninput={on_scrub} aria-label="timeline" />
                <svg class="markers" aria-label="faults, failovers, findings and lesson steps">{ for markers }</svg>
            </div>
            { busy.unwrap_or_default() }
        </div>
    }
}
