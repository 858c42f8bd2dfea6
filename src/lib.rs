//! Lightdeck: run an lnd node from the browser.
//!
//! `lnd` is the node client (no UI); `lnurl` asks LNURL services and reads their answers;
//! `format` turns values into text; `input` checks what people type; the rest is the
//! Leptos app, which exists only in the browser build.

pub mod format;
pub mod input;
pub mod lnd;
pub mod lnurl;
pub mod vault;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(target_arch = "wasm32")]
mod state;

#[cfg(target_arch = "wasm32")]
pub use app::App;
