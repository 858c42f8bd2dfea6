//! One module per route.

mod channels;
mod connect;
mod node;
mod onchain;
mod peers;
mod wallet;

pub use channels::ChannelsPage;
pub use connect::ConnectPage;
pub use node::NodePage;
pub use onchain::OnchainPage;
pub use peers::PeersPage;
pub use wallet::WalletPage;
