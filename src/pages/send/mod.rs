//! Sending: whatever was pasted is read first (`input::payable`): a Lightning Address or
//! LNURL is asked for an invoice (`lnurl`), a unified QR offers Lightning first. A payment
//! request is decoded in the browser and by the node (and the two must agree) before
//! anything can be paid; SendPaymentV2 shows each attempt and the result in
//! words; a payment in flight survives a reload (TrackPaymentV2). Keysend, once or
//! repeated, without an invoice. The payments history.

mod lnurl;

use std::time::Duration;

use futures::StreamExt;
use leptos::prelude::*;

use crate::components::{CopyButton, ErrorView, ListCard, Needs, Scanner, read_picture};
use crate::format::{amount, count, middle_ellipsis};
use crate::input::amount::parse;
use crate::input::payable::{self, OnChain, Payable};
use crate::input::payment::{Checked, DEFAULT_MAX_PARTS, check_max_parts, check_request, check_series, compare, default_fee_limit};
use crate::input::peer::check_pubkey;
use crate::lnd::{KEYSEND_RECORD, Lnd, LndError, MESSAGE_RECORD, pb, rpc};
use crate::state::{Prefs, Session, new_preimage, now, spawn_scoped};

use pb::payment::PaymentStatus;

/// The payment this tab sent and has not seen finish, so a reload finds it again.
const IN_FLIGHT_KEY: &str = "lightdeck.payment-in-flight";
const TIMEOUT_SECONDS: i32 = 60;

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// An LNURL service found for what was pasted, and the Lightning Address it came from.
type Found = (crate::lnurl::Service, Option<String>);

/// The On-chain page's send form, filled in with what a link or address asked for.
fn on_chain_link(o: &OnChain) -> String {
    let amount = o.amount_sat.map(|a| format!("&amount={a}")).unwrap_or_default();
    format!("/onchain?to={}{amount}", payable::percent_encode(&o.address))
}

fn failure_words(reason: i32) -> &'static str {
    use pb::PaymentFailureReason as R;
    match R::try_from(reason) {
        Ok(R::FailureReasonNoRoute) => {
            "No route with enough capacity reaches the destination within your fee limit. Try a higher fee limit, allow more parts, or open a channel closer to the receiver."
        }
        Ok(R::FailureReasonInsufficientBalance) => "Your channels do not hold enough outbound balance for this amount and its fees.",
        Ok(R::FailureReasonIncorrectPaymentDetails) => {
            "The receiver refused the payment: it does not know this invoice (already paid, canceled or expired) or the amount is wrong."
        }
        Ok(R::FailureReasonTimeout) => "No attempt succeeded before the timeout.",
        Ok(R::FailureReasonCanceled) => "The payment was canceled.",
        _ => "lnd could not complete the payment.",
    }
}

/// A payment's progress as people read it.
#[component]
fn PaymentProgress(
    payment: pb::Payment,
    /// The graph knows no channel of the receiver's and the request offers no private route.
    #[prop(optional)]
    unreachable: bool,
) -> impl IntoView {
    let unit = Prefs::get().unit;
    let status = PaymentStatus::try_from(payment.status).unwrap_or(PaymentStatus::InFlight);
    let waiting = status == PaymentStatus::InFlight && payment.htlcs.iter().any(|h| h.status == pb::htlc_attempt::HtlcStatus::InFlight as i32);
    let headline = match status {
        PaymentStatus::Succeeded => "Paid".to_string(),
        PaymentStatus::Failed if unreachable && payment.failure_reason == pb::PaymentFailureReason::FailureReasonNoRoute as i32 => {
            "Failed: the receiver has no channels your node can see (none public, and the request offers no private route), so no payment can reach it. Ask the receiver to open a channel, or to give you an on-chain address.".to_string()
        }
        PaymentStatus::Failed => format!("Failed: {}", failure_words(payment.failure_reason)),
        _ if waiting => "Waiting for the receiver (a hold invoice settles when the receiver decides)…".to_string(),
        _ => "Sending…".to_string(),
    };
    let parts: Vec<pb::Route> =
        payment.htlcs.iter().filter(|h| h.status == pb::htlc_attempt::HtlcStatus::Succeeded as i32).filter_map(|h| h.route.clone()).collect();
    let attempts: Vec<(i64, String)> = payment
        .htlcs
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let hops = h.route.as_ref().map_or(0, |r| r.hops.len());
            let carried = h.route.as_ref().and_then(|r| r.hops.last()).map_or(0, |hop| hop.amt_to_forward_msat / 1000);
            let state = match pb::htlc_attempt::HtlcStatus::try_from(h.status) {
                Ok(pb::htlc_attempt::HtlcStatus::Succeeded) => "succeeded".to_string(),
                Ok(pb::htlc_attempt::HtlcStatus::Failed) => h.failure.as_ref().map_or("failed".to_string(), |f| {
                    let code = pb::failure::FailureCode::try_from(f.code).map(|c| c.as_str_name().to_lowercase().replace('_', " ")).unwrap_or_default();
                    format!("failed at hop {}: {code}", f.failure_source_index)
                }),
                _ => "in flight".to_string(),
            };
            (carried, format!("Attempt {} over {}: {state}", i + 1, crate::format::counted(hops as u64, "hop")))
        })
        .collect();
    let fee = payment.fee_msat;
    let preimage = (status == PaymentStatus::Succeeded).then(|| payment.payment_preimage.clone());
    view! {
        <div class="stack progress" id="payment-progress" data-status=status.as_str_name()>
            <p class=if status == PaymentStatus::Failed { "payment-failed" } else { "" }><strong>{headline}</strong></p>
            {(parts.len() > 1).then(|| view! { <p class="small" id="payment-parts">{format!("Paid in {} parts", parts.len())}</p> })}
            <ul class="small attempts">{attempts.into_iter().map(|(sats, a)| view! { <li>{move || format!("{} · {a}", amount(sats, unit.get()))}</li> }).collect_view()}</ul>
            {preimage.map(|p| view! {
                <p class="small">"Fee " {move || crate::format::msat(fee, unit.get())}</p>
                <p class="small">"Proof of payment (preimage) " <span class="mono" id="payment-preimage">{middle_ellipsis(&p, 12)}</span> " " <CopyButton text=p.clone()/></p>
            })}
            {parts.into_iter().map(|r| view! {
                <p class="small muted">"Route: " {r.hops.iter().map(|h| middle_ellipsis(&h.pub_key, 6)).collect::<Vec<_>>().join(" → ")}</p>
            }).collect_view()}
        </div>
    }
}

/// Follows a payment into `shown` until it succeeds or fails, then forgets the in-flight
/// marker. The payment goes on in lnd whatever happens to this page's connection, so when
/// the stream breaks or ends early it is found again with TrackPaymentV2. When lnd
/// refuses the hash because it paid it (or is paying it) already, that payment is followed
/// instead and `sent_before` says so.
async fn follow(
    lnd: Lnd,
    first: crate::lnd::LndStream<pb::Payment>,
    hash: Vec<u8>,
    shown: RwSignal<Option<pb::Payment>>,
    error: RwSignal<Option<LndError>>,
    sent_before: RwSignal<bool>,
) {
    let mut updates = first;
    let mut pause = Duration::from_millis(500);
    'follow: loop {
        while let Some(update) = updates.next().await {
            match update {
                Ok(p) => {
                    let done = ![PaymentStatus::InFlight as i32, PaymentStatus::Initiated as i32].contains(&p.status);
                    shown.set(Some(p));
                    error.set(None);
                    if done {
                        if let Some(s) = session_storage() {
                            let _ = s.remove_item(IN_FLIGHT_KEY);
                        }
                        return;
                    }
                }
                Err(LndError::Disconnected | LndError::Unreachable { .. }) if !hash.is_empty() => {
                    error.set(Some(LndError::Disconnected));
                    break;
                }
                Err(e) if e.is_already_sent() && !hash.is_empty() => {
                    sent_before.set(true);
                    updates = lnd.track_payment(&hash);
                    continue 'follow;
                }
                Err(e) => {
                    error.set(Some(e));
                    return;
                }
            }
        }
        if hash.is_empty() {
            return;
        }
        gloo_timers::future::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(8));
        updates = lnd.track_payment(&hash);
    }
}

#[component]
pub fn SendPage() -> impl IntoView {
    let session = Session::get();
    let history_refresh = RwSignal::new(0u32);
    let history = LocalResource::new(move || {
        history_refresh.track();
        let lnd = session.lnd.get();
        async move {
            let req = pb::ListPaymentsRequest { include_incomplete: true, reversed: true, max_payments: 100, ..Default::default() };
            let mut list = lnd.ok_or(LndError::Disconnected)?.list_payments(req).await?.payments;
            list.reverse();
            Ok(list)
        }
    });
    view! {
        <Needs rpc=rpc::SEND_PAYMENT_V2.path title="Pay" what="send payments">
            <PayCard history_refresh=history_refresh/>
        </Needs>
        <Needs rpc=rpc::SEND_PAYMENT_V2.path title="Send without an invoice (keysend)" what="send payments">
            <KeysendCard history_refresh=history_refresh/>
        </Needs>
        <ListCard title="Payments" empty="No payments yet." id="payments" class="rows payments" items=history
            row=|p: pb::Payment| view! { <PaymentRow payment=p/> }/>
    }
}

#[component]
fn PayCard(history_refresh: RwSignal<u32>) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let request = RwSignal::new(String::new());
    let amount_text = RwSignal::new(String::new());
    let fee_text = RwSignal::new(String::new());
    let parts_text = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let shown: RwSignal<Option<pb::Payment>> = RwSignal::new(None);
    let stream_error: RwSignal<Option<LndError>> = RwSignal::new(None);
    // lnd had paid this request before (or was paying it) when Pay was pressed.
    let sent_before = RwSignal::new(false);
    let unreachable = RwSignal::new(false);
    // The payment request under check: the pasted one, or the one a unified QR or an LNURL
    // service gave for it. Only this request's reading can be paid.
    let target: RwSignal<Option<String>> = RwSignal::new(None);
    // A unified QR's on-chain alternative; what an LNURL service said with its invoice.
    let fallback: RwSignal<Option<OnChain>> = RwSignal::new(None);
    let from_lnurl: RwSignal<Option<lnurl::LnurlInvoice>> = RwSignal::new(None);
    // Pasted text that is paid elsewhere in the app: the words, and where.
    let elsewhere: RwSignal<Option<(String, String, &'static str)>> = RwSignal::new(None);
    // The service asked for the text now in the box, and its answer. An answer to text the
    // user has since changed is dropped, however late it comes.
    let asked: RwSignal<Option<String>> = RwSignal::new(None);
    let found: RwSignal<Option<Result<Found, LndError>>> = RwSignal::new(None);
    let service = Action::new_local(move |(url, address): &(String, Option<String>)| {
        let (url, address) = (url.clone(), address.clone());
        async move {
            let answer = crate::lnurl::fetch::service(&url).await.map(|s| (s, address)).map_err(LndError::Input);
            if asked.try_get_untracked().flatten().as_deref() == Some(url.as_str()) {
                let _ = found.try_set(Some(answer));
            }
        }
    });

    // A payment this tab started before a reload: find it again.
    Effect::new(move |_| {
        let Some(lnd) = session.lnd.get() else { return };
        let Some(hash) = session_storage().and_then(|s| s.get_item(IN_FLIGHT_KEY).ok().flatten()).and_then(|h| hex::decode(h).ok()) else { return };
        spawn_scoped(follow(lnd.clone(), lnd.track_payment(&hash), hash, shown, stream_error, sent_before));
    });

    let decode = Action::new_local(move |text: &String| {
        let text = text.trim().to_string();
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let network = lnd.get_info().await?.chains.first().map(|c| c.network.clone()).unwrap_or_default();
            let local = check_request(&text, &network, now()).map_err(LndError::Input)?;
            let mut node = lnd.decode_pay_req(&text).await?;
            let mismatch = compare(&local, &node);
            // The alias is a courtesy: a node outside the graph (or an older lnd) has none.
            if let Ok(Some(alias)) = lnd.node_alias(&node.destination).await {
                node.destination = format!("{} · {}", crate::format::shown_text(&alias), middle_ellipsis(&node.destination, 12));
            } else {
                node.destination = middle_ellipsis(&node.destination, 12);
            }
            Ok::<(Checked, pb::PayReq, Option<String>), LndError>((local, node, mismatch))
        }
    });
    // Only a reading of the request now under check counts: a check still in flight when
    // the text changed must not lend its details to the new text.
    let decoded =
        Signal::derive(move || decode.value().get().and_then(Result::ok).filter(|(local, _, _)| target.with(|t| t.as_deref() == Some(local.request.as_str()))));
    let check = move |bolt11: String| {
        target.set(Some(bolt11.clone()));
        decode.dispatch_local(bolt11);
    };
    let lnurl_invoice = Callback::new(move |invoice: lnurl::LnurlInvoice| {
        let request = invoice.request.clone();
        from_lnurl.set(Some(invoice));
        check(request);
    });

    let pay = Action::new_local(move |(checked, amt, fee_limit, max_parts): &(Checked, i64, i64, u32)| {
        let (checked, amt, fee_limit, max_parts) = (checked.clone(), *amt, *fee_limit, *max_parts);
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let hash = checked.payment_hash.clone();
            let req = lnrpc::routerrpc::SendPaymentRequest {
                payment_request: checked.request,
                amt,
                fee_limit_sat: fee_limit,
                timeout_seconds: TIMEOUT_SECONDS,
                max_parts,
                ..Default::default()
            };
            if let Some(s) = session_storage() {
                let _ = s.set_item(IN_FLIGHT_KEY, &hash);
            }
            stream_error.set(None);
            sent_before.set(false);
            unreachable.set(false);
            follow(lnd.clone(), lnd.send_payment(req), hex::decode(hash).unwrap_or_default(), shown, stream_error, sent_before).await;
            history_refresh.update(|n| *n += 1);
            // "No route" to a receiver nobody can reach says so, not "raise the fee limit".
            // The page may be gone by now (a payment outlives it): read what is still there.
            let no_route = shown.try_get_untracked().flatten().is_some_and(|p| p.failure_reason == pb::PaymentFailureReason::FailureReasonNoRoute as i32);
            if no_route && checked.route_hints == 0 {
                let channels = lnd.node_info(&checked.destination).await.ok().map(|n| n.map_or(0, |n| n.num_channels));
                let _ = unreachable.try_set(channels == Some(0));
            }
            Ok::<(), LndError>(())
        }
    });

    let forget = move || {
        target.set(None);
        fallback.set(None);
        from_lnurl.set(None);
        elsewhere.set(None);
        decode.value().set(None);
        asked.set(None);
        found.set(None);
    };
    let scanning = RwSignal::new(false);
    // The top bar's Scan link: the camera opens, and the address drops `?scan` so that the
    // link works again next time.
    let query = leptos_router::hooks::use_query_map();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        // Text shared from another app (the manifest's share_target: senders fill `text`,
        // `url` or `title`) or a bitcoin: / web+lightning: link: filled in, for the user to
        // check. Nothing is asked of any service or node until they do.
        let shared = query.with(|q| ["text", "url", "title"].iter().find_map(|k| q.get(k).filter(|v| !v.trim().is_empty())));
        let scan = query.with(|q| q.get("scan").is_some());
        if let Some(text) = shared.as_deref() {
            let text = text.trim();
            request.set(text.strip_prefix("web+lightning:").map(|r| format!("lightning:{r}")).unwrap_or_else(|| text.to_string()));
        }
        if scan {
            scanning.set(true);
        }
        if scan || shared.is_some() {
            navigate("/send", leptos_router::NavigateOptions { replace: true, ..Default::default() });
        }
    });
    let read_box = move || {
        shown.set(None);
        problem.set(None);
        forget();
        match payable::read(&request.get_untracked()) {
            Err(e) => problem.set(Some(e)),
            Ok(Payable::Lightning { request, fallback: on_chain }) => {
                fallback.set(on_chain);
                check(request);
            }
            Ok(Payable::Lnurl { url, address }) => {
                asked.set(Some(url.clone()));
                service.dispatch_local((url, address));
            }
            Ok(Payable::OnChain(o)) => elsewhere.set(Some(("This is a bitcoin address: it is paid on-chain.".into(), on_chain_link(&o), "Send on-chain"))),
            Ok(Payable::Node(uri)) => elsewhere.set(Some((
                "This is a node's address, not a payment: connect to it as a peer, or open a channel to it.".into(),
                format!("/peers?connect={}", payable::percent_encode(&uri)),
                "Connect to this node",
            ))),
            Ok(Payable::Lndconnect(_)) => elsewhere.set(Some((
                "This is an lndconnect link, for connecting Lightdeck to a node. It holds a macaroon: keep it private.".into(),
                "/connect".into(),
                "Go to Connect",
            ))),
        }
    };
    let on_decode = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        read_box();
    };
    // A scanned code is read as if pasted and checked at once.
    let on_scanned = Callback::new(move |text: String| {
        scanning.set(false);
        request.set(text);
        read_box();
    });
    let picture_problem: RwSignal<Option<String>> = RwSignal::new(None);
    let on_picture = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = wasm_bindgen::JsCast::unchecked_into(event_target::<web_sys::EventTarget>(&ev));
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        picture_problem.set(None);
        leptos::task::spawn_local(async move {
            match read_picture(file).await {
                Ok(text) => on_scanned.run(text),
                Err(e) => {
                    let _ = picture_problem.try_set(Some(e));
                }
            }
        });
    };

    // Checked again at the click itself: a burst of clicks can land before the button is
    // redrawn disabled.
    let busy_or_paid = move |hash: &str| {
        pay.pending().get_untracked()
            || shown
                .get_untracked()
                .is_some_and(|p| p.status == PaymentStatus::InFlight as i32 || (p.status == PaymentStatus::Succeeded as i32 && p.payment_hash == hash))
    };
    let on_pay = move |_| {
        let Some((local, _, mismatch)) = decoded.get_untracked() else { return };
        if mismatch.is_some() || busy_or_paid(&local.payment_hash) {
            return;
        }
        let u = unit.get_untracked();
        let amt = if local.amount_msat == 0 {
            match parse(&amount_text.get_untracked(), u) {
                Ok(a) => a,
                Err(e) => return problem.set(Some(format!("Amount: {e}"))),
            }
        } else {
            0
        };
        let sats = if amt > 0 { amt } else { local.amount_msat / 1000 };
        let fee_limit = if fee_text.get_untracked().trim().is_empty() {
            default_fee_limit(sats)
        } else {
            match parse(&fee_text.get_untracked(), u) {
                Ok(f) => f,
                Err(e) => return problem.set(Some(format!("Fee limit: {e}"))),
            }
        };
        let max_parts = match check_max_parts(&parts_text.get_untracked()) {
            Ok(n) => n,
            Err(e) => return problem.set(Some(e)),
        };
        if local.expires_at <= now() {
            return problem.set(Some("This payment request has expired; ask the receiver for a new one".into()));
        }
        problem.set(None);
        pay.dispatch_local((local, amt, fee_limit, max_parts));
    };
    let paying = move || pay.pending().get() || shown.get().is_some_and(|p| p.status == PaymentStatus::InFlight as i32);
    // A request once paid stays paid: its button never comes back for a late click.
    let paid = move || {
        decoded
            .get()
            .is_some_and(|(local, _, _)| shown.get().is_some_and(|p| p.status == PaymentStatus::Succeeded as i32 && p.payment_hash == local.payment_hash))
    };
    let paid_before = move || shown.get().filter(|p| sent_before.get() && p.status == PaymentStatus::Succeeded as i32);

    view! {
        <section class="card">
            <h2>"Pay"</h2>
            <form class="stack" on:submit=on_decode autocomplete="off">
                <label>
                    "Payment request, Lightning Address, LNURL or bitcoin: link"
                    <textarea name="pay-request" rows="3" spellcheck="false" placeholder="lnbc… · name@domain · lnurl… · bitcoin:…"
                        prop:value=request on:input=move |ev| { request.set(event_target_value(&ev)); forget(); }></textarea>
                </label>
                <div class="grid buttons">
                    <button type="submit" name="decode-request" disabled=move || decode.pending().get()>
                        {move || if asked.get().is_some() && found.get().is_none() { "Asking the service…" } else { "Check" }}
                    </button>
                    <button type="button" name="scan" on:click=move |_| scanning.update(|s| *s = !*s)>
                        {move || if scanning.get() { "Close camera" } else { "Scan QR" }}
                    </button>
                </div>
                <label class="small">
                    "Or read a QR code from a picture"
                    <input type="file" accept="image/*" name="scan-picture" on:change=on_picture/>
                </label>
                {move || picture_problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            </form>
            <Show when=move || scanning.get()>
                <Scanner on_text=on_scanned/>
            </Show>
            {move || found.get().map(|found| match found {
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
                Ok((crate::lnurl::Service::Pay(pay), address)) => view! { <lnurl::LnurlPayForm pay=pay address=address on_invoice=lnurl_invoice/> }.into_any(),
                Ok((crate::lnurl::Service::Withdraw(w), _)) => view! { <lnurl::LnurlWithdrawForm withdraw=w/> }.into_any(),
            })}
            {move || elsewhere.get().map(|(words, href, link)| view! {
                <p class="stack" id="paid-elsewhere" role="status">{words} " " <a href=href>{link}</a></p>
            })}
            {move || decode.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            {move || decoded.get().map(|(local, node, mismatch)| {
                let zero = local.amount_msat == 0;
                let left = local.expires_at - now();
                let lnurl = from_lnurl.get().filter(|l| l.request == local.request);
                // An LNURL invoice commits to the service's metadata by hash; its words are
                // the service's description.
                let description = match &lnurl {
                    Some(l) if node.description.is_empty() => l.description.clone(),
                    _ => node.description.clone(),
                };
                view! {
                    <div class="stack decoded" id="decoded-request">
                        {mismatch.map(|m| view! { <ErrorView error=LndError::Input(format!("The node and this browser read this request differently ({m}). Do not pay it."))/> })}
                        {lnurl.clone().map(|l| view! {
                            <div class="kv"><span class="k">"Paying"</span><span class="v" id="pay-payee"><bdi>{crate::format::shown_text(&l.payee)}</bdi></span><span></span></div>
                        })}
                        <div class="kv"><span class="k">"To"</span><span class="v mono small" id="pay-destination" title=local.destination.clone()>{node.destination.clone()}</span><span></span></div>
                        <div class="kv"><span class="k">"Amount"</span><span class="v" id="pay-amount">{move || if zero { "any amount (you choose)".to_string() } else { amount(local.amount_msat / 1000, unit.get()) }}</span><span></span></div>
                        <div class="kv"><span class="k">"Description"</span><span class="v" id="pay-description"><bdi>{crate::format::shown_text(&description)}</bdi></span><span></span></div>
                        <div class="kv"><span class="k">"Expires"</span><span class="v">{format!("in {}", crate::format::duration(left))}</span><span></span></div>
                        <Show when=move || zero>
                            <label>
                                {move || format!("Amount to pay ({})", unit.get().label())}
                                <input type="text" inputmode="decimal" name="pay-amount" prop:value=amount_text on:input=move |ev| amount_text.set(event_target_value(&ev))/>
                            </label>
                        </Show>
                        <div class="grid">
                            <label>
                                {move || format!("Fee limit ({}; default 1%, at least 10 sat)", unit.get().label())}
                                <input type="text" inputmode="decimal" name="pay-fee-limit" prop:value=fee_text on:input=move |ev| fee_text.set(event_target_value(&ev))/>
                            </label>
                            <label>
                                {format!("Most parts to split into (default {DEFAULT_MAX_PARTS}; 1 = no splitting)")}
                                <input type="text" inputmode="numeric" name="pay-max-parts" placeholder=DEFAULT_MAX_PARTS.to_string()
                                    prop:value=parts_text on:input=move |ev| parts_text.set(event_target_value(&ev))/>
                            </label>
                        </div>
                    </div>
                }
            })}
            {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            {move || pay.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            {move || stream_error.get().map(|e| view! { <ErrorView error=e/> })}
            <Show when=move || decoded.get().is_some_and(|(_, _, m)| m.is_none())>
                <button type="button" class="primary wide" name="pay" disabled=move || paying() || paid() on:click=on_pay>
                    {move || if paid() { "Paid" } else if paying() { "Paying…" } else { "Pay" }}
                </button>
            </Show>
            {move || paid_before().map(|p| view! {
                <p class="small" id="paid-before" role="status">
                    {format!("This request was already paid {}; nothing was sent again.", crate::format::ago(p.creation_time_ns / 1_000_000_000, now()))}
                </p>
            })}
            {move || decoded.get().and(fallback.get()).filter(|_| !paid() && !paying()).map(|o| view! {
                <p class="small" id="on-chain-instead">"Or pay on-chain instead, to " <span class="mono">{crate::format::middle_ellipsis(&o.address, 10)}</span> ": " <a href=on_chain_link(&o)>"Send on-chain"</a></p>
            })}
            {move || shown.get().map(|p| view! { <PaymentProgress payment=p unreachable=unreachable.get()/> })}
            {move || {
                let p = shown.get().filter(|p| p.status == PaymentStatus::Succeeded as i32)?;
                let l = from_lnurl.get().filter(|l| decoded.get().is_some_and(|(local, _, _)| local.request == l.request && local.payment_hash == p.payment_hash))?;
                l.success.map(|action| view! { <lnurl::SuccessNote action=action preimage_hex=p.payment_preimage.clone()/> })
            }}
        </section>
    }
}

/// One keysend: a fresh preimage, its hash, and the message as a custom record.
fn keysend_request(dest: &[u8], sats: i64, message: &str) -> Result<lnrpc::routerrpc::SendPaymentRequest, LndError> {
    let (preimage, hash) = new_preimage()?;
    let mut records = std::collections::HashMap::new();
    records.insert(KEYSEND_RECORD, preimage.to_vec());
    if !message.is_empty() {
        records.insert(MESSAGE_RECORD, message.as_bytes().to_vec());
    }
    Ok(lnrpc::routerrpc::SendPaymentRequest {
        dest: dest.to_vec(),
        amt: sats,
        payment_hash: hash.to_vec(),
        dest_custom_records: records,
        fee_limit_sat: default_fee_limit(sats),
        timeout_seconds: TIMEOUT_SECONDS,
        ..Default::default()
    })
}

/// Where a series of keysends stands.
#[derive(Clone, Copy, PartialEq)]
enum Series {
    Idle,
    Running,
    Paused,
}

/// A keysend series waiting for its confirmation: key, amount, count and pause.
type SeriesPlan = (Vec<u8>, i64, u32, Duration);

#[component]
fn KeysendCard(history_refresh: RwSignal<u32>) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let dest = RwSignal::new(String::new());
    let amount_text = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let repeat = RwSignal::new(false);
    let every = RwSignal::new("10".to_string());
    let minutes = RwSignal::new("1".to_string());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let series = RwSignal::new(Series::Idle);
    let sent = RwSignal::new(0u32);
    let failed = RwSignal::new(0u32);
    let total = RwSignal::new(0u32);
    let last: RwSignal<Option<pb::Payment>> = RwSignal::new(None);
    let error: RwSignal<Option<LndError>> = RwSignal::new(None);
    // Which series is the current one: Stop ends a series for good, even when Send starts
    // the next one before the stopped loop wakes up.
    let generation = StoredValue::new(0u64);
    // A repeated keysend waits here until its total is confirmed.
    let to_confirm: RwSignal<Option<SeriesPlan>> = RwSignal::new(None);

    let run = move |lnd: Lnd, key: Vec<u8>, sats: i64, text: String, count: u32, pause: Duration, mine: u64| async move {
        let current = move || generation.get_value() == mine;
        for i in 0..count {
            while current() && series.get_untracked() == Series::Paused {
                gloo_timers::future::sleep(Duration::from_millis(200)).await;
            }
            if !current() || series.get_untracked() == Series::Idle {
                return;
            }
            match keysend_request(&key, sats, &text) {
                Ok(req) => {
                    let shown = RwSignal::new(None);
                    let hash = req.payment_hash.clone();
                    follow(lnd.clone(), lnd.send_payment(req), hash, shown, error, RwSignal::new(false)).await;
                    if !current() {
                        return;
                    }
                    let ok = shown.get_untracked().is_some_and(|p: pb::Payment| p.status == PaymentStatus::Succeeded as i32);
                    if ok {
                        sent.update(|n| *n += 1)
                    } else {
                        failed.update(|n| *n += 1)
                    }
                    last.set(shown.get_untracked());
                }
                Err(e) => error.set(Some(e)),
            }
            history_refresh.update(|n| *n += 1);
            if i + 1 < count {
                gloo_timers::future::sleep(pause).await;
            }
        }
        if current() {
            series.set(Series::Idle);
        }
    };
    // A series belongs to this card, not to the confirmation that started it (which is
    // gone as soon as it is answered), so it runs until the card unmounts.
    let card = StoredValue::new_local(Owner::current());
    let start = move |key: Vec<u8>, sats: i64, count: u32, pause: Duration| {
        // One series at a time, whichever button a burst of clicks lands on.
        if series.get_untracked() != Series::Idle {
            return;
        }
        let Some(lnd) = session.lnd.get_untracked() else { return };
        generation.update_value(|g| *g += 1);
        problem.set(None);
        error.set(None);
        sent.set(0);
        failed.set(0);
        total.set(count);
        series.set(Series::Running);
        let series = run(lnd, key, sats, message.get_untracked(), count, pause, generation.get_value());
        match card.get_value() {
            Some(owner) => owner.with(|| spawn_scoped(series)),
            None => spawn_scoped(series),
        }
    };
    let stop = move |_| {
        generation.update_value(|g| *g += 1);
        series.set(Series::Idle);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = (|| {
            let key = check_pubkey(&dest.get_untracked())?;
            let sats = parse(&amount_text.get_untracked(), unit.get_untracked()).map_err(|e| format!("Amount: {e}"))?;
            let (count, pause) = if repeat.get_untracked() { check_series(&every.get_untracked(), &minutes.get_untracked())? } else { (1, Duration::ZERO) };
            Ok::<_, String>((hex::decode(key).expect("checked hex"), sats, count, pause))
        })();
        if series.get_untracked() != Series::Idle {
            return;
        }
        match checked {
            // A series sends count × amount: the total is confirmed first.
            Ok((key, sats, count, pause)) if count > 1 => {
                problem.set(None);
                to_confirm.set(Some((key, sats, count, pause)));
            }
            Ok((key, sats, count, pause)) => start(key, sats, count, pause),
            Err(e) => problem.set(Some(e)),
        }
    };
    view! {
        <section class="card">
            <h2>"Send without an invoice (keysend)"</h2>
            <form class="stack" on:submit=submit autocomplete="off">
                <label>
                    "Node public key"
                    <input type="text" name="keysend-dest" spellcheck="false" prop:value=dest on:input=move |ev| dest.set(event_target_value(&ev))/>
                </label>
                <div class="grid">
                    <label>
                        {move || format!("Amount ({})", unit.get().label())}
                        <input type="text" inputmode="decimal" name="keysend-amount" prop:value=amount_text on:input=move |ev| amount_text.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        "Message (optional)"
                        <input type="text" name="keysend-message" prop:value=message on:input=move |ev| message.set(event_target_value(&ev))/>
                    </label>
                </div>
                <label class="check">
                    <input type="checkbox" name="keysend-repeat" prop:checked=repeat on:change=move |ev| repeat.set(event_target_checked(&ev))/>
                    "Repeat (a stream of payments while this page is open)"
                </label>
                <Show when=move || repeat.get()>
                    <div class="grid">
                        <label>"Every (seconds)" <input type="text" inputmode="numeric" name="keysend-every" prop:value=every on:input=move |ev| every.set(event_target_value(&ev))/></label>
                        <label>"For (minutes)" <input type="text" inputmode="numeric" name="keysend-minutes" prop:value=minutes on:input=move |ev| minutes.set(event_target_value(&ev))/></label>
                    </div>
                </Show>
                {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
                {move || error.get().map(|e| view! { <ErrorView error=e/> })}
                {move || to_confirm.get().map(|(key, sats, count, pause)| {
                    let every = pause.as_secs();
                    view! {
                        <div class="stack confirm" id="keysend-confirm" role="group">
                            <p>{move || format!(
                                "Send {} payments of {} (every {every} s): {} in all, plus routing fees.",
                                crate::format::count(count as u64), amount(sats, unit.get()), amount(sats.saturating_mul(count as i64), unit.get()),
                            )}</p>
                            <div class="row">
                                <button type="button" name="keysend-cancel" on:click=move |_| to_confirm.set(None)>"Cancel"</button>
                                <button type="button" class="primary" name="keysend-confirm" on:click={
                                    let key = key.clone();
                                    move |_| {
                                        to_confirm.set(None);
                                        start(key.clone(), sats, count, pause);
                                    }
                                }>"Send them"</button>
                            </div>
                        </div>
                    }
                })}
                <Show when=move || series.get() == Series::Idle fallback=move || view! {
                    <div class="row">
                        <Show when=move || series.get() == Series::Running fallback=move || view! {
                            <button type="button" name="keysend-resume" on:click=move |_| series.set(Series::Running)>"Resume"</button>
                        }>
                            <button type="button" name="keysend-pause" on:click=move |_| series.set(Series::Paused)>"Pause"</button>
                        </Show>
                        <button type="button" class="danger" name="keysend-stop" on:click=stop>"Stop"</button>
                    </div>
                }>
                    <Show when=move || to_confirm.get().is_none()>
                        <button type="submit" class="primary" name="keysend">"Send"</button>
                    </Show>
                </Show>
            </form>
            <Show when=move || { total.get() > 0 }>
                <p class="progress" id="keysend-progress" role="status">
                    {move || format!("{} of {} sent", count(sent.get() as u64), count(total.get() as u64))}
                    {move || (failed.get() > 0).then(|| format!(", {} failed", failed.get()))}
                    {move || match series.get() { Series::Paused => " (paused)", Series::Running => "…", Series::Idle => "" }}
                </p>
            </Show>
            {move || last.get().filter(|p| p.status == PaymentStatus::Failed as i32).map(|p| view! { <PaymentProgress payment=p/> })}
        </section>
    }
}

#[component]
fn PaymentRow(payment: pb::Payment) -> impl IntoView {
    let unit = Prefs::get().unit;
    let status = PaymentStatus::try_from(payment.status).unwrap_or(PaymentStatus::InFlight);
    let words = match status {
        PaymentStatus::Succeeded => "paid",
        PaymentStatus::Failed => "failed",
        _ => "in flight",
    };
    let settled: Vec<usize> = payment
        .htlcs
        .iter()
        .filter(|h| h.status == pb::htlc_attempt::HtlcStatus::Succeeded as i32)
        .filter_map(|h| h.route.as_ref())
        .map(|r| r.hops.len())
        .collect();
    // One route: its length; several parts: how many (their lengths would say little).
    let path = match settled.as_slice() {
        [] => None,
        [hops] => Some(crate::format::counted(*hops as u64, "hop")),
        many => Some(format!("{} parts", many.len())),
    };
    let (value, fee) = (payment.value_sat, payment.fee_msat);
    let preimage = (status == PaymentStatus::Succeeded).then(|| payment.payment_preimage.clone());
    view! {
        <li data-hash=payment.payment_hash.clone() data-status=words>
            <span class="amount out">{move || amount(value, unit.get())}</span>
            <span class=format!("state {}", words.replace(' ', "-"))>{words}</span>
            <span class="muted small">"fee " {move || crate::format::msat(fee, unit.get())} {path.map(|p| format!(" · {p}"))}</span>
            <span class="muted small">{crate::format::ago(payment.creation_time_ns / 1_000_000_000, now())}</span>
            <span>{preimage.map(|p| view! { <CopyButton text=p label="Copy preimage"/> })}</span>
        </li>
    }
}
