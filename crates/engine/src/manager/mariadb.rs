//! What Orchestrator does differently when the cluster is MariaDB (docs/semantics.md §13.7).
//!
//! Orchestrator tells the flavors apart by `@@version` (`Instance.IsMariaDB`,
//! go/inst/instance.go) and a MariaDB replica's GTID use by `Using_Gtid` in SHOW SLAVE
//! STATUS (`UsingMariaDBGTID`, go/inst/instance_dao.go). Three of its paths then differ:
//!
//! - `StopReplicas` (go/inst/instance_topology_dao.go) skips `StopReplicationNicely` for
//!   MariaDB (`stopReplicationMethod == StopReplicationNice && !replica.IsMariaDB()`): the
//!   replicas of a dead primary get a plain `STOP SLAVE`, their relay logs unapplied.
//! - errant GTIDs are `gtid_subtract` of Oracle GTID sets, read only from Oracle MySQL and
//!   Percona (`ReadTopologyInstanceBufferable`): a MariaDB replica never has any.
//! - `ChangeMasterTo` on a MariaDB server not yet using GTID, with `GTIDHintForce` (the
//!   demoted primary of a graceful takeover), says `master_use_gtid=current_pos` when it
//!   has no replication threads (it was a primary), `slave_pos` otherwise.

use super::{Manager, Run};
use crate::gtid::GtidSet;
use crate::ids::NodeId;
use crate::mariadb::{self, MariaGtid, UseGtid};
use crate::message::AdminCmd;
use crate::status::NodeStatus;
use crate::time::{Instant, fmt_secs, secs};
use std::collections::BTreeMap;

/// `Instance.IsMariaDB`. The engine's status names a MariaDB server by its tagged
/// (domain, server_id) identity, where Orchestrator reads "MariaDB" in `@@version`.
pub(super) fn is_mariadb(s: &NodeStatus) -> bool {
    mariadb::domain_server(s.server_uuid).is_some()
}

impl Manager {
    /// Whether the last probe of `n` showed a MariaDB server.
    pub(super) fn probed_mariadb(&self, n: NodeId) -> bool {
        self.instances[n.index()]
            .status
            .as_ref()
            .is_some_and(is_mariadb)
    }

    /// The command `StopReplicas` sends a replica of the dead primary: the nice stop
    /// (stop receiving, apply the relay log) on MySQL, a plain `STOP SLAVE` on MariaDB.
    pub(super) fn stop_for_sorting(&self, r: NodeId) -> AdminCmd {
        if self.probed_mariadb(r) {
            AdminCmd::StopReplica
        } else {
            AdminCmd::DrainRelayLog
        }
    }

    /// How `ChangeMasterTo(…, GTIDHintForce)` points the demoted primary of a switchover
    /// at the new one: MariaDB with `master_use_gtid=current_pos` (it has no replication
    /// threads, and its own writes are only in its binlog), MySQL with auto-position.
    pub(super) fn demoted_primary_change(&self, failed: NodeId, to: NodeId) -> AdminCmd {
        if self.probed_mariadb(failed) {
            AdminCmd::ChangeMasterUseGtid {
                source: to,
                use_gtid: UseGtid::CurrentPos,
            }
        } else {
            AdminCmd::ChangeSource {
                source: to,
                auto_position: true,
            }
        }
    }

    /// How a switchover re-reads the fenced primary's GTID state: `gtid_executed` on
    /// MySQL, `gtid_binlog_pos` on MariaDB (it has no GTID set).
    pub(super) fn reread_statement(&self, failed: NodeId) -> String {
        let var = if self.probed_mariadb(failed) {
            "gtid_binlog_pos"
        } else {
            "gtid_executed"
        };
        format!("SELECT @@GLOBAL.{var};")
    }

    /// The designated replica's wait for everything the fenced primary executed:
    /// `WAIT_FOR_EXECUTED_GTID_SET` on MySQL, `MASTER_GTID_WAIT` with the position (each
    /// domain's highest GTID) on MariaDB.
    pub(super) fn wait_statement(&self, cand: NodeId, target: &GtidSet, timeout_s: u64) -> String {
        if !self.probed_mariadb(cand) {
            return format!("SELECT WAIT_FOR_EXECUTED_GTID_SET('{target}', {timeout_s});");
        }
        let mut pos: BTreeMap<u32, MariaGtid> = BTreeMap::new();
        for g in target.iter().filter_map(MariaGtid::from_gtid) {
            let slot = pos.entry(g.domain_id).or_insert(g);
            if g.seq_no > slot.seq_no {
                *slot = g;
            }
        }
        format!(
            "SELECT MASTER_GTID_WAIT('{}', {timeout_s});",
            mariadb::pos_text(&pos)
        )
    }

    /// `DelayMasterPromotionIfSQLThreadNotUpToDate` on a MariaDB candidate left stopped by
    /// `STOP SLAVE` with transactions still in its relay log: `WaitForSQLThreadUpToDate`
    /// (go/inst/instance_topology_dao.go) sees its executed coordinates stand still and
    /// gives up after ReasonableReplicationLagSeconds, and `overrideMasterPromotion`
    /// (go/logic/topology_recovery.go) cancels the promotion. The reason, once it is due.
    pub(super) fn stalled_mariadb_candidate(
        &self,
        run: &Run,
        since: Instant,
        now: Instant,
    ) -> Option<String> {
        let cand = run.candidate;
        if run.recovery.planned {
            return None; // a switchover's candidate was never stopped
        }
        let s = self.instances[cand.index()].status.as_ref()?;
        let rep = s.replica.as_ref()?;
        let stalled = is_mariadb(s) && !rep.sql_running && rep.relay_log_pending > 0;
        let stale = secs(self.cfg.reasonable_lag_s);
        (stalled && now >= since + stale).then(|| {
            format!(
                "{}: STOP SLAVE left {} relay-log transactions unapplied and its SQL thread \
                 stopped; WaitForSQLThreadUpToDate saw no progress for {} \
                 (ReasonableReplicationLagSeconds): DelayMasterPromotionIfSQLThreadNotUpToDate \
                 error, promotion cancelled",
                self.name(cand),
                rep.relay_log_pending,
                fmt_secs(stale)
            )
        })
    }
}
