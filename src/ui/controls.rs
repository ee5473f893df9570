//! Time controls: play / pause, one event, speed (log scale), and the timeline with its
//! markers (faults, failovers, findings) and a scrubber that moves back and forth exactly.

use super::Msg;
use super::playback::{Playback, slider_from_speed};
use crate::engine::time::{Duration, Instant, fmt_secs, secs};
use crate::engine::world::LogKind;
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

pub fn view(p: &Playback, link: &Scope) -> Html {
    let on_speed = link.callback(|e: InputEvent| {
        let v: f64 = e
            .target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(25.0);
        Msg::Speed(v)
    });
    let end = p.horizon.max(p.now()).max(Instant::from_micros(1));
    let on_scrub = link.callback(|e: InputEvent| {
        let v: f64 = e
            .target_unchecked_into::<HtmlInputElement>()
            .value()
            .parse()
            .unwrap_or(0.0);
        Msg::Seek(Instant::ZERO + Duration::from_millis_f64(v))
    });
    let markers = p.world.log.iter().filter(|e| matches!(e.kind, LogKind::Fault | LogKind::Failover | LogKind::Finding)).filter(|e| e.at_us <= end).map(|e| {
        let left = e.at_us.as_micros() as f64 / end.as_micros() as f64 * 100.0;
        let at = e.at_us;
        let kind = match e.kind {
            LogKind::Fault => "fault",
            LogKind::Failover => "failover",
            _ => "finding",
        };
        // Placed by an SVG percentage, not a `style`: the page's CSP forbids inline styles.
        html! {
            <g class={format!("marker {kind}")} role="button" tabindex="0" onclick={link.callback(move |_| Msg::Seek(at))}
                aria-label={format!("{} {}", fmt_secs(at), e.text)} onkeydown={super::keys::click_on_enter}>
                <title>{ format!("{} {}", fmt_secs(at), e.text) }</title>
                <circle cx={format!("{left:.2}%")} cy="6" r="5" />
            </g>
        }
    });
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
            <button type="button" onclick={link.callback(|_| Msg::Step)} title="process one event (→)">{ "Step ▸" }</button>
            <button type="button" class="fast-forward" onclick={link.callback(move |_| Msg::FastForward(secs(30)))} title="run 30 simulated seconds as fast as possible">{ "Fast-forward 30 s" }</button>
            <label class="speed">{ "speed " }
                <input type="range" min="0" max="100" step="1" value={format!("{:.0}", slider_from_speed(p.speed))} oninput={on_speed} aria-label="speed" />
                <span class="speed-value">{ speed_label(p.speed) }</span>
            </label>
            <span class="clock" aria-label="simulated time">{ fmt_secs(p.now()) }</span>
            <div class="timeline">
                <input type="range" min="0" max={format!("{}", end.as_millis())} step="10" value={format!("{}", p.now().as_millis())} oninput={on_scrub} aria-label="timeline" />
                <svg class="markers" aria-label="faults, failovers and findings">{ for markers }</svg>
            </div>
            { busy.unwrap_or_default() }
        </div>
    }
}
