use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// Hands `text` to the phone's share sheet (another wallet, a chat), where the browser has
/// the Web Share API; elsewhere it shows nothing, and the Copy beside it does the job.
#[component]
pub fn ShareButton(#[prop(into)] text: Signal<String>, title: &'static str) -> impl IntoView {
    let navigator = web_sys::window().map(|w| w.navigator());
    let can_share = navigator.as_ref().is_some_and(|n| js_sys::Reflect::has(n, &JsValue::from_str("share")).unwrap_or(false));
    can_share.then(move || {
        let share = move |_| {
            let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return };
            let data = web_sys::ShareData::new();
            data.set_title(title);
            data.set_text(&text.get_untracked());
            // The user closing the sheet rejects the promise; there is nothing to say then.
            let promise = navigator.share_with_data(&data);
            wasm_bindgen_futures::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            });
        };
        view! { <button type="button" class="copy" name="share" on:click=share>"Share"</button> }
    })
}
