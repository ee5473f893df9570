//! The simulation: pure Rust, no web dependencies, no I/O, no wall clock.
