//! The scenario model: a versioned document that says everything about a run — the
//! cluster, its settings, the network, the workload, a timeline of timed actions and how
//! long to run. JSON is its file format (`assets/scenarios/*.json`); see `docs/scenario-format.md`.

pub mod course;
mod format;
pub mod lesson;
pub mod link;
pub mod plan;
pub mod presets;
pub mod random_faults;
mod topology;

pub use format::{
    CURRENT_VERSION, MAX_SCENARIO_BYTES, Scenario, ScenarioError, TimedAction, Workload,
};
pub use topology::{DualMode, Topology};
