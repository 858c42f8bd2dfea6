//! One module per route.

mod connect;
mod node;
mod onchain;
mod wallet;

pub use connect::ConnectPage;
pub use node::NodePage;
pub use onchain::OnchainPage;
pub use wallet::WalletPage;
