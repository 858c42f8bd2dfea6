//! `cargo xtask <command>`: everything Lightdeck needs on a fresh machine, in one place.
//!
//! - `setup`: installs what is missing (Debian's Chromium and chromedriver, the wasm32
//!   target, trunk and wasm-bindgen-cli at pinned versions, npm packages from the lockfile).
//! - `build`: the release build of the app into `dist/`, precompressed, with its sizes.
//! - `demo`: builds, starts a devnode network and serves the app.
//! - `test`: every test: native, conformance, in-browser and end-to-end. `test SUITE` runs
//!   one suite while working on it (native, web, clients, e2e).
//! - `bench`: prints size and speed figures.
//! - `fuzz [CASES]`: the property tests of every parser of outside input at campaign size
//!   (10 million generated inputs per target unless told), printing each target's figures.

mod bench;
mod bundle;
mod csp;
mod demo;
mod split;
mod tools;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => tools::setup(),
        Some("build") => tools::setup().and_then(|_| tools::build_app()),
        Some("test") => tools::setup().and_then(|_| test(args.get(1).map(String::as_str))),
        Some("demo") => tools::setup().and_then(|_| demo::run(&args[1..])),
        Some("bench") => tools::setup().and_then(|_| bench::run()),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str)),
        _ => {
            eprintln!("usage: cargo xtask <setup|build|demo|test|bench|fuzz>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn test(only: Option<&str>) -> tools::Result {
    const SUITES: &[&str] = &["native", "web", "clients", "e2e"];
    if let Some(s) = only.filter(|s| !SUITES.contains(s)) {
        return Err(format!("unknown test suite {s}; one of {}", SUITES.join(", ")));
    }
    let run = |suite: &str| only.is_none_or(|s| s == suite);
    if run("e2e") {
        tools::build_app()?;
    }
    // Unit, conformance and devnode tests (everything native but the browser suites).
    if run("native") {
        // Formatting first: it costs a second and fails before a long build.
        tools::cargo(&["fmt", "--all", "--check"])?;
        tools::cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
        // The app's browser-only code (the transports, the panic screen) exists only for
        // wasm32; and devnode's world must stay free of I/O: building it for wasm32 (no
        // sockets, files or tokio there) is the check that keeps it so.
        tools::cargo(&[
            "clippy",
            "-p",
            "lightdeck",
            "-p",
            "devnode-world",
            "-p",
            "lightdeck-scanner",
            "--lib",
            "--bins",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ])?;
        tools::cargo(&["test", "--workspace", "--exclude", "lightdeck"])?;
        // The parsers' properties, a short pass (`cargo xtask fuzz` runs the campaign).
        tools::cargo(&["test", "-p", "lightdeck", "--lib", "--bins", "--test", "properties"])?;
    }
    // Against a live devnode: the node client in the browser, and a third-party lnd client.
    if run("web") || run("clients") {
        tools::with_test_network(|env| {
            if run("web") {
                tools::cargo_env(&["test", "--target", "wasm32-unknown-unknown", "--test", "web"], env)?;
            }
            if run("clients") {
                tools::run_env("node", &["--test", "tests/clients/"], env)?;
            }
            Ok(())
        })?;
    }
    // The built app in Chromium, one browser at a time (2 cores).
    if run("e2e") {
        tools::cargo(&["test", "-p", "lightdeck", "--test", "e2e", "--", "--test-threads=1"])?;
    }
    println!("xtask: {} passed", only.map_or("all test suites".to_string(), |s| format!("the {s} suite")));
    Ok(())
}

/// The property tests are the campaign: proptest on the stable toolchain (coverage-guided
/// fuzzers need a nightly compiler, which this machine cannot fetch), optimised but with
/// overflow checks on, with as many cases per target as asked.
fn fuzz(cases: Option<&str>) -> tools::Result {
    let cases = cases.unwrap_or("10000000");
    if cases.parse::<u64>().map_or(true, |n| n == 0) {
        return Err(format!("fuzz: {cases} is not a number of cases"));
    }
    let env = [("LIGHTDECK_PROPERTY_CASES".to_string(), cases.to_string())];
    tools::cargo_env(&["test", "--profile", "fuzz", "-p", "lightdeck", "--test", "properties", "--", "--nocapture"], &env)?;
    println!("xtask: fuzz campaign of {cases} cases per target passed");
    Ok(())
}
