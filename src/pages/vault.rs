//! Saved nodes (`/vault`): rename or forget them, how soon the app locks itself, the
//! passphrase, and forgetting everything.

use leptos::prelude::*;

use crate::components::{ErrorView, ForgetEverything, SecretField};
use crate::lnd::LndError;
use crate::state::{Session, Vault};
use crate::vault::{MAX_NAME, SavedNode};

/// The idle times offered, in minutes.
const LOCK_CHOICES: [u32; 6] = [1, 5, 15, 30, 60, 240];

fn vault_error(e: crate::vault::VaultError) -> LndError {
    LndError::Input(e.to_string())
}

#[component]
pub fn VaultPage() -> impl IntoView {
    let session = Session::get();
    let vault = Vault::get();
    let nodes = move || vault.contents.with(|c| c.nodes.clone());
    let lock_minutes = move || vault.lock_after.get() / 60;
    view! {
        <section class="card">
            <h1>"Saved nodes"</h1>
            <p class="muted small">
                "Kept on this device only, encrypted with your passphrase (AES-256-GCM, key from PBKDF2-SHA256 with "
                "600,000 rounds). Each node's identity key is checked on every connection."
            </p>
            <ul class="rows">
                <For each=nodes key=|n| (n.id.clone(), n.name.clone(), n.pubkey.clone()) let:node>
                    <SavedRow node/>
                </For>
            </ul>
            <Show when=move || vault.contents.with(|c| c.nodes.is_empty())>
                <p class="muted">"No node is saved. Tick “Remember this node” when you connect."</p>
            </Show>
        </section>
        <section class="card">
            <h2>"App lock"</h2>
            <label>
                "Lock after"
                <select name="lock-after" on:change=move |ev| {
                    if let Ok(m) = event_target_value(&ev).parse::<u32>() { vault.set_lock_after(m * 60) }
                }>
                    {LOCK_CHOICES.into_iter().map(|m| view! {
                        <option value=m.to_string() selected=move || lock_minutes() == m>
                            {if m < 60 { format!("{m} minutes idle") } else { format!("{} hours idle", m / 60) }}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <p class="muted small">"Locking forgets the macaroons and the connection; the passphrase opens them again."</p>
            <button type="button" name="lock-now" on:click=move |_| vault.lock(session)>"Lock now"</button>
        </section>
        <Show when=crate::vault::passkeys_possible>
            <Passkey/>
        </Show>
        <ChangePassphrase/>
        <section class="card">
            <h2>"Forget everything"</h2>
            <p class="muted small">"Removes the vault and every saved node from this device. Your nodes are not affected."</p>
            <ForgetEverything/>
        </section>
    }
}

#[component]
fn SavedRow(node: SavedNode) -> impl IntoView {
    let session = Session::get();
    let vault = Vault::get();
    let name = RwSignal::new(node.name.clone());
    let id = StoredValue::new(node.id.clone());
    let rename = Action::new_local(move |n: &String| {
        let n = n.clone();
        async move { vault.rename(&id.get_value(), &n).await.map_err(vault_error) }
    });
    let confirming = RwSignal::new(false);
    let forget = Action::new_local(move |_: &()| async move { vault.forget(session, &id.get_value()).await.map_err(vault_error) });
    let identity = node.pubkey.clone().unwrap_or_else(|| "not known yet (learnt at the next connection that may read it)".into());
    view! {
        <li class="stack saved-node" data-node-id=node.id.clone()>
            <div class="row">
                <input class="grow" name="saved-name" type="text" maxlength=MAX_NAME aria-label="Name"
                    prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <button type="button" name="rename" on:click=move |_| { rename.dispatch_local(name.get_untracked()); }>"Rename"</button>
            </div>
            <small class="muted">{node.url.clone()} " · " {node.transport().label()}</small>
            <small class="muted mono small">"Identity: " {identity}</small>
            {move || rename.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            {move || forget.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
            <div class="row">
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type="button" name="forget" on:click=move |_| confirming.set(true)>"Forget"</button>
                }>
                    <button type="button" class="danger" name="forget-yes" on:click=move |_| { forget.dispatch_local(()); }>
                        "Forget this node"
                    </button>
                    <button type="button" on:click=move |_| confirming.set(false)>"Keep it"</button>
                </Show>
            </div>
        </li>
    }
}

/// A passkey (WebAuthn with the PRF extension) that opens the vault instead of typing the
/// passphrase; the passphrase always keeps working.
#[component]
fn Passkey() -> impl IntoView {
    let vault = Vault::get();
    let passphrase = RwSignal::new(String::new());
    let add = Action::new_local(move |p: &String| {
        let p = p.clone();
        async move { vault.add_passkey(&p).await.map_err(vault_error) }
    });
    let remove = move |_| {
        if let Err(e) = vault.remove_passkey() {
            add.value().set(Some(Err(vault_error(e))));
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !add.pending().get_untracked() {
            add.dispatch_local(passphrase.get_untracked());
            passphrase.set(String::new());
        }
    };
    view! {
        <section class="card" id="passkey">
            <h2>"Passkey"</h2>
            <Show when=move || vault.has_passkey.get() fallback=move || view! {
                <p class="muted small">
                    "Unlock with this device's fingerprint, face or security key instead of typing the passphrase. The "
                    "passkey's secret (WebAuthn's PRF) wraps the vault's key; the passphrase keeps working."
                </p>
                <form class="stack" on:submit=submit autocomplete="off">
                    <SecretField label="Passphrase, to confirm" name="passkey-passphrase" autocomplete="current-password" value=passphrase/>
                    <button type="submit" name="add-passkey" disabled=add.pending()>
                        {move || if add.pending().get() { "Waiting for the passkey…" } else { "Add a passkey" }}
                    </button>
                </form>
            }>
                <p class="ok" role="status">"A passkey can unlock this vault."</p>
                <p class="muted small">"Changing the passphrase removes it (the vault gets a new key); add it again after."</p>
                <button type="button" name="remove-passkey" on:click=remove>"Remove the passkey"</button>
            </Show>
            {move || add.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
        </section>
    }
}

#[component]
fn ChangePassphrase() -> impl IntoView {
    let vault = Vault::get();
    let (old, new, repeated) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let change = Action::new_local(move |(o, n, r): &(String, String, String)| {
        let (o, n, r) = (o.clone(), n.clone(), r.clone());
        async move { vault.change_passphrase(&o, &n, &r).await.map_err(vault_error) }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !change.pending().get_untracked() {
            change.dispatch_local((old.get_untracked(), new.get_untracked(), repeated.get_untracked()));
            for s in [old, new, repeated] {
                s.set(String::new());
            }
        }
    };
    view! {
        <section class="card">
            <h2>"Passphrase"</h2>
            <form class="stack" on:submit=submit autocomplete="off">
                <SecretField label="Current passphrase" name="old-passphrase" autocomplete="current-password" value=old/>
                <SecretField label="New passphrase" name="new-passphrase" autocomplete="new-password" value=new/>
                <SecretField label="New passphrase again" name="new-passphrase-repeat" autocomplete="new-password" value=repeated/>
                {move || change.value().get().map(|r| match r {
                    Ok(()) => view! { <p class="ok" role="status">"Passphrase changed."</p> }.into_any(),
                    Err(e) => view! { <ErrorView error=e/> }.into_any(),
                })}
                <button type="submit" name="change-passphrase" disabled=change.pending()>"Change passphrase"</button>
            </form>
        </section>
    }
}
