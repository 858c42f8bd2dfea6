//! The build's identity: the commit it was made from, shown in the app's footer next to the
//! version, so a user can tell which build of Lightdeck holds their macaroons.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string()).filter(|s| !s.is_empty())
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown commit".into());
    println!("cargo:rustc-env=LIGHTDECK_COMMIT={commit}");
    // A new commit (or a checkout) moves HEAD or the branch it names; nothing else changes
    // the identity, so source edits alone do not re-run this. Only files that exist are
    // watched: cargo re-runs a script whose watched file is missing on every build.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let branch = git(&["symbolic-ref", "-q", "HEAD"]);
        let watched = ["HEAD".to_string(), "packed-refs".to_string()].into_iter().chain(branch);
        for path in watched.map(|p| format!("{dir}/{p}")).filter(|p| std::path::Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    // The splitter reads the linker's relocations to move a page's code out of the main
    // module; they are kept only when asked for.
    if std::env::var_os("CARGO_FEATURE_SPLIT").is_some() && std::env::var("TARGET").is_ok_and(|t| t.starts_with("wasm32")) {
        println!("cargo:rustc-link-arg-bins=--emit-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
