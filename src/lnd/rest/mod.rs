//! lnd's REST proxy: the route table and stream format are plain Rust (tested natively);
//! the fetch() transport is browser-only.

#[cfg(target_arch = "wasm32")]
mod fetch;
pub mod ndjson;
pub mod routes;

#[cfg(target_arch = "wasm32")]
pub use fetch::Rest;
