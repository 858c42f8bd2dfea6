//! Routing fees: what forwarding earned (lnd's fee report), each channel's policy with an
//! editor (UpdateChannelPolicy for one channel or all), HTLCs as they happen (the router's
//! HTLC events: forwards, and what was refused and why), and the forwarding history.

use std::time::Duration;

use leptos::prelude::*;

use crate::components::{ErrorView, Lacks, ListCard, allowed};
use crate::format::htlc::{Activity, HtlcLog, What};
use crate::format::{amount, middle_ellipsis, short_channel_id};
use crate::input::fees::{Policy, check_policy, fee_msat};
use crate::lnd::{LndError, pb, rpc};
use crate::state::{Prefs, Session, refresh_on, reopening, spawn_scoped};

const ALL: &str = "all";
/// The forwarding history is asked again after every forward the HTLC stream reports, and
/// this often besides (for a node whose router is not reachable, e.g. behind a proxy
/// forwarding only lnd's main service).
const FORWARDS_EVERY: Duration = Duration::from_secs(30);
/// How many recent HTLC events the page keeps.
const ACTIVITY_KEPT: usize = 50;

#[component]
pub fn FeesPage() -> impl IntoView {
    let session = Session::get();
    let changed = RwSignal::new(0u32);
    let channel_events = refresh_on(|lnd| lnd.subscribe_channel_events());
    let forwarded = RwSignal::new(0u32);
    let report = LocalResource::new(move || {
        changed.track();
        channel_events.track();
        forwarded.track();
        let lnd = session.lnd.get();
        async move { lnd.ok_or(LndError::Disconnected)?.fee_report().await }
    });
    let ticks = RwSignal::new(0u32);
    if let Ok(handle) = set_interval_with_handle(move || ticks.update(|n| *n += 1), FORWARDS_EVERY) {
        on_cleanup(move || handle.clear());
    }
    let forwards = LocalResource::new(move || {
        ticks.track();
        changed.track();
        forwarded.track();
        let lnd = session.lnd.get();
        async move {
            let mut events = lnd.ok_or(LndError::Disconnected)?.forwarding_history(0, 10_000).await?.forwarding_events;
            events.reverse();
            Ok::<_, LndError>(events)
        }
    });
    view! {
        <EarnedCard report=report/>
        <PolicyCard report=report changed=changed/>
        <ActivityCard forwarded=forwarded/>
        <ListCard title="Forwarded payments" empty="Nothing forwarded yet." id="forwards" class="rows forwards" items=forwards
            row=|f: pb::ForwardingEvent| view! { <ForwardRow event=f/> }/>
    }
}

#[component]
fn EarnedCard(report: LocalResource<Result<pb::FeeReportResponse, LndError>>) -> impl IntoView {
    let unit = Prefs::get().unit;
    view! {
        <section class="card">
            <h2>"Earned from forwarding"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || report.get().map(|r| match r {
                    Ok(r) => view! {
                        <dl class="figures" id="fees-earned">
                            <div><dt>"Last 24 hours"</dt><dd>{move || amount(r.day_fee_sum as i64, unit.get())}</dd></div>
                            <div><dt>"Last 7 days"</dt><dd>{move || amount(r.week_fee_sum as i64, unit.get())}</dd></div>
                            <div><dt>"Last 30 days"</dt><dd>{move || amount(r.month_fee_sum as i64, unit.get())}</dd></div>
                        </dl>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// The policies, and a form to change one channel's or every channel's.
#[component]
fn PolicyCard(report: LocalResource<Result<pb::FeeReportResponse, LndError>>, changed: RwSignal<u32>) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let target = RwSignal::new(ALL.to_string());
    let base = RwSignal::new("1000".to_string());
    let rate = RwSignal::new("1".to_string());
    let delta = RwSignal::new("80".to_string());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let fees = Signal::derive(move || report.get().and_then(Result::ok).map(|r| r.channel_fees).unwrap_or_default());

    // Choosing a channel fills the form with its current policy.
    Effect::new(move |_| {
        let chosen = target.get();
        if let Some(c) = fees.with_untracked(|f| f.iter().find(|c| c.channel_point == chosen).cloned()) {
            base.set(c.base_fee_msat.to_string());
            rate.set(c.fee_per_mil.to_string());
        }
    });

    let update = Action::new_local(move |(scope, p): &(String, Policy)| {
        let (scope, p) = (scope.clone(), *p);
        async move {
            use pb::policy_update_request::Scope;
            let scope = if scope == ALL {
                Scope::Global(true)
            } else {
                let (txid, index) = crate::input::channel::channel_point(&scope).ok_or_else(|| LndError::Input("Choose a channel".into()))?;
                Scope::ChanPoint(pb::ChannelPoint { funding_txid: Some(pb::channel_point::FundingTxid::FundingTxidStr(txid)), output_index: index })
            };
            let req = pb::PolicyUpdateRequest {
                scope: Some(scope),
                base_fee_msat: p.base_fee_msat,
                fee_rate_ppm: p.fee_rate_ppm,
                time_lock_delta: p.time_lock_delta,
                ..Default::default()
            };
            let resp = session.lnd.get_untracked().ok_or(LndError::Disconnected)?.update_channel_policy(req).await?;
            changed.update(|n| *n += 1);
            match resp.failed_updates.first() {
                Some(f) => Err(LndError::Input(format!("lnd could not update the channel: {}", f.update_error))),
                None => Ok(p),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match check_policy(&base.get_untracked(), &rate.get_untracked(), &delta.get_untracked()) {
            Ok(p) => {
                problem.set(None);
                update.dispatch_local((target.get_untracked(), p));
            }
            Err(e) => problem.set(Some(e)),
        }
    };
    let example = move || {
        check_policy(&base.get(), &rate.get(), &delta.get())
            .ok()
            .map(|p| format!("A 100,000 sat payment through it earns {}.", crate::format::msat(fee_msat(&p, 100_000), unit.get())))
    };
    view! {
        <section class="card">
            <h2>"Routing policy"</h2>
            <Transition fallback=|| ()>
                {move || report.get().map(|r| match r {
                    Ok(r) if r.channel_fees.is_empty() => view! { <p class="muted">"No open channels: nothing to set yet."</p> }.into_any(),
                    Ok(r) => view! {
                        <ul class="rows" id="channel-fees">
                            {r.channel_fees.into_iter().map(|c| view! {
                                <li>
                                    <span class="mono">{short_channel_id(c.chan_id)}</span>
                                    <span>{format!("{} msat + {} ppm", c.base_fee_msat, c.fee_per_mil)}</span>
                                    <span class="muted small mono">{middle_ellipsis(&c.channel_point, 10)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                })}
            </Transition>
            <Lacks rpc=rpc::UPDATE_CHANNEL_POLICY.path what="change routing fees"/>
            <form class="stack" on:submit=submit autocomplete="off" hidden=!allowed(rpc::UPDATE_CHANNEL_POLICY.path)>
                <label>
                    "Channel"
                    <select name="policy-channel" on:change=move |ev| target.set(event_target_value(&ev))>
                        <option value=ALL>"All channels"</option>
                        {move || fees.get().into_iter().map(|c| {
                            let point = c.channel_point.clone();
                            view! { <option value=point>{format!("{} ({})", short_channel_id(c.chan_id), middle_ellipsis(&c.channel_point, 8))}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <div class="row">
                    <label>"Base fee (msat)" <input type="text" inputmode="numeric" name="policy-base" prop:value=base on:input=move |ev| base.set(event_target_value(&ev))/></label>
                    <label>"Fee rate (ppm)" <input type="text" inputmode="numeric" name="policy-rate" prop:value=rate on:input=move |ev| rate.set(event_target_value(&ev))/></label>
                    <label>"Time-lock delta (blocks)" <input type="text" inputmode="numeric" name="policy-delta" prop:value=delta on:input=move |ev| delta.set(event_target_value(&ev))/></label>
                </div>
                <p class="small muted">{example}</p>
                <button type="submit" class="primary" name="update-policy" disabled=update.pending()>"Update policy"</button>
            </form>
            {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            {move || update.value().get().map(|r| match r {
                Ok(p) => view! { <p class="progress" id="policy-result">{format!("Updated: {} msat + {} ppm, {} blocks", p.base_fee_msat, p.fee_rate_ppm, p.time_lock_delta)}</p> }.into_any(),
                Err(e) => view! { <ErrorView error=e/> }.into_any(),
            })}
        </section>
    }
}

/// HTLCs as the node reports them, newest first, while the page is open.
#[component]
fn ActivityCard(forwarded: RwSignal<u32>) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let seen: RwSignal<Vec<Activity>> = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        let Some(lnd) = session.lnd.get() else { return };
        let mut log = HtlcLog::default();
        spawn_scoped(reopening(
            move || Some(lnd.subscribe_htlc_events()),
            move |event| {
                let Some(activity) = log.read(&event) else { return };
                if activity.what == What::Forwarded {
                    forwarded.update(|n| *n += 1);
                }
                seen.update(|list| {
                    list.insert(0, activity);
                    list.truncate(ACTIVITY_KEPT);
                });
            },
        ));
    });
    view! {
        <section class="card">
            <h2>"HTLCs as they happen"</h2>
            <Show when=move || !seen.with(Vec::is_empty)
                fallback=|| view! { <p class="muted">"Nothing since this page opened. Forwards, payments and refused HTLCs (with lnd's reason) appear here as they happen."</p> }>
                <ul class="rows activity" id="htlc-activity">
                    <For each=move || seen.get() key=|a| (a.at_ns, a.chan_in, a.chan_out, a.reason.clone()) let:a>
                        <li class=if a.what == What::Refused || a.what == What::FailedOnward { "failed" } else { "" }>
                            <span>{let a = a.clone(); move || a.words(unit.get())}</span>
                            <span class="muted small">{crate::format::ago((a.at_ns / 1_000_000_000) as i64, crate::state::now())}</span>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn ForwardRow(event: pb::ForwardingEvent) -> impl IntoView {
    let unit = Prefs::get().unit;
    let peer = |alias: &str, chan: u64| if alias.is_empty() { short_channel_id(chan) } else { crate::format::shown_text(alias) };
    let path = format!("{} → {}", peer(&event.peer_alias_in, event.chan_id_in), peer(&event.peer_alias_out, event.chan_id_out));
    let when = (event.timestamp_ns / 1_000_000_000) as i64;
    let (out, fee) = (event.amt_out as i64, event.fee_msat as i64);
    view! {
        <li>
            <bdi>{path}</bdi>
            <span>{move || amount(out, unit.get())}</span>
            <span class="small">{move || format!("fee {}", crate::format::msat(fee, unit.get()))}</span>
            <span class="muted small">{crate::format::ago(when, crate::state::now())}</span>
        </li>
    }
}
