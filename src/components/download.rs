use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Saves `data` as a file. The content goes through a Blob's object URL, so a secret (a
/// preimage, a backup) never appears in a URL or the page's markup.
#[component]
pub fn DownloadButton(
    #[prop(into)] data: Vec<u8>,
    #[prop(into)] filename: String,
    label: &'static str,
    #[prop(default = "download")] name: &'static str,
) -> impl IntoView {
    let data = StoredValue::new(data);
    let filename = StoredValue::new(filename);
    let save = move |_| {
        let _ = download(&data.get_value(), &filename.get_value());
    };
    view! { <button type="button" class="copy" name=name on:click=save>{label}</button> }
}

/// Offers `data` to the browser as a download named `filename`.
pub fn download(data: &[u8], filename: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let bytes = js_sys::Uint8Array::from(data);
    let parts = js_sys::Array::of1(&bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(filename);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

/// A file input's change handler: the chosen file's bytes (or why not) go to `into`.
pub fn read_chosen_file(into: RwSignal<Option<Result<Vec<u8>, crate::lnd::LndError>>>) -> impl Fn(leptos::ev::Event) + 'static {
    move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().expect("input").unchecked_into();
        match input.files().and_then(|f| f.get(0)) {
            Some(file) => leptos::task::spawn_local(async move { into.set(Some(read_bytes(file).await)) }),
            None => into.set(None),
        }
    }
}

/// The bytes of a file the user chose.
pub async fn read_bytes(file: web_sys::File) -> Result<Vec<u8>, crate::lnd::LndError> {
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| crate::lnd::LndError::Input("Could not read that file; choose it again".into()))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}
