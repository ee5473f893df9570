//! Replication Playground: a deterministic simulator of MySQL-style replication.
//!
//! Three layers, one-way data flow: [`scenario`] → [`engine`] → [`ui`].

pub mod engine;
pub mod scenario;
pub mod ui;
