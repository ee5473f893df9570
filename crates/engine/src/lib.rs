//! The simulation: pure Rust, no web dependencies, no I/O, no wall clock.
//!
//! A deterministic discrete-event simulation of MySQL-style replication. Database
//! [`node`]s, the application [`router`] with its workload clients and the failover
//! [`manager`] exchange [`message`]s over a simulated [`net`]work; one queue ordered by
//! (time, insertion sequence) drives them, one seed feeds every random draw.
//!
//! Three nodes, crash the primary, a replica takes over:
//!
//! ```
//! use replication_engine::{config::*, Command, World, time::Instant};
//!
//! let node = |name: &str, source: Option<&str>| NodeConfig {
//!     name: name.into(),
//!     source: source.map(Into::into),
//!     read_only: source.is_some(),
//!     replica_net_timeout_s: 4,
//!     source_connect_retry_s: 1,
//!     ..NodeConfig::default()
//! };
//! let mut world = World::new(ClusterConfig {
//!     seed: 7,
//!     nodes: vec![node("db1", None), node("db2", Some("db1")), node("db3", Some("db1"))],
//!     primary: "db1".into(),
//!     failover: FailoverConfig { instance_poll_ms: 1_000, ..FailoverConfig::default() },
//!     clients: vec![ClientConfig::default()],
//!     ..ClusterConfig::default()
//! })
//! .unwrap();
//! world.run_until(Instant::from_secs(5));
//! world.apply(Command::Crash { node: "db1".into(), power_loss: false }).unwrap();
//! world.run_until(Instant::from_secs(30));
//! let promoted = world.manager().recoveries[0].promoted.unwrap();
//! assert_ne!(world.name(promoted.into()), "db1");
//! assert!(!world.node(promoted).unwrap().read_only);
//! ```

pub mod backup;
pub mod binlog;
pub mod checker;
pub mod chunked;
pub mod command;
mod command_de;
pub mod config;
pub mod console;
pub mod effects;
pub mod export;
pub mod footprint;
pub mod gtid;
pub mod history;
pub mod ids;
pub mod invariants;
pub mod keymap;
pub mod keyspace;
pub mod manager;
pub mod mariadb;
pub mod message;
pub mod mysqlbinlog;
pub mod net;
pub mod node;
mod queue;
pub mod rebalance;
pub mod report;
pub mod reshard;
pub mod rng;
pub mod router;
pub mod rows;
pub mod sql;
pub mod status;
pub mod steps;
#[cfg(test)]
pub(crate) mod testkit;
pub mod time;
pub mod trace;
pub mod world;

pub use command::{Command, CommandError};

/// Reads one flat action record of a scenario's timeline: its `at_ms`, if present, and
/// the command it names (with a message naming the field when the record is wrong).
pub fn read_timed_action<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<(Option<u64>, Command), D::Error> {
    use serde::de::Error as _;
    let raw: command_de::RawAction = serde::Deserialize::deserialize(d)?;
    let at_ms = raw.at_ms;
    let cmd = raw.into_command().map_err(D::Error::custom)?;
    Ok((at_ms, cmd))
}
pub use config::ClusterConfig;
pub use ids::{Addr, NodeId};
pub use report::Report;
pub use world::World;
