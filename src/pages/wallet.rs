//! The wallet's life before the node runs: create (new seed, shown once, confirmed),
//! restore (24 words), unlock, then wait for lnd to start. Seeds and passwords stay in this
//! page's memory and are dropped as soon as the node has them.

use leptos::prelude::*;

use crate::components::{ErrorView, SecretField};
use crate::input::wallet::{MIN_PASSWORD, SEED_WORDS, check_password, parse_words};
use crate::lnd::{LndError, Macaroon, WalletState, pb};
use crate::state::Session;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Screen {
    Setup,
    Unlock,
    Starting(WalletState),
    Ready,
}

#[component]
pub fn WalletPage() -> impl IntoView {
    let session = Session::get();
    // A memo, so a repeated state (after a reconnect) does not rebuild a form mid-way.
    let screen = Memo::new(move |_| {
        session.wallet.get().map(|s| match s {
            WalletState::NonExisting => Screen::Setup,
            WalletState::Locked => Screen::Unlock,
            WalletState::ServerActive => Screen::Ready,
            other => Screen::Starting(other),
        })
    });
    move || match screen.get() {
        Some(Screen::Setup) => view! { <SetupWallet/> }.into_any(),
        Some(Screen::Unlock) => view! { <UnlockWallet/> }.into_any(),
        Some(Screen::Starting(state)) => view! { <Starting state=state/> }.into_any(),
        Some(Screen::Ready) => view! { <p class="card">"The node is running."</p> }.into_any(),
        None => view! { <p class="card">"Connecting…"</p> }.into_any(),
    }
}

#[component]
fn Starting(state: WalletState) -> impl IntoView {
    let step = match state {
        WalletState::Unlocked => "Wallet unlocked; lnd is starting its RPC server.",
        _ => "lnd is starting its subsystems and syncing to the chain.",
    };
    view! {
        <section class="card narrow" aria-busy="true">
            <h1>"Starting the node"</h1>
            <div class="spinner" aria-hidden="true"></div>
            <p>{step}</p>
            <p class="muted">"This page moves on by itself."</p>
        </section>
    }
}

/// Sends InitWallet and switches the session to the admin macaroon lnd returns.
async fn init_wallet(session: Session, mnemonic: Vec<String>, aezeed_passphrase: String, password: String, backup: Option<Vec<u8>>) -> Result<(), LndError> {
    let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
    let req = pb::InitWalletRequest {
        wallet_password: password.into_bytes(),
        cipher_seed_mnemonic: mnemonic,
        aezeed_passphrase: aezeed_passphrase.into_bytes(),
        // lnd restores these channels once the wallet is up.
        channel_backups: backup.map(|multi| pb::ChanBackupSnapshot {
            multi_chan_backup: Some(pb::MultiChanBackup { multi_chan_backup: multi, chan_points: vec![] }),
            single_chan_backups: None,
        }),
        ..Default::default()
    };
    let admin = lnd.init_wallet(req).await?;
    session.lnd.set(Some(lnd.with_macaroon(admin)));
    Ok(())
}

#[component]
fn SetupWallet() -> impl IntoView {
    let restore = RwSignal::new(false);
    view! {
        <section class="card narrow">
            <h1>"Set up the wallet"</h1>
            <p class="muted">"This node has no wallet yet."</p>
            <div class="tabs" role="tablist">
                <button type="button" role="tab" aria-selected=move || (!restore.get()).to_string() on:click=move |_| restore.set(false)>"Create new"</button>
                <button type="button" role="tab" aria-selected=move || restore.get().to_string() on:click=move |_| restore.set(true)>"Restore from seed"</button>
            </div>
            {move || if restore.get() { view! { <RestoreWallet/> }.into_any() } else { view! { <CreateWallet/> }.into_any() }}
        </section>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Start,
    Write,
    Confirm,
    Password,
}

/// Three distinct word positions (1-based) for the user to type back.
fn confirm_positions() -> Vec<usize> {
    let mut picks: Vec<usize> = Vec::new();
    while picks.len() < 3 {
        let p = 1 + (js_sys::Math::random() * SEED_WORDS as f64) as usize % SEED_WORDS;
        if !picks.contains(&p) {
            picks.push(p);
        }
    }
    picks.sort_unstable();
    picks
}

#[component]
fn CreateWallet() -> impl IntoView {
    let session = Session::get();
    let step = RwSignal::new(Step::Start);
    let passphrase = RwSignal::new(String::new());
    let over_rest = move || session.lnd.with(|l| l.as_ref().is_some_and(|l| l.endpoint().transport == crate::lnd::Transport::Rest));
    let words: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let written = RwSignal::new(false);
    let positions = RwSignal::new(confirm_positions());
    let answers: RwSignal<Vec<String>> = RwSignal::new(vec![String::new(); 3]);
    let confirm_error: RwSignal<Option<LndError>> = RwSignal::new(None);
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let password_error: RwSignal<Option<LndError>> = RwSignal::new(None);

    let gen_seed = Action::new_local(move |pass: &String| {
        let pass = pass.clone();
        async move {
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let seed = lnd.gen_seed(pass.as_bytes()).await?;
            // lnd's aezeed is always 24 words; anything else cannot be confirmed or restored.
            if seed.cipher_seed_mnemonic.len() != 24 {
                return Err(LndError::Input(format!(
                    "The node sent a seed of {} words instead of lnd's 24, which could not be restored later. Do not use it; check that this node is lnd.",
                    seed.cipher_seed_mnemonic.len()
                )));
            }
            words.set(seed.cipher_seed_mnemonic);
            step.set(Step::Write);
            Ok::<(), LndError>(())
        }
    });
    let create = Action::new_local(move |(pass, pw): &(String, String)| {
        let (pass, pw) = (pass.clone(), pw.clone());
        async move {
            init_wallet(session, words.get_untracked(), pass, pw, None).await?;
            // The node has the seed now; drop this page's copies.
            words.set(Vec::new());
            password.set(String::new());
            repeat.set(String::new());
            Ok::<(), LndError>(())
        }
    });

    let check_confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let seed = words.get_untracked();
        let wrong = positions
            .get_untracked()
            .into_iter()
            .zip(answers.get_untracked())
            .find(|(p, a)| seed.get(p.wrapping_sub(1)).is_none_or(|w| a.trim().to_lowercase() != *w));
        match wrong {
            Some((p, _)) => confirm_error.set(Some(LndError::Input(format!("Word #{p} does not match. Check what you wrote down.")))),
            None => {
                confirm_error.set(None);
                step.set(Step::Password);
            }
        }
    };
    let submit_password = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (pw, again) = (password.get_untracked(), repeat.get_untracked());
        match check_password(&pw, &again) {
            Err(e) => password_error.set(Some(e)),
            Ok(()) => {
                password_error.set(None);
                create.dispatch_local((passphrase.get_untracked(), pw));
            }
        }
    };

    move || match step.get() {
        Step::Start => view! {
            <div class="stack">
                <p>"lnd will generate a 24-word seed. It is the only backup of your on-chain funds."</p>
                <details>
                    <summary>"Advanced: seed passphrase"</summary>
                    <label>
                        "Optional aezeed passphrase (needed again to restore)"
                        <input type="password" autocomplete="off" prop:value=passphrase on:input=move |ev| passphrase.set(event_target_value(&ev))/>
                    </label>
                    <Show when=over_rest>
                        <p class="muted small" id="seed-passphrase-rest">
                            "Over REST, lnd takes this passphrase in the request's address (lnd's REST proxy offers GenSeed "
                            "only as a GET), encrypted by TLS on the way but readable in the logs of any proxy in front of lnd. "
                            "Over gRPC-web it travels in the request's body."
                        </p>
                    </Show>
                </details>
                <button type="button" class="primary" name="generate" disabled=gen_seed.pending()
                    on:click=move |_| { gen_seed.dispatch_local(passphrase.get_untracked()); }>
                    "Generate seed"
                </button>
                {move || gen_seed.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            </div>
        }
        .into_any(),
        Step::Write => view! {
            <div class="stack">
                <p class="warning">
                    "Write these 24 words down, in order, on paper. Anyone who sees them can take your funds; "
                    "without them, nobody can restore this wallet. They are shown only now."
                </p>
                <ol class="seed-words">
                    {move || words.get().into_iter().enumerate().map(|(i, w)| view! {
                        <li data-index=i + 1><span class="seed-index">{i + 1}</span>" "<span class="seed-word">{w}</span></li>
                    }).collect_view()}
                </ol>
                <label class="check">
                    <input type="checkbox" name="written" prop:checked=written on:change=move |ev| written.set(event_target_checked(&ev))/>
                    "I have written down all 24 words, in order"
                </label>
                <button type="button" class="primary" name="continue" disabled=move || !written.get() on:click=move |_| step.set(Step::Confirm)>
                    "Continue"
                </button>
            </div>
        }
        .into_any(),
        Step::Confirm => view! {
            <form class="stack" on:submit=check_confirm autocomplete="off">
                <p>"Type these words from your paper copy to show it is complete."</p>
                {move || positions.get().into_iter().enumerate().map(|(slot, p)| view! {
                    <label>
                        {format!("Word #{p}")}
                        <input type="text" autocapitalize="none" spellcheck="false" autocomplete="off" data-word=p
                            on:input=move |ev| answers.update(|a| if let Some(answer) = a.get_mut(slot) { *answer = event_target_value(&ev) })/>
                    </label>
                }).collect_view()}
                {move || confirm_error.get().map(|e| view! { <ErrorView error=e/> })}
                <div class="row">
                    <button type="button" on:click=move |_| step.set(Step::Write)>"Show the words again"</button>
                    <button type="submit" class="primary" name="confirm">"Confirm"</button>
                </div>
            </form>
        }
        .into_any(),
        Step::Password => view! {
            <form class="stack" on:submit=submit_password>
                <p>"Choose the password that unlocks this wallet each time lnd starts."</p>
                <PasswordFields password=password repeat=repeat/>
                {move || password_error.get().map(|e| view! { <ErrorView error=e/> })}
                {move || create.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" class="primary" name="create" disabled=create.pending()>
                    {move || if create.pending().get() { "Creating…" } else { "Create wallet" }}
                </button>
            </form>
        }
        .into_any(),
    }
}

#[component]
fn PasswordFields(password: RwSignal<String>, repeat: RwSignal<String>) -> impl IntoView {
    view! {
        <label>
            "Wallet password (at least 8 characters)"
            <input type="password" name="password" autocomplete="new-password" minlength=MIN_PASSWORD
                prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
        </label>
        <label>
            "Repeat the password"
            <input type="password" name="password2" autocomplete="new-password"
                prop:value=repeat on:input=move |ev| repeat.set(event_target_value(&ev))/>
        </label>
    }
}

#[component]
fn RestoreWallet() -> impl IntoView {
    let session = Session::get();
    let words = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let input_error: RwSignal<Option<LndError>> = RwSignal::new(None);
    let backup: RwSignal<Option<Result<Vec<u8>, LndError>>> = RwSignal::new(None);
    let restore = Action::new_local(move |(mnemonic, pass, pw): &(Vec<String>, String, String)| {
        let (mnemonic, pass, pw) = (mnemonic.clone(), pass.clone(), pw.clone());
        let file = backup.get_untracked().and_then(Result::ok);
        async move {
            init_wallet(session, mnemonic, pass, pw, file).await?;
            words.set(String::new());
            Ok::<(), LndError>(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = parse_words(&words.get_untracked()).and_then(|w| check_password(&password.get_untracked(), &repeat.get_untracked()).map(|_| w));
        match checked {
            Err(e) => input_error.set(Some(e)),
            Ok(mnemonic) => {
                input_error.set(None);
                restore.dispatch_local((mnemonic, passphrase.get_untracked(), password.get_untracked()));
            }
        }
    };
    view! {
        <form class="stack" on:submit=submit autocomplete="off">
            <label>
                "Your 24 seed words, in order"
                <textarea name="mnemonic" rows="4" spellcheck="false" autocapitalize="none"
                    prop:value=words on:input=move |ev| words.set(event_target_value(&ev))></textarea>
            </label>
            <label>
                "Seed passphrase, if you set one"
                <input type="password" autocomplete="off" prop:value=passphrase on:input=move |ev| passphrase.set(event_target_value(&ev))/>
            </label>
            <PasswordFields password=password repeat=repeat/>
            <label>
                "Channel backup file (optional): lnd asks your old peers to close those channels and return your funds"
                <input type="file" name="restore-backup-file" on:change=crate::components::read_chosen_file(backup)/>
            </label>
            {move || backup.get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            {move || input_error.get().map(|e| view! { <ErrorView error=e/> })}
            {move || restore.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            <button type="submit" class="primary" name="restore" disabled=restore.pending()>"Restore wallet"</button>
        </form>
    }
}

#[component]
fn UnlockWallet() -> impl IntoView {
    let session = Session::get();
    let password = RwSignal::new(String::new());
    let macaroon = RwSignal::new(String::new());
    let needs_macaroon = move || session.lnd.with(|l| l.as_ref().is_some_and(|l| !l.has_macaroon()));
    let unlock = Action::new_local(move |(pw, mac): &(String, String)| {
        let (pw, mac) = (pw.clone(), mac.clone());
        async move {
            let mut lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            // After unlocking, every call needs a macaroon: take it before the password is sent.
            if !lnd.has_macaroon() {
                lnd = lnd.with_macaroon(Macaroon::parse(&mac)?);
            }
            lnd.unlock_wallet(pw.as_bytes()).await?;
            password.set(String::new());
            session.lnd.set(Some(lnd));
            Ok::<(), LndError>(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        unlock.dispatch_local((password.get_untracked(), macaroon.get_untracked()));
    };
    view! {
        <section class="card narrow">
            <h1>"Unlock the wallet"</h1>
            <form class="stack" on:submit=submit>
                <label>
                    "Wallet password"
                    <input type="password" name="password" autocomplete="current-password" required
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                <Show when=needs_macaroon>
                    <label>
                        "Macaroon (hex or base64), needed once the node runs"
                        <textarea name="macaroon" rows="2" spellcheck="false" autocomplete="off"
                            prop:value=macaroon on:input=move |ev| macaroon.set(event_target_value(&ev))></textarea>
                    </label>
                </Show>
                {move || unlock.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" class="primary" name="unlock" disabled=unlock.pending()>
                    {move || if unlock.pending().get() { "Unlocking…" } else { "Unlock" }}
                </button>
            </form>
            <ChangeWalletPassword/>
        </section>
    }
}

/// lnd's ChangePassword: only while the wallet is locked, and it unlocks the wallet. With a
/// new macaroon root key every macaroon baked before stops working, so the admin macaroon
/// lnd returns replaces the one in use (and the saved one).
#[component]
fn ChangeWalletPassword() -> impl IntoView {
    let session = Session::get();
    let vault = crate::state::Vault::get();
    let (current, new, repeat) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let rotate = RwSignal::new(false);
    let change = Action::new_local(move |(cur, new, again, rotate): &(String, String, String, bool)| {
        let (cur, new, again, rotate) = (cur.clone(), new.clone(), again.clone(), *rotate);
        async move {
            check_password(&new, &again)?;
            let lnd = session.lnd.get_untracked().ok_or(LndError::Disconnected)?;
            let mut admin = lnd.change_password(cur.as_bytes(), new.as_bytes(), rotate).await?;
            if rotate {
                // A time-limited copy was in use: its replacement is limited the same way.
                if lnd.access().is_some_and(|a| a.expires.is_some()) {
                    admin = admin.expiring(crate::state::now() + crate::vault::RESTRICTED_DAYS * 86_400)?;
                }
                vault.replace_macaroon(&admin).await?;
                session.lnd.set(Some(lnd.with_macaroon(admin)));
            }
            Ok::<(), LndError>(())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !change.pending().get_untracked() {
            change.dispatch_local((current.get_untracked(), new.get_untracked(), repeat.get_untracked(), rotate.get_untracked()));
            for s in [current, new, repeat] {
                s.set(String::new());
            }
        }
    };
    view! {
        <details class="change-password">
            <summary>"Change the wallet password"</summary>
            <form class="stack" on:submit=submit>
                <SecretField label="Current password" name="current-password" autocomplete="current-password" value=current/>
                <SecretField label="New password" name="new-password" autocomplete="new-password" value=new/>
                <SecretField label="New password again" name="new-password2" autocomplete="new-password" value=repeat/>
                <label class="check">
                    <input type="checkbox" name="rotate-macaroons" prop:checked=rotate on:change=move |ev| rotate.set(event_target_checked(&ev))/>
                    "Also replace every macaroon (a new root key)"
                </label>
                <small class="muted">
                    "Every macaroon made before stops working, on every device and app using this node; Lightdeck "
                    "switches to the new admin macaroon lnd returns. Use it when a macaroon may have leaked."
                </small>
                {move || change.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" name="change-password" disabled=change.pending()>
                    {move || if change.pending().get() { "Changing…" } else { "Change password and unlock" }}
                </button>
            </form>
        </details>
    }
}
