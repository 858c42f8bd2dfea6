use leptos::prelude::*;

use crate::state::{Session, Vault};

/// Wipes the vault and every saved node, after a tick that says so (the unlock screen's
/// way out of a forgotten passphrase, and the Saved page's).
#[component]
pub fn ForgetEverything() -> impl IntoView {
    let session = Session::get();
    let vault = Vault::get();
    let sure = RwSignal::new(false);
    view! {
        <label class="check">
            <input type="checkbox" name="forget-confirm" prop:checked=sure on:change=move |ev| sure.set(event_target_checked(&ev))/>
            "Yes, forget every saved node on this device"
        </label>
        <button type="button" class="danger" name="forget-everything" disabled=move || !sure.get()
            on:click=move |_| vault.forget_everything(session)>
            "Forget everything"
        </button>
    }
}
