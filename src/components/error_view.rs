use leptos::prelude::*;

use crate::lnd::LndError;

/// What went wrong and what to do, always rendered as text (node messages are untrusted).
#[component]
pub fn ErrorView(error: LndError) -> impl IntoView {
    let advice = error.advice();
    view! {
        <div class="error" role="alert">
            <strong class="error-title">{error.title()}</strong>
            {(!advice.is_empty()).then(|| view! { <p class="error-advice">{advice}</p> })}
        </div>
    }
}
