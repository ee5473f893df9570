//! Runs a case on both sides, compares, and writes the table of docs/conformance.md.

use super::cases::{BLOCK_TOLERANCE_MS, Build, Case, Obs, Observed};
use super::differences;
use super::real::{Env, Real};
use super::side::{Side, gtid_count};
use super::sim::Sim;
use std::panic::{AssertUnwindSafe, catch_unwind};

pub struct Row {
    pub label: String,
    pub real: String,
    pub sim: String,
    pub agree: bool,
    pub reason: Option<&'static str>,
}

pub struct CaseResult {
    pub name: &'static str,
    pub what: &'static str,
    pub rows: Vec<Row>,
    /// A side that could not run the case at all (its panic message).
    pub broke: Option<String>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.broke.is_none() && self.rows.iter().all(|r| r.agree || r.reason.is_some())
    }

    pub fn line(&self) -> String {
        if let Some(b) = &self.broke {
            return format!("FAIL  {}: {b}", self.name);
        }
        let listed = self.rows.iter().filter(|r| !r.agree).count();
        let bad: Vec<String> = self
            .rows
            .iter()
            .filter(|r| !r.agree && r.reason.is_none())
            .map(|r| format!("{}: real {} / sim {}", r.label, r.real, r.sim))
            .collect();
        match (bad.is_empty(), listed) {
            (true, 0) => format!(
                "ok    {} ({} observations agree)",
                self.name,
                self.rows.len()
            ),
            (true, n) => format!("ok    {} ({n} listed differences)", self.name),
            (false, _) => format!("FAIL  {}: {}", self.name, bad.join("; ")),
        }
    }
}

fn shown(o: &Obs) -> String {
    match o {
        Obs::Exact(s) | Obs::Gtid(s) => s.clone(),
        Obs::Ms(ms) => format!("{ms} ms"),
    }
}

fn agree(a: &Obs, b: &Obs, same_flavor: bool) -> bool {
    match (a, b) {
        (Obs::Exact(x), Obs::Exact(y)) => x == y,
        (Obs::Gtid(x), Obs::Gtid(y)) if same_flavor => x == y,
        (Obs::Gtid(x), Obs::Gtid(y)) => gtid_count(x) == gtid_count(y),
        (Obs::Ms(x), Obs::Ms(y)) => x.abs_diff(*y) <= BLOCK_TOLERANCE_MS,
        _ => false,
    }
}

fn guarded(side: &mut dyn Side, case: &Case) -> Result<Observed, String> {
    catch_unwind(AssertUnwindSafe(|| (case.run)(side))).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

pub fn run_case(env: &mut Env, case: &Case) -> CaseResult {
    let (real, mut s) = match &case.build {
        Build::Blank(topo) => {
            let topo = topo();
            let mut r = Real::build(env, case.name, &topo);
            (guarded(&mut r, case), Sim::build(&topo))
        }
        Build::Export(cfg) => {
            let built = catch_unwind(AssertUnwindSafe(|| {
                Real::from_export(env, case.name, &cfg())
            }));
            let real = match built {
                Ok(mut r) => guarded(&mut r, case),
                Err(_) => Err("the exported files did not build a cluster".to_string()),
            };
            (real, Sim::from_config(cfg()))
        }
    };
    let sim = guarded(&mut s, case);
    if std::env::var_os("RPLAY_CONFORMANCE_TRACE").is_some() {
        eprintln!("{}", s.transcript());
    }
    let same = s.flavor() == "mariadb";
    let (real, sim) = match (real, sim) {
        (Ok(r), Ok(s)) => (r, s),
        (r, s) => {
            let broke = [("real", r.err()), ("sim", s.err())]
                .into_iter()
                .filter_map(|(k, e)| e.map(|e| format!("{k}: {e}")))
                .collect::<Vec<_>>()
                .join("; ");
            return CaseResult {
                name: case.name,
                what: case.what,
                rows: vec![],
                broke: Some(broke),
            };
        }
    };
    let rows = real
        .iter()
        .zip(sim.iter())
        .map(|((label, a), (_, b))| Row {
            label: label.clone(),
            real: shown(a),
            sim: shown(b),
            agree: agree(a, b, same),
            reason: differences::reason(case.name, label),
        })
        .collect();
    CaseResult {
        name: case.name,
        what: case.what,
        rows,
        broke: None,
    }
}

/// Whether two pages of results say the same but for the real servers' measured times
/// (a commit blocked 1,008 ms in one run and 1,029 ms in the next, both agreeing): then
/// the page on disk is kept, so a run that changes nothing leaves the tree clean.
pub fn same_but_timings(a: &str, b: &str) -> bool {
    let masked = |page: &str| -> Vec<String> {
        page.lines()
            .map(|l| match l.contains("(ms) |") {
                true => l.replace(|c: char| c.is_ascii_digit(), ""),
                false => l.to_string(),
            })
            .collect()
    };
    masked(a) == masked(b)
}

/// The page of results. No timing in it: a run that agrees as before leaves the file
/// unchanged, so running the tests does not dirty the tree (the time goes to stdout).
pub fn markdown(results: &[CaseResult]) -> String {
    let passed = results.iter().filter(|r| r.passed()).count();
    let mut md = String::from(HEADER);
    md += &format!(
        "\nLast run: {passed} passed, {} failed (every case on real servers and in the \
         simulator; `make conformance` prints how long it took).\n",
        results.len() - passed
    );
    for r in results {
        md += &format!("\n## {}\n\n{}.\n\n", r.name, r.what);
        if let Some(b) = &r.broke {
            md += &format!("**Could not run:** {b}\n");
            continue;
        }
        md += "| observation | real mariadbd | simulator | |\n|---|---|---|---|\n";
        for row in &r.rows {
            let verdict = match (row.agree, row.reason) {
                (true, _) => "agree".to_string(),
                (false, Some(why)) => format!("differ (listed: {why})"),
                (false, None) => "**DIFFER (not listed)**".to_string(),
            };
            let cell = |s: &str| s.replace('|', "\\|");
            md += &format!(
                "| {} | {} | {} | {verdict} |\n",
                row.label,
                cell(&row.real),
                cell(&row.sim)
            );
        }
    }
    md
}

const HEADER: &str = "# Conformance: the simulator against real MariaDB

Written by the conformance tier — `make conformance` (scripts/conformance.sh, the harness in \
tests/conformance/) and a tier of `make test` — do not edit by hand: change the cases \
(tests/conformance/cases.rs) or the listed differences (tests/conformance/differences.rs) and \
run the tier.

Each case below is written once against the verbs of tests/conformance/side.rs (statements, \
`kill -9`, a clean shutdown, `STOP SLAVE IO_THREAD`, a failover by hand, a dump and restore, \
…) and run twice: on real `mariadbd` 10.11 processes on 127.0.0.1 (Debian's `mariadb-server`; \
one data directory, copied from one initialized template, and one port per server; every \
server stopped by its PID, by the harness and by the script's trap) and in the simulator \
(`World` driven by its console statements and fault commands). The first case starts its \
real servers from the files `rplay export --flavor mariadb-10.11` writes (its option files \
and setup scripts); the others start from the TOOLCHAIN's options and attach replication \
with `CHANGE MASTER TO … MASTER_USE_GTID=…`.

What is compared: rows per node and replication error numbers (`Last_IO_Errno` / \
`Last_SQL_Errno`), semi-sync status (`Rpl_semi_sync_master_status`) and whether another \
session sees a commit that waits for its ack must be equal; commit blocking times equal \
within 300 ms (the real client's own start-up and round trips); GTID positions equal as text \
when the simulator speaks MariaDB's GTIDs, otherwise equal in the number of transactions they \
hold. A difference fails the tier unless tests/conformance/differences.rs lists it with its \
reason, shown in the table. The simulator runs every case with the engine's MariaDB flavor \
(`flavor: mariadb`, `gtid_strict_mode=ON`, `gtid_domain_id` per co-primary, as the real \
servers) and the same MariaDB statements (`CHANGE MASTER TO … MASTER_USE_GTID=…`, \
`SHOW SLAVE STATUS`, `@@gtid_current_pos`, `rpl_semi_sync_master_*`).

Found by this tier and fixed in the engine: a replica's `rpl_semi_sync_replica_enabled` set at \
runtime now takes effect when its receiver reconnects (it was read only when the channel was \
made), as both servers do (tests/console.rs, \
`semi_sync_enabled_at_runtime_on_a_replica_acks_after_its_receiver_restarts`); a dump restored on a MariaDB node sets `gtid_slave_pos` to the dump's position, as \
`mariadb-dump --gtid --master-data` does (node/backup.rs).
";
