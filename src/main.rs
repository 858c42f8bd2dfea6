/// What a page shows after a panic: the release build aborts on panic, so the app cannot
/// go on; a static screen (no network text, a plain link that reloads without scripts)
/// replaces the dead page.
#[cfg(target_arch = "wasm32")]
const CRASH_SCREEN: &str = r#"<main class="crash" id="crash" role="alert"><h1>Lightdeck hit an error</h1><p>The app stopped. Nothing more was sent to your node because of it. Reload to start again: a payment that was on its way is found again after the reload.</p><p><a class="button primary" href="">Reload</a></p></main>"#;

#[cfg(target_arch = "wasm32")]
fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            body.set_inner_html(CRASH_SCREEN);
        }
    }));
    leptos::mount::mount_to_body(lightdeck::App);
    // For `cargo xtask bench`: when the first screen is in the DOM.
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark("lightdeck-mounted");
    }
}

/// The app runs in the browser; `cargo xtask demo` builds and serves it.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Lightdeck is a browser app: run `cargo xtask demo` to build and serve it.");
    std::process::exit(2);
}
