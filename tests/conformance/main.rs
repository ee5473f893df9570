//! The conformance tier (issue 14): every case of `cases.rs` run on real `mariadbd`
//! processes on 127.0.0.1 and in the simulator, outcomes compared. Run by
//! `make conformance` (scripts/conformance.sh), which installs MariaDB and sets
//! `RPLAY_CONFORMANCE=1`; under a plain `cargo test` it says it was skipped and passes
//! nothing. Writes docs/conformance.md; prints one line a case and `N passed, M failed`.

#[cfg(not(target_arch = "wasm32"))]
mod cases;
#[cfg(not(target_arch = "wasm32"))]
mod differences;
#[cfg(not(target_arch = "wasm32"))]
mod real;
#[cfg(not(target_arch = "wasm32"))]
mod report;
#[cfg(not(target_arch = "wasm32"))]
mod side;
#[cfg(not(target_arch = "wasm32"))]
mod sim;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::disallowed_methods)] // the tier's wall time, reported in docs/conformance.md
fn main() -> std::process::ExitCode {
    use std::process::ExitCode;
    if std::env::var("RPLAY_CONFORMANCE").as_deref() != Ok("1") {
        println!("conformance: skipped (needs real mariadbd: run `make conformance`)");
        return ExitCode::SUCCESS;
    }
    let scratch = std::env::var_os("RPLAY_CONFORMANCE_DIR").map_or_else(
        || std::env::temp_dir().join("rplay-conformance"),
        Into::into,
    );
    let mut env = match real::Env::new(scratch) {
        Ok(env) => env,
        Err(e) => {
            println!("conformance: cannot initialize a MariaDB data directory: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A side that breaks is reported on the case's line; the default hook's backtrace is noise.
    std::panic::set_hook(Box::new(|_| {}));
    let only = std::env::var("RPLAY_CONFORMANCE_ONLY").ok();
    let began = std::time::Instant::now();
    let mut results = Vec::new();
    for case in cases::CASES {
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        let r = report::run_case(&mut env, case);
        println!("{}", r.line());
        results.push(r);
    }
    let passed = results.iter().filter(|r| r.passed()).count();
    let failed = results.len() - passed;
    let secs = began.elapsed().as_secs();
    if only.is_none() {
        let doc = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/conformance.md");
        let page = report::markdown(&results);
        let before = std::fs::read_to_string(doc).unwrap_or_default();
        if !report::same_but_timings(&before, &page) {
            std::fs::write(doc, page).expect("docs/conformance.md");
        }
    }
    println!("{passed} passed, {failed} failed ({secs} s)");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
