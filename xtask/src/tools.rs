//! Pinned tools and how they are installed and run. Nothing here downloads a browser or a
//! toolchain from outside the package registries.

use std::path::{Path, PathBuf};
use std::process::Command;

pub type Result<T = ()> = std::result::Result<T, String>;

pub const TRUNK: &str = "0.21.14";
/// Must equal the wasm-bindgen version in Cargo.lock (pinned with `=` in Cargo.toml).
pub const WASM_BINDGEN: &str = "0.2.130";
/// Debian packages: Chromium and its driver for tests; OpenSSL headers for the WebDriver
/// client; clang to compile libsecp256k1 (under lightning-invoice) for wasm32.
const APT: &[&str] = &["chromium", "chromium-driver", "libssl-dev", "pkg-config", "clang"];

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn home_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")).join("bin")
}

/// PATH with npm's pinned binaryen (wasm-opt) and cargo-installed tools first, so Debian's
/// binaryen (which breaks the wasm) is never picked.
fn path_env() -> String {
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{}:{old}", root().join("node_modules/.bin").display(), home_bin().display())
}

fn command(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", path_env()).env("CHROMEDRIVER", "/usr/bin/chromedriver");
    c
}

fn run(mut c: Command) -> Result {
    // Program and arguments only: the environment can hold test credentials.
    let args: Vec<String> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
    let shown = format!("{} {}", c.get_program().to_string_lossy(), args.join(" "));
    println!("xtask: {shown}");
    match c.status() {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("{shown} failed ({s})")),
        Err(e) => Err(format!("{shown} could not start: {e}")),
    }
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = command(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn cargo(args: &[&str]) -> Result {
    cargo_env(args, &[])
}

pub fn cargo_env(args: &[&str], env: &[(String, String)]) -> Result {
    run_env(&std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()), args, env)
}

fn apt_missing() -> Vec<&'static str> {
    APT.iter().copied().filter(|p| output("dpkg-query", &["-W", "-f=${Status}", p]).is_none_or(|s| !s.contains("install ok installed"))).collect()
}

pub fn setup() -> Result {
    let missing = apt_missing();
    if !missing.is_empty() {
        let mut update = command("apt-get");
        update.arg("update");
        run(update)?;
        let mut install = command("apt-get");
        install.args(["install", "-y", "--no-install-recommends"]).args(&missing).env("DEBIAN_FRONTEND", "noninteractive");
        run(install)?;
    }
    if !output("rustup", &["target", "list", "--installed"]).is_some_and(|t| t.contains("wasm32-unknown-unknown")) {
        let mut c = command("rustup");
        c.args(["target", "add", "wasm32-unknown-unknown"]);
        run(c)?;
    }
    if output("trunk", &["--version"]).is_none_or(|v| v.trim() != format!("trunk {TRUNK}")) {
        cargo(&["install", "trunk", "--version", TRUNK, "--locked"])?;
    }
    if output("wasm-bindgen", &["--version"]).is_none_or(|v| v.trim() != format!("wasm-bindgen {WASM_BINDGEN}")) {
        // Not --locked: its lockfile names a webpki-roots release the registry may not serve.
        cargo(&["install", "wasm-bindgen-cli", "--version", WASM_BINDGEN])?;
    }
    npm_ci()?;
    // Trunk builds offline (it must never download tools), which makes cargo offline too.
    cargo(&["fetch"])
}

/// `npm ci` when node_modules does not match package-lock.json.
fn npm_ci() -> Result {
    let lock = std::fs::read(root().join("package-lock.json")).map_err(|e| format!("package-lock.json: {e}"))?;
    let stamp = root().join("node_modules/.lightdeck-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice()) {
        return Ok(());
    }
    let mut c = command("npm");
    c.args(["ci", "--no-audit", "--no-fund"]);
    run(c)?;
    std::fs::write(stamp, lock).map_err(|e| e.to_string())
}

pub fn build_app() -> Result {
    let mut c = command("trunk");
    // With the pages split out (see split.rs), which the step after Trunk's makes real.
    c.args(["build", "--release", "--features", "split"]).env("TRUNK_SKIP_VERSION_CHECK", "true");
    run(c)?;
    crate::split::apply(&root(), &root().join("dist"))?;
    crate::csp::apply(&root().join("dist"))?;
    crate::bundle::report(&root().join("dist"))
}

/// The devnode network the in-browser and third-party client tests share: alice runs with a
/// wallet (REST over plain HTTP with restcors "*", and gRPC-web), bob is locked and his
/// restcors excludes every origin, carol has no wallet yet. Addresses, certificates and
/// credentials reach the tests through the environment.
pub fn with_test_network(f: impl FnOnce(&[(String, String)]) -> Result) -> Result {
    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("lightdeck-tests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (network, env) = rt.block_on(async {
        let err = |e: std::io::Error| e.to_string();
        let network = std::sync::Arc::new(devnode::Network::open(devnode::NetworkConfig::new(&dir)).map_err(err)?);
        use devnode::plan::{NodePlan, Plan};
        let cors = |origin: &str| {
            let origin = origin.to_string();
            move |spec: &mut devnode::NodeSpec| spec.restcors = vec![origin]
        };
        // alice, funded; bob, whose REST allows another origin only, left locked by a
        // restart; carol, with no wallet yet (the clients' tests make it).
        let plan = Plan::default()
            .node(NodePlan::new("alice").funded(100_000_000).with(cors("*")))
            .node(NodePlan::new("bob").with(cors("https://not-this-origin.example")))
            .node(NodePlan::new("carol").without_wallet().with(cors("*")));
        let mut built = network.build(plan).await.map_err(err)?.into_iter();
        let (alice, _, carol) = (built.next().expect("alice"), built.next(), built.next().expect("carol"));
        let (macaroon, alice, carol) = (alice.macaroon, alice.handle, carol.handle);
        let bob = network.restart_node("bob").await.map_err(err)?;
        let cert = |n: &devnode::NodeHandle| {
            use base64::Engine;
            n.tls_cert_pem().map(|pem| base64::engine::general_purpose::STANDARD.encode(pem)).map_err(err)
        };
        let control = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(err)?;
        let control_url = format!("http://{}", control.local_addr().map_err(err)?);
        tokio::spawn(devnode::serve::control::serve(std::sync::Arc::clone(&network), control));
        let foreign = world::macaroons::Macaroon::bake(&[7; 32], b"0", [7; 16], world::macaroons::ADMIN);
        let pairs = [
            ("LIGHTDECK_TEST_REST", alice.rest_url()),
            ("LIGHTDECK_TEST_GRPCWEB", alice.grpcweb_url()),
            ("LIGHTDECK_TEST_MACAROON", macaroon.clone()),
            ("LIGHTDECK_TEST_PUBKEY", network.rpc("alice").await.expect("running").identity_pubkey()),
            ("LIGHTDECK_TEST_NO_CORS", bob.rest_url()),
            ("DEVNODE_GRPC", carol.grpc_addr()),
            ("DEVNODE_CERT", cert(&carol)?),
            ("DEVNODE_MACAROON_FILE", carol.dir.macaroon("admin").display().to_string()),
            ("DEVNODE_ALICE_GRPC", alice.grpc_addr()),
            ("DEVNODE_ALICE_CERT", cert(&alice)?),
            ("DEVNODE_ALICE_MACAROON", macaroon.clone()),
            ("DEVNODE_LOCKED_GRPC", bob.grpc_addr()),
            ("DEVNODE_LOCKED_CERT", cert(&bob)?),
            ("DEVNODE_CONTROL", control_url),
            ("DEVNODE_ALICE_URI", network.uri("alice").await.expect("running")),
            ("DEVNODE_FOREIGN_MACAROON", hex::encode(foreign.serialize())),
            ("WASM_BINDGEN_TEST_TIMEOUT", "90".to_string()),
            // The runner's default cross-origin isolation (COEP) blocks the no-cors probe the
            // client uses to tell CORS from an unreachable node; the app is not served so.
            ("WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION", "1".to_string()),
        ];
        Ok::<_, String>((network, pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Vec<_>>()))
    })?;
    // The network serves from the runtime's worker threads while the tests run.
    let result = f(&env);
    drop(network);
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Runs a command from the repository root with the pinned tools on PATH.
pub fn run_env(program: &str, args: &[&str], env: &[(String, String)]) -> Result {
    let mut c = command(program);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run(c)
}
