//! Unlock: the passphrase that opens the saved nodes, then the node used last. Shown in
//! place of whatever page is open while the vault is locked (and at `/unlock`).

use leptos::prelude::*;

use crate::components::{ErrorView, ForgetEverything};
use crate::lnd::LndError;
use crate::state::{Session, Vault};

#[component]
pub fn UnlockPage() -> impl IntoView {
    let session = Session::get();
    let vault = Vault::get();
    let passphrase = RwSignal::new(String::new());
    // `None` asks the passkey instead of checking a typed passphrase.
    let unlock = Action::new_local(move |typed: &Option<String>| {
        let typed = typed.clone();
        async move {
            vault.connecting.set(true);
            let opened = match typed {
                Some(p) => vault.unlock(&p).await,
                None => vault.unlock_with_passkey().await,
            };
            let opened = opened.map_err(|e| LndError::Input(e.to_string()));
            if opened.is_ok() {
                // A node that cannot be reached is not a failure to unlock: the connect page
                // shows why, with the saved nodes to choose from.
                if let Some(id) = vault.contents.with_untracked(|c| c.last_used().map(|n| n.id.clone())) {
                    let _ = vault.connect(session, &id).await;
                }
            }
            vault.connecting.set(false);
            opened
        }
    });
    let pending = unlock.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !pending.get_untracked() {
            unlock.dispatch_local(Some(passphrase.get_untracked()));
            passphrase.set(String::new());
        }
    };
    view! {
        <section class="card narrow">
            <h1>"Unlock Lightdeck"</h1>
            <p class="muted">"Your saved nodes are encrypted on this device. Type the passphrase to open them."</p>
            <Show when=move || vault.has_passkey.get()>
                <button type="button" class="primary" name="unlock-passkey" disabled=pending
                    on:click=move |_| { unlock.dispatch_local(None); }>
                    "Unlock with your passkey"
                </button>
                <p class="muted small">"Or type the passphrase:"</p>
            </Show>
            <form class="stack" on:submit=submit autocomplete="off">
                <label>
                    "Passphrase"
                    <input name="vault-passphrase" type="password" autocomplete="current-password" autofocus
                        prop:value=passphrase on:input=move |ev| passphrase.set(event_target_value(&ev))/>
                </label>
                {move || unlock.value().get().and_then(Result::err).map(|e| view! { <ErrorView error=e/> })}
                <button type="submit" class="primary" name="unlock" disabled=pending>
                    {move || if pending.get() { "Unlocking…" } else { "Unlock" }}
                </button>
            </form>
            <p>
                <button type="button" class="link-button" name="skip-unlock" on:click=move |_| vault.skipped.set(true)>
                    "Connect to another node without unlocking"
                </button>
            </p>
            <details>
                <summary>"Forgot the passphrase?"</summary>
                <p class="muted small">
                    "Nothing can open the vault without it: not Lightdeck, not your node. You can forget every saved node "
                    "on this device and connect again with the macaroon; your node and its funds are not affected."
                </p>
                <ForgetEverything/>
            </details>
        </section>
    }
}
