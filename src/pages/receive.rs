//! Receiving: create an invoice (or a hold invoice whose preimage only this browser knows),
//! show it as text and QR, and watch it get paid; the invoice list is the invoice store
//! (`state::invoices`), kept live by SubscribeInvoices, drawn only where it is in view.

use leptos::prelude::*;

use crate::components::{CopyButton, DownloadButton, ErrorView, Needs, Qr, Rows, ShareButton};
use crate::format::{amount, middle_ellipsis};
use crate::input::amount::parse;
use crate::lnd::{LndError, pb, rpc};
use crate::state::invoices::Row;
use crate::state::{Invoices, Prefs, Session, new_preimage, now, reopening, spawn_scoped};

use pb::invoice::InvoiceState;

/// Expiry choices, in seconds; lnd's default is a day.
const EXPIRIES: &[(i64, &str)] = &[(3_600, "1 hour"), (86_400, "1 day"), (604_800, "1 week")];

fn state_of(i: &pb::Invoice) -> InvoiceState {
    InvoiceState::try_from(i.state).unwrap_or(InvoiceState::Open)
}

fn state_words(i: &pb::Invoice) -> &'static str {
    let expired = i.creation_date.saturating_add(i.expiry) < now();
    match state_of(i) {
        InvoiceState::Settled => "Paid",
        InvoiceState::Canceled => "Canceled",
        InvoiceState::Accepted => "Held: settle or cancel",
        InvoiceState::Open if expired => "Expired",
        InvoiceState::Open => "Waiting for payment",
    }
}

#[component]
pub fn ReceivePage() -> impl IntoView {
    let session = Session::get();
    let invoices = Invoices::new();
    Effect::new(move |_| {
        let Some(lnd) = session.lnd.get() else { return };
        invoices.clear();
        spawn_scoped(invoices.follow(lnd));
    });
    view! {
        <Needs rpc=rpc::ADD_INVOICE.path title="Receive a payment" what="create invoices">
            <CreateCard invoices=invoices/>
        </Needs>
        <KeptHolds invoices=invoices/>
        <LookupCard/>
        <ListCard invoices=invoices/>
    }
}

/// What a keysend's sender wrote, as text (lnd hands the record over as bytes).
fn keysend_message(inv: &pb::Invoice) -> Option<String> {
    inv.htlcs.iter().find_map(|h| h.custom_records.get(&crate::lnd::MESSAGE_RECORD)).map(|m| String::from_utf8_lossy(m).into_owned())
}

/// An invoice's line in the list: its description, or for a keysend the sender's message.
fn label_of(inv: &pb::Invoice) -> String {
    match (inv.is_keysend, keysend_message(inv)) {
        (true, Some(m)) => format!("Keysend: {}", crate::format::shown_text(&m)),
        (true, None) => "Keysend, no message".to_string(),
        _ if inv.memo.is_empty() => "(no description)".to_string(),
        _ => crate::format::shown_text(&inv.memo),
    }
}

/// What was created: the request, its hash, and for a hold invoice the preimage (kept in
/// this page's memory only).
#[derive(Clone)]
struct Created {
    request: String,
    hash: Vec<u8>,
    preimage: Option<[u8; 32]>,
    /// What it asks for (0: any amount) and says, shown beside its QR code.
    sats: i64,
    memo: String,
}

#[component]
fn CreateCard(invoices: Invoices) -> impl IntoView {
    let session = Session::get();
    let vault = crate::state::Vault::get();
    let unit = Prefs::get().unit;
    let amount_text = RwSignal::new(String::new());
    let memo = RwSignal::new(String::new());
    let expiry = RwSignal::new(86_400i64);
    let private = RwSignal::new(false);
    let hold = RwSignal::new(false);
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let created: RwSignal<Option<Created>> = RwSignal::new(None);

    let create = Action::new_local(move |(sats, memo, expiry, private, hold): &(i64, String, i64, bool, bool)| {
        let (sats, memo, expiry, private, hold) = (*sats, memo.clone(), *expiry, *private, *hold);
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let made = if hold {
                let (preimage, hash) = new_preimage()?;
                vault.keep_preimage(&hash, &preimage).await?;
                let req =
                    lnrpc::invoicesrpc::AddHoldInvoiceRequest { memo: memo.clone(), hash: hash.to_vec(), value: sats, expiry, private, ..Default::default() };
                let resp = lnd.add_hold_invoice(req).await?;
                Created { request: resp.payment_request, hash: hash.to_vec(), preimage: Some(preimage), sats, memo }
            } else {
                let req = pb::Invoice { memo: memo.clone(), value: sats, expiry, private, ..Default::default() };
                let resp = lnd.add_invoice(req).await?;
                Created { request: resp.payment_request, hash: resp.r_hash, preimage: None, sats, memo }
            };
            // The form keeps its amount: clearing it would put the "no amount" warning
            // above an invoice that has one.
            created.set(Some(made));
            Ok::<(), LndError>(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = amount_text.get_untracked();
        let sats = if text.trim().is_empty() { Ok(0) } else { parse(&text, unit.get_untracked()) };
        let memo_text = memo.get_untracked();
        match sats {
            Err(e) => problem.set(Some(format!("Amount: {e}"))),
            Ok(_) if memo_text.len() > 639 => problem.set(Some("The description is too long for a payment request (639 bytes at most)".into())),
            Ok(sats) => {
                problem.set(None);
                create.dispatch_local((sats, memo_text, expiry.get_untracked(), private.get_untracked(), hold.get_untracked()));
            }
        }
    };
    view! {
        <section class="card">
            <h2>"Receive a payment"</h2>
            <form class="stack" on:submit=submit autocomplete="off">
                <div class="grid">
                    <label>
                        {move || format!("Amount ({})", unit.get().label())}
                        <input type="text" inputmode="decimal" name="invoice-amount" placeholder="empty: any amount"
                            prop:value=amount_text on:input=move |ev| amount_text.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        "Expires after"
                        <select name="invoice-expiry" on:change=move |ev| expiry.set(event_target_value(&ev).parse().unwrap_or(86_400))>
                            {EXPIRIES.iter().map(|&(secs, label)| view! { <option value=secs.to_string() selected=move || expiry.get() == secs>{label}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
                <Show when=move || amount_text.get().trim().is_empty()>
                    <p class="warning small">"With no amount, the payer chooses how much to pay: any amount, even 1 sat, settles it."</p>
                </Show>
                <label>
                    "Description (shown to the payer)"
                    <input type="text" name="invoice-memo" prop:value=memo on:input=move |ev| memo.set(event_target_value(&ev))/>
                </label>
                <label class="check">
                    <input type="checkbox" name="invoice-private" prop:checked=private on:change=move |ev| private.set(event_target_checked(&ev))/>
                    "Include hints for my private channels"
                </label>
                <label class="check">
                    <input type="checkbox" name="invoice-hold" prop:checked=hold on:change=move |ev| hold.set(event_target_checked(&ev))/>
                    {move || if vault.keeps_preimages() {
                        "Hold invoice: I decide when to accept the payment (the secret is kept in this device's vault)"
                    } else {
                        "Hold invoice: I decide when to accept the payment (the secret stays in this page)"
                    }}
                </label>
                {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
                {move || create.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" class="primary" name="create-invoice" disabled=create.pending()>"Create invoice"</button>
            </form>
            {move || created.get().map(|c| view! { <CreatedInvoice created=c invoices=invoices/> })}
        </section>
    }
}

#[component]
fn CreatedInvoice(created: Created, invoices: Invoices) -> impl IntoView {
    let hash = created.hash.clone();
    let kept = crate::state::Vault::get().kept_preimages().iter().any(|(h, _)| *h == hash);
    let hash_hex = hex::encode(&hash);
    let request = created.request.clone();
    // QR codes are denser in upper case (alphanumeric mode); wallets accept both.
    let uri = format!("lightning:{}", request.to_uppercase());
    let live = {
        let hash = hash.clone();
        Signal::derive(move || invoices.find(&hash))
    };
    let status = move || live.get().map(|i| state_words(&i)).unwrap_or("Waiting for payment");
    let (sats, memo, unit) = (created.sats, created.memo.clone(), Prefs::get().unit);
    let paid = move || live.get().is_some_and(|i| state_of(&i) == InvoiceState::Settled);
    view! {
        <div class="stack created-invoice" id="created-invoice" data-hash=hash_hex.clone()>
            <p class="big invoice-status" id="invoice-status" class:ok=paid>{status}</p>
            <p id="invoice-asks">
                <strong>{move || if sats == 0 { "Any amount".to_string() } else { crate::format::amount(sats, unit.get()) }}</strong>
                {(!memo.is_empty()).then(|| view! { " · " <bdi>{crate::format::shown_text(&memo)}</bdi> })}
            </p>
            <Qr data=Signal::derive(move || uri.clone()) label="QR code of the payment request"/>
            <div class="row">
                <span class="mono small request" id="invoice-request">{request.clone()}</span>
                <CopyButton text=request.clone()/>
                <ShareButton text=request title="Lightning invoice"/>
            </div>
            <p class="muted small">"Payment hash " <span class="mono">{middle_ellipsis(&hash_hex, 12)}</span> " " <CopyButton text=hash_hex.clone()/></p>
            // A preimage the vault keeps has its controls in the hold invoices card instead.
            {created.preimage.filter(|_| !kept).map(|p| view! { <HoldControls invoices=invoices hash=hash preimage=p/> })}
        </div>
    }
}

/// lnd's default `holdexpirydelta`: it cancels a held payment this many blocks before the
/// HTLC times out, so the channel need not be force closed.
const HOLD_EXPIRY_DELTA: i32 = 12;

/// How often a hold invoice whose stream has not started yet is looked up.
const HOLD_POLL: std::time::Duration = std::time::Duration::from_secs(3);

/// A hold invoice's life: waiting, held (settle or cancel, before lnd's deadline), done.
#[component]
fn HoldControls(invoices: Invoices, hash: Vec<u8>, preimage: [u8; 32]) -> impl IntoView {
    let session = Session::get();
    let vault = crate::state::Vault::get();
    let kept = vault.kept_preimages().iter().any(|(h, _)| *h == hash);
    let state: RwSignal<Option<pb::Invoice>> = RwSignal::new(None);
    // lnd's stream starts with the invoice as it stands; until it has spoken (over plain
    // HTTP it may wait for a free connection, see `lnd::subscriptions`) the invoice is looked
    // up now and then instead.
    let streaming = RwSignal::new(false);
    let done = move || state.with_untracked(|s| s.as_ref().is_some_and(|i| matches!(state_of(i), InvoiceState::Settled | InvoiceState::Canceled)));
    let apply = move |inv: pb::Invoice| {
        if matches!(state_of(&inv), InvoiceState::Settled | InvoiceState::Canceled) {
            vault.forget_preimage(&inv.r_hash);
        }
        invoices.merge([inv.clone()]);
        state.set(Some(inv));
    };
    let stream_hash = hash.clone();
    Effect::new(move |_| {
        let Some(lnd) = session.lnd.get() else { return };
        let hash = stream_hash.clone();
        let polled = (lnd.clone(), hash.clone());
        spawn_scoped(async move {
            let (lnd, hash) = polled;
            loop {
                gloo_timers::future::sleep(HOLD_POLL).await;
                if done() {
                    break;
                }
                if streaming.get_untracked() {
                    continue;
                }
                if let Ok(inv) = lnd.lookup_invoice(&hash).await
                    && !streaming.get_untracked()
                {
                    apply(inv);
                }
            }
        });
        // lnd ends the stream once the invoice is settled or canceled; a stream opened
        // again has to speak before the lookups stop.
        let open = move || {
            streaming.set(false);
            (!done()).then(|| lnd.subscribe_single_invoice(&hash))
        };
        // lnd's SubscribeInvoices tells only of additions and settlements, so the list
        // learns that this invoice is held or canceled from this stream.
        spawn_scoped(reopening(open, move |inv: pb::Invoice| {
            streaming.set(true);
            apply(inv);
        }));
    });
    let hash = StoredValue::new(hash);
    let decide = Action::new_local(move |settle: &bool| {
        let settle = *settle;
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            if settle { lnd.settle_invoice(&preimage).await } else { lnd.cancel_invoice(&hash.get_value()).await }
        }
    });
    let held = move || state.get().is_some_and(|i| state_of(&i) == InvoiceState::Accepted);
    let deadline = move || {
        let expiry = state.get().and_then(|i| i.htlcs.iter().map(|h| h.expiry_height).min()).filter(|h| *h > 0)?;
        Some(expiry.saturating_sub(HOLD_EXPIRY_DELTA))
    };
    let filename = format!("preimage-{}.txt", &hex::encode(hash.get_value())[..16]);
    view! {
        <div class="stack hold">
            <p class="small">
                {if kept {
                    "This is a hold invoice. Its secret (preimage) is kept, encrypted, in this device's vault until the invoice \
                     is settled or canceled; download it too if you may settle from elsewhere."
                } else {
                    "This is a hold invoice. Its secret (preimage) exists only in this page: download it if you may settle later, \
                     because without it the payment can only be canceled. Remember this node in the vault to keep it across reloads."
                }}
            </p>
            <DownloadButton name="download-preimage" filename=filename data=hex::encode(preimage).into_bytes() label="Download the preimage"/>
            <Show when=held fallback=move || view! {
                <p class="muted" id="hold-state">{move || state.get().map(|i| state_words(&i)).unwrap_or("Waiting for payment")}</p>
            }>
                <p id="hold-state">
                    "Payment held. Settle to take it, or cancel to return it to the payer."
                    {move || deadline().map(|h| format!(" lnd cancels it by itself at block {h}, {HOLD_EXPIRY_DELTA} blocks before the payment's time-lock runs out (lnd's holdexpirydelta)."))}
                </p>
                <div class="row">
                    <button type="button" class="primary" name="settle-invoice" disabled=decide.pending() on:click=move |_| { decide.dispatch_local(true); }>"Settle"</button>
                    <button type="button" class="danger" name="cancel-invoice" disabled=decide.pending() on:click=move |_| { decide.dispatch_local(false); }>"Cancel"</button>
                </div>
            </Show>
            {move || decide.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
        </div>
    }
}

/// Hold invoices made on this device whose preimage the vault keeps: after a reload they
/// can still be settled.
#[component]
fn KeptHolds(invoices: Invoices) -> impl IntoView {
    let vault = crate::state::Vault::get();
    let created = move || vault.kept_preimages();
    view! {
        <Show when=move || !created().is_empty()>
            <section class="card" id="kept-holds">
                <h2>"Hold invoices"</h2>
                <For each=created key=|(hash, _)| hash.clone() let:held>
                    <div class="stack kept-hold" data-hash=hex::encode(&held.0)>
                        <p class="muted small">"Payment hash " <span class="mono">{middle_ellipsis(&hex::encode(&held.0), 12)}</span></p>
                        <HoldControls invoices=invoices hash=held.0.clone() preimage=held.1/>
                    </div>
                </For>
            </section>
        </Show>
    }
}

#[component]
fn LookupCard() -> impl IntoView {
    let session = Session::get();
    let text = RwSignal::new(String::new());
    let lookup = Action::new_local(move |hash: &Vec<u8>| {
        let hash = hash.clone();
        async move { session.lnd.get_untracked().ok_or(LndError::Disconnected)?.lookup_invoice(&hash).await }
    });
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match hex::decode(text.get_untracked().trim()) {
            Ok(h) if h.len() == 32 => {
                problem.set(None);
                lookup.dispatch_local(h);
            }
            _ => problem.set(Some("A payment hash is 64 hexadecimal characters".into())),
        }
    };
    view! {
        <section class="card">
            <h2>"Look up an invoice"</h2>
            <form class="row" on:submit=submit>
                <input type="text" name="lookup-hash" class="grow" aria-label="Payment hash to look up (hex)" spellcheck="false" placeholder="payment hash (hex)"
                    prop:value=text on:input=move |ev| text.set(event_target_value(&ev))/>
                <button type="submit" name="lookup-invoice" disabled=lookup.pending()>"Look up"</button>
            </form>
            {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            {move || lookup.value().get().map(|r| match r {
                Ok(inv) => view! { <InvoiceDetail invoice=inv/> }.into_any(),
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

/// Everything the creator knows of an invoice, the preimage included once it is settled.
#[component]
fn InvoiceDetail(invoice: pb::Invoice) -> impl IntoView {
    let unit = Prefs::get().unit;
    let preimage = (!invoice.r_preimage.is_empty() && state_of(&invoice) == InvoiceState::Settled).then(|| hex::encode(&invoice.r_preimage));
    let (value, paid) = (invoice.value, invoice.amt_paid_sat);
    view! {
        <div class="kv-list" id="invoice-detail">
            <div class="kv"><span class="k">"State"</span><span class="v">{state_words(&invoice)}</span><span></span></div>
            <div class="kv"><span class="k">"Amount"</span><span class="v">{move || if value == 0 { "any".to_string() } else { amount(value, unit.get()) }}</span><span></span></div>
            <div class="kv"><span class="k">"Paid"</span><span class="v">{move || amount(paid, unit.get())}</span><span></span></div>
            <div class="kv"><span class="k">"Description"</span><span class="v"><bdi>{crate::format::shown_text(&invoice.memo)}</bdi></span><span></span></div>
            <div class="kv"><span class="k">"Hash"</span><span class="v mono small">{hex::encode(&invoice.r_hash)}</span><span></span></div>
            {preimage.map(|p| view! {
                <div class="kv"><span class="k">"Preimage"</span><span class="v mono small" id="invoice-preimage">{p.clone()}</span><CopyButton text=p/></div>
            })}
            <div class="kv"><span class="k">"Request"</span><span class="v mono small">{middle_ellipsis(&invoice.payment_request, 20)}</span><CopyButton text=invoice.payment_request.clone()/></div>
        </div>
    }
}

#[component]
fn ListCard(invoices: Invoices) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let search = RwSignal::new(String::new());
    let older = Action::new_local(move |_: &()| async move { invoices.load_older(session.lnd.get_untracked().ok_or(LndError::Disconnected)?).await });
    let shown = Memo::new_with_compare(
        move |_| {
            let q = search.get().trim().to_lowercase();
            invoices.newest_first(|i| {
                q.is_empty()
                    || i.memo.to_lowercase().contains(&q)
                    || keysend_message(i).is_some_and(|m| m.to_lowercase().contains(&q))
                    || hex::encode(&i.r_hash).contains(&q)
                    || i.payment_request.contains(&q)
            })
        },
        // The same rows, by identity: comparing thousands of invoices field by field on
        // every update would cost more than drawing them.
        |old: Option<&Vec<Row>>, new: Option<&Vec<Row>>| match (old, new) {
            (Some(a), Some(b)) => a.len() != b.len() || a.iter().zip(b).any(|(x, y)| !std::sync::Arc::ptr_eq(x, y)),
            _ => true,
        },
    );
    let count = move || {
        let (n, all) = (shown.with(Vec::len) as u64, invoices.len() as u64);
        let all_words = crate::format::counted(all, "invoice");
        if n == all { all_words } else { format!("{} of {all_words}", crate::format::count(n)) }
    };
    let scrolled = StoredValue::new(0.0);
    let row = move |inv: Row| {
        // An invoice for any amount (a keysend's among them) shows what it was paid.
        let (v, paid) = (inv.value, inv.amt_paid_sat);
        let words = state_words(&inv);
        view! {
            <li data-hash=hex::encode(&inv.r_hash) data-state=words>
                <span class="amount">{move || match (v, paid) {
                    (0, 0) => "any amount".to_string(),
                    (0, paid) => amount(paid, unit.get()),
                    (v, _) => amount(v, unit.get()),
                }}</span>
                <span class="label">{label_of(&inv)}</span>
                <span class=format!("state {}", words.split(':').next().unwrap_or("").to_lowercase().replace(' ', "-"))>{words}</span>
                <span class="muted small">{crate::format::ago(inv.creation_date, now())}</span>
            </li>
        }
    };
    view! {
        <section class="card">
            <div class="row spread">
                <h2>"Invoices"</h2>
                <input type="search" name="invoice-search" class="search" aria-label="Search invoices by description or hash" placeholder="Search description or hash"
                    prop:value=search on:input=move |ev| search.set(event_target_value(&ev))/>
            </div>
            {move || invoices.error.get().map(|e| view! { <ErrorView error=e/> })}
            <Show when=move || !invoices.is_empty() fallback=|| view! { <p class="muted">"No invoices yet."</p> }>
                <p class="muted small" id="invoice-count">{count}</p>
            </Show>
            {move || view! { <Rows items=shown.get() id="invoices" class="rows invoices" scrolled=scrolled row=row/> }}
            <Show when=move || { invoices.oldest.get() > 1 }>
                <button type="button" name="older-invoices" disabled=older.pending() on:click=move |_| { older.dispatch_local(()); }>"Load older invoices"</button>
            </Show>
        </section>
    }
}
