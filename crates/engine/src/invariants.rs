//! Properties that must hold after every step of any run, whatever the faults. Tests
//! (seed sweeps, the command fuzzer) call `World::check_invariants` after each event.

use super::gtid::GtidSet;
use super::node::{Node, Process};
use super::rows::row_hash;
use super::status::IoRunning;
use super::world::World;

impl World {
    /// Returns the first broken invariant, named, with what was found. The O(1)-per-node
    /// invariants are checked every call; the ones that walk a whole binlog or table
    /// (`deep`) are for every few hundred steps and the end of a run.
    pub fn check_invariants(&self, deep: bool) -> Result<(), String> {
        for n in &self.nodes {
            check_node(n).map_err(|e| format!("{}: {e}", n.name()))?;
            if deep {
                check_node_deep(n).map_err(|e| format!("{}: {e}", n.name()))?;
                self.check_rows_in_shard(n)
                    .map_err(|e| format!("{}: {e}", n.name()))?;
            }
        }
        self.check_routing_tiles()?;
        self.check_no_silent_loss()
    }

    /// keys_served_once: the shards serving writes, and those serving reads, each cover the
    /// keyspace exactly once — no key served by two shards, none by none.
    fn check_routing_tiles(&self) -> Result<(), String> {
        let shards = &self.router.shards;
        if shards.len() < 2 {
            return Ok(());
        }
        for (what, serving) in [("writes", true), ("reads", false)] {
            let mut ranges: Vec<_> = shards
                .iter()
                .filter(|s| {
                    if serving {
                        s.serving_writes
                    } else {
                        s.serving_reads
                    }
                })
                .map(|s| s.range)
                .collect();
            ranges.sort();
            super::keyspace::tiling(&ranges)
                .map_err(|e| format!("keys_served_once ({what}): {e}"))?;
        }
        Ok(())
    }

    /// rows_stay_in_their_shard: a sharded node only ever holds rows whose keyspace id is
    /// in its shard's key range (so no key is served by two shards).
    fn check_rows_in_shard(&self, n: &Node) -> Result<(), String> {
        let Some(shard) = self
            .config
            .shards
            .get(self.shard_of(n.id).index())
            .filter(|_| self.shard_map.is_sharded())
        else {
            return Ok(());
        };
        match n
            .data
            .iter()
            .find(|(k, _)| !shard.range.contains(self.config.vindex.keyspace_id(*k)))
        {
            Some((k, _)) => Err(format!(
                "rows_stay_in_their_shard: key {k} is outside shard {}",
                shard.range
            )),
            None => Ok(()),
        }
    }

    /// No acknowledged write vanishes without a finding: every acknowledged GTID is on
    /// some node, or the checker has reported it lost.
    fn check_no_silent_loss(&self) -> Result<(), String> {
        let mut everywhere = GtidSet::new();
        for n in &self.nodes {
            everywhere.union_with(&n.gtid_executed);
        }
        let missing = self
            .checker
            .acked()
            .subtract(&everywhere)
            .subtract(self.checker.reported_lost());
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "acknowledged_writes_accounted_for: {missing} are on no node and were never reported lost"
            ))
        }
    }
}

fn check_node_deep(n: &Node) -> Result<(), String> {
    // binlog_positions_increase
    let mut last = None;
    for e in n.binlog.entries() {
        if last.is_some_and(|p| e.end() <= p) {
            return Err(format!(
                "binlog_positions_increase: {} after {:?}",
                e.end(),
                last
            ));
        }
        last = Some(e.end());
    }
    // checksum_matches_rows: the incremental checksum equals one computed from scratch.
    let fresh = n.data.iter().fold(0u64, |acc, (k, v)| acc ^ row_hash(k, v));
    if fresh != n.data.checksum() {
        return Err("checksum_matches_rows: incremental checksum drifted".into());
    }
    Ok(())
}

fn check_node(n: &Node) -> Result<(), String> {
    // super_read_only_implies_read_only
    if n.super_read_only && !n.read_only {
        return Err("super_read_only_implies_read_only".into());
    }
    // gtid_purged_is_executed
    if !n.binlog.gtid_purged().is_subset_of(&n.gtid_executed) {
        return Err("gtid_purged_is_executed".into());
    }
    if let Some(c) = &n.channel {
        // relay_log_is_retrieved
        if let Some(e) = c
            .relay_log
            .iter()
            .find(|e| !c.retrieved_gtid_set.contains(e.trx.gtid))
        {
            return Err(format!(
                "relay_log_is_retrieved: {} in relay log but not in Retrieved_Gtid_Set",
                e.trx.gtid
            ));
        }
        // a_dead_server_runs_no_threads
        if n.process != Process::Running && (c.io != IoRunning::No || c.sql_running) {
            return Err("a_dead_server_runs_no_threads".into());
        }
    }
    if n.process != Process::Running && !n.dumps.is_empty() {
        return Err("a_dead_server_has_no_dump_threads".into());
    }
    Ok(())
}
