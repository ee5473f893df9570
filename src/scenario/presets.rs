//! The preset scenarios shipped in `assets/scenarios/`, compiled in so the browser needs no fetch.
//! The list is sorted by file name; a test checks it matches the folder.

/// (file stem, JSON text) of every preset.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "anti-flapping",
        include_str!("../../assets/scenarios/anti-flapping.json"),
    ),
    (
        "async-failover-loses-writes",
        include_str!("../../assets/scenarios/async-failover-loses-writes.json"),
    ),
    (
        "async-lag",
        include_str!("../../assets/scenarios/async-lag.json"),
    ),
    (
        "chained-replica",
        include_str!("../../assets/scenarios/chained-replica.json"),
    ),
    (
        "dual-primary-active-passive",
        include_str!("../../assets/scenarios/dual-primary-active-passive.json"),
    ),
    (
        "dual-primary-conflict",
        include_str!("../../assets/scenarios/dual-primary-conflict.json"),
    ),
    (
        "errant-gtid",
        include_str!("../../assets/scenarios/errant-gtid.json"),
    ),
    (
        "free-play",
        include_str!("../../assets/scenarios/free-play.json"),
    ),
    (
        "hot-shard",
        include_str!("../../assets/scenarios/hot-shard.json"),
    ),
    (
        "manager-cut-no-failover",
        include_str!("../../assets/scenarios/manager-cut-no-failover.json"),
    ),
    (
        "mysqld-crash",
        include_str!("../../assets/scenarios/mysqld-crash.json"),
    ),
    (
        "partition-split-brain",
        include_str!("../../assets/scenarios/partition-split-brain.json"),
    ),
    (
        "planned-switchover",
        include_str!("../../assets/scenarios/planned-switchover.json"),
    ),
    (
        "read-your-writes",
        include_str!("../../assets/scenarios/read-your-writes.json"),
    ),
    (
        "relay-log-discarded",
        include_str!("../../assets/scenarios/relay-log-discarded.json"),
    ),
    (
        "semi-sync-after-sync",
        include_str!("../../assets/scenarios/semi-sync-after-sync.json"),
    ),
    (
        "semi-sync-minority-split-brain",
        include_str!("../../assets/scenarios/semi-sync-minority-split-brain.json"),
    ),
    (
        "semi-sync-timeout-fallback",
        include_str!("../../assets/scenarios/semi-sync-timeout-fallback.json"),
    ),
    (
        "shard-failover",
        include_str!("../../assets/scenarios/shard-failover.json"),
    ),
    (
        "silent-partition-default-timeouts",
        include_str!("../../assets/scenarios/silent-partition-default-timeouts.json"),
    ),
    (
        "sync-binlog-power-loss",
        include_str!("../../assets/scenarios/sync-binlog-power-loss.json"),
    ),
];

pub fn preset(name: &str) -> Option<&'static str> {
    PRESETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| *json)
}
