//! Text from the network is shown as text: a corpus of hostile strings (markup, script
//! URLs, bidi overrides, invisible characters, control bytes, very long words) arrives as
//! peer aliases, invoice memos, payment descriptions, keysend messages, channel memos and
//! transaction labels, and every page is read at phone width.

use crate::harness::{DevTools, Harness, Via};
use devnode::plan::Plan;

/// The stored corpus and, last, a 100,000-character word (markup inside), made here rather
/// than kept as 100 KB of JSON.
fn corpus() -> Vec<String> {
    let mut texts: Vec<String> = serde_json::from_str(include_str!("../vectors/hostile_text.json")).expect("the corpus is a JSON list of strings");
    texts.push(format!("<b>{}</b>", "W".repeat(100_000 - 7)));
    texts
}

/// Whether the page holds markup that came from the network: any element with an event
/// handler attribute, a script URL, or an element no Lightdeck view makes.
const INJECTED: &str = r#"
    const found = [];
    for (const e of document.querySelectorAll('*')) {
        for (const a of e.attributes) {
            if (a.name.startsWith('on') || /^\s*javascript:/i.test(a.value)) found.push(e.tagName + ' ' + a.name);
        }
    }
    for (const e of document.querySelectorAll('body script, body style, body iframe, body object, body embed, body img, body math, body base, body meta, body link, body form[action]')) {
        found.push(e.tagName);
    }
    if (window.__pwned) found.push('a script from the network ran');
    return JSON.stringify(found);
"#;

/// Sideways scrolling at the current width: the page is wider than the window, or one of
/// its elements reaches past the right edge.
const OVERFLOW: &str = r#"
    const width = document.documentElement.clientWidth;
    const clipped = (e) => {
        for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') return true;
        }
        return false;
    };
    const wide = [...document.querySelectorAll('body *')]
        .filter((e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > width + 1 && !clipped(e); })
        .map((e) => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).split(' ').join('.') : ''));
    const scroll = document.documentElement.scrollWidth > width ? ['page ' + document.documentElement.scrollWidth + ' > ' + width] : [];
    return JSON.stringify(scroll.concat(wide.slice(0, 5)));
"#;

async fn hostile_text_is_shown_as_text(via: Via) {
    use lnrpc::lnrpc as pb;
    let texts = corpus();
    assert!(texts.len() >= 50, "the corpus has {} strings", texts.len());
    // lnd caps an alias at 32 bytes.
    let aliases: Vec<&String> = texts.iter().filter(|t| t.len() <= 32).collect();
    let h = Harness::start(via).await;
    h.around_alice(5_000_000, Plan::default()).await;
    // bob also announces the longest DNS name lnd keeps in a graph (255 bytes, no dots to
    // break at but its own): the one address text a node chooses (see `world::announcement`).
    let long_name = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(63)].join(".");
    let mut announced = String::new();
    for (i, alias) in aliases.iter().take(2).enumerate() {
        let name = ["bob", "carol"][i];
        let node = h
            .start_app_node(name, |spec| {
                spec.alias = alias.to_string();
                spec.announced_host = (i == 0).then(|| long_name.clone());
            })
            .await;
        if i == 0 {
            announced = format!("{long_name}:{}", node.spec.ports.p2p);
        }
        h.network.open_channel("alice", name, 300_000, 0).await.expect("a channel");
    }
    for text in texts.iter().filter(|t| t.len() <= world::invoices::MAX_MEMO) {
        h.network.add_invoice("alice", 1_000, text).await.expect("an invoice with a hostile memo");
    }
    for text in texts.iter().take(6) {
        let request = h.network.add_invoice("bob", 100, text).await.expect("bob's invoice");
        assert_eq!(h.network.pay("alice", &request).await.expect("paid"), "", "alice pays bob");
    }
    // bob, paid enough to be over his channel reserve (1 %), sends some back by keysend, each
    // with a hostile message.
    let request = h.network.add_invoice("bob", 5_000, "room for keysends").await.expect("bob's invoice");
    assert_eq!(h.network.pay("alice", &request).await.expect("paid"), "", "alice pays bob");
    let alice_key = h.network.uri("alice").await.expect("alice's URI").split('@').next().expect("key").to_string();
    let messages: Vec<&String> = texts.iter().filter(|t| t.len() <= 200).take(8).collect();
    {
        use sha2::Digest;
        let (bob, md) = h.network.as_admin("bob").await.expect("bob");
        for (i, message) in messages.iter().enumerate() {
            let preimage = [i as u8 + 1; 32];
            let records =
                [(lightdeck::lnd::KEYSEND_RECORD, preimage.to_vec()), (lightdeck::lnd::MESSAGE_RECORD, message.as_bytes().to_vec())].into_iter().collect();
            let req = pb::SendRequest {
                dest: hex::decode(&alice_key).expect("hex key"),
                amt: 1,
                payment_hash: sha2::Sha256::digest(preimage).to_vec(),
                dest_custom_records: records,
                ..Default::default()
            };
            assert_eq!(bob.send_payment_sync(md.clone(), req).await.expect("a keysend").payment_error, "", "bob's keysend");
        }
    }
    let (rpc, md) = h.network.as_admin("alice").await.expect("alice");
    let address = rpc.new_address(&md, pb::NewAddressRequest::default()).expect("an address").address;
    for text in texts.iter().filter(|t| t.len() <= 500).take(6) {
        let req = pb::SendCoinsRequest { addr: address.clone(), amount: 10_000, label: text.clone(), ..Default::default() };
        rpc.send_coins(&md, req).expect("a labelled send");
        // The change confirms before the next send spends it.
        h.network.mine(1).expect("mine");
    }

    h.open_as_admin().await;
    // Every other scenario sees headless Chromium's light scheme; this one reads every page
    // dark first (the accessibility checks in `screenshots_at` judge each theme's contrast).
    let scheme = |value: &str| serde_json::json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] });
    h.client().issue_cmd(DevTools("Emulation.setEmulatedMedia", scheme("dark"))).await.expect("a dark system");
    let _ = h.client().set_window_size(390, 844).await;
    let pages = [
        ("/", "#node-alias"),
        ("/onchain", "#transactions li"),
        ("/peers", "#peers li"),
        ("/channels", "#channels li"),
        ("/receive", "#invoices li"),
        ("/send", "#payments li"),
        ("/routes", "select"),
        ("/fees", "#channel-fees"),
        ("/backups", "button[name=export-backups]"),
    ];
    // The two checks see what they look for: a wide word and a script URL (an inline
    // handler would also do, but the policy reports it, which `finish` counts as a failure).
    let probe = "const d = document.createElement('div'); d.id = 'probe'; d.textContent = 'W'.repeat(400); \
        d.setAttribute('title', 'javascript:x'); document.querySelector('main').append(d); return ''";
    h.run_js(probe).await;
    assert_ne!(h.run_js(OVERFLOW).await, "[]", "the overflow check misses a 400-letter word");
    assert_ne!(h.run_js(INJECTED).await, "[]", "the markup check misses a script URL");
    h.run_js("document.getElementById('probe').remove(); return ''").await;
    // The accessibility check sees a button without a name and grey-on-grey text.
    h.run_js(
        "const b = document.createElement('button'); b.id = 'probe'; const s = document.createElement('span'); \
         s.textContent = 'faint'; s.style.color = '#777'; s.style.background = '#666'; b.append(document.createElement('i')); \
         const d = document.createElement('div'); d.id = 'probe-2'; d.append(s); document.querySelector('main').append(b, d); return ''",
    )
    .await;
    let findings = h.accessibility_findings().await.join("\n");
    assert!(findings.contains("button-name") && findings.contains("color-contrast"), "the accessibility check missed planted faults: {findings}");
    h.run_js("document.getElementById('probe').remove(); document.getElementById('probe-2').remove(); return ''").await;
    for (path, ready) in pages {
        h.go(path).await;
        h.find(ready).await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(h.run_js(INJECTED).await, "[]", "[{path}] markup from the network reached the page");
        assert_eq!(h.run_js(OVERFLOW).await, "[]", "[{path}] the page scrolls sideways at 390 px");
        h.screenshots_at(&format!("hostile-dark-{}", if path == "/" { "node" } else { &path[1..] }), Some(ready)).await;
        let _ = h.client().set_window_size(390, 844).await;
    }
    // bob looked up in alice's graph: his announced name shown whole, inside the phone.
    h.go("/").await;
    let bob_key = h.network.uri("bob").await.expect("bob's URI").split('@').next().expect("key").to_string();
    h.fill("input[name=lookup-node]", &bob_key).await;
    h.click("button[name=find-node]").await;
    h.wait_text("#found-node", &announced).await;
    assert_eq!(h.run_js(OVERFLOW).await, "[]", "[/] an announced name scrolls the page sideways");
    h.screenshots_at("hostile-dark-found-node", Some("#found-node")).await;
    let _ = h.client().set_window_size(390, 844).await;
    // Shown literally: markup reads as the characters it is made of.
    h.go("/peers").await;
    h.wait_text("#peers li .peer-alias", aliases[0]).await;
    h.go("/receive").await;
    let markup = messages.iter().find(|m| m.contains('<') && m.is_ascii() && !m.contains("  ")).expect("a message with markup");
    h.wait_text("#invoices li .label", &format!("Keysend: {markup}")).await;

    // A node's error messages are network text too: refused with any of these, a page shows
    // the message as characters, inside the phone's width. Printable ASCII is compared to
    // the letter (the rest is checked for markup and overflow: the browser may fold it).
    const TITLES: &str = "return JSON.stringify([...document.querySelectorAll('.error-title')].map(e => e.textContent))";
    let printable = |t: &str| t.chars().all(|c| (' '..='~').contains(&c));
    let refused: Vec<&String> = texts.iter().step_by(4).chain(texts.last()).collect();
    assert!(refused.len() >= 15, "{} refusals", refused.len());
    let longest = refused.iter().map(|t| t.len()).max().expect("refusals");
    for text in &refused {
        for method in ["/lnrpc.Lightning/ListPeers", "/lnrpc.Lightning/ListChannels"] {
            assert!(rpc.refuse(method, Some(text)), "{method} can be refused");
        }
        let title = lightdeck::lnd::LndError::from_node(2, text).title();
        for path in ["/peers", "/channels"] {
            h.go(path).await;
            h.find(".error-title").await;
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                let titles: Vec<String> = serde_json::from_str(&h.run_js(TITLES).await).expect("a list of titles");
                let shown = if printable(text) { titles.contains(&title) } else { titles.iter().any(|t| t.starts_with("The node refused: ")) };
                if shown {
                    break;
                }
                assert!(std::time::Instant::now() < deadline, "[{path}] {text:?} is not shown as {title:?}: {titles:?}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert_eq!(h.run_js(INJECTED).await, "[]", "[{path}] markup in a refusal reached the page: {text:?}");
            assert_eq!(h.run_js(OVERFLOW).await, "[]", "[{path}] a refusal scrolls the page sideways: {text:?}");
            if text.len() == longest && path == "/channels" {
                h.screenshots_at("hostile-dark-refused", Some(".error-title")).await;
                let _ = h.client().set_window_size(390, 844).await;
            }
        }
    }
    for method in ["/lnrpc.Lightning/ListPeers", "/lnrpc.Lightning/ListChannels"] {
        assert!(rpc.refuse(method, None));
    }

    // A phone set to light: the app follows it, until the user picks a theme in the footer,
    // which outlasts a reload.
    const BACKGROUND: &str = "return getComputedStyle(document.body).backgroundColor";
    const LIGHT: &str = "rgb(244, 245, 248)";
    const DARK: &str = "rgb(20, 22, 28)";
    assert_eq!(h.run_js(BACKGROUND).await, DARK, "a dark system gets the dark theme");
    h.client().issue_cmd(DevTools("Emulation.setEmulatedMedia", scheme("light"))).await.expect("a light system");
    assert_eq!(h.run_js(BACKGROUND).await, LIGHT, "a light system gets the light theme");
    h.click("select[name=theme] option[value=dark]").await;
    assert_eq!(h.run_js(BACKGROUND).await, DARK, "the dark theme, chosen, wins over the system");
    h.click("select[name=theme] option[value=light]").await;
    h.reload("/").await;
    h.find("input[name=url]").await;
    assert_eq!(h.run_js(BACKGROUND).await, LIGHT, "the chosen theme outlasts a reload");
    h.open_as_admin().await;
    // Text at twice the size (a phone's largest text setting): every page still fits the
    // phone's width and passes the accessibility checks in the light theme.
    h.run_js("document.documentElement.style.fontSize = '200%'; return ''").await;
    for (path, ready) in pages {
        h.go(path).await;
        h.find(ready).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        h.screenshots_at(&format!("light-large-{}", if path == "/" { "node" } else { &path[1..] }), Some(ready)).await;
        let _ = h.client().set_window_size(390, 844).await;
    }
    h.finish().await;
}

on_both_transports!(hostile_text_is_shown_as_text);
