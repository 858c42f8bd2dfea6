//! lnd's protocol as Rust types: prost messages with lnd's REST JSON mapping (pbjson),
//! plus tonic clients (feature `client`) and servers (feature `server`), and lnd's REST
//! bindings (`rest_rules`).

#![allow(clippy::all, missing_docs)]

pub mod lnrpc {
    include!(concat!(env!("OUT_DIR"), "/lnrpc.rs"));
    include!(concat!(env!("OUT_DIR"), "/lnrpc.serde.rs"));
}

pub mod verrpc {
    include!(concat!(env!("OUT_DIR"), "/verrpc.rs"));
    include!(concat!(env!("OUT_DIR"), "/verrpc.serde.rs"));
}

pub mod walletrpc {
    include!(concat!(env!("OUT_DIR"), "/walletrpc.rs"));
    include!(concat!(env!("OUT_DIR"), "/walletrpc.serde.rs"));
}

pub mod routerrpc {
    include!(concat!(env!("OUT_DIR"), "/routerrpc.rs"));
    include!(concat!(env!("OUT_DIR"), "/routerrpc.serde.rs"));
}

pub mod invoicesrpc {
    include!(concat!(env!("OUT_DIR"), "/invoicesrpc.rs"));
    include!(concat!(env!("OUT_DIR"), "/invoicesrpc.serde.rs"));
}

pub mod macaroon;
pub mod permissions;
pub mod rest_rules;

/// Every message's descriptor (a FileDescriptorSet), for code that walks messages by their
/// schema (devnode fills in what lnd's JSON mapping emits and pbjson leaves out).
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/lnrpc.fds"));
