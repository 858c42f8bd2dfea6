//! One module per route.

mod backups;
mod channels;
mod connect;
mod fees;
mod invoices;
mod node;
mod onchain;
mod pay;
mod peers;
mod routes;
mod unlock;
mod vault;
mod wallet;

pub use backups::BackupsPage;
pub use channels::ChannelsPage;
pub use connect::ConnectPage;
pub use fees::FeesPage;
pub use invoices::InvoicesPage;
pub use node::NodePage;
pub use onchain::OnchainPage;
pub use pay::PayPage;
pub use peers::PeersPage;
pub use routes::RoutesPage;
pub use unlock::UnlockPage;
pub use vault::VaultPage;
pub use wallet::WalletPage;
