use leptos::prelude::*;

use crate::state::{Prefs, Theme};

/// Light, dark, or as the system says (the choice is remembered on this device).
#[component]
pub fn ThemeChoice() -> impl IntoView {
    let theme = Prefs::get().theme;
    view! {
        <label class="theme-choice">
            "Theme "
            <select name="theme" on:change=move |ev| theme.set(Theme::from_word(&event_target_value(&ev)))>
                {Theme::ALL
                    .into_iter()
                    .map(|t| view! { <option value=t.word() selected=move || theme.get() == t>{t.label()}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}
