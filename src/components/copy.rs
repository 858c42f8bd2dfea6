use leptos::prelude::*;

/// Copies `text` to the clipboard and says so for a moment.
#[component]
pub fn CopyButton(#[prop(into)] text: String, #[prop(default = "Copy")] label: &'static str) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let copy = move |_| {
        let Some(window) = web_sys::window() else { return };
        let _ = window.navigator().clipboard().write_text(&text);
        set_copied.set(true);
        set_timeout(move || set_copied.set(false), std::time::Duration::from_millis(1500));
    };
    view! {
        <button type="button" class="copy" on:click=copy>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
    }
}
