//! `cargo xtask <command>`: everything Lightdeck needs on a fresh machine, in one place.
//!
//! - `setup`: installs what is missing (Debian's Chromium and chromedriver, the wasm32
//!   target, trunk and wasm-bindgen-cli at pinned versions, npm packages from the lockfile).
//! - `build`: the release build of the app into `dist/`.
//! - `demo`: builds, starts a devnode network and serves the app.
//! - `test`: every test: native, conformance, in-browser and end-to-end.
//! - `bench`: prints size and speed figures.

mod bench;
mod demo;
mod tools;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => tools::setup(),
        Some("build") => tools::setup().and_then(|_| tools::build_app()),
        Some("test") => tools::setup().and_then(|_| test()),
        Some("demo") => tools::setup().and_then(|_| demo::run(&args[1..])),
        Some("bench") => tools::setup().and_then(|_| bench::run()),
        _ => {
            eprintln!("usage: cargo xtask <setup|build|demo|test|bench>");
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

fn test() -> tools::Result {
    tools::build_app()?;
    // Unit, conformance and devnode tests (everything native but the browser suites).
    tools::cargo(&["test", "--workspace", "--exclude", "lightdeck"])?;
    tools::cargo(&["test", "-p", "lightdeck", "--lib", "--bins"])?;
    // Against a live devnode: the node client in the browser, and a third-party lnd client.
    tools::with_test_network(|env| {
        tools::cargo_env(&["test", "--target", "wasm32-unknown-unknown", "--test", "web"], env)?;
        tools::run_env("node", &["--test", "tests/clients/"], env)
    })?;
    // The built app in Chromium, one browser at a time (2 cores).
    tools::cargo(&["test", "-p", "lightdeck", "--test", "e2e", "--", "--test-threads=1"])?;
    println!("xtask: all test suites passed");
    Ok(())
}
