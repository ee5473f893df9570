//! Replication Playground: a deterministic simulator of MySQL-style replication.
//!
//! Three layers, one-way data flow: [`scenario`] → [`engine`] → [`ui`]. The engine and the
//! scenario model are crates of their own (`crates/engine`, `crates/scenario`), so the
//! compiler enforces that they depend on no web crate; they are re-exported here under the
//! names the UI, `rplay` and the tests use.

pub use replication_engine as engine;
pub use replication_scenario as scenario;
pub mod ui;
