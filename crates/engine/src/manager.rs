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
use super::steps::{self, Actor, StepStatement, Tool};
use crate::time::{Duration, Instant, fmt_secs, ms, secs, us};
use serde::Serialize;
use std::collections::VecDeque;

mod mariadb;
mod ranking;
mod takeover;

/// Audit entries kept (older ones are dropped; recoveries are kept in full).
const AUDIT_WINDOW: usize = 2_000;
/// How often a recovery in progress checks on its step.
const STEP_TICK: Duration = ms(100);
/// Admin requests of recoveries remembered for their replies (a recovery sends a few per
/// replica, so this covers the last several recoveries of a nine-node cluster).
const ADMIN_REQUESTS_KEPT: usize = 64;
/// How long an admin command may take before the step is considered failed.
const ADMIN_TIMEOUT: Duration = secs(2);
/// InstanceBulkOperationsWaitTimeoutSeconds (go/config/config.go: 10): how long
/// StopReplicationNicely waits for each replica's SQL thread to apply its relay log.
const BULK_OPERATIONS_WAIT: Duration = secs(10);
/// ReasonableMaintenanceReplicationLagSeconds (go/config/config.go: 20): a switchover's
/// designated replica may lag no more.
const MAINTENANCE_LAG: Duration = secs(20);

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
    /// The second phase: `better` catches up under the candidate, then takes over.
    TakeOver { better: NodeId, since: Instant },
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
    /// Replicas lost to the recovery: detached once the candidate is promoted.
    lost: Vec<NodeId>,
    awaiting: Option<u64>,
    probe: Option<u64>,
}

/// A recovery stopping the replicas nicely before it chooses (StopReplicationNicely).
#[derive(Clone, Debug)]
struct Drain {
    recovery: Recovery,
    since: Instant,
    replicas: Vec<NodeId>,
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
    drain: Option<Drain>,
    last_recovery_us: Option<Instant>,
    acknowledged: bool,
    next_req: u64,
    /// The shard this manager looks after (Orchestrator treats each replication cluster
    /// on its own: detection, recovery and anti-flapping are per cluster).
    pub shard: ShardId,
    /// The nodes of that cluster; the others are never probed or promoted.
    members: Vec<NodeId>,
    /// Whether a failover hook moves the writer in ProxySQL's admin interface (the proxy
    /// takes its writer from the manager); its statements are recorded with the recovery.
    pub proxysql_hook: bool,
    /// The last admin requests of recoveries, with the recovery each belongs to: a reply
    /// that reports an error is recorded with it, even after the recovery ended.
    admin_requests: VecDeque<(u64, u64)>,
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
            drain: None,
            last_recovery_us: None,
            acknowledged: true,
            next_req: 1,
            proxysql_hook: true,
            admin_requests: VecDeque::new(),
            cfg,
        }
    }

    /// This manager looks after one shard: `members` only.
    pub fn for_shard(mut self, shard: ShardId, members: Vec<NodeId>) -> Self {
        self.shard = shard;
        self.members = members;
        self
    }

    /// A server added at run time: known by name (so nothing indexes past the end) and, if
    /// `member`, probed with this cluster from the next poll on.
    pub fn add_node(&mut self, n: NodeId, name: String, rule: PromotionRule, member: bool) {
        self.names.push(name);
        self.promotion_rules.push(rule);
        self.instances.push(Instance::default());
        if member {
            self.members.push(n);
        }
    }

    /// No ProxySQL in front of this cluster: a recovery runs no admin statements there.
    pub fn without_proxysql_hook(mut self) -> Self {
        self.proxysql_hook = false;
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
        self.run.is_some() || self.drain.is_some()
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

    /// Records a statement recovery `id` ran (on `node`, or on ProxySQL's admin).
    fn record(
        &self,
        now: Instant,
        id: u64,
        (node, tool): (Option<NodeId>, Tool),
        text: String,
        fx: &mut Effects,
    ) {
        let actor = Actor::Manager { shard: self.shard };
        let mut s = StepStatement::new(now, actor, tool, text).in_recovery(id);
        s.node = node;
        fx.statement(s);
    }

    /// Sends an admin command of recovery `id`, recording the SQL statements it is.
    fn recovery_admin(
        &mut self,
        now: Instant,
        id: u64,
        n: NodeId,
        cmd: AdminCmd,
        fx: &mut Effects,
    ) -> u64 {
        let host = |m: NodeId| self.name(m).to_string();
        let texts = if self.probed_mariadb(n) {
            steps::mariadb_admin_statements(&cmd, host)
        } else {
            steps::admin_statements(&cmd, host)
        };
        for text in texts {
            self.record(now, id, (Some(n), Tool::Mysql), text, fx);
        }
        let req = self.admin(n, cmd, fx);
        if self.admin_requests.len() == ADMIN_REQUESTS_KEPT {
            self.admin_requests.pop_front();
        }
        self.admin_requests.push_back((req, id));
        req
    }

    pub fn on_timer(&mut self, now: Instant, t: ManagerTimer, fx: &mut Effects) {
        match t {
            ManagerTimer::Poll => {
                self.probe_all(now, fx);
                // Service discovery is refreshed every poll (like a Consul KV the proxy
                // watches), so a router cut off during a failover learns the writer later.
                if let (Some(p), false) = (self.primary, self.busy())
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
        if self.busy() {
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

    fn begin_recovery(
        &mut self,
        now: Instant,
        analysis: Analysis,
        failed: NodeId,
        planned: Option<NodeId>,
        fx: &mut Effects,
    ) {
        let recovery = Recovery {
            id: self.recoveries.len() as u64 + 1,
            planned: planned.is_some(),
            started_us: now,
            finished_us: None,
            analysis,
            failed,
            promoted: None,
            candidates: Vec::new(),
            steps: Vec::new(),
            success: false,
        };
        if analysis == Analysis::DeadIntermediateMaster {
            return self.recover_intermediate(now, recovery, fx);
        }
        // sortedReplicasDataCenterHint stops the replicas nicely only when there is more
        // than one to sort (`if len(replicas) <= 1 { return replicas }`), and a graceful
        // takeover has already moved the siblings under the designated replica.
        if planned.is_none() && self.replicas_of(failed).len() > 1 {
            return self.start_drain(now, recovery, fx);
        }
        self.decide(now, recovery, planned, fx);
    }

    /// Chooses the candidate (§6.3) and starts promoting it, or ends the recovery.
    fn decide(
        &mut self,
        now: Instant,
        mut recovery: Recovery,
        planned: Option<NodeId>,
        fx: &mut Effects,
    ) {
        let kind = if planned.is_some() {
            "switchover"
        } else {
            "recovery"
        };
        let choice = self.choose(recovery.failed, planned);
        recovery.candidates = choice.rows;
        recovery.promoted = choice.best;
        match choice.best {
            Some(candidate) => self.start_run(now, kind, recovery, candidate, choice.lost, fx),
            None => self.end_without_candidate(now, kind, recovery),
        }
    }

    /// StopReplicationNicely on every reachable replica of the dead primary: stop
    /// receiving, apply the relay log, for at most InstanceBulkOperationsWaitTimeoutSeconds.
    fn start_drain(&mut self, now: Instant, mut recovery: Recovery, fx: &mut Effects) {
        let (id, failed) = (recovery.id, recovery.failed);
        let replicas: Vec<NodeId> = (self.replicas_of(failed).into_iter())
            .filter(|r| self.instances[r.index()].valid)
            .collect();
        let how = if replicas.iter().all(|&r| self.probed_mariadb(r)) {
            // StopReplicas skips the nice stop on MariaDB (docs/semantics.md §13.7).
            "with a plain STOP SLAVE (MariaDB: no nice stop, relay logs stay unapplied)".into()
        } else {
            format!(
                "nicely, up to {} for their relay logs",
                fmt_secs(BULK_OPERATIONS_WAIT)
            )
        };
        let text = format!(
            "recovery of {} ({:?}): stopping {} replicas {how}",
            self.name(failed),
            recovery.analysis,
            replicas.len(),
        );
        self.log(now, "recovery", text.clone());
        recovery.steps.push(text);
        for &r in &replicas {
            let stop = self.stop_for_sorting(r);
            self.recovery_admin(now, id, r, stop, fx);
        }
        self.drain = Some(Drain {
            recovery,
            since: now,
            replicas,
        });
        self.schedule_step(now, id, fx);
    }

    /// Re-reads the draining replicas until every one has applied its relay log or the
    /// wait is over; then chooses by what they executed.
    fn drain_step(&mut self, now: Instant, fx: &mut Effects) {
        let Some(d) = self.drain.take() else { return };
        let drained = |r: &NodeId| {
            let inst = &self.instances[r.index()];
            let mariadb = inst.status.as_ref().is_some_and(mariadb::is_mariadb);
            let pending = inst.status.as_ref().and_then(|s| s.replica.as_ref());
            // MariaDB's plain STOP SLAVE is done once the threads are seen stopped.
            let done = |x: &crate::status::ReplicaStatus| {
                if mariadb {
                    !x.sql_running
                } else {
                    x.relay_log_pending == 0
                }
            };
            !inst.valid || inst.last_seen > d.since && pending.is_none_or(done)
        };
        let done = d.replicas.iter().all(drained);
        if !done && now < d.since + BULK_OPERATIONS_WAIT {
            for &r in &d.replicas {
                if self.instances[r.index()].outstanding.is_none() {
                    self.probe(now, r, fx);
                }
            }
            self.schedule_step(now, d.recovery.id, fx);
            self.drain = Some(d);
            return;
        }
        let mut recovery = d.recovery;
        recovery.steps.push(if done {
            "relay logs applied: ranking by what each replica executed".into()
        } else {
            let late: Vec<&str> = (d.replicas.iter())
                .filter(|r| !drained(r))
                .map(|&r| self.name(r))
                .collect();
            format!(
                "{} still applying after {}: ranking by what each executed so far",
                late.join(", "),
                fmt_secs(BULK_OPERATIONS_WAIT)
            )
        });
        self.decide(now, recovery, None, fx);
    }

    /// No replica may be promoted: the recovery ends at once, and says so.
    fn end_without_candidate(&mut self, now: Instant, kind: &'static str, mut recovery: Recovery) {
        let text = format!(
            "{kind} of {}: no eligible candidate, nothing promoted",
            self.name(recovery.failed)
        );
        recovery.steps.push(text.clone());
        recovery.finished_us = Some(now);
        self.log(now, kind, text);
        self.recoveries.push(recovery);
        self.note_recovery(now);
    }

    /// Starts promoting `candidate`: a switchover first fences the old primary; a failover
    /// goes straight to waiting for the candidate's relay log (if configured to wait).
    fn start_run(
        &mut self,
        now: Instant,
        kind: &'static str,
        mut recovery: Recovery,
        candidate: NodeId,
        lost: Vec<NodeId>,
        fx: &mut Effects,
    ) {
        let (id, failed, planned) = (recovery.id, recovery.failed, recovery.planned);
        let text = format!(
            "{kind} of {} ({:?}): candidate {}",
            self.name(failed),
            recovery.analysis,
            self.name(candidate)
        );
        self.log(now, kind, text.clone());
        recovery.steps.push(text);
        let siblings = self
            .replicas_of(failed)
            .into_iter()
            .filter(|&r| r != candidate && self.instances[r.index()].valid)
            .filter(|r| !lost.contains(r))
            .collect();
        let step = if planned {
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
            lost,
            awaiting: None,
            probe: None,
        };
        if planned {
            let req = self.recovery_admin(
                now,
                id,
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
                    self.recovery_admin(
                        now,
                        recovery.id,
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
        self.note_recovery(now);
    }

    /// Starts a planned switchover to `target` (graceful-master-takeover).
    pub fn switchover(
        &mut self,
        now: Instant,
        target: NodeId,
        fx: &mut Effects,
    ) -> Result<(), String> {
        if self.busy() {
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
        if let Some(refusal) = self.takeover_refused(target) {
            return Err(refusal);
        }
        self.begin_recovery(now, Analysis::NoProblem, primary, Some(target), fx);
        Ok(())
    }

    /// GracefulMasterTakeover's checks on the designated replica before anything is done
    /// (go/logic/topology_recovery.go): `IsBannedFromBeingCandidateReplica` (must_not) and
    /// `HasReasonableMaintenanceReplicationLag` (lag at most
    /// ReasonableMaintenanceReplicationLagSeconds, 20 s in go/config/config.go).
    fn takeover_refused(&self, target: NodeId) -> Option<String> {
        let rule = self.promotion_rules.get(target.index()).copied();
        if rule == Some(PromotionRule::MustNot) {
            return Some(format!(
                "{} cannot be promoted: its promotion rule is must_not",
                self.name(target)
            ));
        }
        let status = self.instances[target.index()].status.as_ref();
        let lag = status.and_then(|s| s.replica.as_ref()?.replication_lag);
        match lag {
            Some(lag) if lag > MAINTENANCE_LAG => Some(format!(
                "{} lags {}, more than ReasonableMaintenanceReplicationLagSeconds ({}): too far behind for a switchover",
                self.name(target),
                fmt_secs(lag),
                fmt_secs(MAINTENANCE_LAG)
            )),
            _ => None,
        }
    }

    fn on_admin_reply(
        &mut self,
        now: Instant,
        from: Addr,
        req: u64,
        result: Result<(), String>,
        fx: &mut Effects,
    ) {
        if let Err(e) = &result {
            // The error follows the statements it answers, as a client prints it.
            let recovery = self.admin_requests.iter().find(|(r, _)| *r == req);
            if let Some(&(_, id)) = recovery {
                let text = format!("-- failed: {e}");
                self.record(now, id, (from.node(), Tool::Mysql), text, fx);
            }
        }
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
        if self.drain.as_ref().is_some_and(|d| d.recovery.id == id) {
            return self.drain_step(now, fx);
        }
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
                let (id, failed) = (run.recovery.id, run.recovery.failed);
                let text = self.reread_statement(failed);
                self.record(now, id, (Some(failed), Tool::Mysql), text, fx);
                run.step = Step::WaitApply {
                    since: now,
                    target: None,
                };
                Some(run)
            }
            Step::WaitApply { since, target } => self.wait_apply(now, run, since, target, fx),
            Step::TakeOver { better, since } => {
                if self.take_over(now, &mut run, better, since, fx) {
                    self.send_promotion(now, &mut run, fx);
                }
                Some(run)
            }
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
                let timeout_s = self.cfg.relay_log_apply_timeout_ms.div_ceil(1000);
                let text = self.wait_statement(cand, &t, timeout_s);
                self.record(now, run.recovery.id, (Some(cand), Tool::Mysql), text, fx);
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
        let waiting = planned || self.cfg.wait_for_relay_log_apply;
        if waiting && !(caught_up && fresh) {
            if let Some(reason) = self.stalled_mariadb_candidate(&run, since, now) {
                run.recovery.steps.push(reason);
                return self.finish(now, run, false, fx);
            }
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
        let better = (!planned)
            .then(|| self.replacement(cand, &run.siblings))
            .flatten();
        match better {
            Some(better) => self.start_take_over(now, &mut run, better, fx),
            None => self.send_promotion(now, &mut run, fx),
        }
        Some(run)
    }

    /// Makes the candidate a primary: STOP REPLICA; RESET REPLICA ALL; read_only=OFF, then
    /// waits for the answer to the last of them.
    fn send_promotion(&mut self, now: Instant, run: &mut Run, fx: &mut Effects) {
        let (cand, id) = (run.candidate, run.recovery.id);
        self.recovery_admin(now, id, cand, AdminCmd::StopReplica, fx);
        self.recovery_admin(now, id, cand, AdminCmd::ResetReplicaAll, fx);
        let req = self.recovery_admin(
            now,
            id,
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
    }

    fn repoint(&mut self, now: Instant, run: &mut Run, fx: &mut Effects) {
        let cand = run.candidate;
        let (failed, id) = (run.recovery.failed, run.recovery.id);
        for s in run.siblings.clone() {
            self.recovery_admin(
                now,
                id,
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
        self.detach_lost(now, run, fx);
        if run.recovery.planned {
            let change = self.demoted_primary_change(failed, cand);
            self.recovery_admin(now, id, failed, change, fx);
            run.recovery.steps.push(format!(
                "{}: old primary now replicates from {}",
                self.name(failed),
                self.name(cand)
            ));
        } else if self.cfg.fence_old_primary {
            self.recovery_admin(
                now,
                id,
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
        if self.proxysql_hook {
            let old = self.name(failed).to_string();
            for text in steps::proxysql_writer_change(Some(&old), self.name(cand)) {
                self.record(now, id, (None, Tool::ProxysqlAdmin), text, fx);
            }
        }
        run.recovery
            .steps
            .push(format!("router: writes now go to {}", self.name(cand)));
    }

    /// DetachLostReplicasAfterMasterFailover (default true): a lost replica is detached
    /// from the dead primary so it never resumes from it. Orchestrator points it at an
    /// unresolvable `//host`; the engine's nearest is STOP REPLICA.
    fn detach_lost(&mut self, now: Instant, run: &mut Run, fx: &mut Effects) {
        let id = run.recovery.id;
        for r in run.lost.clone() {
            if !self.instances[r.index()].valid {
                run.recovery.steps.push(format!(
                    "{}: lost (unreachable), left as it is",
                    self.name(r)
                ));
                continue;
            }
            self.recovery_admin(now, id, r, AdminCmd::StopReplica, fx);
            run.recovery.steps.push(format!(
                "{}: lost, detached (STOP REPLICA): not moved under {}",
                self.name(r),
                self.name(run.candidate)
            ));
        }
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
        self.recoveries.push(run.recovery);
        // The topology just changed: re-read everything rather than trust old probes.
        self.probe_all(now, fx);
        self.analysis = Analysis::NoProblem;
        self.note_recovery(now);
        None
    }

    /// Arms the anti-flapping block. A graceful takeover arms it too: it runs through
    /// `checkAndRecoverDeadMaster` → `AttemptRecoveryRegistration`, whose
    /// `writeTopologyRecovery` inserts the recovery `in_active_period` (only its own
    /// registration skips the check, being forced).
    fn note_recovery(&mut self, now: Instant) {
        self.last_recovery_us = Some(now);
        self.acknowledged = false;
    }

    /// The instance is promoted by hand (an operator's `promote`): the manager follows.
    pub fn set_primary(&mut self, now: Instant, n: NodeId) {
        self.primary = Some(n);
        self.log(now, "operator", format!("primary is now {}", self.name(n)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::BinlogPos;
    use crate::status::{IoRunning, ThreadError};
    use crate::testkit::{effects, gtid, gtids, pos, primary_status, replica_status, sent};

    fn names(n: u32) -> Vec<String> {
        (1..=n).map(|i| format!("db{i}")).collect()
    }

    /// A candidate replica of db1 in the ranking table, as its last probe showed it.
    #[derive(Clone)]
    struct Cand {
        read: u64,
        executed: u64,
        rule: PromotionRule,
        lag_s: Option<u64>,
        errant: bool,
        down: bool,
        broken: Option<u16>,
        log_replica_updates: bool,
    }

    /// A healthy replica that has received db1's binlog up to `binlog.000001:read`.
    fn at(read: u64) -> Cand {
        Cand {
            read,
            executed: read,
            rule: PromotionRule::Neutral,
            lag_s: Some(0),
            errant: false,
            down: false,
            broken: None,
            log_replica_updates: true,
        }
    }

    impl Cand {
        fn rule(self, rule: PromotionRule) -> Self {
            Cand { rule, ..self }
        }
        fn executed(self, executed: u64) -> Self {
            Cand { executed, ..self }
        }
        fn lag(self, lag_s: Option<u64>) -> Self {
            Cand { lag_s, ..self }
        }
        fn errant(self) -> Self {
            Cand {
                errant: true,
                ..self
            }
        }
        fn down(self) -> Self {
            Cand { down: true, ..self }
        }
        fn broken(self, errno: u16) -> Self {
            Cand {
                broken: Some(errno),
                ..self
            }
        }
        fn no_log_replica_updates(self) -> Self {
            Cand {
                log_replica_updates: false,
                ..self
            }
        }

        fn status(&self, node: u32) -> NodeStatus {
            let mut s = replica_status(node, 0, self.lag_s.map(secs));
            s.gtid_executed = gtids(1, 1, 10);
            if self.errant {
                // A DBA's write on the replica: server 9's transaction db1 never ran.
                s.gtid_executed.insert(gtid(9, 1));
            }
            s.log_replica_updates = self.log_replica_updates;
            let r = s.replica.as_mut().expect("a replica");
            r.read_source_pos = pos(1, self.read);
            r.exec_source_pos = pos(1, self.executed);
            if let Some(errno) = self.broken {
                r.sql_running = false;
                r.last_sql_error = Some(ThreadError {
                    errno,
                    message: "Duplicate entry".into(),
                    at_us: Instant::ZERO,
                });
            }
            s
        }
    }

    /// A manager whose last probes saw db1 (the failed primary) and `cands` as db2, db3, ….
    fn manager_seeing(cands: &[Cand], cfg: FailoverConfig) -> Manager {
        let n = cands.len() as u32 + 1;
        let rules = std::iter::once(PromotionRule::Neutral)
            .chain(cands.iter().map(|c| c.rule))
            .collect();
        let mut m = Manager::new(cfg, names(n), rules, Some(NodeId(0)));
        m.instances[0].status = Some(primary_status(0, gtids(1, 1, 10)));
        for (i, c) in cands.iter().enumerate() {
            let inst = &mut m.instances[i + 1];
            inst.status = Some(c.status(i as u32 + 1));
            inst.valid = !c.down;
        }
        m
    }

    fn reasons_of(rows: &[CandidateRow], node: u32) -> &[String] {
        let row = rows.iter().find(|r| r.node == NodeId(node));
        row.map_or(&[], |r| r.reasons.as_slice())
    }

    struct Ranking {
        story: &'static str,
        cands: Vec<Cand>,
        wait_for_relay_log_apply: bool,
        switchover_to: Option<u32>,
        winner: Option<u32>,
        /// The reason that decides it, and on whose row it stands.
        key_reason: (u32, &'static str),
    }

    fn ranking(story: &'static str, cands: Vec<Cand>) -> Ranking {
        Ranking {
            story,
            cands,
            wait_for_relay_log_apply: true,
            switchover_to: None,
            winner: None,
            key_reason: (0, ""),
        }
    }

    impl Ranking {
        fn winner(self, node: u32, reason_node: u32, reason: &'static str) -> Self {
            Ranking {
                winner: Some(node),
                key_reason: (reason_node, reason),
                ..self
            }
        }
        fn nobody(self, reason_node: u32, reason: &'static str) -> Self {
            Ranking {
                winner: None,
                key_reason: (reason_node, reason),
                ..self
            }
        }
        fn by_executed_position(self) -> Self {
            Ranking {
                wait_for_relay_log_apply: false,
                ..self
            }
        }
        fn switchover_to(self, node: u32) -> Self {
            Ranking {
                switchover_to: Some(node),
                ..self
            }
        }
    }

    const CHOSEN: &str = "chosen: first in this order valid and not banned";
    const MOVED: &str = "moved under db2: behind or equal to it";

    /// Runs `choose` on every row of the table: the winner, and the key reason on its row.
    fn check_rankings(table: Vec<Ranking>) {
        for case in table {
            let cfg = FailoverConfig {
                wait_for_relay_log_apply: case.wait_for_relay_log_apply,
                ..FailoverConfig::default()
            };
            let m = manager_seeing(&case.cands, cfg);
            let planned = case.switchover_to.map(NodeId);
            let choice = m.choose(NodeId(0), planned);
            let rows = &choice.rows;
            assert_eq!(choice.best, case.winner.map(NodeId), "{}", case.story);
            let (node, reason) = case.key_reason;
            let reasons = reasons_of(rows, node);
            assert!(
                reasons.iter().any(|r| r == reason),
                "{}: db{} should say {reason:?}, says {reasons:?}",
                case.story,
                node + 1
            );
            let chosen: Vec<NodeId> = rows.iter().filter(|r| r.chosen).map(|r| r.node).collect();
            let winner: Vec<NodeId> = case.winner.map(NodeId).into_iter().collect();
            assert_eq!(chosen, winner, "{}", case.story);
            if let Some(w) = case.winner {
                let last = reasons_of(rows, w).last().map(String::as_str);
                assert!(
                    last.is_some_and(|l| l.starts_with("chosen")),
                    "{}",
                    case.story
                );
            }
        }
    }

    /// Executed coordinates decide; the other rules only break ties (`InstancesSorterByExec
    /// .Less`, go/inst/instance_utils.go:113-155). Corrected for issue 15: errant GTIDs used
    /// to outrank position here; in the source a more advanced replica with errant GTIDs wins
    /// (the `GtidErrant` comparison sits inside `if ExecBinlogCoordinates.Equals`).
    #[test]
    fn candidates_rank_by_executed_position_and_the_rest_only_break_ties() {
        use PromotionRule::{Prefer, PreferNot};
        check_rankings(vec![
            ranking("the most advanced wins", vec![at(1_000), at(2_000)]).winner(
                2,
                1,
                "moved under db3: behind or equal to it",
            ),
            ranking(
                "position beats a rule",
                vec![at(1_000).rule(Prefer), at(2_000)],
            )
            .winner(2, 1, "promotion rule prefer"),
            ranking(
                "on a tie, the better rule",
                vec![at(2_000), at(2_000).rule(Prefer)],
            )
            .winner(2, 2, CHOSEN),
            ranking(
                "prefer_not loses a tie",
                vec![at(2_000).rule(PreferNot), at(2_000)],
            )
            .winner(2, 1, "promotion rule prefer_not"),
            ranking("on a full tie, the lower id", vec![at(2_000), at(2_000)]).winner(1, 2, MOVED),
            ranking(
                "errant GTIDs only break a tie",
                vec![at(2_000).errant(), at(2_000)],
            )
            .winner(2, 1, "moved under db3: behind or equal to it"),
            ranking(
                "a more advanced replica with errant GTIDs still wins",
                vec![at(1_000), at(2_000).errant()],
            )
            .winner(2, 2, CHOSEN),
            ranking(
                "log_replica_updates breaks a tie before errant GTIDs",
                vec![at(2_000).no_log_replica_updates(), at(2_000).errant()],
            )
            .winner(2, 1, "log_replica_updates=OFF: cannot serve as a source"),
        ]);
    }

    /// `chooseCandidateReplica` (go/inst/instance_topology.go): the first replica in sort
    /// order that `isGenerallyValidAsCandidateReplica` (reachable, log_bin,
    /// log_replica_updates) and not `IsBannedFromBeingCandidateReplica` (must_not). Lag and a
    /// stopped applier exclude nobody in an unplanned recovery. Corrected for issue 15:
    /// "too much lag", "a stopped applier" and "nobody eligible" used to exclude replicas.
    #[test]
    fn only_must_not_unreachable_and_no_binlog_pass_a_replica_over() {
        use PromotionRule::MustNot;
        check_rankings(vec![
            ranking(
                "must_not is never promoted",
                vec![at(1), at(2).rule(MustNot)],
            )
            .winner(1, 2, "promotion rule must_not"),
            ranking(
                "lag ranks nothing",
                vec![at(1).lag(Some(2)), at(2).lag(Some(20))],
            )
            .winner(2, 2, "lag 20.00 s (ranks nothing)"),
            ranking("a NULL lag is no obstacle", vec![at(1), at(2).lag(None)]).winner(
                2,
                2,
                "lag NULL (source gone)",
            ),
            ranking(
                "a stopped applier ranks nothing",
                vec![at(1), at(2).broken(1062)],
            )
            .winner(2, 2, "applier stopped with error 1062 (ranks nothing)"),
            ranking("an unreachable replica", vec![at(1), at(2).down()]).winner(
                1,
                2,
                "unreachable: its last probe failed",
            ),
            ranking(
                "no binlog of its own: passed over, and lost for being ahead",
                vec![at(1), at(2).no_log_replica_updates()],
            )
            .winner(
                1,
                2,
                "lost: ahead of db2, it has transactions the new primary lacks",
            ),
            ranking(
                "nobody serves: the first not banned, the others cannot follow it",
                vec![
                    at(2).no_log_replica_updates(),
                    at(1).no_log_replica_updates(),
                ],
            )
            .winner(1, 2, "lost: cannot replicate from db2"),
            ranking(
                "nobody may be promoted",
                vec![at(1).rule(MustNot), at(2).down()],
            )
            .nobody(1, "not chosen: no replica may be promoted"),
        ]);
    }

    /// Whatever `wait_for_relay_log_apply` says, the ranking is by executed coordinates:
    /// Orchestrator drains the relay logs first (StopReplicationNicely) and sorts by
    /// `ExecBinlogCoordinates`. Corrected for issue 15: the engine used to rank by the
    /// received position when it was going to wait.
    #[test]
    fn the_ranking_is_by_executed_position_in_every_mode() {
        let cands = vec![at(2_000).executed(500), at(1_000)];
        check_rankings(vec![
            ranking("waiting for the relay log", cands.clone()).winner(
                2,
                2,
                "executed up to binlog.000001:1000",
            ),
            ranking("not waiting", cands).by_executed_position().winner(
                2,
                1,
                "executed up to binlog.000001:500",
            ),
            ranking("a switchover: the designated replica", vec![at(1), at(2)])
                .switchover_to(1)
                .winner(1, 2, "not the designated replica of this switchover"),
        ]);
    }

    #[test]
    fn every_rule_is_written_down_in_the_order_orchestrator_weighs_it() {
        let cands = [at(2_000).lag(Some(2)), at(1_000).errant()];
        let m = manager_seeing(&cands, FailoverConfig::default());
        let choice = m.choose(NodeId(0), None);
        assert_eq!(choice.best, Some(NodeId(1)));
        let chosen = [
            "executed up to binlog.000001:2000",
            "log_replica_updates=ON",
            "no errant GTIDs",
            "promotion rule neutral",
            "applier healthy",
            "lag 2.00 s (ranks nothing)",
            CHOSEN,
        ];
        assert_eq!(reasons_of(&choice.rows, 1), chosen);
        let errant = format!(
            "errant GTIDs {}: they would be shipped to every replica",
            gtid(9, 1)
        );
        let moved = [
            "executed up to binlog.000001:1000",
            "log_replica_updates=ON",
            errant.as_str(),
            "promotion rule neutral",
            "applier healthy",
            "lag 0.00 s (ranks nothing)",
            MOVED,
        ];
        assert_eq!(reasons_of(&choice.rows, 2), moved);
        assert_eq!(
            choice
                .rows
                .iter()
                .map(|r| (r.node, r.kept))
                .collect::<Vec<_>>(),
            [(NodeId(1), true), (NodeId(2), true)]
        );
        assert!(choice.lost.is_empty());
    }

    /// The second phase's pick (`promotedReplicaIsIdeal`, `SuggestReplacementForPromotedReplica`
    /// in go/logic/topology_recovery.go): a `prefer` replica, or a `neutral` one when the
    /// chosen is `prefer_not`; the loops keep the last match; `canTakeOverPromotedServerAsMaster`
    /// wants log_replica_updates and no must_not.
    #[test]
    fn a_better_ruled_replica_is_suggested_to_take_over() {
        use PromotionRule::{Neutral, Prefer, PreferNot};
        let cases: [(&str, Vec<Cand>, Option<u32>); 5] = [
            ("nobody better", vec![at(2), at(1)], None),
            (
                "prefer_not gives way to neutral",
                vec![at(2).rule(PreferNot), at(1)],
                Some(2),
            ),
            (
                "neutral keeps its place before another neutral",
                vec![at(2).rule(Neutral), at(1).rule(PreferNot)],
                None,
            ),
            (
                "the last prefer",
                vec![at(3), at(2).rule(Prefer), at(1).rule(Prefer)],
                Some(3),
            ),
            (
                "a prefer without binlog cannot take over",
                vec![at(2), at(1).rule(Prefer).no_log_replica_updates()],
                None,
            ),
        ];
        for (story, cands, want) in cases {
            let m = manager_seeing(&cands, FailoverConfig::default());
            let moved: Vec<NodeId> = (2..=cands.len() as u32).map(NodeId).collect();
            assert_eq!(
                m.replacement(NodeId(1), &moved),
                want.map(NodeId),
                "{story}"
            );
        }
    }

    /// GracefulMasterTakeover refuses a must_not or lagging designated replica before it
    /// touches anything, so no recovery is recorded and nothing is fenced.
    #[test]
    fn a_switchover_refuses_a_must_not_or_lagging_designated_replica() {
        let cands = [
            at(1).rule(PromotionRule::MustNot),
            at(2).lag(Some(30)),
            at(3),
        ];
        let mut m = manager_seeing(&cands, FailoverConfig::default());
        m.instances[0].valid = true;
        let mut results = Vec::new();
        for target in 1..=3 {
            let fx = effects(|fx| results.push(m.switchover(Instant::ZERO, NodeId(target), fx)));
            if target < 3 {
                assert!(fx.sends.is_empty() && !m.busy());
            }
        }
        assert_eq!(
            results[0],
            Err("db2 cannot be promoted: its promotion rule is must_not".into())
        );
        let lagging = "db3 lags 30.00 s, more than ReasonableMaintenanceReplicationLagSeconds (20.00 s): too far behind for a switchover";
        assert_eq!(results[1], Err(lagging.into()));
        assert_eq!(results[2], Ok(()));
        assert!(m.busy() && m.recoveries.is_empty());
    }

    // --- Detection and recovery, driven by probes and their replies ---

    fn failover_cfg() -> FailoverConfig {
        FailoverConfig {
            instance_poll_ms: 1_000,
            probe_timeout_ms: 500,
            analysis_interval_ms: 1_000,
            ..FailoverConfig::default()
        }
    }

    /// The probes sent: (node, request).
    fn probes(fx: &Effects) -> Vec<(NodeId, u64)> {
        sent(fx)
            .into_iter()
            .filter_map(|(to, m)| match m {
                Msg::Probe { req } => Some((to.node()?, *req)),
                _ => None,
            })
            .collect()
    }

    fn admin_cmds(fx: &Effects) -> Vec<(NodeId, AdminCmd)> {
        sent(fx)
            .into_iter()
            .filter_map(|(to, m)| match m {
                Msg::Admin { cmd, .. } => Some((to.node()?, cmd.clone())),
                _ => None,
            })
            .collect()
    }

    fn answer(m: &mut Manager, now: Instant, req: u64, status: NodeStatus) -> Effects {
        let from = Addr::Node(status.node);
        let status = Box::new(status);
        effects(|fx| m.on_message(now, from, Msg::ProbeReply { req, status }, fx))
    }

    fn fire(m: &mut Manager, now: Instant, t: ManagerTimer) -> Effects {
        effects(|fx| m.on_timer(now, t, fx))
    }

    /// What db2 and db3 report once db1's mysqld is gone: IO thread retrying, SQL caught up.
    fn orphaned(node: u32, read: u64) -> NodeStatus {
        let mut s = replica_status(node, 0, None);
        let r = s.replica.as_mut().expect("a replica");
        r.io_running = IoRunning::Connecting;
        r.read_source_pos = BinlogPos { file: 1, pos: read };
        r.exec_source_pos = r.read_source_pos;
        r.last_io_error = Some(ThreadError {
            errno: 2003,
            message: "error connecting to source".into(),
            at_us: Instant::ZERO,
        });
        s
    }

    /// A manager of db1 → {db2, db3} that saw all three healthy at 0 s and, at 1 s, only the
    /// replicas answer (with `replica_view`); db1's probe times out at 1.5 s.
    fn primary_goes_silent(
        cfg: FailoverConfig,
        replica_view: impl Fn(u32) -> NodeStatus,
    ) -> Manager {
        let mut m = Manager::new(
            cfg,
            names(3),
            vec![PromotionRule::Neutral; 3],
            Some(NodeId(0)),
        );
        let healthy = |n: u32| match n {
            0 => primary_status(0, gtids(1, 1, 10)),
            n => replica_status(n, 0, Some(Duration::ZERO)),
        };
        let t0 = Instant::ZERO;
        for (node, req) in probes(&fire(&mut m, t0, ManagerTimer::Poll)) {
            answer(&mut m, t0 + ms(1), req, healthy(node.0));
        }
        let fx = fire(&mut m, t0 + ms(500), ManagerTimer::Analysis);
        assert!(m.audit.is_empty() && fx.sends.is_empty(), "all is well");

        let t1 = t0 + secs(1);
        let round = probes(&fire(&mut m, t1, ManagerTimer::Poll));
        for &(node, req) in &round[1..] {
            answer(&mut m, t1 + ms(1), req, replica_view(node.0));
        }
        let (_, db1_req) = round[0];
        let fx = fire(
            &mut m,
            t1 + ms(500),
            ManagerTimer::ProbeTimeout { req: db1_req },
        );
        assert!(!m.instances[0].valid);
        // The primary looks dead: re-read its replicas at once (orchestrator's emergent read).
        let emergent = probes(&fx);
        let reprobed: Vec<NodeId> = emergent.iter().map(|p| p.0).collect();
        assert_eq!(reprobed, [NodeId(1), NodeId(2)]);
        for (node, req) in emergent {
            answer(&mut m, t1 + ms(501), req, replica_view(node.0));
        }
        m
    }

    /// The analysis at 2 s finds db1 dead and stops both replicas nicely
    /// (StopReplicationNicely); the next step re-reads them with `view`, and the one after
    /// finds their relay logs applied and chooses. Returns that step's effects and time.
    fn detect_and_drain(m: &mut Manager, view: impl Fn(u32) -> NodeStatus) -> (Effects, Instant) {
        let t2 = Instant::from_secs(2);
        let fx = fire(m, t2, ManagerTimer::Analysis);
        let drain = [
            (NodeId(1), AdminCmd::DrainRelayLog),
            (NodeId(2), AdminCmd::DrainRelayLog),
        ];
        assert_eq!(admin_cmds(&fx), drain);
        assert!(m.busy() && m.run.is_none(), "draining before choosing");
        let step = ManagerTimer::RecoveryStep { recovery: 1 };
        let fx = fire(m, t2 + ms(100), step);
        for (node, req) in probes(&fx) {
            answer(m, t2 + ms(101), req, view(node.0));
        }
        let t = t2 + ms(200);
        (fire(m, t, step), t)
    }

    fn audit(m: &Manager) -> Vec<(&'static str, &str)> {
        m.audit.iter().map(|e| (e.kind, e.text.as_str())).collect()
    }

    #[test]
    fn a_primary_its_replicas_cannot_reach_is_a_dead_master() {
        let view = |n: u32| orphaned(n, if n == 2 { 2_000 } else { 1_000 });
        let mut m = primary_goes_silent(failover_cfg(), view);
        let (fx, _) = detect_and_drain(&mut m, view);
        assert_eq!(m.analysis, Analysis::DeadMaster);
        assert_eq!(
            audit(&m),
            [
                ("analysis", "DeadMaster on db1"),
                (
                    "recovery",
                    "recovery of db1 (DeadMaster): stopping 2 replicas nicely, up to 10.00 s for their relay logs"
                ),
                ("recovery", "recovery of db1 (DeadMaster): candidate db3"),
            ]
        );
        assert!(m.busy());
        // Before promoting, a fresh look at the candidate's relay log.
        assert_eq!(probes(&fx), [(NodeId(2), m.next_req)]);
        let recovery = &m.run.as_ref().expect("a recovery runs").recovery;
        assert_eq!(recovery.promoted, Some(NodeId(2)));
    }

    #[test]
    fn a_recovery_promotes_the_candidate_repoints_its_sibling_and_fences_the_old_primary() {
        let view = |n: u32| orphaned(n, if n == 2 { 2_000 } else { 1_000 });
        let mut m = primary_goes_silent(failover_cfg(), view);
        let (fx, t2) = detect_and_drain(&mut m, view);
        let (_, req) = probes(&fx)[0];

        // The candidate has applied its relay log: promote it.
        let fx = answer(&mut m, t2 + ms(1), req, orphaned(2, 2_000));
        let promote = vec![
            (NodeId(2), AdminCmd::StopReplica),
            (NodeId(2), AdminCmd::ResetReplicaAll),
            (
                NodeId(2),
                AdminCmd::SetReadOnly {
                    read_only: false,
                    super_read_only: false,
                },
            ),
        ];
        assert_eq!(admin_cmds(&fx), promote);
        let last_req = m.next_req;
        let reply = Msg::AdminReply {
            req: last_req,
            result: Ok(()),
        };
        let t3 = t2 + ms(2);
        let fx = effects(|fx| m.on_message(t3, Addr::Node(NodeId(2)), reply, fx));
        let repoint = vec![
            (
                NodeId(1),
                AdminCmd::ChangeSource {
                    source: NodeId(2),
                    auto_position: true,
                },
            ),
            (
                NodeId(0),
                AdminCmd::SetReadOnly {
                    read_only: true,
                    super_read_only: true,
                },
            ),
        ];
        assert_eq!(admin_cmds(&fx), repoint);
        let told_router = sent(&fx).into_iter().any(|(to, m)| {
            to == Addr::Router && matches!(m, Msg::SetWriter { node } if *node == NodeId(2))
        });
        assert!(told_router, "writes go to db3 now");
        assert_eq!((m.primary, m.busy()), (Some(NodeId(2)), false));
        let recovery = &m.recoveries[0];
        assert!(recovery.success);
        assert_eq!(recovery.finished_us, Some(t3));
        let steps: Vec<&str> = recovery.steps.iter().map(String::as_str).collect();
        assert_eq!(
            steps,
            [
                "recovery of db1 (DeadMaster): stopping 2 replicas nicely, up to 10.00 s for their relay logs",
                "relay logs applied: ranking by what each replica executed",
                "recovery of db1 (DeadMaster): candidate db3",
                "db3: relay log applied (caught up)",
                "db3: STOP REPLICA; RESET REPLICA ALL; SET GLOBAL read_only=OFF",
                "db2: CHANGE REPLICATION SOURCE TO db3 (auto-position); START REPLICA",
                "db1: fence with super_read_only=ON (sent, but it is unreachable: not fenced if it is still up)",
                "router: writes now go to db3",
                "db3 promoted in 0.20 s",
            ]
        );
    }

    /// What a recovery's effects record: (node, statement) for MySQL, ("", …) for ProxySQL.
    fn statements(fx: &Effects) -> Vec<(String, String)> {
        fx.statements
            .iter()
            .map(|s| {
                assert_eq!(s.recovery, Some(1));
                assert_eq!(s.actor, Actor::Manager { shard: ShardId(0) });
                let node = s.node.map(|n| format!("db{}", n.0 + 1)).unwrap_or_default();
                (node, s.text.clone())
            })
            .collect()
    }

    #[test]
    fn every_admin_command_of_a_recovery_is_recorded_as_its_statements_on_its_node() {
        let view = |n: u32| orphaned(n, if n == 2 { 2_000 } else { 1_000 });
        let mut m = primary_goes_silent(failover_cfg(), view);
        let (fx, t2) = detect_and_drain(&mut m, view);
        assert!(
            fx.statements.is_empty(),
            "probing runs no recorded statement"
        );
        let (_, req) = probes(&fx)[0];
        let fx = answer(&mut m, t2 + ms(1), req, orphaned(2, 2_000));
        let own = |fx: &Effects| -> Vec<(String, String)> {
            let host = |n: NodeId| format!("db{}", n.0 + 1);
            (admin_cmds(fx).iter())
                .flat_map(|(n, c)| {
                    steps::admin_statements(c, host)
                        .into_iter()
                        .map(move |t| (host(*n), t))
                })
                .collect()
        };
        assert_eq!(statements(&fx), own(&fx));
        assert_eq!(
            statements(&fx)[1],
            ("db3".into(), "RESET REPLICA ALL;".into())
        );
        // A command that fails is followed by its error, on the node that answered.
        let failed = Msg::AdminReply {
            req: m.next_req - 1,
            result: Err("no replica channel".into()),
        };
        let fx = effects(|fx| m.on_message(t2 + ms(1), Addr::Node(NodeId(2)), failed, fx));
        let error = (
            "db3".to_string(),
            "-- failed: no replica channel".to_string(),
        );
        assert_eq!(statements(&fx), [error]);
        let reply = Msg::AdminReply {
            req: m.next_req,
            result: Ok(()),
        };
        let fx = effects(|fx| m.on_message(t2 + ms(2), Addr::Node(NodeId(2)), reply, fx));
        let got = statements(&fx);
        let repoint_req = (sent(&fx).into_iter())
            .find_map(|(_, m)| match m {
                Msg::Admin {
                    req,
                    cmd: AdminCmd::ChangeSource { .. },
                } => Some(*req),
                _ => None,
            })
            .expect("db2 is repointed");
        let (mysql, proxysql) = got.split_at(own(&fx).len());
        assert_eq!(mysql, own(&fx));
        assert_eq!(proxysql.len(), 4, "the ProxySQL hook: {proxysql:?}");
        assert!(proxysql.iter().all(|(n, _)| n.is_empty()));
        assert_eq!(proxysql[2].1, "LOAD MYSQL SERVERS TO RUNTIME;");
        // The repoint's reply comes after the recovery ended: its error is still recorded.
        let failed = Msg::AdminReply {
            req: repoint_req,
            result: Err("cannot replicate from itself".into()),
        };
        let fx = effects(|fx| m.on_message(t2 + ms(3), Addr::Node(NodeId(1)), failed, fx));
        let error = (
            "db2".to_string(),
            "-- failed: cannot replicate from itself".to_string(),
        );
        assert_eq!(statements(&fx), [error]);
    }

    #[test]
    fn a_replica_still_replicating_makes_the_primary_only_unreachable() {
        let view = |n: u32| match n {
            1 => replica_status(1, 0, Some(Duration::ZERO)),
            n => orphaned(n, 1_000),
        };
        let mut m = primary_goes_silent(failover_cfg(), view);
        fire(&mut m, Instant::from_secs(2), ManagerTimer::Analysis);
        assert_eq!(m.analysis, Analysis::UnreachableMaster);
        assert_eq!(audit(&m), [("analysis", "UnreachableMaster on db1")]);
        assert!(!m.busy());
    }

    #[test]
    fn with_automatic_recovery_off_a_dead_master_is_only_reported() {
        let cfg = FailoverConfig {
            automatic: false,
            ..failover_cfg()
        };
        let mut m = primary_goes_silent(cfg, |n| orphaned(n, 1_000));
        let fx = fire(&mut m, Instant::from_secs(2), ManagerTimer::Analysis);
        assert_eq!(
            audit(&m),
            [
                ("analysis", "DeadMaster on db1"),
                (
                    "blocked",
                    "DeadMaster on db1 detected but not recovered: automatic failover is off"
                ),
            ]
        );
        assert!(!m.busy() && fx.sends.is_empty());
        // The next analysis does not repeat the same entry.
        fire(&mut m, Instant::from_secs(3), ManagerTimer::Analysis);
        assert_eq!(m.audit.len(), 2);
    }
}
