//! The topology builder: a form for the common clusters, turned into a scenario document
//! (so a built cluster is a scenario like any other: it can be saved, shared, replayed).

use super::Msg;
use crate::engine::time::ms;
use serde_json::{Value, json};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Builder {
    /// The server: `mysql` (MySQL 8.4, the default) or `mariadb` (MariaDB 10.11), the
    /// scenario's `flavor`.
    pub flavor: String,
    pub kind: String,
    pub replicas: u32,
    /// Sharded kinds: how many equal key ranges (2, 4 or 8).
    pub shards: u32,
    /// Sharded kinds: provision two new shards that split the last one (a resharding to run).
    pub split_target: bool,
    pub semi_sync: bool,
    pub wait_point: String,
    pub semi_sync_timeout_ms: u64,
    pub sync_binlog: u32,
    pub innodb_flush_log_at_trx_commit: u8,
    pub replica_net_timeout_s: u64,
    pub automatic_failover: bool,
    pub instance_poll_ms: u64,
    pub writes_per_s: u32,
    pub reads_per_s: u32,
    pub latency_ms: u64,
    pub seed: u64,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            flavor: "mysql".into(),
            kind: "primary_replicas".into(),
            replicas: 2,
            shards: 2,
            split_target: true,
            semi_sync: false,
            wait_point: "AFTER_SYNC".into(),
            semi_sync_timeout_ms: 10_000,
            sync_binlog: 1,
            innodb_flush_log_at_trx_commit: 1,
            replica_net_timeout_s: 4,
            automatic_failover: true,
            instance_poll_ms: 1_000,
            writes_per_s: 50,
            reads_per_s: 50,
            latency_ms: 20,
            seed: 1,
        }
    }
}

/// A field of the builder's form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Flavor,
    Kind,
    Replicas,
    Shards,
    SplitTarget,
    SemiSync,
    WaitPoint,
    SemiSyncTimeoutMs,
    SyncBinlog,
    InnodbFlushLogAtTrxCommit,
    ReplicaNetTimeoutS,
    AutomaticFailover,
    InstancePollMs,
    WritesPerS,
    ReadsPerS,
    LatencyMs,
    Seed,
}

impl Field {
    /// The setting's name as the scenario format spells it (for errors).
    pub fn name(self) -> &'static str {
        match self {
            Field::Flavor => "flavor",
            Field::Kind => "kind",
            Field::Replicas => "replicas",
            Field::Shards => "shards",
            Field::SplitTarget => "split_target",
            Field::SemiSync => "semi_sync",
            Field::WaitPoint => "wait_point",
            Field::SemiSyncTimeoutMs => "semi_sync_timeout_ms",
            Field::SyncBinlog => "sync_binlog",
            Field::InnodbFlushLogAtTrxCommit => "innodb_flush_log_at_trx_commit",
            Field::ReplicaNetTimeoutS => "replica_net_timeout_s",
            Field::AutomaticFailover => "automatic_failover",
            Field::InstancePollMs => "instance_poll_ms",
            Field::WritesPerS => "writes_per_s",
            Field::ReadsPerS => "reads_per_s",
            Field::LatencyMs => "latency_ms",
            Field::Seed => "seed",
        }
    }
}

/// The servers the form offers: (the scenario's `flavor`, label).
const FLAVORS: &[(&str, &str)] = &[("mysql", "MySQL 8.4"), ("mariadb", "MariaDB 10.11")];

/// Topology kinds the form offers: (value, label).
const KINDS: &[(&str, &str)] = &[
    ("primary_replicas", "primary + replicas"),
    ("chained", "chained (intermediate source)"),
    ("active_active", "dual-primary active–active"),
    ("active_passive", "dual-primary active–passive"),
    ("sharded_hash", "sharded, hash vindex"),
    ("sharded_range", "sharded, range vindex"),
];

fn num<T>(v: &str, lo: T, hi: T, what: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let x: T = v
        .trim()
        .parse()
        .map_err(|_| format!("{what}: '{v}' is not a number"))?;
    if x < lo || x > hi {
        return Err(format!("{what} must be between {lo} and {hi}"));
    }
    Ok(x)
}

impl Builder {
    /// Sets one field from a form value, validating it; on error nothing changes.
    pub fn set(&mut self, field: Field, v: &str) -> Result<(), String> {
        match field {
            Field::Flavor if FLAVORS.iter().any(|(f, _)| *f == v) => {
                // Each server's own default wait point: AFTER_SYNC in MySQL, AFTER_COMMIT
                // in MariaDB (docs/semantics.md §13.4); the form shows the change.
                self.wait_point = if v == "mariadb" {
                    "AFTER_COMMIT"
                } else {
                    "AFTER_SYNC"
                }
                .into();
                self.flavor = v.into();
            }
            Field::Kind if KINDS.iter().any(|(k, _)| *k == v) => self.kind = v.into(),
            Field::Replicas => self.replicas = num(v, 0, 31, "replicas")?,
            Field::Shards if ["2", "4", "8"].contains(&v) => self.shards = num(v, 2, 8, "shards")?,
            Field::SplitTarget => self.split_target = v == "true",
            Field::SemiSync => self.semi_sync = v == "true",
            Field::WaitPoint if ["AFTER_SYNC", "AFTER_COMMIT"].contains(&v) => {
                self.wait_point = v.into()
            }
            Field::SemiSyncTimeoutMs => {
                self.semi_sync_timeout_ms = num(v, 0, 3_600_000, "semi-sync timeout")?
            }
            Field::SyncBinlog => self.sync_binlog = num(v, 0, 1_000, "sync_binlog")?,
            Field::InnodbFlushLogAtTrxCommit => {
                self.innodb_flush_log_at_trx_commit =
                    num(v, 0, 2, "innodb_flush_log_at_trx_commit")?
            }
            Field::ReplicaNetTimeoutS => {
                self.replica_net_timeout_s = num(v, 1, 3_600, "replica_net_timeout")?
            }
            Field::AutomaticFailover => self.automatic_failover = v == "true",
            Field::InstancePollMs => self.instance_poll_ms = num(v, 100, 60_000, "poll interval")?,
            Field::WritesPerS => self.writes_per_s = num(v, 0, 5_000, "writes per second")?,
            Field::ReadsPerS => self.reads_per_s = num(v, 0, 5_000, "reads per second")?,
            Field::LatencyMs => self.latency_ms = num(v, 0, 10_000, "latency")?,
            Field::Seed => self.seed = num(v, 0, u64::MAX, "seed")?,
            Field::Flavor | Field::Kind | Field::Shards | Field::WaitPoint => {
                return Err(format!("{}: '{v}' is not allowed", field.name()));
            }
        }
        Ok(())
    }

    /// The scenario document this form describes.
    pub fn to_scenario(&self) -> Value {
        let topology = match self.kind.as_str() {
            "chained" => {
                json!({ "kind": "chained", "intermediate_replicas": self.replicas.max(1), "replicas": 0 })
            }
            "active_active" | "active_passive" => {
                json!({ "kind": "dual_primary", "mode": self.kind, "replicas": self.replicas })
            }
            "sharded_hash" | "sharded_range" => {
                let shards: Vec<String> = crate::engine::rebalance::equal_ranges(self.shards)
                    .iter()
                    .map(|r| r.to_string())
                    .collect();
                // At most 64 nodes: 8 shards (+2 targets) of a primary and its replicas.
                let groups = self.shards + if self.split_target { 2 } else { 0 };
                let replicas = self.replicas.min(64 / groups.max(1) - 1);
                let targets: Vec<String> = crate::engine::rebalance::equal_ranges(self.shards)
                    .last()
                    .and_then(|r| r.split())
                    .filter(|_| self.split_target)
                    .map(|(a, b)| vec![a.to_string(), b.to_string()])
                    .unwrap_or_default();
                let vindex = if self.kind == "sharded_range" {
                    json!({ "range": { "key_space": 1000 } })
                } else {
                    json!("hash")
                };
                json!({ "kind": "sharded", "shards": shards, "targets": targets, "replicas": replicas, "vindex": vindex })
            }
            _ => json!({ "kind": "primary_replicas", "replicas": self.replicas.max(1) }),
        };
        let writers = if self.kind == "active_active" {
            vec![
                json!({ "writes_per_s": self.writes_per_s / 2, "reads_per_s": self.reads_per_s / 2, "key_space": 1000, "pin_writes_to": "db1", "insert_mode": "auto_increment" }),
                json!({ "writes_per_s": self.writes_per_s / 2, "reads_per_s": self.reads_per_s / 2, "key_space": 1000, "pin_writes_to": "db2", "insert_mode": "auto_increment" }),
            ]
        } else {
            vec![
                json!({ "writes_per_s": self.writes_per_s, "reads_per_s": self.reads_per_s, "key_space": 1000 }),
            ]
        };
        let server = if self.flavor == "mariadb" {
            ", MariaDB 10.11"
        } else {
            ""
        };
        let mut doc = json!({
            "version": 1,
            "name": format!("Built: {} ({} replicas{server})", self.kind.replace('_', " "), self.replicas),
            "description": "A cluster made with the topology builder.",
            "seed": self.seed,
            "topology": topology,
            "defaults": {
                "sync_binlog": self.sync_binlog,
                "innodb_flush_log_at_trx_commit": self.innodb_flush_log_at_trx_commit,
                "replica_net_timeout_s": self.replica_net_timeout_s,
                "source_connect_retry_s": 1,
                "rpl_semi_sync_source_enabled": self.semi_sync,
                "rpl_semi_sync_replica_enabled": self.semi_sync,
                "rpl_semi_sync_source_wait_point": self.wait_point,
                "rpl_semi_sync_source_timeout_ms": self.semi_sync_timeout_ms,
            },
            "network": { "latency_us": ms(self.latency_ms).as_micros(), "jitter_us": (ms(self.latency_ms) / 4).as_micros() },
            "failover": { "automatic": self.automatic_failover, "instance_poll_ms": self.instance_poll_ms },
            "workload": { "clients": writers },
            "run_ms": 3_600_000,
        });
        // Only a MariaDB cluster names its flavor, so a MySQL build reads as it always did.
        if self.flavor == "mariadb" {
            doc["flavor"] = json!("mariadb");
        }
        doc
    }
}

/// A value typed into the form that was refused: it stays in its field, with why beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalid {
    pub field: Field,
    pub typed: String,
    pub error: String,
}

/// The builder's dialog: the settings as they stand, the values refused (shown in their
/// fields with the reason, never behind the dialog), and why the last start failed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Form {
    pub values: Builder,
    pub invalid: Vec<Invalid>,
    pub error: Option<String>,
}

impl Form {
    /// Takes a field's new value: kept if valid, else remembered as typed with its error.
    pub fn set(&mut self, field: Field, typed: &str) {
        self.invalid.retain(|i| i.field != field);
        self.error = None;
        if let Err(error) = self.values.set(field, typed) {
            self.invalid.push(Invalid {
                field,
                typed: typed.to_string(),
                error,
            });
        }
    }

    /// The scenario to start, or none while a field holds a refused value.
    pub fn scenario(&mut self) -> Option<Value> {
        if self.invalid.is_empty() {
            return Some(self.values.to_scenario());
        }
        self.error = Some("Correct the fields marked first.".into());
        None
    }

    /// Whether the field matters for the cluster as set (semi-sync's options when it is
    /// on, shard options for a sharded kind): the others are shown disabled.
    pub fn relevant(&self, field: Field) -> bool {
        let b = &self.values;
        match field {
            Field::WaitPoint | Field::SemiSyncTimeoutMs => b.semi_sync,
            Field::Shards | Field::SplitTarget => b.kind.starts_with("sharded"),
            _ => true,
        }
    }

    fn invalid(&self, field: Field) -> Option<&Invalid> {
        self.invalid.iter().find(|i| i.field == field)
    }
}

fn field(
    label: &str,
    name: Field,
    value: String,
    form: &Form,
    link: &html::Scope<super::App>,
) -> Html {
    let onchange = link.callback(move |e: Event| {
        Msg::BuilderSet(name, e.target_unchecked_into::<HtmlInputElement>().value())
    });
    let invalid = form.invalid(name);
    let value = invalid.map_or(value, |i| i.typed.clone());
    let error_id = format!("builder-error-{}", name.name());
    html! {
        <label class={classes!("field", invalid.is_some().then_some("invalid"))}>{ label.to_string() }
            <input type="number" {value} {onchange} disabled={!form.relevant(name)}
                aria-invalid={invalid.is_some().then_some("true")}
                aria-describedby={invalid.is_some().then(|| error_id.clone())} />
            if let Some(i) = invalid {
                <span class="field-error" id={error_id} role="alert">{ i.error.clone() }</span>
            }
        </label>
    }
}

fn choice(
    label: &str,
    name: Field,
    current: &str,
    options: &[(&str, &str)],
    form: &Form,
    link: &html::Scope<super::App>,
) -> Html {
    let onchange = link.callback(move |e: Event| {
        Msg::BuilderSet(name, e.target_unchecked_into::<HtmlSelectElement>().value())
    });
    html! {
        <label class="field">{ label.to_string() }
            <select {onchange} disabled={!form.relevant(name)}>
                { for options.iter().map(|(v, text)| html! { <option value={v.to_string()} selected={*v == current}>{ text.to_string() }</option> }) }
            </select>
        </label>
    }
}

pub fn view(form: &Form, link: &html::Scope<super::App>) -> Html {
    let b = &form.values;
    let yes_no = [("true", "on"), ("false", "off")];
    html! {
        <div class="help-overlay" role="dialog" aria-modal="true" aria-label="Build a cluster">
            <div class="help-box builder">
                <h2>{ "Build a cluster" }</h2>
                <div class="builder-grid">
                    { choice("server ", Field::Flavor, &b.flavor, FLAVORS, form, link) }
                    { choice("kind ", Field::Kind, &b.kind, KINDS, form, link) }
                    { field("replicas (per shard) ", Field::Replicas, b.replicas.to_string(), form, link) }
                    { choice("shards ", Field::Shards, &b.shards.to_string(), &[("2", "2"), ("4", "4"), ("8", "8")], form, link) }
                    { choice("new shards to reshard into ", Field::SplitTarget, if b.split_target { "true" } else { "false" }, &[("true", "two, splitting the last shard"), ("false", "none")], form, link) }
                    { choice("semi-sync ", Field::SemiSync, if b.semi_sync { "true" } else { "false" }, &yes_no, form, link) }
                    { choice("wait point ", Field::WaitPoint, &b.wait_point, &[("AFTER_SYNC", "AFTER_SYNC"), ("AFTER_COMMIT", "AFTER_COMMIT")], form, link) }
                    { field("semi-sync timeout (ms) ", Field::SemiSyncTimeoutMs, b.semi_sync_timeout_ms.to_string(), form, link) }
                    { field("sync_binlog ", Field::SyncBinlog, b.sync_binlog.to_string(), form, link) }
                    { field("innodb_flush_log_at_trx_commit ", Field::InnodbFlushLogAtTrxCommit, b.innodb_flush_log_at_trx_commit.to_string(), form, link) }
                    { field(if b.flavor == "mariadb" { "slave_net_timeout (s) " } else { "replica_net_timeout (s) " }, Field::ReplicaNetTimeoutS, b.replica_net_timeout_s.to_string(), form, link) }
                    { choice("automatic failover ", Field::AutomaticFailover, if b.automatic_failover { "true" } else { "false" }, &yes_no, form, link) }
                    { field("orchestrator poll (ms) ", Field::InstancePollMs, b.instance_poll_ms.to_string(), form, link) }
                    { field("writes per second ", Field::WritesPerS, b.writes_per_s.to_string(), form, link) }
                    { field("reads per second ", Field::ReadsPerS, b.reads_per_s.to_string(), form, link) }
                    { field("network latency (ms) ", Field::LatencyMs, b.latency_ms.to_string(), form, link) }
                    { field("seed ", Field::Seed, b.seed.to_string(), form, link) }
                </div>
                if let Some(e) = &form.error {
                    <p class="field-error" role="alert">{ e.clone() }</p>
                }
                <div class="actions">
                    <button type="button" class="primary-action" onclick={link.callback(|_| Msg::BuilderApply)}>{ "Start this cluster" }</button>
                    <button type="button" onclick={link.callback(|_| Msg::BuilderClose)}>{ "Cancel" }</button>
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn every_kind_builds_a_valid_scenario() {
        for (kind, _) in KINDS {
            for replicas in ["0", "1", "5", "31"] {
                let mut b = Builder::default();
                b.set(Field::Kind, kind).unwrap();
                b.set(Field::Replicas, replicas).unwrap();
                b.set(Field::Shards, "8").unwrap();
                b.set(Field::SemiSync, "true").unwrap();
                let json = b.to_scenario().to_string();
                let s =
                    Scenario::from_json(&json).unwrap_or_else(|e| panic!("{kind} {replicas}: {e}"));
                assert!(s.world().is_ok());
            }
        }
    }

    #[test]
    fn a_mariadb_build_runs_as_mariadb_with_its_own_wait_point_default() {
        for (kind, _) in KINDS {
            let mut b = Builder::default();
            b.set(Field::Flavor, "mariadb").unwrap();
            b.set(Field::Kind, kind).unwrap();
            b.set(Field::SemiSync, "true").unwrap();
            assert_eq!(b.wait_point, "AFTER_COMMIT");
            let json = b.to_scenario().to_string();
            let s = Scenario::from_json(&json).unwrap_or_else(|e| panic!("{kind}: {e}"));
            let w = s.world().unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert!(w.nodes.iter().all(|n| n.cfg.flavor.is_mariadb()), "{kind}");
        }
        let mut b = Builder::default();
        assert!(
            b.to_scenario().get("flavor").is_none(),
            "MySQL builds unchanged"
        );
        b.set(Field::Flavor, "mariadb").unwrap();
        b.set(Field::Flavor, "mysql").unwrap();
        assert_eq!(b, Builder::default());
        assert!(b.set(Field::Flavor, "postgres").is_err());
    }

    #[test]
    fn bad_values_are_refused_and_change_nothing() {
        let mut b = Builder::default();
        for (f, v) in [
            (Field::Replicas, "99"),
            (Field::Replicas, "-1"),
            (Field::Replicas, "x"),
            (Field::Kind, "ring"),
            (Field::SyncBinlog, "1e9"),
            (Field::LatencyMs, "NaN"),
            (Field::WaitPoint, "AFTER_LUNCH"),
            (Field::Shards, "3"),
        ] {
            assert!(b.set(f, v).is_err(), "{f:?}={v}");
        }
        assert_eq!(b, Builder::default());
        assert_eq!(
            b.set(Field::Kind, "ring"),
            Err("kind: 'ring' is not allowed".into())
        );
    }

    #[test]
    fn a_refused_value_stays_in_its_field_with_its_error_until_corrected() {
        let mut f = Form::default();
        f.set(Field::Replicas, "99");
        assert_eq!(f.values, Builder::default(), "the setting is unchanged");
        assert_eq!(f.invalid.len(), 1);
        assert_eq!(f.invalid[0].typed, "99", "what the user typed is kept");
        assert_eq!(f.invalid[0].error, "replicas must be between 0 and 31");
        assert_eq!(f.scenario(), None, "no start while a field is wrong");
        assert!(f.error.is_some());
        f.set(Field::Replicas, "nine");
        assert_eq!(f.invalid.len(), 1, "one error per field");
        f.set(Field::Replicas, "9");
        assert!(f.invalid.is_empty() && f.error.is_none());
        assert_eq!(f.values.replicas, 9);
        assert!(f.scenario().is_some());
    }

    #[test]
    fn only_the_fields_that_matter_are_enabled() {
        let mut f = Form::default();
        assert!(!f.relevant(Field::WaitPoint) && !f.relevant(Field::SemiSyncTimeoutMs));
        assert!(!f.relevant(Field::Shards) && !f.relevant(Field::SplitTarget));
        f.set(Field::SemiSync, "true");
        f.set(Field::Kind, "sharded_hash");
        assert!(f.relevant(Field::WaitPoint) && f.relevant(Field::SemiSyncTimeoutMs));
        assert!(f.relevant(Field::Shards) && f.relevant(Field::SplitTarget));
        assert!(f.relevant(Field::Replicas) && f.relevant(Field::Seed));
    }
}
