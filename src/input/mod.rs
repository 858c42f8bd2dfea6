//! Rules for what people type, applied before anything is sent to the node.

pub mod address;
pub mod amount;
pub mod channel;
pub mod fees;
pub mod payable;
pub mod payment;
pub mod peer;
pub mod wallet;
