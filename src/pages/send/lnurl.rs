//! LNURL on the Send page: a pay request (a Lightning Address or an LNURL-pay) becomes an
//! invoice for exactly the amount chosen, which then goes through the page's normal checked
//! payment; a withdraw request becomes an invoice of ours that the service pays.

use std::time::Duration;

use leptos::prelude::*;

use crate::components::ErrorView;
use crate::format::{amount, count, shown_text};
use crate::input::amount::parse;
use crate::input::payment::check_request;
use crate::lnd::{LndError, pb};
use crate::lnurl::{self, PayRequest, SuccessAction, WithdrawRequest, sat_range};
use crate::state::{Prefs, Session, now};

/// An invoice a pay service made for the amount asked, and what the service said with it.
#[derive(Clone, PartialEq)]
pub struct LnurlInvoice {
    pub request: String,
    pub payee: String,
    pub description: String,
    pub success: Option<SuccessAction>,
}

/// Who is being paid: the address the user gave, else the service's own Lightning Address
/// only when it is on the service's own domain (anyone can write "alice@trusted.example"
/// in their metadata), else the domain asked.
fn payee(pay: &PayRequest, address: &Option<String>) -> String {
    let own = pay
        .identifier
        .clone()
        .filter(|id| id.rsplit_once('@').and_then(|(_, domain)| crate::input::payable::authority(domain)).is_some_and(|(host, _)| host == pay.domain));
    address.clone().or(own).unwrap_or_else(|| pay.domain.clone())
}

fn range_words(min_msat: u64, max_msat: u64) -> String {
    let (lo, hi) = sat_range(min_msat, max_msat);
    if lo == hi { format!("exactly {} sat", count(lo)) } else { format!("from {} to {} sat", count(lo), count(hi)) }
}

#[component]
pub fn LnurlPayForm(pay: PayRequest, address: Option<String>, on_invoice: Callback<LnurlInvoice>) -> impl IntoView {
    let unit = Prefs::get().unit;
    let (lo, hi) = sat_range(pay.min_msat, pay.max_msat);
    let amount_text = RwSignal::new(if lo == hi { lo.to_string() } else { String::new() });
    let comment = RwSignal::new(String::new());
    let to = payee(&pay, &address);
    let ask = {
        let (pay, to) = (pay.clone(), to.clone());
        Action::new_local(move |(sats, comment): &(i64, String)| {
            let (pay, to, msat, comment) = (pay.clone(), to.clone(), (*sats as u64).saturating_mul(1000), comment.clone());
            async move {
                let answer = lnurl::fetch::invoice(&pay, msat, &comment).await.map_err(LndError::Input)?;
                // LUD-06: the wallet checks the invoice is for exactly the amount asked.
                let local = check_request(&answer.request, "", now()).map_err(|e| LndError::Input(format!("The service's invoice cannot be paid: {e}")))?;
                lnurl::check_invoice_amount(msat, local.amount_msat).map_err(LndError::Input)?;
                Ok::<LnurlInvoice, LndError>(LnurlInvoice { request: local.request, payee: to, description: pay.description.clone(), success: answer.success })
            }
        })
    };
    Effect::new(move |_| {
        if let Some(Ok(invoice)) = ask.value().get() {
            on_invoice.run(invoice);
        }
    });
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ask.pending().get_untracked() {
            return;
        }
        match parse(&amount_text.get_untracked(), unit.get_untracked()) {
            Ok(sats) => {
                problem.set(None);
                ask.dispatch_local((sats, comment.get_untracked()));
            }
            Err(e) => problem.set(Some(format!("Amount: {e}"))),
        }
    };
    let takes_comment = pay.comment_allowed > 0;
    let most = pay.comment_allowed;
    view! {
        <form class="stack decoded" id="lnurl-pay" on:submit=on_submit autocomplete="off">
            <div class="kv"><span class="k">"To"</span><span class="v" id="lnurl-payee"><bdi>{shown_text(&to)}</bdi></span><span></span></div>
            <div class="kv"><span class="k">"Says"</span><span class="v" id="lnurl-description"><bdi>{shown_text(&pay.description)}</bdi></span><span></span></div>
            <div class="kv"><span class="k">"Takes"</span><span class="v" id="lnurl-range">{range_words(pay.min_msat, pay.max_msat)}</span><span></span></div>
            <label>
                {move || format!("Amount to pay ({})", unit.get().label())}
                <input type="text" inputmode="decimal" name="lnurl-amount" bind:value=amount_text/>
            </label>
            <Show when=move || takes_comment>
                <label>
                    {format!("Comment for the receiver (optional, up to {most} characters)")}
                    <input type="text" name="lnurl-comment" maxlength=most.to_string() bind:value=comment/>
                </label>
            </Show>
            {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            {move || ask.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            <button type="submit" class="primary" name="lnurl-get-invoice" disabled=move || ask.pending().get()>
                {move || if ask.pending().get() { "Asking for an invoice…" } else { "Get invoice" }}
            </button>
            <p class="small muted">{format!("{} will make an invoice; you check it and pay it below.", shown_text(&pay.domain))}</p>
        </form>
        {(hi < lo).then(|| view! { <ErrorView error=LndError::Input("This service takes less than one sat, which a Lightning payment cannot be".into())/> })}
    }
}

/// What a paid LNURL invoice's service asked to show afterwards (LUD-09/10), as text.
#[component]
pub fn SuccessNote(action: SuccessAction, preimage_hex: String) -> impl IntoView {
    let body = match &action {
        SuccessAction::Message(m) => view! { <p id="lnurl-success"><bdi>{shown_text(m)}</bdi></p> }.into_any(),
        SuccessAction::Url { description, url } => view! {
            <p id="lnurl-success"><bdi>{shown_text(description)}</bdi></p>
            <p class="small mono">{url.clone()}</p>
            <a href=url.clone() rel="noopener noreferrer" target="_blank">"Open the link"</a>
        }
        .into_any(),
        SuccessAction::Aes { description, .. } => {
            let description = shown_text(description);
            let preimage = hex::decode(&preimage_hex).unwrap_or_default();
            let opened = LocalResource::new(move || {
                let (aes, preimage) = (action.clone(), preimage.clone());
                async move { lnurl::fetch::open_aes(&aes, &preimage).await }
            });
            view! {
                <p><bdi>{description}</bdi></p>
                <p id="lnurl-success">{move || match opened.get() {
                    None => "Opening the service's message…".to_string(),
                    Some(Some(text)) => shown_text(&text),
                    Some(None) => "The service's encrypted message does not open with this payment's preimage.".to_string(),
                }}</p>
            }
            .into_any()
        }
    };
    view! { <div class="stack success-action" role="status"><p class="small muted">"The receiver says:"</p>{body}</div> }
}

/// Where a withdrawal stands.
#[derive(Clone, PartialEq)]
enum Withdrawal {
    Waiting,
    Received(i64),
    Gone(String),
}

#[component]
pub fn LnurlWithdrawForm(withdraw: WithdrawRequest) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let (lo, hi) = sat_range(withdraw.min_msat.max(1000), withdraw.max_msat);
    let amount_text = RwSignal::new(hi.to_string());
    let state: RwSignal<Option<Withdrawal>> = RwSignal::new(None);
    let domain = withdraw.domain.clone();
    let take = {
        let withdraw = withdraw.clone();
        Action::new_local(move |sats: &i64| {
            let (withdraw, sats) = (withdraw.clone(), *sats);
            async move {
                let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
                // The service's words as the memo, cut to what a payment request can carry.
                let memo = crate::format::cut_to_bytes(&withdraw.default_description, 639);
                let req = pb::Invoice { value_msat: sats.saturating_mul(1000), memo, ..Default::default() };
                let added = lnd.add_invoice(req).await?;
                lnurl::fetch::withdraw(&withdraw, &added.payment_request).await.map_err(LndError::Input)?;
                state.set(Some(Withdrawal::Waiting));
                // LUD-03: the service pays when it will; lnd says when it has.
                let mut outcome = Withdrawal::Gone("The service has not paid yet; the invoice stays on the Receive page and is paid if it does.".into());
                for _ in 0..120 {
                    gloo_timers::future::sleep(Duration::from_secs(1)).await;
                    let Ok(i) = lnd.lookup_invoice(&added.r_hash).await else { continue };
                    match pb::invoice::InvoiceState::try_from(i.state) {
                        Ok(pb::invoice::InvoiceState::Settled) => outcome = Withdrawal::Received(i.amt_paid_sat),
                        Ok(pb::invoice::InvoiceState::Canceled) => outcome = Withdrawal::Gone("The invoice was canceled before the service paid it.".into()),
                        _ => continue,
                    }
                    break;
                }
                state.set(Some(outcome));
                Ok(())
            }
        })
    };
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // One invoice per voucher: a second press would only be refused by the service.
        if take.pending().get_untracked() || state.get_untracked().is_some() {
            return;
        }
        match parse(&amount_text.get_untracked(), unit.get_untracked()) {
            Ok(sats) if (lo..=hi).contains(&(sats as u64)) => {
                problem.set(None);
                take.dispatch_local(sats);
            }
            Ok(_) => problem.set(Some(format!("{} gives {}", shown_text(&domain), range_words(withdraw.min_msat.max(1000), withdraw.max_msat)))),
            Err(e) => problem.set(Some(format!("Amount: {e}"))),
        }
    };
    let fixed = lo == hi;
    view! {
        <form class="stack decoded" id="lnurl-withdraw" on:submit=on_submit autocomplete="off">
            <div class="kv"><span class="k">"From"</span><span class="v"><bdi>{shown_text(&withdraw.domain)}</bdi></span><span></span></div>
            <div class="kv"><span class="k">"Says"</span><span class="v"><bdi>{shown_text(&withdraw.default_description)}</bdi></span><span></span></div>
            <div class="kv"><span class="k">"Gives"</span><span class="v" id="lnurl-range">{range_words(withdraw.min_msat.max(1000), withdraw.max_msat)}</span><span></span></div>
            <Show when=move || !fixed>
                <label>
                    {move || format!("Amount to receive ({})", unit.get().label())}
                    <input type="text" inputmode="decimal" name="lnurl-amount" bind:value=amount_text/>
                </label>
            </Show>
            {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            {move || take.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            <button type="submit" class="primary" name="lnurl-withdraw" disabled=move || take.pending().get() || state.get().is_some()>
                "Receive"
            </button>
            {move || state.get().map(|s| match s {
                Withdrawal::Waiting => view! { <p id="withdraw-status" role="status">"Invoice handed over; waiting for the service to pay it…"</p> }.into_any(),
                Withdrawal::Received(sats) => view! { <p id="withdraw-status" role="status"><strong>{format!("Received {}", amount(sats, unit.get_untracked()))}</strong></p> }.into_any(),
                Withdrawal::Gone(words) => view! { <p id="withdraw-status" role="status">{words}</p> }.into_any(),
            })}
        </form>
    }
}
