//! The world's side of the resharding workflow: it hands the workflow its tick and the
//! operator's steps with a read-only view of the cluster, and carries out what the
//! workflow asks of the router and the nodes (`Ask`), in the order asked.

use super::{LogKind, World};
use crate::effects::{Ask, Effects};
use crate::ids::NodeId;
use crate::reshard::{self, ClusterView, Reshard, Step};

impl World {
    /// Carries out one step of the workflow the operator (or the timeline) asked for.
    pub(super) fn reshard_step(&mut self, step: Step) -> Result<(), String> {
        let now = self.now;
        let primaries = self.shard_primaries();
        let (workflow, cluster, fx) = self.workflow_parts(&primaries);
        reshard::on_command(workflow, now, step, &cluster, fx)?;
        // Carried out at once, so the workflow's log lines come before the command's.
        self.carry_out();
        Ok(())
    }

    /// The workflow's tick (`Timer::Workflow`).
    pub(super) fn workflow_tick(&mut self) {
        let now = self.now;
        let primaries = self.shard_primaries();
        let (workflow, cluster, fx) = self.workflow_parts(&primaries);
        let Some(wf) = workflow else {
            return;
        };
        wf.on_timer(now, &cluster, fx);
    }

    /// Each shard's primary as its failover manager records it.
    fn shard_primaries(&self) -> Vec<Option<NodeId>> {
        self.managers.iter().map(|m| m.primary).collect()
    }

    /// The workflow's state, what it may read of the cluster, and where it records.
    fn workflow_parts<'a>(
        &'a mut self,
        primaries: &'a [Option<NodeId>],
    ) -> (&'a mut Option<Reshard>, ClusterView<'a>, &'a mut Effects) {
        let cluster = ClusterView {
            nodes: &self.nodes,
            primaries,
            router: &self.router,
            net: &self.net,
            vindex: self.config.vindex,
        };
        (&mut self.reshard, cluster, &mut self.fx)
    }

    /// Carries out one change an actor asked of another. A VReplication write records the
    /// target node's own effects (its commit starts) for the interpreter's next pass.
    pub(super) fn carry_out_ask(&mut self, ask: Ask) {
        match ask {
            Ask::Serve {
                shard,
                reads,
                writes,
            } => self.router.set_serving(shard, reads, writes),
            Ask::StopWrites { shard, stopped } => self.router.set_writes_stopped(shard, stopped),
            Ask::DenyWrites { shard, denied } => {
                for n in self.shard_map.members(shard) {
                    self.nodes[n.index()].set_writes_denied(denied);
                }
            }
            Ask::VReplicationWrite { node, stmt } => {
                self.nodes[node.index()].vreplication_write(self.now, stmt, &mut self.fx);
            }
            Ask::VDiffMismatch { nodes, rows, diff } => {
                let before = self.checker.findings.len();
                self.checker
                    .on_reshard_mismatch(self.now, nodes, rows, diff);
                self.log_new_findings(before, self.now);
            }
            Ask::Log(text) => self.log_entry(LogKind::Operator, text),
        }
    }
}
