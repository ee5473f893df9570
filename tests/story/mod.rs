//! A tiny story DSL shared by the engine's scenario tests.
#![allow(dead_code)]

use replication_playground::engine::checker::FindingKind;
use replication_playground::engine::config::*;
use replication_playground::engine::node::Node;
use replication_playground::engine::status::IoRunning;
use replication_playground::engine::time::{Duration, Instant};
use replication_playground::engine::{Command, Report, World};

/// A link change in both directions, no jitter: the fault most stories inject.
pub fn set_link(from: &str, to: &str, latency_us: u64, loss_permille: u32) -> Command {
    Command::SetLink {
        from: from.into(),
        to: to.into(),
        latency_us,
        jitter_us: 0,
        loss_permille,
        both_ways: true,
    }
}

/// Classroom timings: orchestrator's recommended replica_net_timeout=4, retry 1 s, poll 1 s.
pub fn node(name: &str, source: Option<&str>) -> NodeConfig {
    NodeConfig {
        name: name.into(),
        source: source.map(Into::into),
        read_only: source.is_some(),
        replica_net_timeout_s: 4,
        source_connect_retry_s: 1,
        ..NodeConfig::default()
    }
}

/// db1 with `replicas` replicas, one client writing `writes` per second.
pub fn primary_with(replicas: u32, writes: u32) -> ClusterConfig {
    let mut nodes = vec![node("db1", None)];
    for i in 0..replicas {
        nodes.push(node(&format!("db{}", i + 2), Some("db1")));
    }
    ClusterConfig {
        seed: 11,
        nodes,
        primary: "db1".into(),
        failover: FailoverConfig {
            instance_poll_ms: 1_000,
            ..FailoverConfig::default()
        },
        clients: vec![ClientConfig {
            writes_per_s: writes,
            reads_per_s: 0,
            key_space: 10_000,
            ..ClientConfig::default()
        }],
        ..ClusterConfig::default()
    }
}

pub struct Story {
    pub w: World,
}

impl Story {
    pub fn new(cfg: ClusterConfig) -> Story {
        Story {
            w: World::new(cfg).expect("valid cluster"),
        }
    }

    pub fn run_to(&mut self, s: f64) -> &mut Self {
        self.w.run_until(Instant::ZERO + Duration::from_secs_f64(s));
        self
    }

    pub fn run_for(&mut self, s: f64) -> &mut Self {
        let t = self.w.now() + Duration::from_secs_f64(s);
        self.w.run_until(t);
        self
    }

    pub fn act(&mut self, c: Command) -> &mut Self {
        self.w
            .apply(c.clone())
            .unwrap_or_else(|e| panic!("{c:?} failed: {e}"));
        self
    }

    pub fn crash(&mut self, n: &str) -> &mut Self {
        self.act(Command::Crash {
            node: n.into(),
            power_loss: false,
        })
    }

    pub fn power_off(&mut self, n: &str) -> &mut Self {
        self.act(Command::Crash {
            node: n.into(),
            power_loss: true,
        })
    }

    /// A DBA with SUPER writes `key = key` directly on the node.
    pub fn direct_write(&mut self, n: &str, key: u64) -> &mut Self {
        self.act(Command::DirectWrite {
            node: n.into(),
            key,
            value: key,
        })
    }

    pub fn restart(&mut self, n: &str) -> &mut Self {
        self.act(Command::Restart { node: n.into() })
    }

    pub fn node(&self, n: &str) -> &Node {
        self.w
            .node(self.w.node_id(n).expect("node exists"))
            .unwrap()
    }

    pub fn io(&self, n: &str) -> IoRunning {
        self.node(n)
            .channel
            .as_ref()
            .map_or(IoRunning::No, |c| c.io)
    }

    /// The node's Last_IO_Error (the test fails if there is none).
    pub fn io_error(&self, n: &str) -> replication_playground::engine::status::ThreadError {
        self.node(n)
            .channel
            .as_ref()
            .and_then(|c| c.last_io_error.clone())
            .unwrap_or_else(|| panic!("{n} has no IO error"))
    }

    pub fn count(&self, k: FindingKind) -> u64 {
        self.w.checker.count(k)
    }

    pub fn report(&self) -> Report {
        Report::of(&self.w)
    }

    pub fn promoted(&self) -> Vec<String> {
        self.w
            .manager()
            .recoveries
            .iter()
            .filter(|r| r.success)
            .filter_map(|r| r.promoted)
            .map(|p| self.w.name(p.into()))
            .collect()
    }

    pub fn audit(&self) -> String {
        self.w
            .manager()
            .audit
            .iter()
            .map(|a| format!("{} {} {}\n", a.at_us.as_micros(), a.kind, a.text))
            .collect()
    }

    pub fn findings(&self) -> String {
        self.w
            .checker
            .findings
            .iter()
            .map(|f| format!("{:?} {}\n", f.kind, f.detail))
            .collect()
    }
}

pub fn at(s: u64) -> Instant {
    Instant::from_secs(s)
}

/// Types `sql` at `node`'s console, runs 50 ms (long enough for a commit here), and
/// returns the replies.
pub fn type_at(s: &mut Story, node: &str, sql: &str) -> Vec<String> {
    let before = s.w.console(node).len();
    s.act(Command::Sql {
        node: node.into(),
        sql: sql.into(),
    });
    s.run_for(0.05);
    s.w.console(node)[before..]
        .iter()
        .map(|e| e.reply.text().to_string())
        .collect()
}
