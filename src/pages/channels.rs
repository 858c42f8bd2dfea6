//! Channels: open one and watch the funding flow, see each channel's liquidity at a glance,
//! follow channels through opening and closing, and close them cooperatively or by force.
//! lnd's channel event stream (and the wallet's transaction stream, for confirmations)
//! keeps every list current.

use futures::StreamExt;
use leptos::prelude::*;

use crate::components::{CopyButton, ErrorView, ListCard, Needs, PeerName, UnitToggle, allowed};
use crate::format::{amount, channel_point, count, middle_ellipsis, short_channel_id, txid_from_bytes};
use crate::input::amount::parse;
use crate::input::channel::{check_open, fee_rate};
use crate::input::peer::parse_uri;
use crate::lnd::once::{Attempts, send_once};
use crate::lnd::{LndError, pb, rpc};
use crate::state::{Prefs, Session, new_tag, refresh_on};

use pb::pending_channels_response as pending;

/// A channel on its way in or out, as PendingChannels reports it.
#[derive(Clone)]
enum Pending {
    Opening(pending::PendingOpenChannel),
    Closing(pending::WaitingCloseChannel),
    ForceClosing(pending::ForceClosedChannel),
}

fn pending_list(p: pb::PendingChannelsResponse) -> Vec<Pending> {
    let opening = p.pending_open_channels.into_iter().map(Pending::Opening);
    let closing = p.waiting_close_channels.into_iter().map(Pending::Closing);
    let forced = p.pending_force_closing_channels.into_iter().map(Pending::ForceClosing);
    opening.chain(closing).chain(forced).collect()
}

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let session = Session::get();
    let channel_events = refresh_on(|lnd| lnd.subscribe_channel_events());
    // New blocks confirm funding and closing transactions: each shows up as a wallet
    // transaction update.
    let wallet_events = refresh_on(|lnd| lnd.subscribe_transactions());
    let load = move || {
        channel_events.track();
        wallet_events.track();
        session.lnd.get().ok_or(LndError::Disconnected)
    };
    let balance = LocalResource::new(move || {
        let lnd = load();
        async move { lnd?.channel_balance().await }
    });
    let open = LocalResource::new(move || {
        let lnd = load();
        async move {
            let mut list = lnd?.list_channels().await?;
            list.sort_by_key(|c| std::cmp::Reverse(c.capacity));
            Ok(list)
        }
    });
    let pending = LocalResource::new(move || {
        let lnd = load();
        async move { Ok(pending_list(lnd?.pending_channels().await?)) }
    });
    let closed = LocalResource::new(move || {
        let lnd = load();
        async move {
            let mut list = lnd?.closed_channels().await?;
            list.sort_by_key(|c| std::cmp::Reverse(c.close_height));
            Ok(list)
        }
    });
    let wallet = LocalResource::new(move || {
        let lnd = load();
        async move { lnd?.wallet_balance().await }
    });
    view! {
        <BalanceCard balance=balance pending=pending/>
        <ListCard title="Open channels" empty="No open channels yet." id="channels" class="rows channels" items=open
            row=|c: pb::Channel| view! { <ChannelRow channel=c/> }/>
        <ListCard title="Opening and closing" empty="No channel is opening or closing." id="pending-channels" class="rows channels" items=pending
            row=|p: Pending| view! { <PendingRow item=p/> }/>
        <Needs rpc=rpc::OPEN_CHANNEL.path title="Open a channel" what="open channels">
            <OpenCard wallet=wallet/>
        </Needs>
        <ListCard title="Closed channels" empty="No closed channels." id="closed-channels" class="rows channels" items=closed
            row=|c: pb::ChannelCloseSummary| view! { <ClosedRow channel=c/> }/>
    }
}

fn sat(a: &Option<pb::Amount>) -> i64 {
    a.as_ref().map_or(0, |a| a.sat as i64)
}

/// Funds of closing channels on their way back to the wallet: how much, from how many
/// channels, and how long the last of them is locked. After a restore from a channel backup
/// every channel is closing and the Lightning balance reads 0: this says where the money is.
fn returning(pending: &[Pending], unit: crate::input::amount::Unit) -> Option<String> {
    let (mut channels, mut sats, mut blocks, mut unconfirmed) = (0u64, 0i64, 0i32, false);
    for p in pending {
        match p {
            Pending::Opening(_) => continue,
            Pending::Closing(w) => {
                sats += w.limbo_balance;
                unconfirmed = true;
            }
            Pending::ForceClosing(f) => {
                sats += f.limbo_balance;
                blocks = blocks.max(f.blocks_til_maturity);
            }
        }
        channels += 1;
    }
    let when = match (blocks, unconfirmed) {
        (0, _) => "once the closing transactions confirm".to_string(),
        (b, false) => format!("the last of it in {} more blocks", count(b as u64)),
        (b, true) => format!("once the closing transactions confirm, the last of it in at least {} more blocks", count(b as u64)),
    };
    (channels > 0).then(|| {
        format!("{} on the way back to your on-chain wallet from {}, {when}.", amount(sats, unit), crate::format::counted(channels, "closing channel"))
    })
}

#[component]
fn BalanceCard(balance: LocalResource<Result<pb::ChannelBalanceResponse, LndError>>, pending: LocalResource<Result<Vec<Pending>, LndError>>) -> impl IntoView {
    let unit = Prefs::get().unit;
    view! {
        <section class="card">
            <div class="row spread">
                <h2>"Lightning balance"</h2>
                <UnitToggle/>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || balance.get().map(|b| match b {
                    Ok(b) => view! {
                        <p class="big" id="channel-balance">{amount(sat(&b.local_balance), unit.get())}</p>
                        <p class="muted">
                            "Can receive " {amount(sat(&b.remote_balance), unit.get())}
                            {(sat(&b.pending_open_local_balance) > 0).then(|| format!(" · {} in channels still opening", amount(sat(&b.pending_open_local_balance), unit.get())))}
                        </p>
                        {move || pending.get().and_then(Result::ok).and_then(|p| returning(&p, unit.get())).map(|words| view! {
                            <p class="pending-state" id="channel-closing-funds">{words}</p>
                        })}
                    }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// What the open form asks of the node, once checked.
#[derive(Clone, PartialEq)]
struct OpenRequest {
    pubkey: String,
    /// Set when the peer was given as `pubkey@host:port`: connect first.
    host: Option<String>,
    capacity: i64,
    push: i64,
    private: bool,
    sat_per_vbyte: u64,
}

/// Where an open stands, from the OpenChannel stream.
#[derive(Clone, PartialEq)]
enum Opening {
    Connecting,
    Funding,
    Pending { txid: String },
    Open { point: String },
}

const OTHER_PEER: &str = "other";

#[component]
fn OpenCard(wallet: LocalResource<Result<pb::WalletBalanceResponse, LndError>>) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    let peers = LocalResource::new(move || {
        let lnd = session.lnd.get();
        async move { lnd.ok_or(LndError::Disconnected)?.list_peers().await }
    });
    let choice = RwSignal::new(String::new());
    let uri = RwSignal::new(String::new());
    let capacity = RwSignal::new(String::new());
    let push = RwSignal::new(String::new());
    let private = RwSignal::new(false);
    let rate = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let progress: RwSignal<Option<Opening>> = RwSignal::new(None);

    let attempts = StoredValue::new_local(Attempts::<OpenRequest>::default());
    let open = Action::new_local(move |req: &OpenRequest| {
        let req = req.clone();
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let fresh = new_tag()?;
            let (memo, retry) = attempts.try_update_value(|a| a.tag_for(&req, || fresh)).ok_or(LndError::Disconnected)?;
            let find = || {
                let (lnd, memo) = (lnd.clone(), memo.clone());
                // A channel found by its memo is at least pending: its funding txid is known.
                async move { Ok(lnd.find_channel_with_memo(&memo).await?.map(|point| (point.split(':').next().unwrap_or_default().to_string(), None))) }
            };
            // The channel exists once lnd reports it pending; an answer lost before that is
            // looked up by the memo before anything is sent again.
            let funding = async {
                if let Some(host) = &req.host {
                    progress.set(Some(Opening::Connecting));
                    match lnd.connect_peer(&req.pubkey, host).await {
                        Err(LndError::Node { message, .. }) if message.contains("already connected") => {}
                        other => other?,
                    }
                }
                progress.set(Some(Opening::Funding));
                let mut updates = lnd.open_channel(pb::OpenChannelRequest {
                    node_pubkey: hex::decode(&req.pubkey).map_err(|_| LndError::Input("The public key is not hex".into()))?,
                    local_funding_amount: req.capacity,
                    push_sat: req.push,
                    private: req.private,
                    sat_per_vbyte: req.sat_per_vbyte,
                    target_conf: if req.sat_per_vbyte == 0 { 6 } else { 0 },
                    memo: memo.clone(),
                    ..Default::default()
                });
                while let Some(update) = updates.next().await {
                    if let Some(pb::open_status_update::Update::ChanPending(p)) = update?.update {
                        return Ok((txid_from_bytes(&p.txid), Some(updates)));
                    }
                }
                Err(LndError::Disconnected)
            };
            let outcome = send_once(retry, "channel", find, funding).await;
            attempts.update_value(|a| a.record(&outcome));
            let (txid, updates) = outcome?;
            progress.set(Some(Opening::Pending { txid }));
            capacity.set(String::new());
            push.set(String::new());
            // A cut from here on changes nothing: the channel exists and the list shows it.
            if let Some(mut updates) = updates {
                while let Some(Ok(update)) = updates.next().await {
                    if let Some(pb::open_status_update::Update::ChanOpen(o)) = update.update {
                        let point = o.channel_point.map(|cp| channel_point(&cp)).unwrap_or_default();
                        progress.set(Some(Opening::Open { point }));
                        break;
                    }
                }
            }
            Ok(())
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A burst of clicks can land before the button is redrawn disabled.
        if open.pending().get_untracked() {
            return;
        }
        let u = unit.get_untracked();
        let checked = (|| {
            let (pubkey, host) = match choice.get_untracked().as_str() {
                "" => return Err("Choose a peer, or paste a node's pubkey@host:port".to_string()),
                OTHER_PEER => parse_uri(&uri.get_untracked()).map(|(k, h)| (k, Some(h)))?,
                key => (key.to_string(), None),
            };
            let cap = parse(&capacity.get_untracked(), u).map_err(|e| format!("Channel size: {e}"))?;
            let given = if push.get_untracked().trim().is_empty() {
                0
            } else {
                parse(&push.get_untracked(), u).map_err(|e| format!("Amount given to the peer: {e}"))?
            };
            let confirmed = wallet.get_untracked().and_then(|w| w.ok()).map_or(0, |w| w.confirmed_balance);
            check_open(cap, given, confirmed, u)?;
            let sat_per_vbyte = fee_rate(&rate.get_untracked())?;
            Ok(OpenRequest { pubkey, host, capacity: cap, push: given, private: private.get_untracked(), sat_per_vbyte })
        })();
        match checked {
            Ok(req) => {
                problem.set(None);
                progress.set(None);
                open.dispatch_local(req);
            }
            Err(e) => problem.set(Some(e)),
        }
    };

    view! {
        <section class="card">
            <h2>"Open a channel"</h2>
            <form class="stack" on:submit=submit autocomplete="off">
                <label>
                    "Peer"
                    <select name="channel-peer" on:change=move |ev| choice.set(event_target_value(&ev))>
                        <option value="" selected=move || choice.get().is_empty()>"Choose a connected peer…"</option>
                        <Transition fallback=|| ()>
                            {move || peers.get().and_then(Result::ok).map(|list| list.into_iter().map(|p| {
                                let key = p.pub_key.clone();
                                view! { <option value=key.clone()>{format!("{} ({})", middle_ellipsis(&key, 10), p.address)}</option> }
                            }).collect_view())}
                        </Transition>
                        <option value=OTHER_PEER>"Another node: paste pubkey@host:port"</option>
                    </select>
                </label>
                <Show when=move || choice.get() == OTHER_PEER>
                    <label>
                        "Node URI"
                        <input type="text" name="channel-uri" spellcheck="false" autocapitalize="none" placeholder="pubkey@host:port"
                            prop:value=uri on:input=move |ev| uri.set(event_target_value(&ev))/>
                    </label>
                </Show>
                <div class="grid">
                    <label>
                        {move || format!("Channel size ({})", unit.get().label())}
                        <input type="text" inputmode="decimal" name="channel-amount" prop:value=capacity on:input=move |ev| capacity.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        {move || format!("Give to the peer ({}, optional)", unit.get().label())}
                        <input type="text" inputmode="decimal" name="channel-push" prop:value=push on:input=move |ev| push.set(event_target_value(&ev))/>
                    </label>
                    <label>
                        "Fee rate (sat/vB, optional)"
                        <input type="text" inputmode="numeric" name="channel-fee-rate" placeholder="lnd's estimate for 6 blocks"
                            prop:value=rate on:input=move |ev| rate.set(event_target_value(&ev))/>
                    </label>
                </div>
                <label class="check">
                    <input type="checkbox" name="channel-private" prop:checked=private on:change=move |ev| private.set(event_target_checked(&ev))/>
                    "Private channel (not announced to the network)"
                </label>
                <p class="muted small">
                    "Available to fund it: "
                    {move || wallet.get().and_then(Result::ok).map(|w| amount(w.confirmed_balance, unit.get()))}
                    " confirmed on-chain. The amount given to the peer is a gift: it cannot be taken back."
                </p>
                {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
                {move || open.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <OpenProgress progress=progress/>
                <button type="submit" class="primary" name="open-channel" disabled=open.pending()>
                    {move || if open.pending().get() { "Opening…" } else { "Open channel" }}
                </button>
            </form>
        </section>
    }
}

#[component]
fn OpenProgress(progress: RwSignal<Option<Opening>>) -> impl IntoView {
    move || {
        progress.get().map(|p| {
            let (step, detail) = match p {
                Opening::Connecting => ("Connecting to the peer…", None),
                Opening::Funding => ("Asking the peer to accept the channel and building the funding transaction…", None),
                Opening::Pending { txid } => (
                    "Funding transaction published. The channel opens after 3 confirmations (about 30 minutes on mainnet); you can leave this page.",
                    Some(txid),
                ),
                Opening::Open { point } => ("Channel open.", Some(point)),
            };
            view! {
                <div class="progress" id="open-progress" role="status">
                    <p>{step}</p>
                    {detail.map(|d| view! { <p class="mono small">{middle_ellipsis(&d, 16)} " " <CopyButton text=d/></p> })}
                </div>
            }
        })
    }
}

/// Local and remote balance as one bar: how much can be sent and received.
#[component]
fn Liquidity(local: i64, remote: i64) -> impl IntoView {
    let unit = Prefs::get().unit;
    let total = (local + remote).max(1);
    let share = local as f64 * 100.0 / total as f64;
    view! {
        <span class="liquidity" title=format!("{share:.0}% on your side")>
            <span class="liquidity-bar" role="img" aria-label=format!("{share:.0}% of the balance is on your side")>
                <span class="liquidity-local" style:width=format!("{share:.1}%")></span>
            </span>
            <span class="small liquidity-labels">
                <span>"↑ " {move || amount(local, unit.get())}</span>
                <span>"↓ " {move || amount(remote, unit.get())}</span>
            </span>
        </span>
    }
}

#[component]
fn ChannelRow(channel: pb::Channel) -> impl IntoView {
    let unit = Prefs::get().unit;
    let key = channel.remote_pubkey.clone();
    let capacity = channel.capacity;
    let state = if channel.active { "active" } else { "inactive" };
    let point = crate::input::channel::channel_point(&channel.channel_point);
    view! {
        <li data-channel-point=channel.channel_point.clone() data-active=channel.active.to_string()>
            <span class="small">
                <span class=format!("dot {state}") title=state></span>
                <PeerName key=key alias=channel.peer_alias.clone()/>
            </span>
            <span>{move || amount(capacity, unit.get())} <span class="muted small">{if channel.private { " private" } else { "" }}</span></span>
            <Liquidity local=channel.local_balance remote=channel.remote_balance/>
            <span class="muted small"><span class=format!("state-{state}")>{state}</span> " · " {short_channel_id(channel.chan_id)} " · " {count(channel.num_updates)} " updates"</span>
            {allowed(rpc::CLOSE_CHANNEL.path).then(|| match point.clone() {
                Some((txid, index)) => {
                    let csv = channel.local_constraints.as_ref().map_or(144, |c| c.csv_delay);
                    view! { <CloseControls txid=txid index=index local=channel.local_balance csv=csv/> }.into_any()
                }
                None => view! {
                    <p class="small muted">"lnd gave this channel's funding output in a form Lightdeck cannot read, so it cannot be closed from here. Close it with lncli closechannel."</p>
                }.into_any(),
            })}
        </li>
    }
}

/// Where a close stands, from the CloseChannel stream.
#[derive(Clone, PartialEq)]
enum Closing {
    Published { txid: String },
    Closed { txid: String },
}

#[component]
fn CloseControls(txid: String, index: u32, local: i64, csv: u32) -> impl IntoView {
    let session = Session::get();
    let unit = Prefs::get().unit;
    // Which confirmation is showing: none, cooperative, or force.
    let asking: RwSignal<Option<bool>> = RwSignal::new(None);
    let rate = RwSignal::new(String::new());
    let problem: RwSignal<Option<String>> = RwSignal::new(None);
    let progress: RwSignal<Option<Closing>> = RwSignal::new(None);
    let point = StoredValue::new((txid, index));
    let close = Action::new_local(move |(force, sat_per_vbyte): &(bool, u64)| {
        let (force, sat_per_vbyte) = (*force, *sat_per_vbyte);
        let (txid, index) = point.get_value();
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let mut updates = lnd.close_channel(&txid, index, force, sat_per_vbyte);
            while let Some(update) = updates.next().await {
                use pb::close_status_update::Update;
                match update?.update {
                    Some(Update::ClosePending(p)) => progress.set(Some(Closing::Published { txid: txid_from_bytes(&p.txid) })),
                    Some(Update::ChanClose(c)) => {
                        progress.set(Some(Closing::Closed { txid: txid_from_bytes(&c.closing_txid) }));
                        return Ok(());
                    }
                    _ => {}
                }
            }
            Err(LndError::Disconnected)
        }
    });
    let confirm_coop = move |_| match fee_rate(&rate.get_untracked()) {
        Ok(r) => {
            problem.set(None);
            close.dispatch_local((false, r));
        }
        Err(e) => problem.set(Some(e)),
    };
    view! {
        <span class="stack close-controls">
            {move || close.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            {move || problem.get().map(|p| view! { <ErrorView error=LndError::Input(p)/> })}
            {move || progress.get().map(|p| match p {
                Closing::Published { txid } => view! {
                    <p class="progress small" role="status">"Closing transaction published; waiting for it to confirm. " <span class="mono">{middle_ellipsis(&txid, 8)}</span></p>
                }.into_any(),
                Closing::Closed { txid } => view! {
                    <p class="progress small" role="status">"Closed in " <span class="mono">{middle_ellipsis(&txid, 8)}</span></p>
                }.into_any(),
            })}
            <Show when=move || progress.get().is_none()>
                {move || match asking.get() {
                    None => view! {
                        <span class="row">
                            <button type="button" class="copy" name="close-channel" on:click=move |_| asking.set(Some(false))>"Close"</button>
                            <button type="button" class="copy" name="force-close-channel" on:click=move |_| asking.set(Some(true))>"Force close"</button>
                        </span>
                    }.into_any(),
                    Some(false) => view! {
                        <span class="stack">
                            <p class="small">"Close with the peer's agreement; your funds return to your wallet once the closing transaction confirms."</p>
                            <label class="small">
                                "Fee rate (sat/vB, optional)"
                                <input type="text" inputmode="numeric" name="close-fee-rate" placeholder="lnd's estimate for 6 blocks"
                                    prop:value=rate on:input=move |ev| rate.set(event_target_value(&ev))/>
                            </label>
                            <span class="row">
                                <button type="button" class="copy danger" name="confirm-close" disabled=close.pending() on:click=confirm_coop>"Confirm close"</button>
                                <button type="button" class="copy" on:click=move |_| asking.set(None)>"Cancel"</button>
                            </span>
                        </span>
                    }.into_any(),
                    Some(true) => view! {
                        <span class="stack">
                            <p class="small warning">
                                "Force closing publishes your latest channel state without the peer. Your "
                                {amount(local, unit.get_untracked())}
                                {format!(" stay locked for {csv} blocks (about {} days) after it confirms, and the commitment fee is higher. Use it only if the peer is gone or unresponsive.", (csv as f64 / 144.0).ceil() as u32)}
                            </p>
                            <span class="row">
                                <button type="button" class="copy danger" name="confirm-force-close" disabled=close.pending()
                                    on:click=move |_| { close.dispatch_local((true, 0)); }>"Force close"</button>
                                <button type="button" class="copy" on:click=move |_| asking.set(None)>"Cancel"</button>
                            </span>
                        </span>
                    }.into_any(),
                }}
            </Show>
        </span>
    }
}

#[component]
fn PendingRow(item: Pending) -> impl IntoView {
    let unit = Prefs::get().unit;
    let (ch, what, detail) = match item {
        Pending::Opening(p) => {
            let left = p.confirmations_until_active;
            let what = if left == 0 { "Opening".to_string() } else { format!("Opening: {} to go", crate::format::counted(left as u64, "confirmation")) };
            (p.channel, what, None)
        }
        Pending::Closing(w) => (w.channel, "Closing: waiting for the closing transaction to confirm".to_string(), Some(w.closing_txid)),
        Pending::ForceClosing(f) => {
            let what = if f.blocks_til_maturity > 0 {
                format!(
                    "Force closed: {} locked for {} more blocks (until block {})",
                    amount(f.limbo_balance, unit.get_untracked()),
                    count(f.blocks_til_maturity as u64),
                    count(f.maturity_height as u64)
                )
            } else {
                "Force closed: sweeping the funds back to the wallet".to_string()
            };
            (f.channel, what, Some(f.closing_txid))
        }
    };
    let ch = ch.unwrap_or_default();
    let key = ch.remote_node_pub.clone();
    view! {
        <li data-channel-point=ch.channel_point.clone()>
            <PeerName key=key/>
            <span>{move || amount(ch.capacity, unit.get())}</span>
            <Liquidity local=ch.local_balance remote=ch.remote_balance/>
            <span class="small pending-state">{what}</span>
            {detail.map(|txid| view! { <span class="muted mono small" title=txid.clone()>{middle_ellipsis(&txid, 8)}</span> })}
        </li>
    }
}

fn close_type_words(t: i32) -> &'static str {
    use pb::channel_close_summary::ClosureType;
    match ClosureType::try_from(t) {
        Ok(ClosureType::CooperativeClose) => "Closed cooperatively",
        Ok(ClosureType::LocalForceClose) => "Force closed by you",
        Ok(ClosureType::RemoteForceClose) => "Force closed by the peer",
        Ok(ClosureType::BreachClose) => "Peer broadcast an old state; funds claimed by justice",
        Ok(ClosureType::FundingCanceled) => "Funding canceled",
        Ok(ClosureType::Abandoned) => "Abandoned",
        Err(_) => "Closed",
    }
}

#[component]
fn ClosedRow(channel: pb::ChannelCloseSummary) -> impl IntoView {
    let unit = Prefs::get().unit;
    let key = channel.remote_pubkey.clone();
    let (settled, capacity) = (channel.settled_balance, channel.capacity);
    view! {
        <li data-channel-point=channel.channel_point.clone() data-close-type=channel.close_type.to_string()>
            <PeerName key=key/>
            <span>{move || amount(capacity, unit.get())}</span>
            <span class="small">{close_type_words(channel.close_type)}</span>
            <span class="muted small">"Returned " {move || amount(settled, unit.get())} " · block " {count(channel.close_height as u64)}</span>
            <span class="muted mono small" title=channel.closing_tx_hash.clone()>{middle_ellipsis(&channel.closing_tx_hash, 8)}</span>
        </li>
    }
}
