//! The failover manager, modelled on Orchestrator (docs/semantics.md §6).
//!
//! It stands on the network like any process: it probes every instance, and a probe that
//! is refused or unanswered makes the instance invalid. Detection is holistic: the primary
//! is declared dead only when it is unreachable *and* every reachable replica agrees that
//! replication from it is broken. Recovery picks a candidate by explicit rules, and every
//! decision, with the reasons each other candidate was not chosen, goes into the audit log.

use super::config::{FailoverConfig, PromotionRule};
use super::effects::{Effects, ManagerTimer, Timer};
use super::gtid::GtidSet;
use super::ids::{Addr, NodeId, ShardId};
use super::message::{AdminCmd, Msg};
use super::status::NodeStatus;
use crate::time::{Duration, Instant, fmt_secs, ms, secs, us};
use serde::Serialize;
use std::collections::VecDeque;

/// Audit entries kept (older ones are dropped; recoveries are kept in full).
const AUDIT_WINDOW: usize = 2_000;
/// How often a recovery in progress checks on its step.
const STEP_TICK: Duration = ms(100);
/// How long an admin command may take before the step is considered failed.
const ADMIN_TIMEOUT: Duration = secs(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Analysis {
    NoProblem,
    DeadMaster,
    DeadMasterAndSomeReplicas,
    DeadMasterAndReplicas,
    DeadMasterWithoutReplicas,
    UnreachableMaster,
    DeadIntermediateMaster,
}

impl Analysis {
    pub fn actionable(self) -> bool {
        matches!(
            self,
            Analysis::DeadMaster
                | Analysis::DeadMasterAndSomeReplicas
                | Analysis::DeadIntermediateMaster
        )
    }
}

#[derive(Clone, Debug, Default)]
pub struct Instance {
    pub status: Option<NodeStatus>,
    pub valid: bool,
    pub last_seen: Instant,
    outstanding: Option<(u64, Instant)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at_us: Instant,
    pub kind: &'static str,
    pub text: String,
}

/// One row of the "why this candidate?" table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CandidateRow {
    pub node: NodeId,
    pub chosen: bool,
    pub kept: bool,
    /// Every rule, in order, with what it found.
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recovery {
    pub id: u64,
    pub planned: bool,
    pub started_us: Instant,
    pub finished_us: Option<Instant>,
    pub analysis: Analysis,
    pub failed: NodeId,
    pub promoted: Option<NodeId>,
    pub candidates: Vec<CandidateRow>,
    pub steps: Vec<String>,
    pub success: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    /// Planned switchover: old primary set read-only, waiting for the reply.
    FenceForSwitchover,
    /// Waiting until the candidate has applied everything in its relay log (or, planned,
    /// everything the old primary executed).
    WaitApply {
        since: Instant,
        target: Option<GtidSet>,
    },
    /// Sent STOP REPLICA / RESET REPLICA ALL / read_only=0; waiting for the last reply.
    Promote { since: Instant, req: u64 },
}

#[derive(Clone, Debug)]
struct Run {
    recovery: Recovery,
    step: Step,
    candidate: NodeId,
    /// Replicas to repoint under the candidate.
    siblings: Vec<NodeId>,
    awaiting: Option<u64>,
    probe: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Manager {
    pub cfg: FailoverConfig,
    pub instances: Vec<Instance>,
    pub promotion_rules: Vec<PromotionRule>,
    names: Vec<String>,
    /// The primary as the manager knows it.
    pub primary: Option<NodeId>,
    pub analysis: Analysis,
    pub audit: VecDeque<AuditEntry>,
    pub recoveries: Vec<Recovery>,
    run: Option<Run>,
    last_recovery_us: Option<Instant>,
    acknowledged: bool,
    next_req: u64,
    /// The shard this manager looks after (Orchestrator treats each replication cluster
    /// on its own: detection, recovery and anti-flapping are per cluster).
    pub shard: ShardId,
    /// The nodes of that cluster; the others are never probed or promoted.
    members: Vec<NodeId>,
}

impl Manager {
    pub fn new(
        cfg: FailoverConfig,
        names: Vec<String>,
        rules: Vec<PromotionRule>,
        primary: Option<NodeId>,
    ) -> Self {
        let members = (0..names.len() as u32).map(NodeId).collect();
        Manager {
            shard: ShardId(0),
            members,
            instances: vec![Instance::default(); names.len()],
            promotion_rules: rules,
            names,
            primary,
            analysis: Analysis::NoProblem,
            audit: VecDeque::new(),
            recoveries: Vec::new(),
            run: None,
            last_recovery_us: None,
            acknowledged: true,
            next_req: 1,
            cfg,
        }
    }

    /// This manager looks after one shard: `members` only.
    pub fn for_shard(mut self, shard: ShardId, members: Vec<NodeId>) -> Self {
        self.shard = shard;
        self.members = members;
        self
    }

    pub fn members(&self) -> &[NodeId] {
        &self.members
    }

    fn timer(&self, fx: &mut Effects, at: Instant, timer: ManagerTimer) {
        let shard = self.shard;
        fx.timer(at, Addr::Manager, Timer::Manager { shard, timer });
    }

    pub fn start(&mut self, now: Instant, fx: &mut Effects) {
        self.timer(fx, now, ManagerTimer::Poll);
        let first = now + ms(self.cfg.analysis_interval_ms).max(ms(1));
        self.timer(fx, first, ManagerTimer::Analysis);
    }

    fn name(&self, n: NodeId) -> &str {
        self.names.get(n.index()).map_or("?", |s| s.as_str())
    }

    fn log(&mut self, now: Instant, kind: &'static str, text: String) {
        if self.audit.len() == AUDIT_WINDOW {
            self.audit.pop_front();
        }
        self.audit.push_back(AuditEntry {
            at_us: now,
            kind,
            text,
        });
    }

    pub fn busy(&self) -> bool {
        self.run.is_some()
    }

    fn req(&mut self) -> u64 {
        self.next_req += 1;
        self.next_req
    }

    fn probe(&mut self, now: Instant, n: NodeId, fx: &mut Effects) -> u64 {
        let req = self.req();
        self.instances[n.index()].outstanding = Some((req, now));
        fx.send(Addr::Manager, Addr::Node(n), Msg::Probe { req });
        let at = now + ms(self.cfg.probe_timeout_ms).max(us(1));
        self.timer(fx, at, ManagerTimer::ProbeTimeout { req });
        req
    }

    fn admin(&mut self, n: NodeId, cmd: AdminCmd, fx: &mut Effects) -> u64 {
        let req = self.req();
        fx.send(Addr::Manager, Addr::Node(n), Msg::Admin { req, cmd });
        req
    }

    pub fn on_timer(&mut self, now: Instant, t: ManagerTimer, fx: &mut Effects) {
        match t {
            ManagerTimer::Poll => {
                self.probe_all(now, fx);
                // Service discovery is refreshed every poll (like a Consul KV the proxy
                // watches), so a router cut off during a failover learns the writer later.
                if let (Some(p), None) = (self.primary, &self.run)
                    && !self.recoveries.is_empty()
                {
                    fx.send(Addr::Manager, Addr::Router, Msg::SetWriter { node: p });
                }
                let every = ms(self.cfg.instance_poll_ms).max(ms(100));
                self.timer(fx, now + every, ManagerTimer::Poll);
            }
            ManagerTimer::ProbeTimeout { req } => self.probe_failed(now, req, fx),
            ManagerTimer::Analysis => {
                self.analyse(now, fx);
                let every = ms(self.cfg.analysis_interval_ms).max(ms(100));
                self.timer(fx, now + every, ManagerTimer::Analysis);
            }
            ManagerTimer::RecoveryStep { recovery } => self.step(now, recovery, fx),
        }
    }

    pub fn on_message(&mut self, now: Instant, from: Addr, msg: Msg, fx: &mut Effects) {
        match msg {
            Msg::ProbeReply { req, status } => {
                let Some(n) = from.node() else { return };
                let inst = &mut self.instances[n.index()];
                if inst.outstanding.is_some_and(|(r, _)| r == req) {
                    inst.outstanding = None;
                }
                inst.valid = true;
                inst.last_seen = now;
                inst.status = Some(*status);
                if self.run.as_ref().is_some_and(|r| r.probe == Some(req)) {
                    let id = self.run.as_ref().map_or(0, |r| r.recovery.id);
                    self.step(now, id, fx);
                }
            }
            Msg::Refused { req } => self.probe_failed(now, req, fx),
            Msg::AdminReply { req, result } => self.on_admin_reply(now, from, req, result, fx),
            _ => {}
        }
    }

    /// A probe was refused or timed out: the instance is invalid. If it is the primary,
    /// re-read its replicas at once (orchestrator's emergent read) to decide sooner.
    fn probe_failed(&mut self, now: Instant, req: u64, fx: &mut Effects) {
        let Some(i) = self
            .instances
            .iter()
            .position(|x| x.outstanding.is_some_and(|(r, _)| r == req))
        else {
            return;
        };
        let inst = &mut self.instances[i];
        inst.outstanding = None;
        let was_valid = inst.valid;
        inst.valid = false;
        if was_valid && self.primary == Some(NodeId(i as u32)) {
            for r in self.replicas_of(NodeId(i as u32)) {
                if self.instances[r.index()].outstanding.is_none() {
                    self.probe(now, r, fx);
                }
            }
        }
    }

    /// Nodes whose last known status says they replicate from `source`.
    pub fn replicas_of(&self, source: NodeId) -> Vec<NodeId> {
        self.members
            .iter()
            .copied()
            .filter(|&n| n != source)
            .filter(|n| {
                self.instances[n.index()]
                    .status
                    .as_ref()
                    .and_then(|s| s.replica.as_ref())
                    .is_some_and(|r| r.source == source)
            })
            .collect()
    }

    fn classify(&self, master: NodeId) -> Analysis {
        if self.instances[master.index()].valid {
            return Analysis::NoProblem;
        }
        let replicas = self.replicas_of(master);
        if replicas.is_empty() {
            return Analysis::DeadMasterWithoutReplicas;
        }
        let valid: Vec<&NodeStatus> = replicas
            .iter()
            .filter(|r| self.instances[r.index()].valid)
            .filter_map(|r| self.instances[r.index()].status.as_ref())
            .collect();
        if valid.is_empty() {
            return Analysis::DeadMasterAndReplicas;
        }
        if valid.iter().any(|s| s.replicating()) {
            return Analysis::UnreachableMaster;
        }
        if valid.len() == replicas.len() {
            Analysis::DeadMaster
        } else {
            Analysis::DeadMasterAndSomeReplicas
        }
    }

    fn analyse(&mut self, now: Instant, fx: &mut Effects) {
        if self.run.is_some() {
            return;
        }
        let Some(primary) = self.primary else { return };
        let mut analysis = self.classify(primary);
        let mut failed = primary;
        if analysis == Analysis::NoProblem
            && let Some(im) = self.dead_intermediate(primary)
        {
            analysis = Analysis::DeadIntermediateMaster;
            failed = im;
        }
        if analysis != self.analysis {
            let text = format!("{:?} on {}", analysis, self.name(failed));
            self.log(now, "analysis", text);
            self.analysis = analysis;
        } else if !analysis.actionable() {
            return;
        }
        if !analysis.actionable() {
            return;
        }
        if let Some(reason) = self.blocked(now) {
            if self.audit.back().is_none_or(|e| e.kind != "blocked") {
                self.log(
                    now,
                    "blocked",
                    format!(
                        "{analysis:?} on {} detected but not recovered: {reason}",
                        self.name(failed)
                    ),
                );
            }
            return;
        }
        self.begin_recovery(now, analysis, failed, None, fx);
    }

    /// An intermediate source (a replica with replicas) that is unreachable while all its
    /// reachable replicas have lost replication.
    fn dead_intermediate(&self, primary: NodeId) -> Option<NodeId> {
        self.members
            .iter()
            .copied()
            .filter(|&n| n != primary)
            .find(|&n| {
                // Only a replica that itself has replicas is an intermediate source.
                let is_replica = self.instances[n.index()]
                    .status
                    .as_ref()
                    .is_some_and(|s| s.replica.is_some());
                is_replica
                    && !self.replicas_of(n).is_empty()
                    && self.classify(n) == Analysis::DeadMaster
            })
    }

    fn blocked(&self, now: Instant) -> Option<String> {
        if !self.cfg.automatic {
            return Some("automatic failover is off".into());
        }
        let block = secs(self.cfg.recovery_block_s);
        match self.last_recovery_us {
            Some(t) if !self.acknowledged && now < t + block => Some(format!(
                "anti-flapping: last recovery at {} and RecoveryPeriodBlockSeconds={} (acknowledge to allow)",
                fmt_secs(t),
                self.cfg.recovery_block_s
            )),
            _ => None,
        }
    }

    /// Clears the anti-flapping block, as acknowledging a recovery does.
    pub fn acknowledge(&mut self, now: Instant) {
        self.acknowledged = true;
        self.log(
            now,
            "operator",
            "recoveries acknowledged: the anti-flapping block is lifted".into(),
        );
    }

    fn errant(&self, replica: &NodeStatus, source: &NodeStatus) -> GtidSet {
        // GTIDs the source has not executed, whose origin is not one of the replica's
        // ancestors (here: the source itself), are errant (orchestrator's definition).
        let mine = replica
            .gtid_executed
            .retain_uuids(|u| u != source.server_uuid);
        mine.subtract(&source.gtid_executed)
    }

    /// Evaluates every replica of `failed` and picks one. Returns the table either way.
    fn choose(
        &self,
        now: Instant,
        failed: NodeId,
        planned_target: Option<NodeId>,
    ) -> (Option<NodeId>, Vec<CandidateRow>) {
        let source = self.instances[failed.index()].status.clone();
        let reasonable = secs(self.cfg.reasonable_lag_s);
        let mut rows = Vec::new();
        let mut kept: Vec<(NodeId, (u32, u64), bool, PromotionRule)> = Vec::new();
        for r in self.replicas_of(failed) {
            let mut reasons = Vec::new();
            let mut ok = true;
            let inst = &self.instances[r.index()];
            let rule = self
                .promotion_rules
                .get(r.index())
                .copied()
                .unwrap_or_default();
            let Some(s) = inst.status.as_ref().filter(|_| inst.valid) else {
                rows.push(CandidateRow {
                    node: r,
                    chosen: false,
                    kept: false,
                    reasons: vec!["unreachable: its last probe failed".into()],
                });
                continue;
            };
            let rep = s.replica.as_ref();
            if planned_target.is_some_and(|t| t != r) {
                reasons.push("not the designated replica of this switchover".into());
                ok = false;
            }
            reasons.push(format!("promotion rule {}", rule.name()));
            if rule == PromotionRule::MustNot {
                ok = false;
            }
            match rep
                .and_then(|x| x.last_sql_error.as_ref())
                .filter(|_| !rep.is_some_and(|x| x.sql_running))
            {
                Some(e) => {
                    reasons.push(format!(
                        "replication broken: applier stopped with error {}",
                        e.errno
                    ));
                    ok = false;
                }
                None => reasons.push("applier healthy".into()),
            }
            match rep.and_then(|x| x.replication_lag) {
                Some(lag) if lag > reasonable => {
                    reasons.push(format!(
                        "lagging {} > ReasonableReplicationLagSeconds {} s",
                        fmt_secs(lag),
                        self.cfg.reasonable_lag_s
                    ));
                    ok = false;
                }
                Some(lag) => reasons.push(format!("lag {}", fmt_secs(lag))),
                None => reasons.push("lag NULL (source gone, relay log drained)".into()),
            }
            if !s.log_replica_updates {
                reasons.push("log_replica_updates=OFF: cannot serve as a source".into());
                ok = false;
            }
            let errant = source
                .as_ref()
                .map(|src| self.errant(s, src))
                .unwrap_or_default();
            let has_errant = !errant.is_empty();
            if has_errant {
                reasons.push(format!(
                    "errant GTIDs {errant}: they would be shipped to every replica"
                ));
            } else {
                reasons.push("no errant GTIDs".into());
            }
            let pos = rep
                .map(|x| {
                    if self.cfg.wait_for_relay_log_apply {
                        x.read_source_pos
                    } else {
                        x.exec_source_pos
                    }
                })
                .unwrap_or_default();
            let label = if self.cfg.wait_for_relay_log_apply {
                "received up to"
            } else {
                "executed up to"
            };
            reasons.push(format!("{label} {pos}"));
            if ok {
                kept.push((r, (pos.file, pos.pos), has_errant, rule));
            }
            rows.push(CandidateRow {
                node: r,
                chosen: false,
                kept: ok,
                reasons,
            });
        }
        // Most advanced first; then no errant GTIDs; then the better promotion rule; then id.
        kept.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then(a.2.cmp(&b.2))
                .then(a.3.cmp(&b.3))
                .then(a.0.cmp(&b.0))
        });
        let best = kept.iter().find(|k| !k.2).or(kept.first()).map(|k| k.0);
        for row in &mut rows {
            if Some(row.node) == best {
                row.chosen = true;
                row.reasons
                    .push("chosen: most advanced eligible replica".into());
            } else if row.kept {
                row.reasons
                    .push("not chosen: another candidate ranks higher".into());
            }
        }
        let _ = now;
        (best, rows)
    }

    fn begin_recovery(
        &mut self,
        now: Instant,
        analysis: Analysis,
        failed: NodeId,
        planned: Option<NodeId>,
        fx: &mut Effects,
    ) {
        let id = self.recoveries.len() as u64 + 1;
        let (candidate, candidates) = self.choose(now, failed, planned);
        let mut recovery = Recovery {
            id,
            planned: planned.is_some(),
            started_us: now,
            finished_us: None,
            analysis,
            failed,
            promoted: candidate,
            candidates,
            steps: Vec::new(),
            success: false,
        };
        let kind = if planned.is_some() {
            "switchover"
        } else {
            "recovery"
        };
        if analysis == Analysis::DeadIntermediateMaster {
            return self.recover_intermediate(now, recovery, fx);
        }
        let Some(candidate) = candidate else {
            let text = format!(
                "{kind} of {}: no eligible candidate, nothing promoted",
                self.name(failed)
            );
            recovery.steps.push(text.clone());
            recovery.finished_us = Some(now);
            self.log(now, kind, text);
            self.recoveries.push(recovery);
            self.note_recovery(now, planned.is_some());
            return;
        };
        let text = format!(
            "{kind} of {} ({analysis:?}): candidate {}",
            self.name(failed),
            self.name(candidate)
        );
        self.log(now, kind, text.clone());
        recovery.steps.push(text);
        let siblings = self
            .replicas_of(failed)
            .into_iter()
            .filter(|&r| r != candidate && self.instances[r.index()].valid)
            .collect();
        let step = if planned.is_some() {
            Step::FenceForSwitchover
        } else if self.cfg.wait_for_relay_log_apply {
            Step::WaitApply {
                since: now,
                target: None,
            }
        } else {
            Step::WaitApply {
                since: Instant::ZERO,
                target: None,
            }
        };
        let mut run = Run {
            recovery,
            step,
            candidate,
            siblings,
            awaiting: None,
            probe: None,
        };
        if planned.is_some() {
            let req = self.admin(
                failed,
                AdminCmd::SetReadOnly {
                    read_only: true,
                    super_read_only: true,
                },
                fx,
            );
            run.awaiting = Some(req);
            run.recovery.steps.push(format!(
                "{}: SET GLOBAL super_read_only=ON (writes now fail with 1290)",
                self.name(failed)
            ));
        }
        self.run = Some(run);
        self.step(now, id, fx);
    }

    /// A dead intermediate source: its replicas move up under its own source.
    fn recover_intermediate(&mut self, now: Instant, mut recovery: Recovery, fx: &mut Effects) {
        let failed = recovery.failed;
        let upstream = self.instances[failed.index()]
            .status
            .as_ref()
            .and_then(|s| s.replica.as_ref())
            .map(|r| r.source);
        recovery.promoted = None;
        for row in &mut recovery.candidates {
            row.chosen = false;
        }
        match upstream {
            Some(up) => {
                let movers: Vec<NodeId> = self
                    .replicas_of(failed)
                    .into_iter()
                    .filter(|r| self.instances[r.index()].valid)
                    .collect();
                for r in movers {
                    self.admin(
                        r,
                        AdminCmd::ChangeSource {
                            source: up,
                            auto_position: true,
                        },
                        fx,
                    );
                    recovery.steps.push(format!(
                        "{}: moved up to replicate from {}",
                        self.name(r),
                        self.name(up)
                    ));
                }
                recovery.success = true;
            }
            None => recovery.steps.push(format!(
                "{}: its own source is unknown; nothing to repoint",
                self.name(failed)
            )),
        }
        recovery.finished_us = Some(now);
        self.log(
            now,
            "recovery",
            format!(
                "DeadIntermediateMaster {}: replicas relocated",
                self.name(failed)
            ),
        );
        self.probe_all(now, fx);
        self.recoveries.push(recovery);
        self.analysis = Analysis::NoProblem;
        self.note_recovery(now, false);
    }

    /// Starts a planned switchover to `target` (graceful-master-takeover).
    pub fn switchover(
        &mut self,
        now: Instant,
        target: NodeId,
        fx: &mut Effects,
    ) -> Result<(), String> {
        if self.run.is_some() {
            return Err("a recovery is already in progress".into());
        }
        let Some(primary) = self.primary else {
            return Err("the manager knows no primary".into());
        };
        if target == primary {
            return Err(format!("{} is already the primary", self.name(target)));
        }
        if !self.replicas_of(primary).contains(&target) {
            return Err(format!(
                "{} is not a replica of the primary {}",
                self.name(target),
                self.name(primary)
            ));
        }
        if !self.instances[primary.index()].valid {
            return Err(format!(
                "the primary {} is unreachable: a switchover needs it alive",
                self.name(primary)
            ));
        }
        self.begin_recovery(now, Analysis::NoProblem, primary, Some(target), fx);
        Ok(())
    }

    fn on_admin_reply(
        &mut self,
        now: Instant,
        from: Addr,
        req: u64,
        result: Result<(), String>,
        fx: &mut Effects,
    ) {
        let Some(run) = &mut self.run else { return };
        if let Err(e) = &result {
            let who = from
                .node()
                .map(|n| self.names.get(n.index()).cloned().unwrap_or_default())
                .unwrap_or_default();
            run.recovery
                .steps
                .push(format!("{who}: command failed: {e}"));
        }
        if run.awaiting == Some(req) {
            run.awaiting = None;
            let id = run.recovery.id;
            self.step(now, id, fx);
        }
    }

    fn schedule_step(&self, now: Instant, id: u64, fx: &mut Effects) {
        self.timer(
            fx,
            now + STEP_TICK,
            ManagerTimer::RecoveryStep { recovery: id },
        );
    }

    /// Advances the recovery in progress by one step if it can.
    fn step(&mut self, now: Instant, id: u64, fx: &mut Effects) {
        let Some(run) = self.run.take() else { return };
        if run.recovery.id != id {
            self.run = Some(run);
            return;
        }
        let run = self.advance(now, run, fx);
        if let Some(run) = run {
            self.schedule_step(now, id, fx);
            self.run = Some(run);
        }
    }

    fn advance(&mut self, now: Instant, mut run: Run, fx: &mut Effects) -> Option<Run> {
        let cand = run.candidate;
        match run.step.clone() {
            Step::FenceForSwitchover => {
                if run.awaiting.is_some() {
                    return Some(run);
                }
                // Re-read the old primary now that it is read-only: its final executed set
                // is what the designated replica must reach.
                run.probe = Some(self.probe(now, run.recovery.failed, fx));
                run.step = Step::WaitApply {
                    since: now,
                    target: None,
                };
                Some(run)
            }
            Step::WaitApply { since, target } => self.wait_apply(now, run, since, target, fx),
            Step::Promote { since, req } => {
                if run.awaiting == Some(req) && now < since + ADMIN_TIMEOUT {
                    return Some(run);
                }
                if run.awaiting.is_some() {
                    run.recovery.steps.push(format!(
                        "{}: no answer to the promotion; giving up",
                        self.name(cand)
                    ));
                    return self.finish(now, run, false, fx);
                }
                self.repoint(now, &mut run, fx);
                self.finish(now, run, true, fx)
            }
        }
    }

    fn wait_apply(
        &mut self,
        now: Instant,
        mut run: Run,
        since: Instant,
        target: Option<GtidSet>,
        fx: &mut Effects,
    ) -> Option<Run> {
        let cand = run.candidate;
        let planned = run.recovery.planned;
        let target = match (planned, target) {
            (true, None) => {
                let failed = &self.instances[run.recovery.failed.index()];
                if failed.last_seen <= since {
                    return Some(run); // waiting for the re-read of the old primary
                }
                let t = failed
                    .status
                    .as_ref()
                    .map(|s| s.gtid_executed.clone())
                    .unwrap_or_default();
                run.step = Step::WaitApply {
                    since,
                    target: Some(t.clone()),
                };
                Some(t)
            }
            (_, t) => t,
        };
        let status = self.instances[cand.index()].status.clone();
        let caught_up = status.as_ref().is_some_and(|s| {
            let applied = s.replica.as_ref().is_none_or(|r| r.relay_log_pending == 0);
            let has_target = target
                .as_ref()
                .is_none_or(|t| t.is_subset_of(&s.gtid_executed));
            applied && has_target
        });
        let fresh = self.instances[cand.index()].last_seen > since || since == Instant::ZERO;
        let timeout = ms(self.cfg.relay_log_apply_timeout_ms);
        let waiting = if planned {
            true
        } else {
            self.cfg.wait_for_relay_log_apply
        };
        if waiting && !(caught_up && fresh) {
            if now >= since + timeout {
                run.recovery.steps.push(format!(
                    "{}: still not caught up after {}; promoting anyway",
                    self.name(cand),
                    fmt_secs(timeout)
                ));
            } else {
                if run.probe.is_none() || self.instances[cand.index()].outstanding.is_none() {
                    run.probe = Some(self.probe(now, cand, fx));
                }
                return Some(run);
            }
        } else if waiting {
            run.recovery.steps.push(format!(
                "{}: relay log applied (caught up)",
                self.name(cand)
            ));
        } else {
            run.recovery.steps.push(format!("{}: promoted without waiting for its relay log (unapplied transactions are discarded)", self.name(cand)));
        }
        self.admin(cand, AdminCmd::StopReplica, fx);
        self.admin(cand, AdminCmd::ResetReplicaAll, fx);
        let req = self.admin(
            cand,
            AdminCmd::SetReadOnly {
                read_only: false,
                super_read_only: false,
            },
            fx,
        );
        run.recovery.steps.push(format!(
            "{}: STOP REPLICA; RESET REPLICA ALL; SET GLOBAL read_only=OFF",
            self.name(cand)
        ));
        run.awaiting = Some(req);
        run.step = Step::Promote { since: now, req };
        Some(run)
    }

    fn repoint(&mut self, now: Instant, run: &mut Run, fx: &mut Effects) {
        let cand = run.candidate;
        let failed = run.recovery.failed;
        for s in run.siblings.clone() {
            self.admin(
                s,
                AdminCmd::ChangeSource {
                    source: cand,
                    auto_position: true,
                },
                fx,
            );
            run.recovery.steps.push(format!(
                "{}: CHANGE REPLICATION SOURCE TO {} (auto-position); START REPLICA",
                self.name(s),
                self.name(cand)
            ));
        }
        if run.recovery.planned {
            self.admin(
                failed,
                AdminCmd::ChangeSource {
                    source: cand,
                    auto_position: true,
                },
                fx,
            );
            run.recovery.steps.push(format!(
                "{}: old primary now replicates from {}",
                self.name(failed),
                self.name(cand)
            ));
        } else if self.cfg.fence_old_primary {
            self.admin(
                failed,
                AdminCmd::SetReadOnly {
                    read_only: true,
                    super_read_only: true,
                },
                fx,
            );
            let reach = if self.instances[failed.index()].valid {
                "sent"
            } else {
                "sent, but it is unreachable: not fenced if it is still up"
            };
            run.recovery.steps.push(format!(
                "{}: fence with super_read_only=ON ({reach})",
                self.name(failed)
            ));
        }
        fx.send(Addr::Manager, Addr::Router, Msg::SetWriter { node: cand });
        run.recovery
            .steps
            .push(format!("router: writes now go to {}", self.name(cand)));
        let _ = now;
    }

    fn probe_all(&mut self, now: Instant, fx: &mut Effects) {
        for i in 0..self.members.len() {
            let n = self.members[i];
            if self.instances[n.index()].outstanding.is_none() {
                self.probe(now, n, fx);
            }
        }
    }

    fn finish(
        &mut self,
        now: Instant,
        mut run: Run,
        success: bool,
        fx: &mut Effects,
    ) -> Option<Run> {
        run.recovery.success = success;
        run.recovery.finished_us = Some(now);
        let text = if success {
            format!(
                "{} promoted in {}",
                self.name(run.candidate),
                fmt_secs(now - run.recovery.started_us)
            )
        } else {
            "recovery failed".to_string()
        };
        run.recovery.steps.push(text.clone());
        self.log(now, "recovery", text);
        if success && run.recovery.analysis != Analysis::DeadIntermediateMaster {
            self.primary = Some(run.candidate);
        }
        let planned = run.recovery.planned;
        self.recoveries.push(run.recovery);
        // The topology just changed: re-read everything rather than trust old probes.
        self.probe_all(now, fx);
        self.analysis = Analysis::NoProblem;
        self.note_recovery(now, planned);
        None
    }

    fn note_recovery(&mut self, now: Instant, planned: bool) {
        if !planned {
            self.last_recovery_us = Some(now);
            self.acknowledged = false;
        }
    }

    /// The instance is promoted by hand (an operator's `promote`): the manager follows.
    pub fn set_primary(&mut self, now: Instant, n: NodeId) {
        self.primary = Some(n);
        self.log(now, "operator", format!("primary is now {}", self.name(n)));
    }
}
