//! On-chain funds: balance, receive (address and QR), send (checked, fee shown before
//! confirming), transactions and UTXOs, kept current by lnd's transaction stream.

use leptos::prelude::*;

use crate::components::{CopyButton, ErrorView, ListCard, Needs, Qr, ShareButton, UnitToggle};
use crate::format::{amount, middle_ellipsis};
use crate::input::amount::parse;
use crate::lnd::once::{Attempts, send_once};
use crate::lnd::{LndError, pb, rpc};
use crate::state::{Prefs, Session, new_tag, refresh_on};

/// Fee choices, as confirmation targets in blocks; lnd estimates the rate for each.
const TARGETS: &[(i32, &str)] = &[(1, "Fast (next block)"), (6, "Normal (about an hour)"), (144, "Slow (about a day)")];

fn ago_text(ts: i64) -> String {
    crate::format::ago(ts, crate::state::now())
}

#[component]
pub fn OnchainPage() -> impl IntoView {
    let session = Session::get();
    // Every transaction the node reports (new or newly confirmed) reloads the page's data.
    let refresh = refresh_on(|lnd| lnd.subscribe_transactions());
    let load = move || {
        refresh.track();
        session.lnd.get().ok_or(LndError::Disconnected)
    };
    let balance = LocalResource::new(move || {
        let lnd = load();
        async move { lnd?.wallet_balance().await }
    });
    let txs = LocalResource::new(move || {
        let lnd = load();
        async move {
            let mut txs = lnd?.get_transactions().await?;
            txs.sort_by_key(|t| std::cmp::Reverse(t.time_stamp));
            Ok(txs)
        }
    });
    let utxos = LocalResource::new(move || {
        let lnd = load();
        async move { lnd?.list_unspent().await }
    });
    let network = LocalResource::new(move || {
        let lnd = session.lnd.get();
        async move { lnd.ok_or(LndError::Disconnected)?.get_info().await.map(|i| i.chains.first().map(|c| c.network.clone()).unwrap_or_default()) }
    });
    // None until the balance is known: "send everything" must never be reviewed as 0.
    let confirmed = Signal::derive(move || balance.get().and_then(|b| b.ok()).map(|b| b.confirmed_balance));

    view! {
        <BalanceCard balance=balance/>
        <div class="grid two">
            <Needs rpc=rpc::NEW_ADDRESS.path title="Receive" what="make new addresses">
                <ReceiveCard/>
            </Needs>
            <Needs rpc=rpc::SEND_COINS.path title="Send" what="send coins on-chain">
                <SendCard confirmed=confirmed network=network/>
            </Needs>
        </div>
        <TransactionsCard txs=txs/>
        <UtxoCard utxos=utxos/>
    }
}

#[component]
fn BalanceCard(balance: LocalResource<Result<pb::WalletBalanceResponse, LndError>>) -> impl IntoView {
    let unit = Prefs::get().unit;
    view! {
        <section class="card">
            <div class="row spread">
                <h2>"On-chain balance"</h2>
                <UnitToggle/>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || balance.get().map(|b| match b {
                    Ok(b) => view! {
                        <p class="big" id="balance-confirmed">{amount(b.confirmed_balance, unit.get())}</p>
                        <p class="muted" id="balance-unconfirmed">
                            {amount(b.unconfirmed_balance, unit.get())} " unconfirmed"
                            {(b.locked_balance > 0).then(|| format!(", {} locked", amount(b.locked_balance, unit.get())))}
                        </p>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ReceiveCard() -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let kind = RwSignal::new(pb::AddressType::WitnessPubkeyHash);
    let request_amount = RwSignal::new(String::new());
    let generate = Action::new_local(move |kind: &pb::AddressType| {
        let kind = *kind;
        async move { session.lnd.get_untracked().ok_or(LndError::Disconnected)?.new_address(kind).await }
    });
    let address = Signal::derive(move || generate.value().get().and_then(Result::ok));
    // BIP21: `bitcoin:<address>?amount=<BTC>`; an unreadable amount is left out of the QR.
    let uri = Signal::derive(move || {
        let addr = address.get().unwrap_or_default();
        match parse(&request_amount.get(), unit.get()) {
            Ok(sats) => format!("bitcoin:{addr}?amount={}.{:08}", sats / 100_000_000, sats % 100_000_000),
            Err(_) => format!("bitcoin:{addr}"),
        }
    });
    let kinds = [
        (pb::AddressType::WitnessPubkeyHash, "SegWit (bcrt1q…, bc1q…), the default"),
        (pb::AddressType::TaprootPubkey, "Taproot (…1p…)"),
        (pb::AddressType::NestedPubkeyHash, "Nested SegWit (2…/3…), for old wallets"),
    ];
    view! {
        <section class="card stack">
            <h2>"Receive"</h2>
            <label>
                "Address type"
                <select name="address-type" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    kind.set(pb::AddressType::from_str_name(&v).unwrap_or(pb::AddressType::WitnessPubkeyHash));
                }>
                    {kinds.into_iter().map(|(k, label)| view! { <option value=k.as_str_name() selected=move || kind.get() == k>{label}</option> }).collect_view()}
                </select>
            </label>
            <button type="button" class="primary" name="new-address" disabled=generate.pending()
                on:click=move |_| { generate.dispatch_local(kind.get_untracked()); }>
                "New address"
            </button>
            {move || generate.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            {move || address.get().map(|addr| view! {
                <div class="stack receive">
                    <div class="row">
                        <span class="mono address" id="receive-address">{addr.clone()}</span>
                        <CopyButton text=addr/>
                    </div>
                    <label>
                        {move || format!("Amount to request ({}, optional)", unit.get().label())}
                        <input type="text" inputmode="decimal" name="request-amount" prop:value=request_amount
                            on:input=move |ev| request_amount.set(event_target_value(&ev))/>
                    </label>
                    <Qr data=uri label="QR code of the payment address"/>
                    <p class="muted mono small">{uri} " " <ShareButton text=uri title="Bitcoin address"/></p>
                </div>
            })}
        </section>
    }
}

/// A send the user has reviewed: exactly what will be asked of the node.
#[derive(Clone, PartialEq)]
struct Reviewed {
    address: String,
    sats: i64,
    send_all: bool,
    target_conf: i32,
    sat_per_vbyte: u64,
    fee: Option<i64>,
}

/// What makes two sends the same send (the fee estimate shown may differ between reviews).
type SendKey = (String, i64, bool, i32, u64);

impl Reviewed {
    fn key(&self) -> SendKey {
        (self.address.clone(), self.sats, self.send_all, self.target_conf, self.sat_per_vbyte)
    }
}

#[component]
fn SendCard(confirmed: Signal<Option<i64>>, network: LocalResource<Result<String, LndError>>) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    // A bitcoin: link or address pasted on the Send page arrives as `?to=…&amount=…` (sat):
    // the form is filled in, and still reviewed and confirmed as if typed.
    let asked = leptos_router::hooks::use_query_map().get_untracked();
    let address = RwSignal::new(asked.get("to").unwrap_or_default());
    let asked_sats = asked.get("amount").and_then(|a| a.parse::<i64>().ok()).filter(|a| *a > 0);
    let amount_text = RwSignal::new(asked_sats.map(|a| crate::input::amount::typed(a, unit.get_untracked())).unwrap_or_default());
    let send_all = RwSignal::new(false);
    let target = RwSignal::new(6i32);
    let custom_rate = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let reviewed: RwSignal<Option<Reviewed>> = RwSignal::new(None);

    let review = Action::new_local(move |r: &Reviewed| {
        let mut r = r.clone();
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            // EstimateFee prices a target, not a fixed rate; with a custom rate the fee is
            // known only once lnd builds the transaction.
            if r.sat_per_vbyte == 0 && !r.send_all {
                r.fee = Some(lnd.estimate_fee(&r.address, r.sats, r.target_conf).await?.fee_sat);
            }
            reviewed.set(Some(r));
            Ok::<(), LndError>(())
        }
    });
    let attempts = StoredValue::new_local(Attempts::<SendKey>::default());
    let send = Action::new_local(move |r: &Reviewed| {
        let r = r.clone();
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let fresh = new_tag()?;
            let (label, retry) = attempts.try_update_value(|a| a.tag_for(&r.key(), || fresh)).ok_or(LndError::Disconnected)?;
            let req = pb::SendCoinsRequest {
                addr: r.address.clone(),
                amount: if r.send_all { 0 } else { r.sats },
                send_all: r.send_all,
                target_conf: if r.sat_per_vbyte == 0 { r.target_conf } else { 0 },
                sat_per_vbyte: r.sat_per_vbyte,
                label: label.clone(),
                ..Default::default()
            };
            let find = || {
                let (lnd, label) = (lnd.clone(), label.clone());
                async move { lnd.find_labelled_transaction(&label).await }
            };
            let sent = send_once(retry, "payment", find, lnd.send_coins(req)).await;
            attempts.update_value(|a| a.record(&sent));
            let txid = sent?;
            reviewed.set(None);
            address.set(String::new());
            amount_text.set(String::new());
            send_all.set(false);
            Ok::<String, LndError>(txid)
        }
    });

    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let net = network.get().and_then(|n| n.ok()).unwrap_or_else(|| "mainnet".into());
        let addr = address.get_untracked().trim().to_string();
        let result = (|| {
            crate::input::address::check(&addr, &net)?;
            let Some(balance) = confirmed.get_untracked().filter(|b| *b > 0) else {
                return Err("Your confirmed on-chain balance has not loaded yet, or is empty; wait a moment and review again".to_string());
            };
            let (sats, all) = if send_all.get_untracked() {
                (balance, true)
            } else {
                let sats = parse(&amount_text.get_untracked(), unit.get_untracked())?;
                crate::input::address::check_send_amount(sats)?;
                if sats > balance {
                    return Err(format!("That is more than your confirmed balance ({})", amount(balance, unit.get_untracked())));
                }
                (sats, false)
            };
            let rate = match target.get_untracked() {
                0 => custom_rate
                    .get_untracked()
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|r| (1..=10_000).contains(r))
                    .ok_or("Enter a fee rate in sat/vB, from 1 to 10000")?,
                _ => 0,
            };
            Ok::<_, String>(Reviewed { address: addr.clone(), sats, send_all: all, target_conf: target.get_untracked(), sat_per_vbyte: rate, fee: None })
        })();
        match result {
            Ok(r) => {
                problem.set(None);
                review.dispatch_local(r);
            }
            Err(e) => problem.set(Some(e)),
        }
    };

    view! {
        <section class="card">
            <h2>"Send"</h2>
            <Show when=move || reviewed.get().is_none() fallback=move || view! {
                {move || reviewed.get().map(|r| {
                    let u = unit.get();
                    let what = if r.send_all { format!("everything ({} before fees)", amount(r.sats, u)) } else { amount(r.sats, u) };
                    let fee = match (r.fee, r.sat_per_vbyte) {
                        (Some(f), _) => format!("{} (estimated for ~{} blocks)", amount(f, u), r.target_conf),
                        (None, rate) if rate > 0 => format!("{rate} sat/vB"),
                        (None, _) => format!("lnd's estimate for ~{} blocks", r.target_conf),
                    };
                    let total = r.fee.filter(|_| !r.send_all).map(|f| amount(r.sats + f, u));
                    let again = r.clone();
                    view! {
                        <div class="stack review">
                            <p>"Send " <strong>{what}</strong></p>
                            <p class="mono address">{r.address.clone()}</p>
                            <p>"Fee: " <span id="send-fee">{fee}</span></p>
                            {total.map(|t| view! { <p>"Total: " <strong>{t}</strong></p> })}
                            {move || send.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                            <div class="row">
                                <button type="button" on:click=move |_| reviewed.set(None)>"Edit"</button>
                                <button type="button" class="primary" name="confirm-send" disabled=send.pending()
                                    on:click=move |_| {
                                        // A burst of clicks can land before the button is redrawn disabled.
                                        if !send.pending().get_untracked() {
                                            send.dispatch_local(again.clone());
                                        }
                                    }>
                                    {move || if send.pending().get() { "Sending…" } else { "Confirm and send" }}
                                </button>
                            </div>
                        </div>
                    }
                })}
            }>
                <form class="stack" on:submit=check autocomplete="off">
                    <label>
                        "To address"
                        <input type="text" name="send-address" spellcheck="false" autocapitalize="none"
                            prop:value=address on:input=move |ev| address.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        {move || format!("Amount ({})", unit.get().label())}
                        <input type="text" inputmode="decimal" name="send-amount" disabled=send_all
                            prop:value=amount_text on:input=move |ev| amount_text.set(event_target_value(&ev))/>
                    </label>
                    <label class="check">
                        <input type="checkbox" name="send-all" prop:checked=send_all on:change=move |ev| send_all.set(event_target_checked(&ev))/>
                        "Send everything (the fee comes out of it)"
                    </label>
                    <label>
                        "Fee"
                        <select name="fee-target" on:change=move |ev| target.set(event_target_value(&ev).parse().unwrap_or(6))>
                            {TARGETS.iter().map(|&(t, label)| view! { <option value=t selected=move || target.get() == t>{label}</option> }).collect_view()}
                            <option value="0">"Custom rate"</option>
                        </select>
                    </label>
                    <Show when=move || target.get() == 0>
                        <label>
                            "Fee rate (sat/vB)"
                            <input type="text" inputmode="numeric" name="fee-rate" prop:value=custom_rate on:input=move |ev| custom_rate.set(event_target_value(&ev))/>
                        </label>
                    </Show>
                    {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
                    {move || review.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                    <button type="submit" class="primary" name="review-send" disabled=review.pending()>"Review"</button>
                </form>
            </Show>
            {move || send.value().get().and_then(Result::ok).map(|txid| view! {
                <p class="ok" id="sent-txid">"Sent. Transaction " <span class="mono">{middle_ellipsis(&txid, 10)}</span> " " <CopyButton text=txid/></p>
            })}
        </section>
    }
}

#[component]
fn TransactionsCard(txs: LocalResource<Result<Vec<pb::Transaction>, LndError>>) -> impl IntoView {
    let unit = Prefs::get().unit;
    let row = move |t: pb::Transaction| {
        let class = if t.amount < 0 { "amount out" } else { "amount in" };
        let confs = if t.num_confirmations == 0 { "unconfirmed".to_string() } else { format!("{} conf", t.num_confirmations) };
        view! {
            <li data-txid=t.tx_hash.clone()>
                <span class=class>{amount(t.amount, unit.get())}</span>
                <span class="muted">{confs}</span>
                <span class="muted">{ago_text(t.time_stamp)}</span>
                <span class="mono small" title=t.tx_hash.clone()>{middle_ellipsis(&t.tx_hash, 8)}</span>
                <span class="label"><bdi>{crate::format::shown_text(&t.label)}</bdi></span>
            </li>
        }
    };
    view! { <ListCard title="Transactions" empty="No transactions yet." id="transactions" items=txs row=row/> }
}

#[component]
fn UtxoCard(utxos: LocalResource<Result<Vec<pb::Utxo>, LndError>>) -> impl IntoView {
    let unit = Prefs::get().unit;
    let row = move |u: pb::Utxo| {
        let point = u.outpoint.map(|o| format!("{}:{}", o.txid_str, o.output_index)).unwrap_or_default();
        let confs = if u.confirmations == 0 { "unconfirmed".to_string() } else { format!("{} conf", u.confirmations) };
        view! {
            <li>
                <span class="amount">{amount(u.amount_sat, unit.get())}</span>
                <span class="muted">{confs}</span>
                <span class="mono small" title=u.address.clone()>{middle_ellipsis(&u.address, 10)}</span>
                <span class="mono small" title=point.clone()>{middle_ellipsis(&point, 8)}</span>
            </li>
        }
    };
    view! { <ListCard title="Coins (UTXOs)" empty="No coins." id="utxos" items=utxos row=row/> }
}
