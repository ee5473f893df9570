//! What a `<SCENARIO>` argument names: a share link, a scenario file, a preset, or the
//! random-fault scenario; and how to run it with a given seed.

use crate::Exit;
use replication_playground::engine::World;
use replication_playground::engine::config::ClusterConfig;
use replication_playground::engine::time::Instant;
use replication_playground::scenario::link::{self, Shared};
use replication_playground::scenario::plan::Plan;
use replication_playground::scenario::presets::PRESETS;
use replication_playground::scenario::{Scenario, random_faults};
use std::path::Path;

pub enum Target {
    RandomFaults,
    /// A file or a preset; `arg` is how the command line named it.
    Scenario {
        scenario: Box<Scenario>,
        arg: String,
    },
    Link(Box<Shared>),
}

impl Target {
    pub fn parse(arg: &str) -> Result<Target, Exit> {
        if arg == random_faults::NAME {
            return Ok(Target::RandomFaults);
        }
        if looks_like_link(arg) {
            let shared = link::decode(arg).map_err(|e| Exit::Usage(format!("share link: {e}")))?;
            return Ok(Target::Link(Box::new(shared)));
        }
        let scenario = if Path::new(arg).exists() || arg.ends_with(".json") || arg.contains('/') {
            let text = std::fs::read_to_string(arg)
                .map_err(|e| Exit::Usage(format!("cannot read {arg}: {e}")))?;
            Scenario::from_json(&text).map_err(|e| Exit::Usage(format!("{arg}: {e}")))?
        } else {
            let (_, json) = PRESETS
                .iter()
                .find(|(name, _)| *name == arg)
                .ok_or_else(|| Exit::Usage(unknown(arg)))?;
            Scenario::from_json(json).map_err(|e| Exit::Usage(format!("preset {arg}: {e}")))?
        };
        Ok(Target::Scenario {
            scenario: Box::new(scenario),
            arg: arg.to_string(),
        })
    }

    pub fn is_link(&self) -> bool {
        matches!(self, Target::Link(_))
    }

    /// The run, stepped, with `seed` instead of the scenario's own if given.
    pub fn plan(&self, seed: Option<u64>) -> Result<Plan, Exit> {
        match self {
            Target::RandomFaults => Ok(random_faults::plan(
                seed.unwrap_or(0),
                false,
                random_faults::SECONDS,
            )),
            Target::Scenario { scenario, arg } => {
                let scenario = with_seed(scenario, seed);
                Plan::of_scenario(&scenario).map_err(|e| Exit::Usage(format!("{arg}: {e}")))
            }
            Target::Link(shared) => {
                let until = link_end(shared);
                let world = with_seed(&shared.scenario, seed)
                    .world()
                    .map_err(|e| Exit::Usage(format!("share link: {e}")))?;
                let actions = shared.actions.iter().filter(|(at, _)| *at <= until);
                Ok(Plan::new(world, actions.cloned().collect(), until))
            }
        }
    }

    /// The cluster the scenario starts from (a link's scenario, before its hand actions).
    pub fn cluster(&self) -> Result<ClusterConfig, Exit> {
        match self {
            Target::RandomFaults => Err(Exit::Usage(format!(
                "{} draws a new cluster for every seed: export a scenario file or preset",
                random_faults::NAME
            ))),
            Target::Scenario { scenario, arg } => scenario
                .cluster()
                .map_err(|e| Exit::Usage(format!("{arg}: {e}"))),
            Target::Link(shared) => shared
                .scenario
                .cluster()
                .map_err(|e| Exit::Usage(format!("share link: {e}"))),
        }
    }

    /// A link replayed as the page does, refusing a hand action that is impossible.
    pub fn world_of_link(&self, seed: Option<u64>) -> Result<World, Exit> {
        let Target::Link(shared) = self else {
            return Err(Exit::Usage("not a share link".into()));
        };
        let mut shared = shared.as_ref().clone();
        shared.scenario = with_seed(&shared.scenario, seed);
        shared
            .world_until(link_end(&shared))
            .map_err(|e| Exit::Usage(format!("share link: {e}")))
    }

    /// The command line that runs `seed` again, stopping at a broken invariant.
    pub fn reproduce(&self, seed: u64) -> String {
        let arg = match self {
            Target::RandomFaults => random_faults::NAME.to_string(),
            Target::Scenario { arg, .. } => shell_quoted(arg),
            Target::Link(shared) => shell_quoted(&format!("#{}", link::encode(shared))),
        };
        format!("rplay run {arg} --seed {seed} --invariants")
    }
}

fn with_seed(scenario: &Scenario, seed: Option<u64>) -> Scenario {
    let mut s = scenario.clone();
    if let Some(seed) = seed {
        s.seed = seed;
    }
    s
}

/// A link without a moment runs to the scenario's end.
fn link_end(shared: &Shared) -> Instant {
    match shared.at_us {
        Instant::ZERO => Instant::from_millis(shared.scenario.run_ms),
        t => t,
    }
}

/// A link is a URL, a `#v…` fragment, or `v1.…`; anything else is a file path.
fn looks_like_link(s: &str) -> bool {
    s.contains('#') || (s.starts_with('v') && s.contains('.') && !Path::new(s).exists())
}

fn unknown(arg: &str) -> String {
    let names: Vec<&str> = PRESETS.iter().map(|(name, _)| *name).collect();
    format!(
        "'{arg}' is no scenario file, share link or preset\n  presets: {}, {}",
        names.join(", "),
        random_faults::NAME
    )
}

/// `s` as one shell word: as is when it is plain, else in single quotes.
fn shell_quoted(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_only_when_the_shell_needs_it() {
        assert_eq!(shell_quoted("assets/a-b.json"), "assets/a-b.json");
        assert_eq!(shell_quoted("my file.json"), "'my file.json'");
        assert_eq!(shell_quoted("it's.json"), r"'it'\''s.json'");
        assert_eq!(shell_quoted("#v1.AB"), "'#v1.AB'");
    }
}
