//! The simulated world, free of sockets, files and async runtimes: what each lnd node
//! knows and decides. devnode's runtime, rpc layer and listeners carry it; nothing here
//! may depend on them (the test command checks this crate for wasm32).

pub mod aez;
pub mod announcement;
pub mod backup;
pub mod chain;
pub mod channels;
pub mod graph;
pub mod invoices;
pub mod macaroons;
pub mod message;
pub mod node;
pub mod onchain;
pub mod payments;
pub mod root_keys;
pub mod routing;
pub mod seed;
pub mod switch;
pub mod wallet;
