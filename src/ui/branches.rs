//! The branch bar: after a hand action in the past, says that a new branch started and
//! the old run is kept, with Undo; lists the branches to switch between.
//!
//! And the branches' place in the autosave. The run shown is autosaved as a link fragment
//! (autosave.rs, unchanged: an older page, or the crash page, still reads it); the other
//! branches go beside it as a small versioned record ([`encode`], [`restore`]): each
//! branch's hand actions, where the user left it, where it parted and its lesson step. A
//! reload reopens the run shown and puts the others back, each recomputed from its actions
//! when switched to. Share links stay one line of the run: they carry no branches.

use super::Msg;
use super::session::{Branch, Branches, Session};
use crate::engine::time::{Instant, fmt_secs};
use crate::scenario::link::{self, Shared};
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

/// The record's first line, with its version: a record of another version is not read
/// (the run still opens).
const HEADER: &str = "rplay-branches 1";
/// Branches a record may hold: a hand-edited record cannot make the page build thousands.
const MAX_BRANCHES: usize = 64;

/// The record of `s`'s branches beside the autosaved fragment `run` (the branch shown);
/// none while the run has one branch (the fragment alone is the whole run).
///
/// Plain lines, each branch a share-link fragment of its own (the link format already
/// carries hand actions, a moment and a lesson step, and checks them when read — a JSON
/// record of its own cost the download 6 KB):
/// `rplay-branches 1` / `<shown> <undo to or ->` / per branch `<parted at, ms, or -> <fragment>`.
pub fn encode(s: &Session, run: &str) -> Option<String> {
    let list = s.branch_list();
    if list.len() < 2 {
        return None;
    }
    let (current, undo) = (s.branches().current(), s.branches().undo_to);
    let mut out = format!(
        "{HEADER}\n{current} {}\n",
        ms_or_dash(undo.map(|u| u as u64))
    );
    for (i, b) in list.iter().enumerate() {
        let fragment = if i == current {
            run.to_string()
        } else {
            fragment_of(s, b)
        };
        let parted = ms_or_dash(b.forked_at.map(Instant::as_millis));
        out.push_str(&format!("{parted} {fragment}\n"));
    }
    Some(out)
}

fn ms_or_dash(n: Option<u64>) -> String {
    n.map_or_else(|| "-".into(), |n| n.to_string())
}

/// A branch as a link: the document, its actions, where it was left, its lesson step.
fn fragment_of(s: &Session, b: &Branch) -> String {
    let d = s.document();
    let shared = Shared {
        scenario: d.scenario.clone(),
        source: d.source.clone(),
        preset: d.preset.clone(),
        actions: b.actions.clone(),
        at_us: Instant::from_millis(b.left_at.as_millis_ceil()),
    };
    let step = d.scenario.lesson.is_some().then_some(b.step);
    link::encode_viewed(&shared, link::View { step, speed: None })
}

/// Puts back the branches in `record` into `s`, the run reopened from the autosaved
/// fragment `run`. Ok(false) when the record belongs to another run (it is stale, not
/// wrong); an error, in words, when it cannot be read — then `s` is left as it was.
pub fn restore(s: &mut Session, run: &str, record: &str) -> Result<bool, String> {
    let mut lines = record.lines();
    match lines.next() {
        Some(HEADER) => {}
        Some(h) if h.starts_with("rplay-branches ") => {
            return Err("they were saved by another version of the playground".into());
        }
        _ => return Err("the record is not a list of branches".into()),
    }
    let number = |w: Option<&str>| w.and_then(|w| w.parse::<usize>().ok());
    let mut head = lines.next().unwrap_or_default().split(' ');
    let (current, undo) = (number(head.next()), head.next());
    let undo = (undo != Some("-")).then(|| number(undo));
    let rows: Vec<(&str, &str)> = lines.filter_map(|l| l.split_once(' ')).collect();
    let n = rows.len();
    let (Some(current), Some(undo)) = (
        current.filter(|c| *c < n),
        undo.map_or(Some(None), |u| u.map(Some)),
    ) else {
        return Err(format!(
            "its first lines do not say which of its {n} branches is shown"
        ));
    };
    if n > MAX_BRANCHES || undo.is_some_and(|u| u >= n || u == current) {
        return Err(format!("{n} branches, the one to undo to not among them"));
    }
    if rows[current].1 != run {
        return Ok(false);
    }
    let mut list = Vec::with_capacity(n);
    for (i, (parted, fragment)) in rows.into_iter().enumerate() {
        list.push(branch(s, parted, fragment).map_err(|e| format!("branch {}: {e}", i + 1))?);
    }
    s.set_branches(Branches {
        list,
        current,
        undo_to: undo,
    });
    Ok(true)
}

/// One saved branch, read as the link it is; it must be a line of the same scenario.
fn branch(s: &Session, parted: &str, fragment: &str) -> Result<Branch, String> {
    let forked_at = match parted {
        "-" => None,
        ms => Some(Instant::from_millis(
            ms.parse::<u64>()
                .map_err(|_| format!("'{ms}' is not a moment"))?,
        )),
    };
    let (shared, view) = link::decode_viewed(fragment).map_err(|e| e.to_string())?;
    if shared.scenario != *s.scenario() {
        return Err("it is a run of another scenario".into());
    }
    let steps = s.scenario().lesson.as_ref().map_or(1, |l| l.steps.len());
    Ok(Branch {
        actions: shared.actions,
        // Nothing of it is computed after a reload: it is run again from its actions up to
        // where the user left it when it is switched to.
        horizon: shared.at_us,
        left_at: shared.at_us,
        forked_at,
        step: view.step.unwrap_or(0).min(steps.saturating_sub(1)),
        ..Branch::of_nothing()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Command;
    use crate::scenario::presets::preset;
    use crate::ui::session::open_page;

    fn settle(s: &mut Session) {
        while s.playback.busy() {
            s.playback.frame(16.0);
        }
        s.follow_lesson();
    }

    fn at(s: &mut Session, ms: u64) {
        s.seek(Instant::from_millis(ms));
        settle(s);
    }

    fn crash(node: &str) -> Command {
        Command::Crash {
            node: node.into(),
            power_loss: false,
        }
    }

    /// The free-play example (crash db3 at 4.7 s, run to 34.7 s, back to 2 s,
    /// crash db2), then autosaved: the fragment and the branch record.
    fn two_branches() -> (Session, String, String) {
        let mut s = Session::from_json(preset("free-play").unwrap()).unwrap();
        at(&mut s, 4_700);
        s.act(crash("db3")).unwrap();
        at(&mut s, 34_700);
        at(&mut s, 2_000);
        s.act(crash("db2")).unwrap();
        at(&mut s, 6_000);
        let run = s.fragment();
        let record = encode(&s, &run).expect("two branches are recorded");
        (s, run, record)
    }

    /// The page reopening from its autosave, as document.rs does.
    fn reopen(run: &str, record: Option<&str>) -> (Session, Result<bool, String>) {
        let mut s = open_page(None, Some(run)).session.unwrap();
        let restored = record.map_or(Ok(false), |r| restore(&mut s, run, r));
        (s, restored)
    }

    #[test]
    fn a_reload_keeps_every_branch_and_undo() {
        let (s, run, record) = two_branches();
        let (mut back, restored) = reopen(&run, Some(&record));
        assert_eq!(restored, Ok(true));
        assert_eq!(back.branches().len(), 2);
        assert_eq!(back.branches().current(), 1);
        assert!(back.branches().undoable());
        let (was, is) = (s.branch_list(), back.branch_list());
        for i in 0..2 {
            assert_eq!(is[i].actions, was[i].actions, "branch {i}");
            assert_eq!(is[i].forked_at, was[i].forked_at, "branch {i}");
        }
        assert_eq!(is[0].left_at, Instant::from_secs(2));
        assert_eq!(back.world().now(), Instant::from_secs(6));
        // The old future is there to run into: db3 crashed at 4.7 s, db2 did not.
        assert!(back.switch_branch(0));
        settle(&mut back);
        assert_eq!(back.world().now(), Instant::from_secs(2));
        at(&mut back, 30_000);
        let running = |s: &Session, n: &str| {
            let id = s.world().node_id(n).unwrap();
            s.world().node(id).unwrap().is_running()
        };
        assert!(!running(&back, "db3") && running(&back, "db2"));
        // The same moment as a fresh run of that branch's actions.
        let mut fresh = Session::from_json(preset("free-play").unwrap()).unwrap();
        fresh.playback.actions = was[0].actions.clone();
        at(&mut fresh, 30_000);
        assert_eq!(fresh.world().trace.hash(), back.world().trace.hash());
        // Undo after a reload, too.
        let (mut again, _) = reopen(&run, Some(&record));
        assert!(again.undo_branch());
        settle(&mut again);
        assert_eq!(again.branches().len(), 1);
        assert_eq!(again.playback.actions, was[0].actions);
    }

    #[test]
    fn an_old_autosave_without_branches_still_opens_and_one_branch_writes_none() {
        let (_, run, _) = two_branches();
        let (s, restored) = reopen(&run, None);
        assert_eq!(restored, Ok(false));
        assert_eq!(s.branches().len(), 1);
        assert_eq!(s.world().now(), Instant::from_secs(6));
        assert_eq!(
            encode(&s, &run),
            None,
            "the fragment alone is the whole run"
        );
        // A record beside another run (an older page saved over the fragment) is stale.
        let (_, _, record) = two_branches();
        let other = Session::preset("planned-switchover").unwrap().fragment();
        let (s, restored) = reopen(&other, Some(&record));
        assert_eq!(restored, Ok(false));
        assert_eq!(s.branches().len(), 1);
    }

    #[test]
    fn a_damaged_record_is_said_and_changes_nothing() {
        let (_, run, record) = two_branches();
        let lines: Vec<&str> = record.lines().collect();
        assert_eq!(lines.len(), 4, "{record}");
        assert_eq!(lines[1], "1 0", "branch 2 shown, undo to branch 1");
        let with = |i: usize, line: &str| {
            let mut l = lines.clone();
            l[i] = line;
            l.join("\n")
        };
        let damaged_link = format!("- {}", &lines[2][2..lines[2].len() - 6]);
        let other_scenario = format!(
            "- {}",
            Session::preset("planned-switchover").unwrap().fragment()
        );
        let bad = [
            ("{".to_string(), "not a list of branches"),
            (with(0, "rplay-branches 2"), "another version"),
            (with(1, "5 0"), "which of its 2 branches"),
            (with(1, "1 x"), "which of its 2 branches"),
            (with(1, "1 1"), "undo to"),
            (with(2, "soon v1.AAAA"), "branch 1: 'soon' is not a moment"),
            (with(2, &damaged_link), "branch 1: the link is damaged"),
            (
                with(2, &other_scenario),
                "branch 1: it is a run of another scenario",
            ),
        ];
        for (text, why) in bad {
            let (s, restored) = reopen(&run, Some(&text));
            let e = restored.expect_err(why);
            assert!(e.contains(why), "{why}: {e}");
            assert_eq!(s.branches().len(), 1, "{why}");
            assert_eq!(s.world().now(), Instant::from_secs(6), "{why}");
        }
    }

    #[test]
    fn a_branch_keeps_its_lesson_step() {
        let mut s = Session::preset("async-failover-loses-writes").unwrap();
        assert!(s.move_lesson(3));
        settle(&mut s);
        assert!(s.move_lesson(-2));
        settle(&mut s);
        assert_eq!(
            (s.lesson_step(), s.world().now()),
            (1, Instant::from_secs(5))
        );
        s.act(crash("db3")).unwrap();
        assert_eq!(
            s.branches().len(),
            2,
            "5 s is in the past of the run computed"
        );
        assert!(s.move_lesson(-1));
        settle(&mut s);
        assert_eq!(s.lesson_step(), 0);
        assert!(s.switch_branch(0));
        settle(&mut s);
        assert_eq!(s.lesson_step(), 1, "the step read in the branch left");
        // And across a reload.
        let run = s.fragment();
        let record = encode(&s, &run).unwrap();
        let (mut back, restored) = reopen(&run, Some(&record));
        assert_eq!(restored, Ok(true));
        settle(&mut back);
        assert_eq!(back.lesson_step(), 1);
        assert!(back.switch_branch(1));
        settle(&mut back);
        assert_eq!(back.lesson_step(), 0);
    }
}
