//! The findings panel: what the checker found, grouped by kind, most severe first, each
//! group headed by a grammatical count ("1,930 lost writes"), so hundreds of stale reads
//! never bury the lost writes. A chip per kind, with its count, filters the list to the
//! kinds pressed. A finding clicked shows its moment.

use super::Msg;
use crate::engine::World;
use crate::engine::checker::{Finding, FindingKind};
use crate::engine::time::fmt_secs;
use yew::prelude::*;

type Scope = html::Scope<super::App>;

/// Most severe first: acknowledged data gone or two truths, then broken replication, then
/// what a reader saw.
pub const SEVERITY: [FindingKind; 9] = [
    FindingKind::LostWrite,
    FindingKind::SplitBrain,
    FindingKind::Divergence,
    FindingKind::BinlogMismatch,
    FindingKind::ErrantGtid,
    FindingKind::ReplicationError,
    FindingKind::PhantomRead,
    FindingKind::ReadYourWrites,
    FindingKind::StaleRead,
];

/// Findings listed per kind at most (the report lists them all).
const SHOWN_PER_KIND: usize = 10;

/// A kind's words, singular and plural.
fn words(kind: FindingKind) -> (&'static str, &'static str) {
    match kind {
        FindingKind::LostWrite => ("lost write", "lost writes"),
        FindingKind::SplitBrain => ("split brain", "split brains"),
        FindingKind::Divergence => ("divergence", "divergences"),
        FindingKind::BinlogMismatch => ("binlog mismatch", "binlog mismatches"),
        FindingKind::ErrantGtid => ("errant GTID", "errant GTIDs"),
        FindingKind::ReplicationError => ("replication error", "replication errors"),
        FindingKind::PhantomRead => ("phantom read", "phantom reads"),
        FindingKind::ReadYourWrites => {
            ("read-your-writes violation", "read-your-writes violations")
        }
        FindingKind::StaleRead => ("stale read", "stale reads"),
    }
}

/// `n` with thousands separated by commas, as a reader writes it: 1,930.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "1,930 lost writes", "1 lost write".
pub fn count_words(kind: FindingKind, n: u64) -> String {
    let (one, many) = words(kind);
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The same in the world's flavor: MariaDB's own word where it has one (ui/dialect.rs).
pub fn count_words_in(world: &World, kind: FindingKind, n: u64) -> String {
    match super::dialect::finding_words(world, kind) {
        Some((one, many)) => format!("{} {}", thousands(n), if n == 1 { one } else { many }),
        None => count_words(kind, n),
    }
}

/// A finding's detail without the kind's name it may open with ("split brain: both …"
/// under the heading "split brain" would say it twice).
pub fn detail_text(kind: FindingKind, detail: &str) -> &str {
    let name = words(kind).0;
    match detail.get(..name.len()) {
        Some(head) if head.eq_ignore_ascii_case(name) => {
            detail[name.len()..].trim_start_matches(':').trim_start()
        }
        _ => detail,
    }
}

/// The kinds picked to show (none: all) after `kind`'s chip is pressed, or all of them
/// again after "show all" (`None`).
pub fn pick(picked: &mut Vec<FindingKind>, kind: Option<FindingKind>) {
    match kind {
        None => picked.clear(),
        Some(k) => match picked.iter().position(|p| *p == k) {
            Some(i) => _ = picked.remove(i),
            None => picked.push(k),
        },
    }
}

/// The findings counted in the kinds shown, and in all: "showing 3 of 246".
fn shown_of(world: &World, picked: &[FindingKind]) -> (u64, u64) {
    let count = |k: &FindingKind| world.checker.count(*k);
    let all = SEVERITY.iter().map(count).sum();
    let shown = SEVERITY
        .iter()
        .filter(|k| picked.contains(k))
        .map(count)
        .sum();
    (if picked.is_empty() { all } else { shown }, all)
}

/// The section: a chip per kind found with its count (pressing chips filters the list to
/// their kinds, and says how many of all are shown), then the groups shown.
pub fn view(
    world: &World,
    meaning: fn(FindingKind) -> &'static str,
    picked: &[FindingKind],
    link: &Scope,
) -> Html {
    let found: Vec<FindingKind> = (SEVERITY.iter().copied())
        .filter(|k| world.checker.count(*k) > 0)
        .collect();
    let chips = found.iter().map(|&k| {
        let on = picked.contains(&k);
        html! {
            <button type="button" class={format!("count chip {}", k.name())} aria-pressed={on.to_string()}
                title={format!("show only these: {}", meaning(k))} onclick={link.callback(move |_| Msg::PickFindings(Some(k)))}>{ count_words_in(world, k, world.checker.count(k)) }</button>
        }
    });
    let groups = (found.iter())
        .filter(|k| picked.is_empty() || picked.contains(k))
        .enumerate()
        .map(|(i, k)| view_group(world, *k, i == 0, meaning, link));
    let (shown, all) = shown_of(world, picked);
    html! {
        <section class="panel-section findings">
            <h2>{ super::glossary::term("finding", "Findings", link) }</h2>
            if world.checker.findings.is_empty() {
                <p class="hint">{ "Nothing wrong so far: no lost writes, no divergence, no split brain." }</p>
            } else {
                <div class="finding-counts" role="group" aria-label="Show findings of one kind">{ for chips }</div>
            }
            if !picked.is_empty() {
                <p class="hint finding-filter" role="status">
                    { format!("showing {} of {} findings ", thousands(shown), thousands(all)) }
                    <button type="button" class="link-button" onclick={link.callback(|_| Msg::PickFindings(None))}>{ "show all" }</button>
                </p>
            }
            { for groups }
        </section>
    }
}

/// One kind: its count as the heading (the first kind shown open), its latest findings.
fn view_group(
    world: &World,
    kind: FindingKind,
    open: bool,
    meaning: fn(FindingKind) -> &'static str,
    link: &Scope,
) -> Html {
    let latest: Vec<&Finding> = world
        .checker
        .findings
        .iter()
        .rev()
        .filter(|f| f.kind == kind)
        .take(SHOWN_PER_KIND)
        .collect();
    let total = world.checker.count(kind);
    let heading = count_words_in(world, kind, total);
    let listed: u64 = latest.iter().map(|f| f.count).sum();
    let items = latest.into_iter().map(|f| {
        let (at, nodes) = (f.at_us, f.nodes.clone());
        let onclick = link.callback(move |_| Msg::ShowFinding(at, nodes.clone()));
        html! {
            // A button inside the row, so Tab reaches each finding and Enter shows it.
            <li class={format!("finding {}", kind.name())}>
                <button type="button" class="finding-go" {onclick} title="show this moment">
                    <span class="t">{ fmt_secs(f.at_us) }</span>{ " " }
                    { detail_text(kind, &f.detail).to_string() }
                </button>
            </li>
        }
    });
    html! {
        <details key={kind.name()} class={format!("finding-group {}", kind.name())} {open}>
            <summary><span class="count" title={meaning(kind)}>{ heading }</span></summary>
            <ul class="finding-list">{ for items }</ul>
            if total > listed {
                <p class="hint">{ format!("and {} more: the report lists them all.", thousands(total - listed)) }</p>
            }
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_a_person_writes_them() {
        assert_eq!(
            count_words(FindingKind::LostWrite, 1930),
            "1,930 lost writes"
        );
        assert_eq!(count_words(FindingKind::LostWrite, 1), "1 lost write");
        assert_eq!(
            count_words(FindingKind::BinlogMismatch, 2),
            "2 binlog mismatches"
        );
        assert_eq!(
            count_words(FindingKind::StaleRead, 1_234_567),
            "1,234,567 stale reads"
        );
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
    }

    #[test]
    fn a_detail_does_not_repeat_its_kind() {
        assert_eq!(
            detail_text(
                FindingKind::SplitBrain,
                "split brain: both db1 and db2 are writable"
            ),
            "both db1 and db2 are writable"
        );
        assert_eq!(
            detail_text(FindingKind::LostWrite, "write #2 to key 2 is missing"),
            "write #2 to key 2 is missing"
        );
    }

    #[test]
    fn chips_pick_kinds_and_show_all_drops_them() {
        let mut picked = Vec::new();
        pick(&mut picked, Some(FindingKind::LostWrite));
        pick(&mut picked, Some(FindingKind::StaleRead));
        assert_eq!(picked, [FindingKind::LostWrite, FindingKind::StaleRead]);
        pick(&mut picked, Some(FindingKind::LostWrite));
        assert_eq!(picked, [FindingKind::StaleRead], "a pressed chip unpresses");
        pick(&mut picked, None);
        assert!(picked.is_empty());
    }

    #[test]
    fn every_kind_is_ranked_once() {
        for k in FindingKind::ALL {
            assert_eq!(SEVERITY.iter().filter(|s| **s == k).count(), 1, "{k:?}");
        }
        assert_eq!(SEVERITY[0], FindingKind::LostWrite);
        assert_eq!(SEVERITY[8], FindingKind::StaleRead);
    }
}
