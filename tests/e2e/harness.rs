//! Starts what an end-to-end test needs: a devnode network, the built app on its own
//! origin, and Debian's chromedriver + Chromium; then drives the page like a person.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use devnode::plan::{NodePlan, Plan};
use devnode::{Network, NetworkConfig, NodeHandle, NodeSpec};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use tokio::process::{Child, Command};

const WAIT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Via {
    Rest,
    GrpcWeb,
    /// lnd's default: REST over TLS with the node's self-signed certificate.
    RestTls {
        trusted: bool,
    },
}

pub struct Harness {
    pub network: std::sync::Arc<Network>,
    pub node: NodeHandle,
    pub app_origin: String,
    app_host: Option<tokio::sync::oneshot::Sender<()>>,
    via: Via,
    client: Client,
    driver: Child,
    _dir: tempfile::TempDir,
    label: &'static str,
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("LIGHTDECK_DIST").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("dist"));
    assert!(dist.join("index.html").exists(), "{} has no build of the app; run `cargo xtask test`", dist.display());
    dist
}

/// Serves the app as a static host would: files, and index.html for app routes. Sending on
/// the returned channel takes the host offline (idle keep-alive connections close too).
async fn serve_app() -> (String, tokio::sync::oneshot::Sender<()>) {
    let app = devnode::serve::app_host::router(&dist_dir());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind app port");
    let origin = format!("http://127.0.0.1:{}", listener.local_addr().expect("addr").port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    (origin, stop)
}

/// A QR code of `text` centred in a `w` by `h` image: true for each dark pixel, row by row.
fn qr_pixels(text: &str, w: usize, h: usize) -> Vec<bool> {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("a QR code");
    let (modules, colors) = (code.width(), code.to_colors());
    let scale = (w.min(h) * 9 / 10 / modules).max(1);
    let (left, top) = ((w - modules * scale) / 2, (h - modules * scale) / 2);
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| {
            let (mx, my) = (x.wrapping_sub(left) / scale, y.wrapping_sub(top) / scale);
            mx < modules && my < modules && colors[my * modules + mx] == qrcode::Color::Dark
        })
        .collect()
}

/// The browser's cameras: none, one that plays a file the test writes, or several of
/// Chromium's own fake cameras (moving test patterns), as a phone has.
enum Cameras<'a> {
    None,
    Showing(&'a std::path::Path),
    Fakes(u32),
}

async fn start_browser(profile: &std::path::Path, trusted_spki: Option<String>, cameras: Cameras<'_>) -> (Child, Client) {
    let port = closed_port();
    let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver (Debian's chromium-driver; `cargo xtask setup` installs it)");
    // Cameras allowed without asking: one showing this file (Y4M, looped; Chromium then has
    // only that one), or Chromium's fakes.
    let camera_args: Vec<String> = match cameras {
        Cameras::None => vec![],
        Cameras::Showing(file) => vec![
            "--use-fake-device-for-media-stream".into(),
            "--use-fake-ui-for-media-stream".into(),
            format!("--use-file-for-fake-video-capture={}", file.display()),
        ],
        Cameras::Fakes(n) => vec![format!("--use-fake-device-for-media-stream=device-count={n}"), "--use-fake-ui-for-media-stream".into()],
    };
    let mut caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
                // As if the user had trusted this node's certificate (and no other).
                format!("--ignore-certificate-errors-spki-list={}", trusted_spki.unwrap_or_default()),
            ]
        }
    });
    if let Some(args) = caps["goog:chromeOptions"]["args"].as_array_mut() {
        args.extend(camera_args.into_iter().map(serde_json::Value::from));
    }
    let caps = caps.as_object().expect("object").clone();
    let deadline = Instant::now() + WAIT;
    loop {
        match ClientBuilder::native().capabilities(caps.clone()).connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(client) => return (driver, client),
            Err(e) if Instant::now() > deadline => panic!("chromedriver did not start: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

impl Harness {
    pub async fn start(via: Via) -> Self {
        Self::start_with_cors(via, Vec::new()).await
    }

    /// `restcors`: the REST origins allowed; empty means "the app's origin".
    pub async fn start_with_cors(via: Via, restcors: Vec<String>) -> Self {
        Self::start_with(via, move |spec| {
            if !restcors.is_empty() {
                spec.restcors = restcors;
            }
        })
        .await
    }

    /// Alice's node as `configure` leaves it (another lnd release, services left out, …).
    pub async fn start_with(via: Via, configure: impl FnOnce(&mut NodeSpec)) -> Self {
        Self::start_full(via, configure, None).await
    }

    /// As `start`, with a camera that shows what `show_on_camera` draws (see `camera_file`).
    pub async fn start_with_camera(via: Via) -> Self {
        Self::start_full(via, |_| {}, Some(1)).await
    }

    /// As `start`, on a device with `n` cameras (Chromium's moving test patterns).
    pub async fn start_with_cameras(via: Via, n: u32) -> Self {
        Self::start_full(via, |_| {}, Some(n)).await
    }

    /// The file the fake camera plays (Y4M); write it before the page opens the camera.
    pub fn camera_file(&self) -> PathBuf {
        self._dir.path().join("camera.y4m")
    }

    /// Puts a QR code of `text` in front of the camera: one grey 640x480 I420 frame, looped.
    pub fn show_on_camera(&self, text: &str) {
        let (w, h) = (640, 480);
        let mut y4m = format!("YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
        y4m.extend(qr_pixels(text, w, h).into_iter().map(|dark| if dark { 16 } else { 235 }));
        y4m.extend(std::iter::repeat_n(128u8, w * h / 2));
        std::fs::write(self.camera_file(), y4m).expect("camera file");
    }

    /// A picture file of a QR code of `text` (a 24-bit BMP, which every browser opens), as a
    /// screenshot of a code would be.
    pub fn picture_of_qr(&self, text: &str) -> PathBuf {
        let (w, h) = (480usize, 480usize);
        let pixels = qr_pixels(text, w, h);
        let size = 54 + w * h * 3;
        let mut bmp = Vec::with_capacity(size);
        bmp.extend(b"BM");
        bmp.extend((size as u32).to_le_bytes());
        bmp.extend([0u8; 4]);
        bmp.extend(54u32.to_le_bytes());
        bmp.extend(40u32.to_le_bytes());
        bmp.extend((w as i32).to_le_bytes());
        // A negative height: rows top to bottom.
        bmp.extend((-(h as i32)).to_le_bytes());
        bmp.extend(1u16.to_le_bytes());
        bmp.extend(24u16.to_le_bytes());
        bmp.extend([0u8; 24]);
        // 480 × 3 bytes a row is a multiple of 4: no padding.
        bmp.extend(pixels.into_iter().flat_map(|dark| [if dark { 0u8 } else { 255 }; 3]));
        let file = self._dir.path().join("qr.bmp");
        std::fs::write(&file, bmp).expect("picture file");
        file
    }

    /// `cameras`: none, one showing `camera_file` (Some(1)), or that many fakes.
    async fn start_full(via: Via, configure: impl FnOnce(&mut NodeSpec), cameras: Option<u32>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app_origin, app_host) = serve_app().await;
        let mut config = NetworkConfig::new(dir.path().join("devnode"));
        config.startup_step = Duration::from_millis(150);
        let network = Network::open(config).expect("devnode network");
        // No wallet yet: most scenarios begin by making one in the app. Plain HTTP keeps
        // certificate trust out of most tests; `Via::RestTls` covers it.
        let alice = NodePlan::new("alice").without_wallet().with(|spec| {
            spec.rest_tls = matches!(via, Via::RestTls { .. });
            spec.restcors = vec![app_origin.clone()];
            configure(spec);
        });
        let node = network.build(Plan::default().node(alice)).await.expect("start devnode").remove(0).handle;
        let trusted = match via {
            Via::RestTls { trusted: true } => Some(node.tls_spki_sha256().expect("tls.key")),
            _ => None,
        };
        let camera = (cameras == Some(1)).then(|| dir.path().join("camera.y4m"));
        if let Some(file) = &camera {
            // Chromium reads the file when the camera opens; until a test shows a code, grey.
            let mut blank = b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\nFRAME\n".to_vec();
            blank.extend(std::iter::repeat_n(128u8, 640 * 480 * 3 / 2));
            std::fs::write(file, blank).expect("camera file");
        }
        let cameras = match (&camera, cameras) {
            (Some(file), _) => Cameras::Showing(file),
            (None, Some(n)) => Cameras::Fakes(n),
            (None, None) => Cameras::None,
        };
        let (driver, client) = start_browser(&dir.path().join("profile"), trusted, cameras).await;
        let label = match via {
            Via::Rest => "rest",
            Via::GrpcWeb => "grpc-web",
            Via::RestTls { .. } => "rest-tls",
        };
        Harness { network: std::sync::Arc::new(network), node, app_origin, app_host: Some(app_host), via, client, driver, _dir: dir, label }
    }

    pub fn node_url(&self) -> String {
        match self.via {
            Via::Rest | Via::RestTls { .. } => self.node.rest_url(),
            Via::GrpcWeb => self.node.grpcweb_url(),
        }
    }

    pub async fn open_app(&self) {
        self.client.goto(&self.app_origin).await.expect("open the app");
        self.wait_text("h1", "Connect to your node").await;
    }

    /// Waits until the service worker controls the page (it has cached the app).
    pub async fn wait_for_service_worker(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let controlled = self.client.execute("return !!(navigator.serviceWorker && navigator.serviceWorker.controller)", vec![]).await;
            if controlled.ok().and_then(|v| v.as_bool()) == Some(true) {
                return;
            }
            assert!(Instant::now() < deadline, "the service worker never took control of the page");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the static host: from now on only the service worker's cache can serve the app.
    pub async fn take_app_host_offline(&mut self) {
        if let Some(stop) = self.app_host.take() {
            let _ = stop.send(());
        }
        let deadline = Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(self.app_origin.trim_start_matches("http://")).await.is_ok() {
            assert!(Instant::now() < deadline, "the app host did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs a script in the page and returns its (awaited) result as a string.
    pub async fn run_js(&self, script: &str) -> String {
        let v = self.client.execute(script, vec![]).await.expect("script runs");
        v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())
    }

    pub async fn reload(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.app_origin)).await.expect("navigate");
    }

    /// Creates the wallet through devnode's own API (for tests about something else).
    pub async fn create_wallet_directly(&self) {
        self.network.create_wallet("alice", b"password1").await.expect("create wallet");
    }

    /// Makes a wallet on a second node, notes its seed and identity, and removes that node:
    /// what a user who lost their node has left.
    pub async fn seed_from_another_node(&self) -> (Vec<String>, String) {
        let seeded = self.start_seeded_node("old").await;
        self.network.stop_node("old").await.expect("stop");
        seeded
    }

    /// Starts another node and creates its wallet from a fresh seed; returns the seed's
    /// words and the node's identity.
    pub async fn start_seeded_node(&self, name: &str) -> (Vec<String>, String) {
        use lnrpc::lnrpc as pb;
        use tonic::metadata::MetadataMap;
        self.network.build(Plan::default().node(NodePlan::new(name).without_wallet())).await.expect("second node");
        let rpc = self.network.rpc(name).await.expect("running");
        let seed = rpc.gen_seed(MetadataMap::new(), pb::GenSeedRequest::default()).await.expect("genseed");
        let req =
            pb::InitWalletRequest { wallet_password: b"whatever1".to_vec(), cipher_seed_mnemonic: seed.cipher_seed_mnemonic.clone(), ..Default::default() };
        rpc.init_wallet(MetadataMap::new(), req).await.expect("initwallet");
        (seed.cipher_seed_mnemonic, rpc.identity_pubkey())
    }

    /// The world most scenarios begin in: alice's wallet, funded with `alice_sat` (none for
    /// 0), and the nodes of `others` started around her with their wallets and funds, then
    /// the plan's channels opened and confirmed (alice's among them).
    pub async fn around_alice(&self, alice_sat: i64, others: Plan) {
        self.create_wallet_directly().await;
        if alice_sat > 0 {
            self.network.fund_node("alice", alice_sat, 1).await.expect("fund alice");
        }
        self.network.build(others).await.expect("the nodes around alice");
    }

    /// `around_alice`, then the app open on alice's node as admin.
    pub async fn ready(&self, alice_sat: i64, others: Plan) {
        self.around_alice(alice_sat, others).await;
        self.open_as_admin().await;
    }

    /// Starts another node with a wallet, in the middle of a scenario; returns its
    /// `pubkey@host:port`.
    pub async fn start_peer_node(&self, name: &str) -> String {
        self.network.build(Plan::nodes(&[name])).await.expect("peer node");
        self.uri(name).await
    }

    /// A running node's `pubkey@host:port`.
    pub async fn uri(&self, name: &str) -> String {
        self.network.uri(name).await.expect("running")
    }

    /// Opens the app and connects with the node's admin macaroon, as most scenarios begin.
    pub async fn open_as_admin(&self) {
        let admin = self.node.macaroon_hex("admin").expect("admin.macaroon");
        self.open_app().await;
        self.connect(&self.node_url(), Some(&admin)).await;
        self.expect_node_page().await;
    }

    /// Fills the connect form and submits it.
    pub async fn connect(&self, url: &str, macaroon: Option<&str>) {
        self.fill_connection(url, macaroon.unwrap_or("")).await;
        self.click("button[type=submit]").await;
    }

    /// The connect form's address, this harness's transport and the macaroon.
    async fn fill_connection(&self, url: &str, macaroon: &str) {
        if self.client.current_url().await.map(|u| !u.path().starts_with("/connect")).unwrap_or(true) {
            self.open_app().await;
        }
        self.fill("input[name=url]", url).await;
        let radio = match self.via {
            Via::Rest | Via::RestTls { .. } => "input[name=transport][value=rest]",
            Via::GrpcWeb => "input[name=transport][value=grpc-web]",
        };
        self.click(radio).await;
        self.fill("textarea[name=macaroon]", macaroon).await;
    }

    /// Connects as `connect` does, ticking "Remember this node" under `name`; `passphrase`
    /// fills the vault's passphrase fields shown (none when the vault is open).
    pub async fn remember(&self, url: &str, macaroon: &str, name: &str, passphrase: Option<&str>) {
        self.fill_connection(url, macaroon).await;
        if !self.find("input[name=remember]").await.is_selected().await.unwrap_or(false) {
            self.click("input[name=remember]").await;
        }
        self.fill("input[name=node-name]", name).await;
        if let Some(p) = passphrase {
            self.fill("input[name=vault-passphrase]", p).await;
            if self.count("input[name=vault-passphrase-repeat]").await > 0 {
                self.fill("input[name=vault-passphrase-repeat]", p).await;
            }
        }
        self.click("button[type=submit]").await;
    }

    /// Starts another node with a wallet, reachable from the app; `configure` may change
    /// its spec first (ports, `no_macaroons`).
    pub async fn start_app_node(&self, name: &str, configure: impl FnOnce(&mut NodeSpec)) -> NodeHandle {
        let node = NodePlan::new(name).with(|spec| {
            spec.restcors = vec![self.app_origin.clone()];
            configure(spec);
        });
        self.network.build(Plan::default().node(node)).await.expect("another node").remove(0).handle
    }

    /// The outside world's LNURL services (Lightning Addresses, LNURL-pay and -withdraw of
    /// every node) on a loopback port of their own; returns their `host:port`.
    pub async fn start_lnurl(&self) -> (String, std::sync::Arc<devnode::serve::lnurl::Lnurl>) {
        let lnurl = devnode::serve::lnurl::Lnurl::new(std::sync::Arc::clone(&self.network));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the LNURL port");
        let host = format!("127.0.0.1:{}", listener.local_addr().expect("addr").port());
        let router = std::sync::Arc::clone(&lnurl).router();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (host, lnurl)
    }

    /// The address the app uses for `node` on this harness's transport.
    pub fn url_of(&self, node: &NodeHandle) -> String {
        match self.via {
            Via::Rest | Via::RestTls { .. } => node.rest_url(),
            Via::GrpcWeb => node.grpcweb_url(),
        }
    }

    /// Everything the app stored in this origin (localStorage, sessionStorage, IndexedDB,
    /// Cache Storage): where any of `secrets` appears (case-insensitive), as "place: key".
    pub async fn where_stored(&self, secrets: &[String]) -> Vec<String> {
        const SCAN: &str = r#"
            const [needles, done] = [arguments[0].map(n => n.toLowerCase()), arguments[arguments.length - 1]];
            (async () => {
                const found = [];
                const check = (place, text) => {
                    const t = String(text).toLowerCase();
                    for (const n of needles) if (t.includes(n)) found.push(place);
                };
                for (const [name, s] of [["localStorage", localStorage], ["sessionStorage", sessionStorage]]) {
                    for (let i = 0; i < s.length; i++) { const k = s.key(i); check(name + ": " + k, k + " " + s.getItem(k)); }
                }
                for (const db of (await indexedDB.databases())) {
                    const open = await new Promise((ok, no) => { const r = indexedDB.open(db.name); r.onsuccess = () => ok(r.result); r.onerror = no; });
                    for (const store of open.objectStoreNames) {
                        const all = await new Promise((ok, no) => { const r = open.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); r.onerror = no; });
                        check("indexedDB: " + db.name + "/" + store, JSON.stringify(all));
                    }
                    open.close();
                }
                for (const name of await caches.keys()) {
                    const cache = await caches.open(name);
                    for (const req of await cache.keys()) {
                        const body = await (await cache.match(req)).text();
                        check("cache: " + req.url, req.url + " " + body);
                    }
                }
                done(found);
            })().catch(e => done(["scan failed: " + e]));
        "#;
        let arg = serde_json::to_value(secrets).expect("strings");
        let found = self.client.execute_async(SCAN, vec![arg]).await.expect("storage scan runs");
        serde_json::from_value(found).expect("a list of places")
    }

    /// Chooses a saved node by name in the top bar.
    pub async fn switch_to(&self, name: &str) {
        self.find("select[name=node-switch]").await;
        let script = "const s = document.querySelector('select[name=node-switch]'); \
             const o = [...s.options].find(o => o.text === arguments[0]); \
             s.value = o.value; s.dispatchEvent(new Event('change', { bubbles: true }));";
        self.client.execute(script, vec![serde_json::json!(name)]).await.expect("choose a saved node");
    }

    /// The browser, for what the helpers here do not cover (window sizes).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// How many elements match `css` now (no waiting).
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.map_or(0, |all| all.len())
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Goes to a section by its link, as a person would at any width: on a phone, some
    /// sections are behind the bottom bar's More.
    pub async fn go(&self, path: &str) {
        let link = format!("nav a[href='{path}']");
        if !self.find(&link).await.is_displayed().await.unwrap_or(true) {
            self.click("nav .more-toggle").await;
        }
        self.click(&link).await;
    }

    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let el = self.find(css).await;
            let enabled = el.is_enabled().await.unwrap_or(false);
            let clicked = if enabled { el.click().await } else { Ok(()) };
            if enabled && clicked.is_ok() {
                return;
            }
            // The sticky top bar can cover an element scrolled to the top edge.
            let arg = serde_json::to_value(&el).expect("element reference");
            let _ = self.client.execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg]).await;
            assert!(Instant::now() < deadline, "{css} never became clickable: {clicked:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        el.clear().await.expect("clear");
        if !text.is_empty() {
            el.send_keys(text).await.expect("type");
        }
    }

    /// Waits until some element matching `css` contains `want`; fails with what is on screen.
    pub async fn wait_text(&self, css: &str, want: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let mut seen = Vec::new();
            for el in self.client.find_all(Locator::Css(css)).await.unwrap_or_default() {
                if let Ok(t) = el.text().await {
                    if t.contains(want) {
                        return;
                    }
                    seen.push(t);
                }
            }
            if Instant::now() > deadline {
                let body = self.client.find(Locator::Css("body")).await.ok();
                let page = match body {
                    Some(b) => b.text().await.unwrap_or_default(),
                    None => String::new(),
                };
                panic!("[{}] no {css} containing {want:?} (saw {seen:?}); page:\n{page}", self.label);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn seed_words(&self) -> Vec<String> {
        self.find("ol.seed-words li").await;
        let mut words = Vec::new();
        for el in self.client.find_all(Locator::Css("ol.seed-words .seed-word")).await.expect("words") {
            words.push(el.text().await.expect("word"));
        }
        words
    }

    /// The confirmation inputs and the (1-based) word each asks for.
    pub async fn confirm_inputs(&self) -> Vec<(Element, usize)> {
        self.find("input[data-word]").await;
        let mut out = Vec::new();
        for el in self.client.find_all(Locator::Css("input[data-word]")).await.expect("inputs") {
            let pos = el.attr("data-word").await.expect("attr").expect("data-word").parse().expect("number");
            out.push((el, pos));
        }
        out
    }

    /// Waits for the node page and checks it shows this node; returns the pubkey shown.
    pub async fn expect_node_page(&self) -> String {
        self.wait_text("#node-alias", "alice").await;
        let rpc = self.network.rpc("alice").await.expect("running");
        let want = rpc.identity_pubkey();
        self.wait_text("#node-pubkey", &want).await;
        want
    }

    /// Laptop and phone screenshots under target/e2e-screenshots, for people to look at.
    pub async fn screenshots(&self, name: &str) {
        self.screenshots_at(name, None).await;
    }

    /// Screenshots with the element matching `css` scrolled into the middle of the window,
    /// at a laptop's size and two phones'; at phone sizes nothing may stick out sideways (a
    /// page that scrolls horizontally on a phone fails the scenario, naming what sticks out).
    pub async fn screenshots_at(&self, name: &str, css: Option<&str>) {
        const WIDEST: &str = r#"
            const w = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= w) return '';
            const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)
                .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : ''}`);
            return out.slice(0, 8).join(', ') || 'the page';
        "#;
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
        let _ = std::fs::create_dir_all(&dir);
        for (size, (w, h)) in [("laptop", (1280, 900)), ("phone", (390, 844)), ("small-phone", (360, 740))] {
            let _ = self.client.set_window_size(w, h).await;
            if let Some(css) = css {
                let arg = serde_json::to_value(self.find(css).await).expect("element reference");
                let _ = self.client.execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg]).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            if let Ok(png) = self.client.screenshot().await {
                let _ = std::fs::write(dir.join(format!("{name}-{}-{size}.png", self.label)), png);
            }
            if size != "laptop" {
                let wider = self.run_js(WIDEST).await;
                assert!(wider.is_empty(), "[{}] {name} at {w}x{h} scrolls sideways: {wider} stick out", self.label);
            }
            if size != "small-phone" {
                let findings = self.accessibility_findings().await;
                assert!(findings.is_empty(), "[{}] {name} at {w}x{h} fails accessibility checks:\n{}", self.label, findings.join("\n"));
            }
        }
        let _ = self.client.set_window_size(1280, 900).await;
    }

    /// axe-core's serious and critical findings on the page as shown (missing names, too
    /// little contrast, broken ARIA...), one line each. axe comes from npm's lockfile and is
    /// handed to the page by WebDriver, which the page's Content Security Policy does not
    /// govern; the app itself never loads it.
    pub async fn accessibility_findings(&self) -> Vec<String> {
        const RUN: &str = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
                .then((r) => done(JSON.stringify(r.violations
                    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(' | ')}`))))
                .catch((e) => done(JSON.stringify(['axe failed: ' + e])));
        "#;
        if self.run_js("return typeof axe").await != "object" {
            let axe = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js"))
                .expect("npm's axe-core (`cargo xtask test` installs it from package-lock.json)");
            self.client.execute(&format!("{axe}\n;return ''"), vec![]).await.expect("axe-core loads");
        }
        let found = self.client.execute_async(RUN, vec![]).await.expect("axe-core runs");
        serde_json::from_str(found.as_str().unwrap_or("[]")).expect("a JSON list of findings")
    }

    /// Ends the scenario; every page it saw ran under the built app's Content Security
    /// Policy, so anything the policy blocked in this tab (recorded by `register-sw.js`)
    /// fails it.
    pub async fn finish(mut self) {
        let blocked = self.run_js("return sessionStorage.getItem('lightdeck.blocked') || '[]'").await;
        assert_eq!(blocked, "[]", "[{}] the Content Security Policy blocked part of the app", self.label);
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// A DevTools command through chromedriver (what WebDriver has no word for, such as the
/// system's colour scheme).
#[derive(Debug)]
pub struct DevTools(pub &'static str, pub serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(serde_json::json!({ "cmd": self.0, "params": self.1 }).to_string()))
    }
}

/// WebDriver's "Add Virtual Authenticator" (a passkey device for tests).
#[derive(Debug)]
pub struct AddVirtualAuthenticator(pub serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/webauthn/authenticator", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}
