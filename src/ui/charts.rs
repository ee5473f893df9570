//! Charts over simulated time: replication lag per replica, commits per second, client
//! errors. Small SVG sparkline panels over the last minute; every point is engine state.

use crate::engine::World;
use yew::prelude::*;

const W: f64 = 300.0;
const H: f64 = 70.0;
/// Seconds shown.
const WINDOW: u64 = 60;
/// Okabe–Ito colours for up to eight series, then they repeat.
/// One line of a chart: its name, colour and (seconds, value) points.
type Series = (String, &'static str, Vec<(f64, f64)>);

const COLOURS: [&str; 8] = [
    "#56b4e9", "#e69f00", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#ffffff",
];

/// An SVG polyline through `points` (x in seconds, y in value units) scaled to the panel.
pub fn polyline(points: &[(f64, f64)], x0: f64, x1: f64, y_max: f64) -> String {
    let span = (x1 - x0).max(1.0);
    let y_max = if y_max > 0.0 { y_max } else { 1.0 };
    points
        .iter()
        .map(|(x, y)| {
            format!(
                "{:.1},{:.1}",
                (x - x0) / span * W,
                H - (y / y_max).clamp(0.0, 1.0) * (H - 4.0)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lines a legend names by colour; with more, the rest are drawn grey and counted.
const NAMED: usize = 6;
/// The colour of the lines the legend does not name.
const OTHERS: &str = "#6b7480";

fn peak(s: &Series) -> f64 {
    s.2.iter().map(|p| p.1).fold(0.0, f64::max)
}

/// Up to eight series keep their own colours. More (a 64-node cluster has 63 lag lines, and
/// the palette repeats after eight) would make a legend nobody can read: the `NAMED` with
/// the highest peaks keep a colour each, highest first; the others turn grey, drawn under
/// them, and the legend counts them as one entry.
fn crowd(series: Vec<Series>) -> (Vec<Series>, Vec<Series>) {
    if series.len() <= COLOURS.len() {
        return (series, Vec::new());
    }
    let mut ranked: Vec<(usize, f64)> = series.iter().map(peak).enumerate().collect();
    // Highest peak first; ties keep the nodes' order (a stable sort).
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let named: Vec<usize> = ranked.iter().take(NAMED).map(|(i, _)| *i).collect();
    let mut slots: Vec<Option<Series>> = series.into_iter().map(Some).collect();
    let top = named
        .iter()
        .enumerate()
        .filter_map(|(rank, i)| {
            let (name, _, pts) = slots[*i].take()?;
            Some((name, COLOURS[rank], pts))
        })
        .collect();
    let rest = slots
        .into_iter()
        .flatten()
        .map(|(name, _, pts)| (name, OTHERS, pts))
        .collect();
    (top, rest)
}

fn legend_item(name: &str, colour: &'static str) -> Html {
    // The colour is an SVG attribute, not a `style`: the page's CSP forbids inline styles.
    html! {
        <span class="legend-item"><svg class="legend-dot" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="4" fill={colour} /></svg>{ format!(" {name} ") }</span>
    }
}

fn panel(title: String, series: Vec<Series>, x0: f64, x1: f64, unit: &str) -> Html {
    let y_max = series.iter().map(peak).fold(0.0, f64::max);
    let (named, others) = crowd(series);
    let legend = named
        .iter()
        .map(|(name, colour, _)| legend_item(name, colour));
    let rest = (!others.is_empty())
        .then(|| legend_item(&format!("{} others, grey", others.len()), OTHERS));
    let lines = others.iter().chain(&named).map(|(_, colour, pts)| html! { <polyline points={polyline(pts, x0, x1, y_max)} fill="none" stroke={*colour} stroke-width="2" /> });
    html! {
        <figure class="chart">
            <figcaption>{ format!("{title} (max {y_max:.1} {unit})") }<br />{ for legend }{ rest.unwrap_or_default() }</figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} class="chart-svg" role="img" aria-label={title}>
                <rect width={W.to_string()} height={H.to_string()} class="chart-bg" />
                { for lines }
            </svg>
        </figure>
    }
}

pub fn view(world: &World) -> Html {
    let now_s = world.now().as_secs_f64();
    let x0 = (now_s - WINDOW as f64).max(0.0);
    let lag = world
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.channel.is_some())
        .map(|(i, n)| {
            let pts = world
                .lag_samples
                .iter()
                .filter(|(t, _)| t.as_secs_f64() >= x0)
                .filter_map(|(t, lags)| {
                    lags.get(i)
                        .copied()
                        .flatten()
                        .map(|l| (t.as_secs_f64(), l.as_secs_f64()))
                })
                .collect();
            (n.name().to_string(), COLOURS[i % COLOURS.len()], pts)
        })
        .collect();
    let recent: Vec<_> = world
        .history
        .series()
        .filter(|s| s.second as f64 >= x0)
        .collect();
    let commits = recent
        .iter()
        .map(|s| (s.second as f64, f64::from(s.writes_ok)))
        .collect();
    let errors = recent
        .iter()
        .map(|s| (s.second as f64, f64::from(s.failed + s.unknown)))
        .collect();
    html! {
        <section class="panel-section charts">
            <h2>{ "Charts (last minute)" }</h2>
            { panel("Replication lag".into(), lag, x0, now_s.max(x0 + 1.0), "s") }
            { panel("Commits per second".into(), vec![("writes acknowledged".into(), COLOURS[2], commits)], x0, now_s.max(x0 + 1.0), "/s") }
            { panel("Client errors per second".into(), vec![("failed or unknown".into(), COLOURS[5], errors)], x0, now_s.max(x0 + 1.0), "/s") }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(peaks: &[f64]) -> Vec<Series> {
        peaks
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    format!("db{}", i + 2),
                    COLOURS[0],
                    vec![(0.0, 0.0), (1.0, *p)],
                )
            })
            .collect()
    }

    #[test]
    fn a_crowded_chart_names_its_highest_lines_and_counts_the_rest() {
        let (named, others) = crowd(series(&[0.5; 8]));
        assert_eq!(
            (named.len(), others.len()),
            (8, 0),
            "eight keep their colours"
        );
        let mut peaks = vec![0.0; 63];
        peaks[40] = 9.0;
        peaks[3] = 2.0;
        let (named, others) = crowd(series(&peaks));
        let names: Vec<&str> = named.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["db42", "db5", "db2", "db3", "db4", "db6"]);
        assert_eq!(others.len(), 57);
        assert!(others.iter().all(|s| s.1 == OTHERS));
        let colours: Vec<&str> = named.iter().map(|s| s.1).collect();
        assert_eq!(colours, COLOURS[..NAMED], "one colour each");
    }

    #[test]
    fn polyline_scales_into_the_panel() {
        let s = super::polyline(&[(0.0, 0.0), (10.0, 5.0), (20.0, 10.0)], 0.0, 20.0, 10.0);
        assert_eq!(s, "0.0,70.0 150.0,37.0 300.0,4.0");
        assert_eq!(super::polyline(&[(5.0, 99.0)], 5.0, 5.0, 0.0), "0.0,4.0");
    }
}
