//! Paying whatever a person pastes or scans on the Send page: a Lightning Address read by
//! the camera (with a comment, and the service's success message), a service that sends no CORS header (explained),
//! an LNURL-withdraw voucher, a unified bitcoin: QR read from a picture (Lightning first, on-chain offered), and
//! a plain address and a node's address (sent to the forms that take them).

use super::harness::{Harness, Via};
use devnode::plan::Plan;
use devnode::serve::lnurl::Comment;

fn lnurl_of(url: &str) -> String {
    lightdeck::input::payable::encode_lnurl(url).expect("bech32")
}

async fn paste_and_check(h: &Harness, text: &str) {
    h.click("nav a[href='/send']").await;
    h.fill("textarea[name=pay-request]", text).await;
    h.click("button[name=decode-request]").await;
}

async fn pay_anything(via: Via) {
    let h = Harness::start_with_camera(via).await;
    let (host, service) = h.start_lnurl().await;
    h.ready(3_000_000, Plan::nodes(&["shop"]).channel("alice", "shop", 1_000_000, 300_000)).await;
    let shop = h.uri("shop").await;

    // A Lightning Address in a QR code, scanned: the service's terms shown, an amount and a
    // comment chosen, its invoice checked and paid, its message shown.
    // Nothing in front of the camera yet: the view (opened from the top bar, on any page)
    // stays open, looking, until closed.
    h.click("a.scan-link").await;
    h.wait_text("#scanner", "Point the camera at a QR code").await;
    h.screenshots_at("scan", Some("#scanner")).await;
    assert_eq!(h.count("button[name=switch-camera]").await, 0, "one camera: nothing to switch to");
    h.click("button[name=scan]").await;
    assert_eq!(h.count("#scanner").await, 0, "closing the view closes the camera");
    h.show_on_camera(&format!("shop@{host}"));
    h.click("button[name=scan]").await;
    h.wait_text("#lnurl-payee", &format!("shop@{host}")).await;
    assert_eq!(h.count("#scanner").await, 0, "the camera view closes once a code is read");
    assert_eq!(h.run_js("return document.querySelector('textarea[name=pay-request]').value").await, format!("shop@{host}"));
    h.wait_text("#lnurl-description", "Pay shop on devnode").await;
    h.wait_text("#lnurl-range", "from 1 to 1,000,000 sat").await;
    h.fill("input[name=lnurl-amount]", "2100").await;
    h.fill("input[name=lnurl-comment]", "for the coffee").await;
    h.screenshots_at("lightning-address", Some("#lnurl-pay")).await;
    h.click("button[name=lnurl-get-invoice]").await;
    h.wait_text("#pay-amount", "2,100 sat").await;
    h.wait_text("#pay-payee", &format!("shop@{host}")).await;
    h.wait_text("#pay-description", "Pay shop on devnode").await;
    h.wait_text("#pay-destination", "shop ·").await;
    h.run_js("for (let i = 0; i < 10; i++) document.querySelector('button[name=pay]').click(); return 'clicked';").await;
    h.wait_text("#payment-progress", "Paid").await;
    h.wait_text("#lnurl-success", "Thanks for paying shop!").await;
    h.screenshots_at("lightning-address-paid", Some("#payment-progress")).await;
    assert_eq!(service.comments(), vec![Comment { node: "shop".into(), msat: 2_100_000, text: "for the coffee".into() }]);
    let (rpc, md) = h.network.as_admin("alice").await.expect("alice");
    let sent = rpc.list_payments(&md, lnrpc::lnrpc::ListPaymentsRequest { include_incomplete: true, ..Default::default() }).expect("payments").payments;
    assert_eq!(sent.iter().map(|p| p.value_msat).collect::<Vec<_>>(), vec![2_100_000], "one payment of the amount chosen");

    // An amount outside the service's range is refused before the service is asked.
    paste_and_check(&h, &format!("shop@{host}")).await;
    h.fill("input[name=lnurl-amount]", "2000000").await;
    h.click("button[name=lnurl-get-invoice]").await;
    h.wait_text(".error-title", "takes from 1 to 1,000,000 sat").await;

    // A service that forgot CORS: the page says what no browser wallet can do about it.
    paste_and_check(&h, &lnurl_of(&format!("http://{host}/nocors/lnurlp/shop"))).await;
    h.wait_text(".error-title", "does not let web apps read its answers").await;
    // One that is not there at all.
    paste_and_check(&h, &format!("nobody@127.0.0.1:{}", super::harness::closed_port())).await;
    h.wait_text(".error-title", "did not answer").await;
    // Plain http anywhere but loopback is refused before anything is asked.
    paste_and_check(&h, &lnurl_of("http://lnurl.example.com/pay")).await;
    h.wait_text(".error-title", "plain http").await;

    // A withdraw voucher: the app's invoice handed to the service, which pays it.
    let voucher = format!("http://{host}{}", service.voucher("shop", 5_000));
    paste_and_check(&h, &lnurl_of(&voucher)).await;
    h.wait_text("#lnurl-range", "exactly 5,000 sat").await;
    h.click("button[name=lnurl-withdraw]").await;
    h.wait_text("#withdraw-status", "Received 5,000 sat").await;
    h.screenshots_at("lnurl-withdraw", Some("#lnurl-withdraw")).await;

    // A file that is not a picture is refused in words.
    let not_a_picture = h.picture_of_qr("x").with_extension("txt");
    std::fs::write(&not_a_picture, "not a picture").expect("text file");
    h.find("input[name=scan-picture]").await.send_keys(&not_a_picture.display().to_string()).await.expect("choose file");
    h.wait_text(".error-title", "not a picture this browser can open").await;
    // A unified QR, read from a picture (a screenshot, a desktop without a camera): Lightning
    // first, the address offered as the alternative.
    let address = h.network.rpc("shop").await.expect("shop").control_new_address().expect("address");
    let invoice = h.network.add_invoice("shop", 3_000, "unified").await.expect("invoice");
    let picture = h.picture_of_qr(&format!("bitcoin:{}?amount=0.00003&lightning={}", address.to_uppercase(), invoice.to_uppercase()));
    h.find("input[name=scan-picture]").await.send_keys(&picture.display().to_string()).await.expect("choose picture");
    h.wait_text("#pay-amount", "3,000 sat").await;
    h.wait_text("#pay-description", "unified").await;
    h.wait_text("#on-chain-instead", "Or pay on-chain instead").await;
    h.click("button[name=pay]").await;
    h.wait_text("#payment-progress", "Paid").await;

    // A plain address goes to the On-chain page's form, filled in, for review there.
    paste_and_check(&h, &format!("bitcoin:{address}?amount=0.0001")).await;
    h.wait_text("#paid-elsewhere", "paid on-chain").await;
    h.click("#paid-elsewhere a").await;
    h.wait_text("h2", "SEND").await;
    let filled =
        h.run_js("return document.querySelector('input[name=send-address]').value + ' ' + document.querySelector('input[name=send-amount]').value").await;
    assert_eq!(filled, format!("{address} 10000"));
    // On a phone the sections sit at the bottom; Peers is behind More, which closes again
    // once a section is chosen.
    h.client().set_window_size(390, 844).await.expect("phone size");
    assert!(!h.find("nav a[href='/peers']").await.is_displayed().await.expect("shown?"), "Peers waits behind More");
    h.click("nav .more-toggle").await;
    h.click("nav a[href='/peers']").await;
    h.find("input[name=peer-uri]").await;
    assert!(!h.find("nav a[href='/fees']").await.is_displayed().await.expect("shown?"), "More closes once a section is chosen");
    h.client().set_window_size(1280, 900).await.expect("laptop size");
    // A node's address goes to the Peers form.
    paste_and_check(&h, &shop).await;
    h.click("#paid-elsewhere a").await;
    let filled = h.run_js("return document.querySelector('input[name=peer-uri]').value").await;
    assert_eq!(filled, shop);
    // Text shared from another app (the manifest's share_target) lands on Send, filled in.
    let shared = format!("/send?text={}", lightdeck::input::payable::percent_encode(&format!("  shop@{host} ")));
    h.run_js(&format!("const a = document.createElement('a'); a.href = '{shared}'; document.body.appendChild(a); a.click(); return 'opened';")).await;
    h.wait_text("label", "Lightning Address").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while h.run_js("return document.querySelector('textarea[name=pay-request]').value").await != format!("shop@{host}") {
        assert!(std::time::Instant::now() < deadline, "the shared text never filled the request box");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(h.count("#lnurl-pay").await, 0, "nothing is asked of the service before the user checks");
    h.click("button[name=decode-request]").await;
    h.wait_text("#lnurl-payee", &format!("shop@{host}")).await;
    h.finish().await;
}

on_both_transports!(pay_anything);
