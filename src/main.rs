#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(lightdeck::App);
}

/// The app runs in the browser; `cargo xtask demo` builds and serves it.
#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Lightdeck is a browser app: run `cargo xtask demo` to build and serve it.");
    std::process::exit(2);
}
