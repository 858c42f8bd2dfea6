//! Saved nodes: the vault across reloads, its lock, switching nodes, and what a hostile
//! link or an impostor at a saved address can do (nothing).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::harness::{AddVirtualAuthenticator, Harness, Via};
use devnode::plan::{NodePlan, Plan};

const PASSPHRASE: &str = "staple battery horse";

/// The forms a macaroon can be written in: none may be found in what the app stores.
fn written_forms(hex_macaroon: &str) -> Vec<String> {
    let bytes = hex::decode(hex_macaroon).expect("hex");
    vec![hex_macaroon.to_string(), STANDARD.encode(&bytes), URL_SAFE_NO_PAD.encode(&bytes)]
}

/// Remembered with a passphrase: after a reload the unlock screen, a wrong passphrase
/// refused, the right one opens the node without pasting anything; left idle, the app
/// locks and forgets the session. Nothing secret is ever stored in the clear.
async fn a_saved_node_opens_after_a_reload(via: Via) {
    let h = Harness::start(via).await;
    h.create_wallet_directly().await;
    let admin = h.node.macaroon_hex("admin").expect("admin.macaroon");
    h.open_app().await;
    h.remember(&h.node_url(), &admin, "home", Some("short")).await;
    h.wait_text(".error-title", "at least 8 characters").await;
    h.remember(&h.node_url(), &admin, "home", Some(PASSPHRASE)).await;
    h.expect_node_page().await;

    h.reload("/").await;
    h.wait_text("h1", "Unlock Lightdeck").await;
    h.screenshots("unlock").await;
    h.fill("input[name=vault-passphrase]", "staple battery horsE").await;
    h.click("button[name=unlock]").await;
    h.wait_text(".error-title", "Wrong passphrase").await;
    h.fill("input[name=vault-passphrase]", PASSPHRASE).await;
    h.click("button[name=unlock]").await;
    h.expect_node_page().await;
    h.wait_text("select[name=node-switch] option", "home").await;

    // Idle lock, with a short setting: the session and the saved nodes leave memory.
    h.run_js("localStorage.setItem('lightdeck.lock_after', '3')").await;
    h.reload("/").await;
    h.fill("input[name=vault-passphrase]", PASSPHRASE).await;
    h.click("button[name=unlock]").await;
    h.expect_node_page().await;
    h.wait_text("h1", "Unlock Lightdeck").await;
    assert_eq!(h.count("#node-alias").await, 0, "the node page is gone once locked");
    assert_eq!(h.count("select[name=node-switch]").await, 0, "the saved nodes are gone once locked");

    // The node away: after unlocking, what it showed last, marked with its time.
    h.run_js("localStorage.setItem('lightdeck.lock_after', '900')").await;
    h.network.stop_node("alice").await.expect("stop alice");
    h.reload("/").await;
    h.fill("input[name=vault-passphrase]", PASSPHRASE).await;
    h.click("button[name=unlock]").await;
    h.wait_text(".error-title", "Could not reach the node").await;
    h.wait_text(".saved-node .snapshot", "Last seen").await;
    h.wait_text(".saved-node .snapshot", "alice, 0 active, 0 pending, 0 inactive channels, 0 peers").await;
    h.screenshots("node-away").await;

    let mut secrets = written_forms(&admin);
    secrets.push(PASSPHRASE.into());
    assert_eq!(h.where_stored(&secrets).await, Vec::<String>::new(), "a secret was stored in the clear");
    // The scan sees what is there: the address, which is not secret, is stored in the clear.
    assert!(h.where_stored(&[h.node_url()]).await.iter().any(|place| place.starts_with("localStorage: lightdeck.url")));
    h.finish().await;
}

on_both_transports!(a_saved_node_opens_after_a_reload);

/// Two saved nodes switched from the top bar; links that try to point the app elsewhere
/// or carry a macaroon change nothing; an impostor at a saved address is refused until the
/// user accepts its key.
async fn saved_nodes_hold_to_their_identity(via: Via) {
    let h = Harness::start(via).await;
    h.create_wallet_directly().await;
    let admin = h.node.macaroon_hex("admin").expect("admin.macaroon");

    // A link carrying a macaroon is refused whole, and leaves the address bar.
    let lndconnect = format!("lndconnect://127.0.0.1:1?cert=x&macaroon={}", URL_SAFE_NO_PAD.encode(hex::decode(&admin).unwrap()));
    h.reload(&format!("/connect?url={}", urlencode(&lndconnect))).await;
    h.wait_text(".error-title", "This link carried a macaroon").await;
    let field = h.find("input[name=url]").await.prop("value").await.expect("value").unwrap_or_default();
    assert!(!field.contains("macaroon"), "the link's macaroon reached the form: {field}");
    assert_eq!(h.run_js("return location.search").await, "", "the link stays in the address bar");

    h.remember(&h.node_url(), &admin, "alice", Some(PASSPHRASE)).await;
    h.expect_node_page().await;
    let bob = h.start_app_node("bob", |_| {}).await;
    h.click(".badge button").await; // Disconnect
    h.wait_text(".saved-node .node-name", "alice").await;
    h.remember(&h.url_of(&bob), &bob.macaroon_hex("admin").unwrap(), "bob", None).await;
    h.wait_text("#node-alias", "bob").await;

    h.switch_to("alice").await;
    h.expect_node_page().await;

    // A link to another node only fills in a new connection; the saved node opens.
    h.reload("/connect?url=http%3A%2F%2F127.0.0.1%3A9").await;
    h.fill("input[name=vault-passphrase]", PASSPHRASE).await;
    h.click("button[name=unlock]").await;
    h.expect_node_page().await;

    // Bob's address now answers with another node's key (one that takes any macaroon).
    h.network.stop_node("bob").await.expect("stop bob");
    let ports = bob.spec.ports;
    h.start_app_node("mallory", |spec| {
        spec.ports = ports;
        spec.no_macaroons = true;
    })
    .await;
    h.switch_to("bob").await;
    h.wait_text(".error-title", "Another node answers at this address").await;
    assert_eq!(h.count("#node-alias").await, 0, "nothing of the impostor is shown");
    h.screenshots("identity-changed").await;
    h.click("button[name=accept-identity]").await;
    h.wait_text("#node-alias", "mallory").await;

    // Managing them: rename one, forget another.
    h.click(".switcher a[href='/vault']").await;
    h.wait_text("h1", "Saved nodes").await;
    h.fill("li.saved-node:nth-child(2) input[name=saved-name]", "bob's address").await;
    h.click("li.saved-node:nth-child(2) button[name=rename]").await;
    h.wait_text("select[name=node-switch] option", "bob's address").await;
    h.click("li.saved-node:nth-child(1) button[name=forget]").await;
    h.click("li.saved-node:nth-child(1) button[name=forget-yes]").await;
    h.wait_text("li.saved-node:nth-child(1) small", &h.url_of(&bob)).await;
    assert_eq!(h.count("li.saved-node").await, 1, "alice is forgotten");
    h.screenshots("saved-nodes").await;

    let mut secrets = written_forms(&admin);
    secrets.extend(written_forms(&bob.macaroon_hex("admin").unwrap()));
    secrets.push(PASSPHRASE.into());
    assert_eq!(h.where_stored(&secrets).await, Vec::<String>::new(), "a secret was stored in the clear");
    h.finish().await;
}

on_both_transports!(saved_nodes_hold_to_their_identity);

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// A time-limited macaroon: the saved copy tells its days left, an expired one is
/// explained. The wallet password changes from the locked wallet, with new macaroons: the
/// old admin macaroon stops working and the saved node holds the new one.
async fn macaroons_expire_and_rotate(via: Via) {
    use world::macaroons::Macaroon;
    let h = Harness::start(via).await;
    h.create_wallet_directly().await;
    let admin = h.node.macaroon_hex("admin").expect("admin.macaroon");
    let mut expired = Macaroon::deserialize(&hex::decode(&admin).unwrap()).unwrap();
    expired.add_caveat("time-before 2020-01-01T00:00:00Z");
    h.open_app().await;
    h.connect(&h.node_url(), Some(&hex::encode(expired.serialize()))).await;
    h.wait_text(".error-title", "The macaroon has expired").await;
    h.wait_text(".error-advice", "Connect again with a macaroon from the node").await;
    // Locked to this machine's address: lnd's REST proxy and the gRPC-web listener both
    // see loopback, and the node page tells the condition.
    let mut local = Macaroon::deserialize(&hex::decode(&admin).unwrap()).unwrap();
    local.add_caveat("ipaddr 127.0.0.1");
    h.connect(&h.node_url(), Some(&hex::encode(local.serialize()))).await;
    h.expect_node_page().await;
    h.wait_text("#node-access", "only if ipaddr 127.0.0.1").await;
    h.click(".badge button").await; // Disconnect

    h.remember(&h.node_url(), &admin, "home", Some(PASSPHRASE)).await;
    h.expect_node_page().await;
    h.wait_text("#node-access", "29 days left").await;

    h.network.restart_node("alice").await.expect("restart devnode");
    h.wait_text("h1", "Unlock the wallet").await;
    h.click("details.change-password summary").await;
    h.fill("input[name=current-password]", "password1").await;
    h.fill("input[name=new-password]", "a new password").await;
    h.fill("input[name=new-password2]", "a new password").await;
    h.click("input[name=rotate-macaroons]").await;
    h.screenshots("change-password").await;
    h.click("button[name=change-password]").await;
    h.expect_node_page().await;
    h.wait_text("#node-access", "29 days left").await; // the new admin macaroon, limited as the old copy was

    let rpc = h.network.rpc("alice").await.expect("running");
    let mut md = tonic::metadata::MetadataMap::new();
    md.insert("macaroon", admin.parse().unwrap());
    assert!(rpc.get_info(&md).is_err(), "the old admin macaroon still works");
    // What the vault keeps is the new macaroon: after a reload the node opens with it.
    h.reload("/").await;
    h.fill("input[name=vault-passphrase]", PASSPHRASE).await;
    h.click("button[name=unlock]").await;
    h.expect_node_page().await;
    h.finish().await;
}

on_both_transports!(macaroons_expire_and_rotate);

/// alice, saved with a passphrase and open in the app, and bob with a channel to pay her.
async fn saved_node_with_a_payer(via: Via) -> Harness {
    let h = Harness::start(via).await;
    h.around_alice(0, Plan::default().node(NodePlan::new("bob").funded(1_000_000)).channel("bob", "alice", 500_000, 0)).await;
    let admin = h.node.macaroon_hex("admin").expect("admin.macaroon");
    h.open_app().await;
    h.remember(&h.node_url(), &admin, "home", Some(PASSPHRASE)).await;
    h.expect_node_page().await;
    h
}

/// A hold invoice made with a saved node keeps its preimage in the vault: a payment held
/// while the app locks can still be settled after unlocking, and the preimage is never
/// stored in the clear.
async fn a_held_payment_survives_locking(via: Via) {
    let h = saved_node_with_a_payer(via).await;

    h.click("nav a[href='/receive']").await;
    h.click("input[name=invoice-hold]").await;
    h.wait_text("label.check", "kept in this device's vault").await;
    h.fill("input[name=invoice-amount]", "2000").await;
    h.click("button[name=create-invoice]").await;
    h.wait_text("#kept-holds #hold-state", "Waiting for payment").await;
    let request = h.find("#invoice-request").await.text().await.expect("request");
    let network = std::sync::Arc::clone(&h.network);
    let paying = tokio::spawn(async move { network.pay("bob", &request).await });
    h.wait_text("#kept-holds #hold-state", "Payment held").await;

    // A reload: the page and its streams go; the held payment is read back from the vault.
    h.reload("/receive").await;
    h.fill("input[name=vault-passphrase]", PASSPHRASE).await;
    h.click("button[name=unlock]").await;
    h.wait_text("#kept-holds #hold-state", "Payment held").await;
    h.click("nav a[href='/']").await;
    h.expect_node_page().await;
    h.click("nav a[href='/receive']").await;
    h.wait_text("#kept-holds #hold-state", "Payment held").await;

    // Locking drops the saved nodes and the session from memory: what comes back after
    // unlocking, on the page where the user locked, was read from storage.
    h.click("button[name=lock]").await;
    h.wait_text("h1", "Unlock Lightdeck").await;
    assert_eq!(h.count("#kept-holds").await, 0, "the held payment is hidden while locked");
    h.screenshots("locked-on-receive").await;
    h.fill("input[name=vault-passphrase]", PASSPHRASE).await;
    h.click("button[name=unlock]").await;
    h.wait_text("#kept-holds #hold-state", "Payment held").await;
    h.screenshots_at("kept-hold", Some("#kept-holds")).await;
    h.click("#kept-holds button[name=settle-invoice]").await;
    assert_eq!(paying.await.expect("task").expect("pay"), "", "bob's payment went through");
    h.wait_text("#invoices li", "Paid").await;

    let (rpc, md) = h.network.as_admin("alice").await.expect("alice");
    let invoices = rpc.list_invoices(&md, lnrpc::lnrpc::ListInvoiceRequest::default()).expect("invoices").invoices;
    let preimage = hex::encode(&invoices.last().expect("the hold invoice").r_preimage);
    assert_eq!(preimage.len(), 64);
    assert_eq!(h.where_stored(&[preimage]).await, Vec::<String>::new(), "the preimage was stored in the clear");
    h.finish().await;
}

on_both_transports!(a_held_payment_survives_locking);

/// Every held payment is followed by a stream of its own; over plain-HTTP gRPC-web each
/// stream holds one of the browser's six connections to the host, and calls must still go
/// through with more streams than that wanting one.
async fn many_hold_invoices_leave_room_for_calls(via: Via) {
    let h = saved_node_with_a_payer(via).await;
    h.click("nav a[href='/receive']").await;
    h.click("input[name=invoice-hold]").await;
    for n in 1..=5 {
        h.fill("input[name=invoice-amount]", &format!("{n}000")).await;
        h.click("button[name=create-invoice]").await;
        // State, backups, all invoices, and one stream per hold (and the new one's own).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while h.count("#kept-holds .kept-hold").await < n {
            assert!(std::time::Instant::now() < deadline, "hold invoice {n} never appeared: a call stalled");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let last = h.find("#invoice-request").await.text().await.expect("the last hold's request");
    h.click("input[name=invoice-hold]").await;
    h.fill("input[name=invoice-amount]", "777").await;
    h.click("button[name=create-invoice]").await;
    h.wait_text("#invoice-status", "Waiting for payment").await;
    h.wait_text("#invoices li", "777 sat").await;
    // The last hold's stream may be waiting for a connection: its payment is seen anyway.
    let network = std::sync::Arc::clone(&h.network);
    let paying = tokio::spawn(async move { network.pay("bob", &last).await });
    h.wait_text("#kept-holds #hold-state", "Payment held").await;
    h.click("#kept-holds button[name=settle-invoice]").await;
    assert_eq!(paying.await.expect("task").expect("pay"), "", "bob's payment went through");
    h.finish().await;
}

on_both_transports!(many_hold_invoices_leave_room_for_calls);

/// A passkey opens the vault instead of the passphrase: Chromium's virtual authenticator
/// with WebAuthn's PRF extension (WebAuthn needs a domain, so the app is opened on
/// localhost). Adding one asks for the passphrase first.
async fn a_passkey_unlocks_the_vault(via: Via) {
    let h = Harness::start_with_cors(via, vec!["*".into()]).await;
    h.create_wallet_directly().await;
    let admin = h.node.macaroon_hex("admin").expect("admin.macaroon");
    let origin = format!("http://localhost:{}", h.app_origin.rsplit(':').next().expect("a port"));
    let device = serde_json::json!({
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
        "hasUserVerification": true, "isUserVerified": true, "extensions": ["prf"]
    });
    h.client().issue_cmd(AddVirtualAuthenticator(device)).await.expect("a virtual authenticator");
    h.client().goto(&format!("{origin}/connect")).await.expect("open the app on localhost");
    h.wait_text("h1", "Connect to your node").await;
    h.remember(&h.node_url(), &admin, "home", Some(PASSPHRASE)).await;
    h.expect_node_page().await;

    h.click(".switcher a[href='/vault']").await;
    h.fill("input[name=passkey-passphrase]", "not the passphrase").await;
    h.click("button[name=add-passkey]").await;
    h.wait_text("#passkey .error-title", "Wrong passphrase").await;
    h.fill("input[name=passkey-passphrase]", PASSPHRASE).await;
    h.click("button[name=add-passkey]").await;
    h.wait_text("#passkey .ok", "A passkey can unlock this vault").await;
    h.screenshots_at("passkey", Some("#passkey")).await;
    // A write of the saved nodes after adding it (a rename) keeps the passkey working.
    h.fill("li.saved-node input[name=saved-name]", "home node").await;
    h.click("li.saved-node button[name=rename]").await;
    h.wait_text("select[name=node-switch] option", "home node").await;

    h.client().goto(&format!("{origin}/")).await.expect("reload");
    h.wait_text("h1", "Unlock Lightdeck").await;
    h.click("button[name=unlock-passkey]").await;
    h.expect_node_page().await;
    h.wait_text("select[name=node-switch] option", "home node").await;

    // A new passphrase: the passkey goes (it wrapped the old key), the new one opens.
    h.click(".switcher a[href='/vault']").await;
    h.fill("input[name=old-passphrase]", PASSPHRASE).await;
    h.fill("input[name=new-passphrase]", "another long passphrase").await;
    h.fill("input[name=new-passphrase-repeat]", "another long passphrase").await;
    h.click("button[name=change-passphrase]").await;
    h.wait_text("p.ok", "Passphrase changed").await;
    h.wait_text("#passkey button[name=add-passkey]", "Add a passkey").await;
    h.click("button[name=lock-now]").await;
    h.wait_text("h1", "Unlock Lightdeck").await;
    assert_eq!(h.count("button[name=unlock-passkey]").await, 0, "no passkey offered any more");
    h.fill("input[name=vault-passphrase]", PASSPHRASE).await;
    h.click("button[name=unlock]").await;
    h.wait_text(".error-title", "Wrong passphrase").await;
    h.fill("input[name=vault-passphrase]", "another long passphrase").await;
    h.click("button[name=unlock]").await;
    // Back on the Saved page, where it was locked, connected again.
    h.wait_text(".badge-state", "active").await;
    h.wait_text("li.saved-node", &h.node_url()).await;
    assert_eq!(h.where_stored(&written_forms(&admin)).await, Vec::<String>::new(), "a secret was stored in the clear");

    // Forget everything: the vault leaves the device, and the app starts as new.
    h.click(".switcher a[href='/vault']").await;
    h.click("section input[name=forget-confirm]").await;
    h.click("section button[name=forget-everything]").await;
    h.wait_text("h1", "Connect to your node").await;
    assert_eq!(h.run_js("return String(localStorage.getItem('lightdeck.vault'))").await, "null", "the vault is gone");
    assert_eq!(h.count(".switcher").await, 0);
    h.finish().await;
}

on_both_transports!(a_passkey_unlocks_the_vault);
