//! One module per route.

mod connect;
mod node;
mod wallet;

pub use connect::ConnectPage;
pub use node::NodePage;
pub use wallet::WalletPage;
