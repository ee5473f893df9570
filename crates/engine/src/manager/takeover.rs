//! The optional second phase of a recovery (docs/semantics.md §6.4.1): a replica with a
//! better promotion rule than the one chosen catches up under it and takes over.
//!
//! `recoverDeadMaster` (go/logic/topology_recovery.go) calls
//! `replacePromotedReplicaWithCandidate` unless the chosen replica was "ideal"
//! (`promotedReplicaIsIdeal`: `prefer`, or no moved replica has a better rule).
//! `SuggestReplacementForPromotedReplica` looks for a `prefer` replica of the promoted one,
//! and, if the promoted one is `prefer_not`, for a `neutral` one; `TakeMaster`
//! (go/inst/instance_topology.go) lets it replicate until it has everything the promoted
//! one has, swaps the two, and the other replicas are relocated under it. Only then does
//! `checkAndRecoverDeadMaster` run RESET REPLICA ALL and read_only=0, on the replacement.

use super::{Effects, Manager, Run, Step};
use crate::config::PromotionRule;
use crate::ids::NodeId;
use crate::message::AdminCmd;
use crate::time::{Instant, fmt_secs, ms};

impl Manager {
    fn rule_of(&self, n: NodeId) -> PromotionRule {
        self.promotion_rules
            .get(n.index())
            .copied()
            .unwrap_or_default()
    }

    /// The replica that should take over from `chosen`, if any, among the replicas moved
    /// under it. `canTakeOverPromotedServerAsMaster`: reachable, with a binlog of
    /// replicated writes, not `must_not`. SuggestReplacementForPromotedReplica's loops keep
    /// the last match, so the highest id of the best rule wins.
    pub(super) fn replacement(&self, chosen: NodeId, moved: &[NodeId]) -> Option<NodeId> {
        let rule = self.rule_of(chosen);
        let ideal = rule == PromotionRule::Prefer || moved.iter().all(|&r| self.rule_of(r) >= rule);
        if ideal {
            return None;
        }
        let can_take_over = |r: NodeId| {
            let inst = &self.instances[r.index()];
            let lru = inst.status.as_ref().is_some_and(|s| s.log_replica_updates);
            inst.valid && lru && self.rule_of(r) != PromotionRule::MustNot
        };
        let last_with = |want: PromotionRule| {
            (moved.iter().copied())
                .rev()
                .find(|&r| self.rule_of(r) == want && can_take_over(r))
        };
        last_with(PromotionRule::Prefer).or_else(|| {
            (rule == PromotionRule::PreferNot)
                .then(|| last_with(PromotionRule::Neutral))
                .flatten()
        })
    }

    /// Starts the take-over: `better` replicates from the chosen candidate (as it would
    /// after the regroup) until it has everything the candidate has.
    pub(super) fn start_take_over(
        &mut self,
        now: Instant,
        run: &mut Run,
        better: NodeId,
        fx: &mut Effects,
    ) {
        let (cand, id) = (run.candidate, run.recovery.id);
        let text = format!(
            "{}: promotion rule {} beats {}'s {}: it catches up under {} and takes over",
            self.name(better),
            self.rule_of(better).name(),
            self.name(cand),
            self.rule_of(cand).name(),
            self.name(cand)
        );
        self.log(now, "recovery", text.clone());
        run.recovery.steps.push(text);
        let cmd = AdminCmd::ChangeSource {
            source: cand,
            auto_position: true,
        };
        self.recovery_admin(now, id, better, cmd, fx);
        run.step = Step::TakeOver { better, since: now };
    }

    /// Waits until `better` has executed all the candidate has, then makes it the one to
    /// promote; the candidate becomes one of its replicas. Gives up (keeping the candidate)
    /// after `relay_log_apply_timeout_ms`, as TakeMaster's failure keeps the promoted one.
    pub(super) fn take_over(
        &mut self,
        now: Instant,
        run: &mut Run,
        better: NodeId,
        since: Instant,
        fx: &mut Effects,
    ) -> bool {
        let cand = run.candidate;
        let executed = |n: NodeId| {
            let inst = &self.instances[n.index()];
            let fresh = inst.last_seen > since;
            (inst.status.as_ref())
                .filter(|_| fresh)
                .map(|s| s.gtid_executed.clone())
        };
        let caught_up = match (executed(cand), executed(better)) {
            (Some(c), Some(b)) => c.is_subset_of(&b),
            _ => false,
        };
        let timeout = ms(self.cfg.relay_log_apply_timeout_ms);
        if !caught_up && now < since + timeout {
            for n in [cand, better] {
                if self.instances[n.index()].outstanding.is_none() {
                    self.probe(now, n, fx);
                }
            }
            return false;
        }
        if !caught_up {
            run.recovery.steps.push(format!(
                "{}: not caught up with {} after {}; {} stays the candidate",
                self.name(better),
                self.name(cand),
                fmt_secs(timeout),
                self.name(cand)
            ));
            return true;
        }
        run.recovery.steps.push(format!(
            "{}: has all {} executed; takes over (TakeMaster)",
            self.name(better),
            self.name(cand)
        ));
        run.siblings.retain(|&s| s != better);
        run.siblings.push(cand);
        run.candidate = better;
        run.recovery.promoted = Some(better);
        for row in &mut run.recovery.candidates {
            row.chosen = row.node == better;
            if row.node == better {
                row.reasons.push(format!(
                    "chosen in the second phase: took over from {}",
                    self.name(cand)
                ));
            }
        }
        true
    }
}
