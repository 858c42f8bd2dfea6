#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
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
