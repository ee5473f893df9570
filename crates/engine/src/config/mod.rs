//! Configuration of a cluster: every node, link, the router, the failover manager and the
//! workload. Field names follow MySQL's variables; units are last in the name.
//!
//! Defaults are MySQL 8.0's where the model gives one, except where noted as a playground
//! default (chosen so a class sees the effect within a minute; MySQL's value is in the doc).

use super::keyspace::{KeyRange, Vindex};
pub use super::mariadb::{Flavor, UseGtid};
use crate::time::{Duration, ms, secs};
use serde::{Deserialize, Serialize};

mod validate;
pub use validate::{
    ConfigError, MAX_CLIENTS, MAX_NODES, MAX_RATE_PER_S, MAX_SHARDS, MAX_SOURCE_DELAY_S,
    node_name_problem,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WaitPoint {
    /// Wait for the ack after the binlog sync, before the engine commit: nobody sees the
    /// transaction until a replica has it (MySQL's default).
    #[default]
    AfterSync,
    /// Commit first, then wait: other sessions can read it before any replica has it.
    AfterCommit,
}

/// Orchestrator's promotion rules (`prefer` > `neutral` > `prefer_not`; `must_not` is banned).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PromotionRule {
    Prefer,
    #[default]
    Neutral,
    PreferNot,
    MustNot,
}

impl PromotionRule {
    pub fn name(self) -> &'static str {
        match self {
            PromotionRule::Prefer => "prefer",
            PromotionRule::Neutral => "neutral",
            PromotionRule::PreferNot => "prefer_not",
            PromotionRule::MustNot => "must_not",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NodeConfig {
    pub name: String,
    /// Defaults to the node's position + 1. Must be unique: it is how replicas drop their own events.
    pub server_id: Option<u32>,
    /// The node this one replicates from (one channel per node covers every topology here,
    /// dual-primary included: each co-primary has a channel from the other).
    pub source: Option<String>,
    /// SOURCE_AUTO_POSITION=1 (GTID auto-positioning) or file:position.
    pub auto_position: bool,
    pub sync_binlog: u32,
    pub innodb_flush_log_at_trx_commit: u8,
    pub log_replica_updates: bool,
    pub read_only: bool,
    pub super_read_only: bool,
    pub auto_increment_increment: u64,
    pub auto_increment_offset: u64,
    /// Playground default 256 KiB so students see rotation (MySQL: 1 GiB).
    pub max_binlog_size: u64,
    /// Playground default 300 s so long runs stay small (MySQL: 30 days). 0: no expiry.
    pub binlog_expire_logs_seconds: u64,
    /// OFF: no automatic purge at all, at rotation or at startup (PURGE BINARY LOGS still
    /// works). MySQL 8.0.29+, default ON.
    pub binlog_expire_logs_auto_purge: bool,
    pub rpl_semi_sync_source_enabled: bool,
    pub rpl_semi_sync_replica_enabled: bool,
    pub rpl_semi_sync_source_timeout_ms: u64,
    pub rpl_semi_sync_source_wait_point: WaitPoint,
    pub rpl_semi_sync_source_wait_for_replica_count: u32,
    pub rpl_semi_sync_source_wait_no_replica: bool,
    pub replica_net_timeout_s: u64,
    /// SOURCE_HEARTBEAT_PERIOD; `None` means half of replica_net_timeout, as MySQL does.
    pub source_heartbeat_period_ms: Option<u64>,
    pub source_connect_retry_s: u64,
    pub source_retry_count: u64,
    /// SOURCE_DELAY of the node's channel: each transaction is applied this many seconds
    /// after its original commit on the source (0 = no delay; MySQL's maximum is 2^31 - 1).
    pub source_delay_s: u64,
    pub promotion_rule: PromotionRule,
    /// Time to write a commit group to the binlog (OS write, no fsync).
    pub binlog_write_us: u64,
    /// Time of one fsync (binlog or redo).
    pub fsync_us: u64,
    /// Time of the InnoDB commit stage.
    pub engine_commit_us: u64,
    /// Time the applier takes per transaction.
    pub apply_us: u64,
    /// Time to answer a read.
    pub read_us: u64,
    /// Crash recovery time on restart.
    pub recovery_ms: u64,
    /// How often the OS writes dirty pages of an un-fsynced binlog (Linux dirty_writeback 5 s).
    pub os_writeback_ms: u64,
    /// MySQL (default) or MariaDB 10.11 (docs/semantics.md, "MariaDB flavor"); a scenario's
    /// top-level `flavor` sets it on every node.
    #[serde(skip_serializing_if = "Flavor::is_mysql")]
    pub flavor: Flavor,
    /// MariaDB: the replication domain this server's own transactions are logged in.
    #[serde(skip_serializing_if = "is_zero")]
    pub gtid_domain_id: u32,
    /// MariaDB: refuse a GTID whose seq_no is not above the domain's last (error 1950).
    /// OFF by default in 10.11 (`Sys_gtid_strict_mode` in sql/sys_vars.cc).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gtid_strict_mode: bool,
    /// MariaDB: MASTER_USE_GTID of the node's channel (with auto_position).
    #[serde(skip_serializing_if = "is_slave_pos")]
    pub master_use_gtid: UseGtid,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

fn is_slave_pos(v: &UseGtid) -> bool {
    *v == UseGtid::SlavePos
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            name: String::new(),
            server_id: None,
            source: None,
            auto_position: true,
            sync_binlog: 1,
            innodb_flush_log_at_trx_commit: 1,
            log_replica_updates: true,
            read_only: false,
            super_read_only: false,
            auto_increment_increment: 1,
            auto_increment_offset: 1,
            max_binlog_size: 256 * 1024,
            binlog_expire_logs_seconds: 300,
            binlog_expire_logs_auto_purge: true,
            rpl_semi_sync_source_enabled: false,
            rpl_semi_sync_replica_enabled: false,
            rpl_semi_sync_source_timeout_ms: 10_000,
            rpl_semi_sync_source_wait_point: WaitPoint::AfterSync,
            rpl_semi_sync_source_wait_for_replica_count: 1,
            rpl_semi_sync_source_wait_no_replica: true,
            replica_net_timeout_s: 60,
            source_heartbeat_period_ms: None,
            source_connect_retry_s: 60,
            source_retry_count: 86_400,
            source_delay_s: 0,
            promotion_rule: PromotionRule::Neutral,
            binlog_write_us: 50,
            fsync_us: 500,
            engine_commit_us: 50,
            apply_us: 200,
            read_us: 50,
            recovery_ms: 2_000,
            os_writeback_ms: 5_000,
            flavor: Flavor::Mysql,
            gtid_domain_id: 0,
            gtid_strict_mode: false,
            master_use_gtid: UseGtid::SlavePos,
        }
    }
}

impl NodeConfig {
    /// replica_net_timeout: silence after which a replica drops its connection; at least 1 ms.
    pub fn net_timeout(&self) -> Duration {
        secs(self.replica_net_timeout_s).max(ms(1))
    }

    /// SOURCE_CONNECT_RETRY: the wait between connection attempts; at least 1 ms.
    pub fn connect_retry(&self) -> Duration {
        secs(self.source_connect_retry_s).max(ms(1))
    }

    /// SOURCE_HEARTBEAT_PERIOD: by default half of replica_net_timeout; at least 1 ms.
    pub fn heartbeat_period(&self) -> Duration {
        let period_ms = self
            .source_heartbeat_period_ms
            .unwrap_or(self.replica_net_timeout_s.saturating_mul(500));
        ms(period_ms).max(ms(1))
    }
}

/// Latency, jitter and loss of one direction of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    pub latency_us: u64,
    pub jitter_us: u64,
    /// Packets lost per thousand. TCP retransmits, so a loss shows up as a delay of one
    /// retransmission timeout, never as a missing message.
    pub loss_permille: u32,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            latency_us: 500,
            jitter_us: 200,
            loss_permille: 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WriterSource {
    /// The router sends writes where the failover manager tells it (Orchestrator hooks).
    #[default]
    Manager,
    /// ProxySQL's replication hostgroups: every node with read_only=0 is a writer.
    ReadOnlyFlag,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouterConfig {
    pub writer_source: WriterSource,
    /// ProxySQL monitor_read_only_interval.
    pub monitor_interval_ms: u64,
    /// A replica lagging more than this is shunned for reads (max_replication_lag).
    pub max_replication_lag_s: u64,
    /// ProxySQL monitor_slave_lag_when_null: a NULL Seconds_Behind_Source counts as this.
    pub lag_when_null_s: u64,
    /// Reads wait until the replica has the session's last write (WAIT_FOR_EXECUTED_GTID_SET).
    pub read_your_writes: bool,
    /// How long a read waits for the session's write before failing.
    pub read_your_writes_timeout_ms: u64,
    /// A request without an answer by then is reported as unknown (writes) or failed (reads).
    pub query_timeout_ms: u64,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            writer_source: WriterSource::Manager,
            monitor_interval_ms: 1_000,
            max_replication_lag_s: 10,
            lag_when_null_s: 60,
            read_your_writes: false,
            read_your_writes_timeout_ms: 1_000,
            query_timeout_ms: 5_000,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FailoverConfig {
    /// Automatic recovery of a dead primary. Detection and the audit log run either way.
    pub automatic: bool,
    /// InstancePollSeconds.
    pub instance_poll_ms: u64,
    /// A probe without answer by then marks the instance unreachable.
    pub probe_timeout_ms: u64,
    /// How often the analysis runs (RecoveryPollSeconds).
    pub analysis_interval_ms: u64,
    /// RecoveryPeriodBlockSeconds: no second automatic recovery within this time.
    pub recovery_block_s: u64,
    /// ReasonableReplicationLagSeconds. Kept so older scenarios still open; it ranks and
    /// excludes nothing: lag does not exclude a candidate of an unplanned recovery
    /// (docs/semantics.md §6.3).
    pub reasonable_lag_s: u64,
    /// DelayMasterPromotionIfSQLThreadNotUpToDate: wait until the candidate has applied its
    /// relay log. Orchestrator's code default is false, which can lose acknowledged
    /// semi-sync transactions the drain before choosing (§6.3: up to 10 s, and only with
    /// two or more replicas) did not apply (docs/semantics.md §6.4); the playground picks
    /// the safe choice.
    pub wait_for_relay_log_apply: bool,
    /// How long to wait for that before giving up on the candidate.
    pub relay_log_apply_timeout_ms: u64,
    /// Set super_read_only on the old primary if it can be reached.
    pub fence_old_primary: bool,
}

impl Default for FailoverConfig {
    fn default() -> Self {
        FailoverConfig {
            automatic: true,
            instance_poll_ms: 5_000,
            probe_timeout_ms: 1_000,
            analysis_interval_ms: 1_000,
            recovery_block_s: 3_600,
            reasonable_lag_s: 10,
            wait_for_relay_log_apply: true,
            relay_log_apply_timeout_ms: 30_000,
            fence_old_primary: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InsertMode {
    /// INSERT … ON DUPLICATE KEY UPDATE on a random key: logged as Write_rows or Update_rows.
    #[default]
    Upsert,
    /// INSERT with an AUTO_INCREMENT key (auto_increment_increment/offset apply).
    AutoIncrement,
}

/// One client session of the application. Operations arrive at a fixed rate (open loop)
/// with up to `max_inflight` outstanding, as a connection pool would allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientConfig {
    pub writes_per_s: u32,
    pub reads_per_s: u32,
    /// Keys are 1..=key_space.
    pub key_space: u64,
    /// Of the writes, how many per thousand are deletes.
    pub delete_permille: u32,
    pub insert_mode: InsertMode,
    pub max_inflight: u32,
    /// Send writes to this node directly instead of through the router (dual-primary demos).
    pub pin_writes_to: Option<String>,
    /// A skewed workload: this many of every thousand operations go to the hot keys.
    pub hot_permille: u32,
    /// The hot keys are 1..=hot_keys.
    pub hot_keys: u64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            writes_per_s: 10,
            reads_per_s: 10,
            key_space: 100,
            delete_permille: 0,
            insert_mode: InsertMode::Upsert,
            max_inflight: 32,
            pin_writes_to: None,
            hot_permille: 0,
            hot_keys: 10,
        }
    }
}

/// The whole cluster the world is built from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    pub seed: u64,
    pub nodes: Vec<NodeConfig>,
    /// The node the router writes to at the start.
    pub primary: String,
    /// Nodes meant to take writes at the same time (dual-primary active–active): the
    /// split-brain check does not flag them against each other.
    pub active_active: Vec<String>,
    pub network: LinkConfig,
    pub router: RouterConfig,
    pub failover: FailoverConfig,
    pub clients: Vec<ClientConfig>,
    /// Empty: one replication cluster holds every key. Otherwise each shard is its own
    /// cluster (a primary and its replicas, with its own failover) serving one key range.
    pub shards: Vec<ShardConfig>,
    /// How a row's id becomes its keyspace id (used when sharded).
    pub vindex: Vindex,
}

/// A shard: the key range it serves and the nodes of its replication cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardConfig {
    pub range: KeyRange,
    pub primary: String,
    pub nodes: Vec<String>,
    /// False for a resharding target: provisioned, replicating, but serving nothing
    /// until traffic is switched to it.
    #[serde(default = "serving")]
    pub serving: bool,
}

fn serving() -> bool {
    true
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            seed: 1,
            nodes: Vec::new(),
            primary: String::new(),
            active_active: Vec::new(),
            network: LinkConfig::default(),
            router: RouterConfig::default(),
            failover: FailoverConfig::default(),
            clients: Vec::new(),
            shards: Vec::new(),
            vindex: Vindex::Hash,
        }
    }
}
