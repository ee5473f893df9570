//! Choosing the candidate for a dead primary as Orchestrator does (docs/semantics.md §6.3).
//!
//! `GetCandidateReplica` (go/inst/instance_topology.go) sorts the replicas by *executed*
//! coordinates, most advanced first; the other rules of `InstancesSorterByExec.Less`
//! (go/inst/instance_utils.go) only break ties between equal coordinates. Then
//! `chooseCandidateReplica` takes the first replica in that order that is valid as a source
//! for the others (reachable, binlog with `log_replica_updates`) and not banned
//! (`must_not`); if none is, the first one not banned, and then every other replica is lost.
//! Replicas ahead of the candidate, or unable to replicate from it, are lost too: they are
//! not moved under it. Lag and a stopped applier rank nothing.

use super::{CandidateRow, Manager};
use crate::binlog::BinlogPos;
use crate::config::PromotionRule;
use crate::ids::NodeId;
use crate::status::NodeStatus;
use crate::time::fmt_secs;
use std::cmp::Ordering;

/// One replica as Orchestrator's sort sees it.
#[derive(Clone, Debug)]
struct Ranked {
    node: NodeId,
    executed: BinlogPos,
    log_replica_updates: bool,
    errant: bool,
    rule: PromotionRule,
    /// Not promotable at all: `must_not`, or not the designated replica of a switchover.
    banned: bool,
    reasons: Vec<String>,
}

/// The outcome of choosing: the candidate, the table in Orchestrator's order, and the
/// replicas lost to the recovery (not moved under the candidate).
#[derive(Clone, Debug, Default)]
pub(super) struct Choice {
    pub best: Option<NodeId>,
    pub rows: Vec<CandidateRow>,
    pub lost: Vec<NodeId>,
}

/// `InstancesSorterByExec.Less`, reversed: executed coordinates decide; on equal ones,
/// `log_replica_updates` first, then without errant GTIDs, then the better promotion rule
/// (version, binlog format and data centre are all equal here), then the lower id so the
/// order is total (Go's sort leaves ties in no particular order).
fn by_orchestrator_order(a: &Ranked, b: &Ranked) -> Ordering {
    b.executed
        .cmp(&a.executed)
        .then(b.log_replica_updates.cmp(&a.log_replica_updates))
        .then(a.errant.cmp(&b.errant))
        .then(a.rule.cmp(&b.rule))
        .then(a.node.cmp(&b.node))
}

impl Manager {
    /// Evaluates every replica of `failed` and picks one. Returns the table either way, its
    /// rows in the order Orchestrator ranks them, unreachable replicas last.
    pub(super) fn choose(&self, failed: NodeId, planned_target: Option<NodeId>) -> Choice {
        let source = self.instances[failed.index()].status.clone();
        let mut ranked = Vec::new();
        let mut unreachable = Vec::new();
        for r in self.replicas_of(failed) {
            let inst = &self.instances[r.index()];
            match inst.status.as_ref().filter(|_| inst.valid) {
                Some(s) => ranked.push(self.rank(r, s, source.as_ref(), planned_target)),
                None => unreachable.push(r),
            }
        }
        ranked.sort_by(by_orchestrator_order);
        // chooseCandidateReplica: the first valid as a source and not banned; failing
        // that, the first not banned, which none of the others can replicate from.
        let serving = ranked
            .iter()
            .position(|r| r.log_replica_updates && !r.banned);
        let fallback = serving.is_none();
        let best = serving.or_else(|| ranked.iter().position(|r| !r.banned));
        let mut choice = Choice {
            best: best.map(|i| ranked[i].node),
            ..Choice::default()
        };
        let best_at = best.map(|i| (ranked[i].node, ranked[i].executed));
        for (i, mut r) in ranked.into_iter().enumerate() {
            let verdict = match best_at {
                _ if Some(i) == best && fallback => {
                    "chosen: no replica can serve the others, so the first not banned".into()
                }
                _ if Some(i) == best => "chosen: first in this order valid and not banned".into(),
                Some((c, _)) if fallback => {
                    choice.lost.push(r.node);
                    format!("lost: cannot replicate from {}", self.name(c))
                }
                Some((c, pos)) if r.executed > pos => {
                    choice.lost.push(r.node);
                    format!(
                        "lost: ahead of {}, it has transactions the new primary lacks",
                        self.name(c)
                    )
                }
                Some((c, _)) => format!("moved under {}: behind or equal to it", self.name(c)),
                None => "not chosen: no replica may be promoted".into(),
            };
            r.reasons.push(verdict);
            choice.rows.push(CandidateRow {
                node: r.node,
                chosen: Some(i) == best,
                kept: !r.banned,
                reasons: r.reasons,
            });
        }
        for r in unreachable {
            choice.lost.push(r);
            choice.rows.push(CandidateRow {
                node: r,
                chosen: false,
                kept: false,
                reasons: vec![
                    "unreachable: its last probe failed".into(),
                    "lost: it cannot be moved while unreachable".into(),
                ],
            });
        }
        choice
    }

    /// One reachable replica's sort key, with its reasons in the order Orchestrator weighs
    /// them: the sort's keys, then what `chooseCandidateReplica` checks, then what it
    /// shows but ranks nothing by.
    fn rank(
        &self,
        r: NodeId,
        s: &NodeStatus,
        source: Option<&NodeStatus>,
        planned_target: Option<NodeId>,
    ) -> Ranked {
        let rule = self.promotion_rules.get(r.index()).copied();
        let rule = rule.unwrap_or_default();
        let rep = s.replica.as_ref();
        let executed = rep.map(|x| x.exec_source_pos).unwrap_or_default();
        // Orchestrator reads gtid_executed only from Oracle MySQL and Percona: a MariaDB
        // replica has no errant GTIDs for it (docs/semantics.md §13.7).
        let mariadb = super::mariadb::is_mariadb(s);
        let errant = (source.filter(|_| !mariadb))
            .map(|src| self.errant(s, src))
            .unwrap_or_default();
        let mut reasons = vec![format!("executed up to {executed}")];
        reasons.push(if s.log_replica_updates {
            "log_replica_updates=ON".into()
        } else {
            "log_replica_updates=OFF: cannot serve as a source".into()
        });
        reasons.push(if mariadb {
            "errant GTIDs not checked: Orchestrator reads no GTID set from MariaDB".into()
        } else if errant.is_empty() {
            "no errant GTIDs".into()
        } else {
            format!("errant GTIDs {errant}: they would be shipped to every replica")
        });
        reasons.push(format!("promotion rule {}", rule.name()));
        let designated = planned_target.is_none_or(|t| t == r);
        if !designated {
            reasons.push("not the designated replica of this switchover".into());
        }
        reasons.extend(informational(s));
        Ranked {
            node: r,
            executed,
            log_replica_updates: s.log_replica_updates,
            errant: !errant.is_empty(),
            rule,
            banned: rule == PromotionRule::MustNot || !designated,
            reasons,
        }
    }
}

/// What the table shows that ranks nothing in an unplanned recovery: lag (only
/// `FailMasterPromotionOnLagMinutes`, off by default, acts on it, and after choosing) and
/// a stopped applier (`IsLastCheckValid` is about reaching the server, not its threads).
fn informational(s: &NodeStatus) -> Vec<String> {
    let rep = s.replica.as_ref();
    let mut out = Vec::new();
    match rep
        .and_then(|x| x.last_sql_error.as_ref())
        .filter(|_| !rep.is_some_and(|x| x.sql_running))
    {
        Some(e) => out.push(format!(
            "applier stopped with error {} (ranks nothing)",
            e.errno
        )),
        None => out.push("applier healthy".into()),
    }
    match rep.and_then(|x| x.replication_lag) {
        Some(lag) => out.push(format!("lag {} (ranks nothing)", fmt_secs(lag))),
        None => out.push("lag NULL (source gone)".into()),
    }
    out
}
