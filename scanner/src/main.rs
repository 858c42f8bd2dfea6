//! The scanner's web worker: each message is a frame `{width, height, data}` (a canvas's
//! ImageData); each answer is the text of the QR code in it, or null.

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::Closure;

    let Ok(scope) = js_sys::global().dyn_into::<web_sys::DedicatedWorkerGlobalScope>() else { return };
    let replies = scope.clone();
    let on_frame = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        let frame = ev.data();
        let number = |key: &str| js_sys::Reflect::get(&frame, &key.into()).ok().and_then(|v| v.as_f64()).map_or(0, |v| v as usize);
        let data = js_sys::Reflect::get(&frame, &"data".into()).ok().and_then(|d| d.dyn_into::<js_sys::Uint8ClampedArray>().ok());
        let text = data.and_then(|d| lightdeck_scanner::read_rgba(number("width"), number("height"), &d.to_vec()));
        let answer = text.map_or(wasm_bindgen::JsValue::NULL, |t| t.into());
        let _ = replies.post_message(&answer);
    });
    scope.set_onmessage(Some(on_frame.as_ref().unchecked_ref()));
    // The worker lives as long as the page keeps it; so does its handler.
    on_frame.forget();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the scanner runs as a web worker in the browser build only");
}
