use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Saves `text` as a file. The content goes through a Blob's object URL, so a secret (a
/// preimage, a backup) never appears in a URL or the page's markup.
#[component]
pub fn DownloadButton(
    #[prop(into)] text: String,
    #[prop(into)] filename: String,
    label: &'static str,
    #[prop(default = "download")] name: &'static str,
) -> impl IntoView {
    let text = StoredValue::new(text);
    let filename = StoredValue::new(filename);
    let save = move |_| {
        let _ = download(&text.get_value(), &filename.get_value());
    };
    view! { <button type="button" class="copy" name=name on:click=save>{label}</button> }
}

fn download(text: &str, filename: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(filename);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}
