//! The branch bar: after a hand action in the past, says that a new branch started and
//! the old run is kept, with Undo; lists the branches to switch between.
//!
//! And the branches' place in the autosave. The run shown is autosaved as a link fragment
//! (autosave.rs, unchanged: an older page, or the crash page, still reads it); the other
//! branches go beside it as a small versioned record ([`encode`], [`restore`]): each
//! branch's hand actions, where the user left it, where it parted and the lesson step. A
//! reload reopens the run shown and puts the others back, each recomputed from its actions
//! when switched to. Share links stay one line of the run: they carry no branches.

use super::Msg;
use super::session::{Branch, Branches, Session};
use crate::engine::Command;
use crate::engine::time::{Instant, fmt_secs};
use serde::{Deserialize, Serialize};
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

/// The record's version: a record of another version is not read (the run still opens).
const VERSION: u32 = 1;
/// Branches a record may hold: a hand-edited record cannot make the page build thousands.
const MAX_BRANCHES: usize = 64;
/// The longest run a scenario may ask for, in ms (one day, as scenario/src/format.rs).
const MAX_RUN_MS: u64 = 24 * 3_600 * 1_000;
/// Hand actions one branch may hold, as a link may.
const MAX_ACTIONS: usize = crate::scenario::link::MAX_ACTIONS;

/// The autosave's branch record. Short keys, like a link's.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    v: u32,
    /// The autosaved fragment of the run shown when this was written: a record beside
    /// another run (an older page saved over it) is not this run's.
    run: String,
    current: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    undo: Option<usize>,
    list: Vec<SavedBranch>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedBranch {
    /// Hand actions, at whole milliseconds.
    #[serde(default)]
    a: Vec<(u64, Command)>,
    /// Where the user left it, in ms.
    #[serde(default)]
    t: u64,
    /// Where it parted from the branch it started from, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    f: Option<u64>,
    /// The lesson step.
    #[serde(default)]
    n: usize,
}

/// The record of `s`'s branches beside the autosaved fragment `run`; none while the run
/// has one branch (the fragment alone is the whole run).
pub fn encode(s: &Session, run: &str) -> Option<String> {
    let list = s.branch_list();
    if list.len() < 2 {
        return None;
    }
    let saved = Saved {
        v: VERSION,
        run: run.to_string(),
        current: s.branches().current(),
        undo: s.branches().undo_to,
        list: (list.iter())
            .map(|b| SavedBranch {
                a: (b.actions.iter())
                    .map(|(at, c)| (at.as_millis(), c.clone()))
                    .collect(),
                t: b.left_at.as_millis_ceil(),
                f: b.forked_at.map(Instant::as_millis),
                n: b.step,
            })
            .collect(),
    };
    serde_json::to_string(&saved).ok()
}

/// Puts back the branches in `record` into `s`, the run reopened from the autosaved
/// fragment `run`. Ok(false) when the record belongs to another run (it is stale, not
/// wrong); an error, in words, when it cannot be read — then `s` is left as it was.
pub fn restore(s: &mut Session, run: &str, record: &str) -> Result<bool, String> {
    let saved: Saved = serde_json::from_str(record).map_err(|e| e.to_string())?;
    if saved.v != VERSION {
        return Err(format!(
            "they were saved by another version of the playground ({})",
            saved.v
        ));
    }
    if saved.run != run {
        return Ok(false);
    }
    let n = saved.list.len();
    if !(1..=MAX_BRANCHES).contains(&n) || saved.current >= n {
        return Err(format!(
            "{n} branches, the one shown being {}",
            saved.current + 1
        ));
    }
    if saved.undo.is_some_and(|u| u >= n || u == saved.current) {
        return Err("the branch to undo to is not there".into());
    }
    let steps = s.scenario().lesson.as_ref().map_or(1, |l| l.steps.len());
    let mut list = Vec::with_capacity(n);
    for (i, b) in saved.list.into_iter().enumerate() {
        list.push(branch(b, steps).map_err(|e| format!("branch {}: {e}", i + 1))?);
    }
    if list[saved.current].actions != s.playback.actions {
        return Err("the branch shown is not the run that reopened".into());
    }
    s.set_branches(Branches {
        list,
        current: saved.current,
        undo_to: saved.undo,
    });
    Ok(true)
}

/// One saved branch, checked as a link's actions are: in time order, within a day.
fn branch(b: SavedBranch, steps: usize) -> Result<Branch, String> {
    if b.a.len() > MAX_ACTIONS {
        return Err(format!("{} hand actions; at most {MAX_ACTIONS}", b.a.len()));
    }
    let moments = b.a.iter().map(|(t, _)| *t).chain([b.t]).chain(b.f);
    if moments.clone().any(|t| t > MAX_RUN_MS) || b.a.windows(2).any(|w| w[0].0 > w[1].0) {
        return Err("its moments are out of order or past one day".into());
    }
    let left_at = Instant::from_millis(b.t);
    Ok(Branch {
        actions: (b.a.into_iter())
            .map(|(t, c)| (Instant::from_millis(t), c))
            .collect(),
        // Nothing of it is computed after a reload: it is run again from its actions up to
        // where the user left it when it is switched to.
        horizon: left_at,
        left_at,
        forked_at: b.f.map(Instant::from_millis),
        step: b.n.min(steps.saturating_sub(1)),
        ..Branch::of_nothing()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let edited = |from: &str, to: &str| {
            assert!(record.contains(from), "{from} in {record}");
            record.replacen(from, to, 1)
        };
        let bad = [
            ("{".to_string(), "EOF"),
            (edited("\"v\":1", "\"v\":2"), "another version"),
            (edited("\"current\":1", "\"current\":5"), "2 branches"),
            (edited("\"undo\":0", "\"undo\":1"), "undo"),
            (
                edited(
                    "\"list\":[",
                    "\"list\":[{\"a\":[[9000,{\"action\":\"heal_all\"}],[10,{\"action\":\"heal_all\"}]]},",
                ),
                "out of order",
            ),
            (
                edited("\"list\":[", "\"list\":[{\"t\":99999999999},"),
                "past one day",
            ),
            (
                edited("\"current\":1,\"undo\":0", "\"current\":0"),
                "not the run",
            ),
            (edited("\"v\":1", "\"v\":1,\"x\":0"), "unknown field"),
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
