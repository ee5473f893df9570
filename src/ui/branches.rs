//! The branch bar: after a hand action in the past, says that a new branch started and
//! the old run is kept, with Undo; lists the branches to switch between.

use super::Msg;
use super::session::Session;
use crate::engine::time::fmt_secs;
use yew::prelude::*;

type Scope = html::Scope<super::App>;

/// Nothing while the run has one branch.
pub fn view(s: &Session, open: bool, link: &Scope) -> Html {
    let branches = s.branch_list();
    if branches.len() < 2 {
        return Html::default();
    }
    let current = s.branches().current();
    let notice = s.branches().undoable().then(|| {
        let at = branches[current].forked_at.map(fmt_secs).unwrap_or_default();
        html! {
            <p class="branch-notice" role="status">
                { format!("You changed the past: a new branch started at {at}. The run you left is kept.") }
                <button type="button" class="undo" onclick={link.callback(|_| Msg::BranchUndo)}>{ "Undo" }</button>
                <button type="button" class="settle" onclick={link.callback(|_| Msg::BranchSettle)} aria-label="keep the new branch">{ "✕" }</button>
            </p>
        }
    });
    let rows = branches.iter().enumerate().map(|(i, b)| {
        let here = i == current;
        let parted = b.forked_at.map(|t| format!(", from {}", fmt_secs(t))).unwrap_or_default();
        html! {
            <li class={classes!(here.then_some("current"))}>
                <span>{ format!("Branch {}{parted}: {}; run to {}", i + 1, b.summary(), fmt_secs(b.horizon)) }</span>
                if here {
                    <span class="hint">{ " (shown)" }</span>
                } else {
                    <button type="button" onclick={link.callback(move |_| Msg::BranchSwitch(i))}>{ "Switch" }</button>
                }
            </li>
        }
    });
    html! {
        <div class="branch-bar" role="region" aria-label="Branches">
            { notice.unwrap_or_default() }
            <button type="button" class="branches-toggle" aria-expanded={open.to_string()} onclick={link.callback(|_| Msg::BranchesToggle)}>
                { format!("Branches ({})", branches.len()) }
            </button>
            if open {
                <ul class="branch-list">{ for rows }</ul>
            }
        </div>
    }
}
