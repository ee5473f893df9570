//! The JSON report `rplay run` prints: the run's outcome, node by node, with every
//! failover and finding. Field names are an interface (tests and teachers read them).

use super::checker::FindingKind;
use super::history::Totals;
use super::ids::{Addr, NodeId, ShardId};
use super::manager::Recovery;
use super::node::{Node, Process};
use super::reshard::Reshard;
use super::status::IoRunning;
use super::time::Instant;
use super::world::World;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub seed: u64,
    pub simulated_ms: u64,
    pub events: u64,
    pub trace_hash: String,
    pub nodes: Vec<NodeReport>,
    pub failovers: Vec<FailoverReport>,
    pub findings: Vec<FindingReport>,
    pub finding_counts: BTreeMap<&'static str, u64>,
    pub clients: Totals,
    /// Per client over the whole run: outcomes and latency percentiles.
    pub client_stats: Vec<ClientReport>,
    /// Per source with semi-sync enabled: its status and counters, as SHOW GLOBAL STATUS.
    pub semi_sync: Vec<SemiSyncReport>,
    pub writer: Option<String>,
    /// Sharded clusters: the routing table, one row per shard (absent when unsharded).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shards: Vec<ShardReport>,
    /// The online resharding workflow, if one was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reshard: Option<ReshardReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientReport {
    pub client: u32,
    pub ok: u64,
    pub failed: u64,
    pub unknown: u64,
    /// Invoke to completion of every completed operation (ok, fail or unknown), within 1 %.
    pub latency_p50_us: u64,
    pub latency_p99_us: u64,
    /// Exact.
    pub latency_max_us: u64,
}

/// A semi-sync source's status variables under their MySQL names (docs/semantics.md §4.2),
/// and the commits that blocked waiting for an ack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SemiSyncReport {
    pub node: String,
    /// "ON" or "OFF".
    #[serde(rename = "Rpl_semi_sync_source_status")]
    pub status: &'static str,
    #[serde(rename = "Rpl_semi_sync_source_clients")]
    pub clients: u32,
    #[serde(rename = "Rpl_semi_sync_source_yes_tx")]
    pub yes_tx: u64,
    #[serde(rename = "Rpl_semi_sync_source_no_tx")]
    pub no_tx: u64,
    #[serde(rename = "Rpl_semi_sync_source_tx_waits")]
    pub tx_waits: u64,
    #[serde(rename = "Rpl_semi_sync_source_no_times")]
    pub no_times: u64,
    /// Commits that waited for an ack: acknowledged (tx_waits) or timed out.
    pub blocked_commits: u64,
    /// Of those, the ones whose wait ended at rpl_semi_sync_source_timeout.
    pub timed_out_commits: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReshardReport {
    pub phase: &'static str,
    pub sources: Vec<String>,
    pub targets: Vec<String>,
    pub rows_copied: u64,
    /// Each write stall of a traffic switch, in milliseconds.
    pub write_stalls_ms: Vec<u64>,
    /// The last VDiff: rows compared and rows that differ.
    pub vdiff_rows: Option<u64>,
    pub vdiff_differ: Option<u64>,
    pub log: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ShardReport {
    /// The Vitess shard name of its key range (`-80`, `80-`).
    pub range: String,
    pub writer: Option<String>,
    pub nodes: Vec<String>,
    /// Rows on the shard's writer.
    pub rows: u64,
    /// Client operations the router sent to this shard.
    pub operations: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct NodeReport {
    pub name: String,
    pub role: Role,
    pub alive: bool,
    pub read_only: bool,
    pub super_read_only: bool,
    pub server_id: u32,
    pub server_uuid: String,
    /// MySQL: @@gtid_executed. MariaDB: @@gtid_current_pos.
    pub gtid_executed: String,
    pub binlog_position: String,
    pub binlog_files: u32,
    pub rows: u64,
    pub data_checksum: String,
    pub semi_sync_source: Option<bool>,
    pub channels: Vec<ChannelReport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChannelReport {
    pub source: String,
    pub io_running: IoRunning,
    pub sql_running: bool,
    pub last_io_errno: Option<u16>,
    pub last_io_error: Option<String>,
    pub last_sql_errno: Option<u16>,
    pub last_sql_error: Option<String>,
    pub read_source_pos: String,
    pub exec_source_pos: String,
    pub retrieved_gtid_set: String,
    pub seconds_behind_source: Option<u64>,
    pub relay_log_pending: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FailoverReport {
    pub at_ms: u64,
    pub finished_ms: Option<u64>,
    pub planned: bool,
    pub analysis: String,
    pub failed: String,
    pub promoted: Option<String>,
    pub success: bool,
    pub reasons: Vec<String>,
    pub candidates: Vec<CandidateReport>,
    /// The statements the recovery ran, as a console shows them (`db2 mysql> STOP
    /// REPLICA;`, `ProxySQL Admin> LOAD MYSQL SERVERS TO RUNTIME;`), in order.
    pub statements: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CandidateReport {
    pub node: String,
    pub chosen: bool,
    pub eligible: bool,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FindingReport {
    pub kind: FindingKind,
    pub at_ms: u64,
    pub nodes: Vec<String>,
    pub detail: String,
    pub count: u64,
}

/// What a node is in the topology right now, derived from its channels, never configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Primary,
    Replica,
    Intermediate,
    CoPrimary,
    Standalone,
}

pub fn role(world: &World, n: &Node) -> Role {
    let replicas = world
        .nodes
        .iter()
        .filter(|r| r.channel.as_ref().is_some_and(|c| c.source == n.id))
        .count();
    match &n.channel {
        Some(c) => {
            let co = world
                .nodes
                .get(c.source.index())
                .and_then(|s| s.channel.as_ref())
                .is_some_and(|sc| sc.source == n.id);
            if co {
                Role::CoPrimary
            } else if replicas > 0 {
                Role::Intermediate
            } else {
                Role::Replica
            }
        }
        None if replicas > 0 || !n.read_only => Role::Primary,
        None => Role::Standalone,
    }
}

impl Report {
    pub fn of(world: &World) -> Report {
        let name = |id: NodeId| world.name(Addr::Node(id));
        let now = world.now();
        let finding_counts = FindingKind::ALL
            .iter()
            .map(|k| (k.name(), world.checker.count(*k)))
            .collect();
        Report {
            seed: world.seed(),
            simulated_ms: now.as_millis(),
            events: world.events(),
            trace_hash: world.trace.hash_hex(),
            nodes: world
                .nodes
                .iter()
                .map(|n| node_report(world, n, now))
                .collect(),
            failovers: world
                .recoveries()
                .into_iter()
                .map(|r| failover_report(world, r))
                .collect(),
            findings: world
                .checker
                .findings
                .iter()
                .map(|f| FindingReport {
                    kind: f.kind,
                    at_ms: f.at_us.as_millis(),
                    nodes: f.nodes.iter().map(|n| name(*n)).collect(),
                    detail: f.detail.clone(),
                    count: f.count,
                })
                .collect(),
            finding_counts,
            clients: world.history.totals_with(world.router.totals),
            client_stats: client_reports(world),
            semi_sync: world
                .nodes
                .iter()
                .filter(|n| n.semi_sync.enabled)
                .map(semi_sync_report)
                .collect(),
            writer: world.router.writer().map(name),
            reshard: world.reshard.as_ref().map(|wf| reshard_report(world, wf)),
            shards: shard_reports(world),
        }
    }
}

fn client_reports(world: &World) -> Vec<ClientReport> {
    world
        .history
        .clients()
        .iter()
        .map(|(&client, c)| ClientReport {
            client,
            ok: c.ok,
            failed: c.failed,
            unknown: c.unknown,
            latency_p50_us: c.latency_at_us(0.5),
            latency_p99_us: c.latency_at_us(0.99),
            latency_max_us: c.latency_max_us(),
        })
        .collect()
}

fn semi_sync_report(n: &Node) -> SemiSyncReport {
    let s = &n.semi_sync;
    SemiSyncReport {
        node: n.name().to_string(),
        status: if s.on && n.process == Process::Running {
            "ON"
        } else {
            "OFF"
        },
        clients: if n.process == Process::Running {
            n.semi_sync_replicas()
        } else {
            0
        },
        yes_tx: s.yes_tx,
        no_tx: s.no_tx,
        tx_waits: s.tx_waits,
        no_times: s.no_times,
        blocked_commits: s.tx_waits + s.wait_timeouts,
        timed_out_commits: s.wait_timeouts,
    }
}

fn failover_report(world: &World, r: &Recovery) -> FailoverReport {
    let name = |id: NodeId| world.name(Addr::Node(id));
    let shard = (world.managers.iter())
        .find(|m| m.recoveries.iter().any(|x| std::ptr::eq(x, r)))
        .map_or(ShardId(0), |m| m.shard);
    let statements = (world.recovery_statements(shard, r.id))
        .map(|s| world.statement_line(s))
        .collect();
    FailoverReport {
        at_ms: r.started_us.as_millis(),
        finished_ms: r.finished_us.map(Instant::as_millis),
        planned: r.planned,
        analysis: format!("{:?}", r.analysis),
        failed: name(r.failed),
        promoted: r.promoted.map(name),
        success: r.success,
        reasons: r.steps.clone(),
        statements,
        candidates: r
            .candidates
            .iter()
            .map(|c| CandidateReport {
                node: name(c.node),
                chosen: c.chosen,
                eligible: c.kept,
                reasons: c.reasons.clone(),
            })
            .collect(),
    }
}

fn reshard_report(world: &World, wf: &Reshard) -> ReshardReport {
    let range = |g: &ShardId| {
        world
            .router
            .route(*g)
            .map(|s| s.range.to_string())
            .unwrap_or_default()
    };
    ReshardReport {
        phase: wf.phase.name(),
        sources: wf.sources.iter().map(range).collect(),
        targets: wf.targets.iter().map(range).collect(),
        rows_copied: wf.streams.iter().map(|s| s.rows_copied).sum(),
        write_stalls_ms: wf
            .stalls
            .iter()
            .map(|&(a, b)| (b - a).as_millis())
            .collect(),
        vdiff_rows: wf.vdiff.map(|v| v.1),
        vdiff_differ: wf.vdiff.map(|v| v.2),
        log: wf
            .log
            .iter()
            .map(|(t, s)| format!("{} {s}", crate::time::fmt_secs(*t)))
            .collect(),
    }
}

/// One entry per shard, only when the cluster is sharded.
fn shard_reports(world: &World) -> Vec<ShardReport> {
    if !world.shard_map.is_sharded() {
        return Vec::new();
    }
    let shards = &world.router.shards;
    let name = |id: NodeId| world.name(Addr::Node(id));
    ShardId::all(shards.len())
        .zip(shards)
        .map(|(g, s)| ShardReport {
            range: s.range.to_string(),
            writer: s.writer.map(name),
            nodes: world
                .nodes
                .iter()
                .filter(|n| world.shard_of(n.id) == g)
                .map(|n| n.name().to_string())
                .collect(),
            rows: s.writer.map_or(0, |w| world.nodes[w.index()].data.len()),
            operations: s.ops,
        })
        .collect()
}

fn node_report(world: &World, n: &Node, now: Instant) -> NodeReport {
    let channels = n
        .channel
        .iter()
        .map(|c| {
            let st = c.status(now, n.is_running());
            ChannelReport {
                source: world.name(Addr::Node(c.source)),
                io_running: st.io_running,
                sql_running: st.sql_running,
                seconds_behind_source: st.seconds_behind_source(),
                last_io_errno: st.last_io_error.as_ref().map(|e| e.errno),
                last_io_error: st.last_io_error.map(|e| e.message),
                last_sql_errno: st.last_sql_error.as_ref().map(|e| e.errno),
                last_sql_error: st.last_sql_error.map(|e| e.message),
                read_source_pos: st.read_source_pos.to_string(),
                exec_source_pos: st.exec_source_pos.to_string(),
                retrieved_gtid_set: st.retrieved_gtid_set.to_string(),
                relay_log_pending: st.relay_log_pending,
            }
        })
        .collect();
    NodeReport {
        name: n.name().to_string(),
        role: role(world, n),
        alive: n.process == Process::Running,
        read_only: n.read_only,
        super_read_only: n.super_read_only,
        server_id: n.server_id,
        server_uuid: n.uuid.to_string(),
        gtid_executed: n.gtid_text(),
        binlog_position: n.binlog.end().to_string(),
        binlog_files: n.binlog.file_count(),
        rows: n.data.len(),
        data_checksum: format!("{:016x}", n.data.checksum()),
        semi_sync_source: n.semi_sync.enabled.then_some(n.semi_sync.on),
        channels,
    }
}
