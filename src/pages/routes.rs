//! Routes: see the route lnd would take to a node for an amount (hops, fees, time-lock),
//! pay an invoice along exactly that route, and move liquidity between two of your own
//! channels with a circular payment to yourself.

use futures::StreamExt;
use leptos::prelude::*;

use crate::components::{CopyButton, ErrorView, Lacks, Needs, allowed};
use crate::format::{amount, middle_ellipsis, msat, short_channel_id};
use crate::input::amount::parse;
use crate::input::payment::{check_request, compare, default_fee_limit};
use crate::lnd::{LndError, pb, rpc};
use crate::state::{Prefs, Session, now};

#[component]
pub fn RoutesPage() -> impl IntoView {
    view! {
        <RouteCard/>
        <Needs rpc=rpc::SEND_TO_ROUTE_V2.path title="Rebalance between two channels" what="send payments, so it cannot rebalance">
            <RebalanceCard/>
        </Needs>
    }
}

/// A route's hops, fees and time-lock.
#[component]
fn RouteView(route: pb::Route) -> impl IntoView {
    let unit = Prefs::get().unit;
    let (fees, total) = (route.total_fees_msat, route.total_amt_msat / 1000);
    view! {
        <div class="stack" id="route">
            <ol class="rows hops">
                {route.hops.iter().map(|h| {
                    let (fwd, fee, expiry) = (h.amt_to_forward_msat / 1000, h.fee_msat, h.expiry);
                    view! {
                        <li>
                            <span class="mono small" title=h.pub_key.clone()>{middle_ellipsis(&h.pub_key, 8)}</span>
                            <span class="muted small">"via " {short_channel_id(h.chan_id)}</span>
                            <span class="small">"forwards " {move || amount(fwd, unit.get())}</span>
                            <span class="muted small">{move || format!("fee {} · expiry {}", msat(fee, unit.get()), expiry)}</span>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <p class="small" id="route-summary">
                {move || format!("{}, fees {}, total {}, time-lock until block {}",
                    crate::format::counted(route.hops.len() as u64, "hop"), msat(fees, unit.get()), amount(total, unit.get()), route.total_time_lock)}
            </p>
        </div>
    }
}

#[component]
fn RouteCard() -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let request = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    // The invoice, as the node reads it, and the route found for it.
    let find = Action::new_local(move |text: &String| {
        let text = text.trim().to_string();
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            // Read here as well as by the node, as on the Send page: both must agree.
            let network = lnd.get_info().await?.chains.first().map(|c| c.network.clone()).unwrap_or_default();
            let local = check_request(&text, &network, now()).map_err(LndError::Input)?;
            let req = lnd.decode_pay_req(&local.request).await?;
            if let Some(m) = compare(&local, &req) {
                return Err(LndError::Input(format!("The node and this browser read this request differently ({m}). Do not pay it.")));
            }
            if req.num_msat == 0 {
                return Err(LndError::Input("Routes are found for an amount: this request has none".into()));
            }
            // QueryRoutes finds routes for whole sats, while the payee expects exactly the
            // request's msat amount (the MPP record says so).
            if req.num_msat % 1000 != 0 {
                return Err(LndError::Input(
                    "This request asks for a fraction of a sat, which this page cannot route exactly. Pay it on the Send page instead.".into(),
                ));
            }
            let final_cltv_delta = i32::try_from(req.cltv_expiry).ok().filter(|d| *d >= 0).ok_or_else(|| {
                LndError::Input(format!(
                    "The node read a final time-lock of {} blocks in this request, which no route can carry. Do not pay it; ask the receiver for a new one.",
                    req.cltv_expiry
                ))
            })?;
            let query = pb::QueryRoutesRequest { pub_key: req.destination.clone(), amt: req.num_satoshis, final_cltv_delta, ..Default::default() };
            let route = lnd.query_routes(query).await?.routes.into_iter().next().ok_or_else(|| LndError::Input("lnd found no route".into()))?;
            Ok::<(pb::PayReq, pb::Route), LndError>((req, route))
        }
    });
    let send = Action::new_local(move |(req, route): &(pb::PayReq, pb::Route)| {
        let (req, mut route) = (req.clone(), route.clone());
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            if req.timestamp.saturating_add(req.expiry) <= now() {
                return Err(LndError::Input("This payment request has expired since the route was found; ask the receiver for a new one".into()));
            }
            // The payee checks the invoice's payment secret, carried in the last hop.
            if let Some(last) = route.hops.last_mut() {
                last.mpp_record = Some(pb::MppRecord { payment_addr: req.payment_addr.clone(), total_amt_msat: req.num_msat });
            }
            let hash = hex::decode(&req.payment_hash).map_err(|_| LndError::Input("The payment hash is not hex".into()))?;
            lnd.send_to_route(&hash, route).await
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if request.get_untracked().trim().is_empty() {
            return problem.set(Some("Paste a payment request".into()));
        }
        problem.set(None);
        send.value().set(None);
        find.dispatch_local(request.get_untracked());
    };
    view! {
        <section class="card">
            <h2>"Pay along a chosen route"</h2>
            <form class="stack" on:submit=submit autocomplete="off">
                <label>
                    "Payment request"
                    <textarea name="route-request" rows="2" spellcheck="false" prop:value=request on:input=move |ev| request.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit" name="find-route" disabled=find.pending()>"Find a route"</button>
            </form>
            {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            {move || find.value().get().map(|r| match r {
                Ok((req, route)) => {
                    // The route's fee is what is paid: above the Send page's default limit it
                    // is worth a second look.
                    let costly = route.total_fees_msat > default_fee_limit(req.num_satoshis).saturating_mul(1000);
                    let fee_msat = route.total_fees_msat;
                    let chosen = StoredValue::new((req, route.clone()));
                    view! {
                        <RouteView route=route/>
                        {costly.then(|| view! {
                            <p class="warning" id="route-fee-warning" role="alert">
                                {move || format!("This route costs {} in fees, more than 1% of the amount (at least 10 sat). Check it before paying.", msat(fee_msat, unit.get()))}
                            </p>
                        })}
                        <Lacks rpc=rpc::SEND_TO_ROUTE_V2.path what="pay along it"/>
                        <button type="button" class="primary" name="pay-route" hidden=!allowed(rpc::SEND_TO_ROUTE_V2.path) disabled=move || send.pending().get() || send.value().get().is_some()
                            on:click=move |_| { send.dispatch_local(chosen.get_value()); }>"Pay along this route"</button>
                    }.into_any()
                }
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
            {move || send.value().get().map(|r| match r {
                Ok(attempt) if attempt.status == pb::htlc_attempt::HtlcStatus::Succeeded as i32 => {
                    let pre = hex::encode(&attempt.preimage);
                    view! { <p class="progress" id="route-result">"Paid. Preimage " <span class="mono small">{middle_ellipsis(&pre, 12)}</span> " " <CopyButton text=pre/></p> }.into_any()
                }
                Ok(attempt) => {
                    // Nodes without the router answer through SendToRouteSync, which says
                    // neither where nor why.
                    let why = attempt.failure.as_ref().and_then(|f| pb::failure::FailureCode::try_from(f.code).ok()).map(|c| c.as_str_name().to_lowercase().replace('_', " "));
                    let at = attempt.failure.as_ref().map_or(0, |f| f.failure_source_index);
                    let message = match why {
                        Some(why) => format!("The route failed at hop {at}: {why}. Find a new route and try again."),
                        None => "The route failed. Find a new route and try again.".to_string(),
                    };
                    view! { <ErrorView error=LndError::Input(message)/> }.into_any()
                }
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

/// What a rebalance changed: the two channels' local balances before and after.
#[derive(Clone)]
struct Moved {
    before: (i64, i64),
    after: (i64, i64),
    fee: i64,
}

fn local_of(channels: &[pb::Channel], id: u64) -> i64 {
    channels.iter().find(|c| c.chan_id == id).map_or(0, |c| c.local_balance)
}

#[component]
fn RebalanceCard() -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let refresh = RwSignal::new(0u32);
    let channels = LocalResource::new(move || {
        refresh.track();
        let lnd = session.lnd.get();
        async move { lnd.ok_or(LndError::Disconnected)?.list_channels().await }
    });
    // None until chosen: a channel id of 0 is still a channel lnd may list.
    let out_id: RwSignal<Option<u64>> = RwSignal::new(None);
    let in_id: RwSignal<Option<u64>> = RwSignal::new(None);
    let amount_text = RwSignal::new(String::new());
    let fee_text = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);

    let rebalance = Action::new_local(move |(out, inn, sats, max_fee): &(pb::Channel, pb::Channel, i64, i64)| {
        let (out, inn, sats, max_fee) = (out.clone(), inn.clone(), *sats, *max_fee);
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            // The balances as the node has them now: the list the channels were picked from
            // may be older than a payment made since.
            let then = lnd.list_channels().await?;
            let before = (local_of(&then, out.chan_id), local_of(&then, inn.chan_id));
            // Without its last hop the payment could come back through any channel, at a fee,
            // and leave the chosen one as it was.
            let last_hop = hex::decode(&inn.remote_pubkey).ok().filter(|k| k.len() == 33).ok_or_else(|| {
                LndError::Input("lnd gave no readable public key for the peer of the channel to move liquidity into, so the payment could not be made to come back through it. Nothing was sent; pick another channel.".into())
            })?;
            let invoice = lnd.add_invoice(pb::Invoice { value: sats, memo: "Lightdeck rebalance".into(), expiry: 600, ..Default::default() }).await?;
            let req = lnrpc::routerrpc::SendPaymentRequest {
                payment_request: invoice.payment_request,
                fee_limit_sat: max_fee,
                timeout_seconds: 60,
                allow_self_payment: true,
                outgoing_chan_ids: vec![out.chan_id],
                last_hop_pubkey: last_hop,
                ..Default::default()
            };
            let mut updates = lnd.send_payment(req);
            let mut last = None;
            while let Some(u) = updates.next().await {
                last = Some(u?);
            }
            let p = last.ok_or(LndError::Disconnected)?;
            if p.status != pb::payment::PaymentStatus::Succeeded as i32 {
                let why = match pb::PaymentFailureReason::try_from(p.failure_reason) {
                    Ok(pb::PaymentFailureReason::FailureReasonNoRoute) => {
                        "No circular route within the maximum fee: raise the fee, lower the amount, or pick other channels."
                    }
                    Ok(pb::PaymentFailureReason::FailureReasonInsufficientBalance) => "The outgoing channel does not hold enough for this amount and its fees.",
                    _ => "lnd could not complete the rebalance.",
                };
                return Err(LndError::Input(why.into()));
            }
            let now = lnd.list_channels().await?;
            refresh.update(|n| *n += 1);
            Ok(Moved { before, after: (local_of(&now, out.chan_id), local_of(&now, inn.chan_id)), fee: p.fee_msat })
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let list = channels.get_untracked().and_then(Result::ok).unwrap_or_default();
        let u = unit.get_untracked();
        let checked = (|| {
            let out = list.iter().find(|c| Some(c.chan_id) == out_id.get_untracked()).cloned().ok_or("Choose the channel to move liquidity out of")?;
            let inn = list.iter().find(|c| Some(c.chan_id) == in_id.get_untracked()).cloned().ok_or("Choose the channel to move liquidity into")?;
            if out.chan_id == inn.chan_id || out.remote_pubkey == inn.remote_pubkey {
                return Err("Pick two channels with different peers".to_string());
            }
            let sats = parse(&amount_text.get_untracked(), u).map_err(|e| format!("Amount: {e}"))?;
            if sats > out.local_balance {
                return Err(format!("The outgoing channel holds only {} on your side", amount(out.local_balance, u)));
            }
            let max_fee = if fee_text.get_untracked().trim().is_empty() {
                (sats / 1000).max(10)
            } else {
                parse(&fee_text.get_untracked(), u).map_err(|e| format!("Maximum fee: {e}"))?
            };
            Ok((out, inn, sats, max_fee))
        })();
        match checked {
            Ok(args) => {
                problem.set(None);
                rebalance.dispatch_local(args);
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    let options = move |selected: RwSignal<Option<u64>>| {
        channels
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(move |c| {
                // The peer as the Channels page names it; the channel id only tells apart two
                // channels with one peer, so it comes last, where a phone's width may cut it.
                let peer = if c.peer_alias.is_empty() { middle_ellipsis(&c.remote_pubkey, 6) } else { crate::format::shown_text(&c.peer_alias) };
                let label = format!("{peer} · {} on your side · {}", amount(c.local_balance, unit.get_untracked()), short_channel_id(c.chan_id));
                let id = c.chan_id;
                view! { <option value=id.to_string() selected=move || selected.get() == Some(id)>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <section class="card">
            <h2>"Rebalance between two channels"</h2>
            <p class="muted small">"A payment to yourself: out through one channel, around the network, and back in through another. You pay the routing fees; your total balance stays the same."</p>
            <form class="stack" on:submit=submit autocomplete="off">
                <label>
                    "Out of (has too much on your side)"
                    <select name="rebalance-out" on:change=move |ev| out_id.set(event_target_value(&ev).parse().ok())>
                        <option value="">"Choose a channel…"</option>
                        {move || options(out_id)}
                    </select>
                </label>
                <label>
                    "Into (needs more on your side)"
                    <select name="rebalance-in" on:change=move |ev| in_id.set(event_target_value(&ev).parse().ok())>
                        <option value="">"Choose a channel…"</option>
                        {move || options(in_id)}
                    </select>
                </label>
                <div class="grid">
                    <label>
                        {move || format!("Amount ({})", unit.get().label())}
                        <input type="text" inputmode="decimal" name="rebalance-amount" prop:value=amount_text on:input=move |ev| amount_text.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        {move || format!("Maximum fee ({}, default 0.1%, at least 10 sat)", unit.get().label())}
                        <input type="text" inputmode="decimal" name="rebalance-fee" prop:value=fee_text on:input=move |ev| fee_text.set(event_target_value(&ev))/>
                    </label>
                </div>
                {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
                {move || rebalance.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" class="primary" name="rebalance" disabled=rebalance.pending()>
                    {move || if rebalance.pending().get() { "Rebalancing…" } else { "Rebalance" }}
                </button>
            </form>
            {move || rebalance.value().get().and_then(Result::ok).map(|m| view! {
                <p class="progress" id="rebalance-result">
                    {move || format!("Moved. Out: {} → {}. In: {} → {}. Fee paid: {}.",
                        amount(m.before.0, unit.get()), amount(m.after.0, unit.get()), amount(m.before.1, unit.get()), amount(m.after.1, unit.get()), msat(m.fee, unit.get()))}
                </p>
            })}
        </section>
    }
}
