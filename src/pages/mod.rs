//! One module per route.

mod backups;
mod channels;
mod connect;
mod fees;
pub mod lazy;
mod node;
mod onchain;
mod peers;
mod receive;
mod routes;
mod send;
mod unlock;
mod vault;
mod wallet;

pub use backups::BackupsPage;
pub use channels::ChannelsPage;
pub use connect::ConnectPage;
pub use fees::FeesPage;
pub use node::NodePage;
pub use onchain::OnchainPage;
pub use peers::PeersPage;
pub use receive::ReceivePage;
pub use routes::RoutesPage;
pub use send::SendPage;
pub use unlock::UnlockPage;
pub use vault::VaultPage;
pub use wallet::WalletPage;
