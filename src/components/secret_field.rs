use leptos::prelude::*;

/// A labelled password input bound to `value` (passphrases and wallet passwords; the
/// browser's password manager reads `autocomplete`: "new-password" or "current-password").
#[component]
pub fn SecretField(label: &'static str, name: &'static str, autocomplete: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label>
            {label}
            <input name=name type="password" autocomplete=autocomplete prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
        </label>
    }
}
