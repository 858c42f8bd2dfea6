//! What the whole app shares: the connection to the node and the node's wallet state,
//! kept current by lnd's SubscribeState stream.

mod aliases;
mod backups;
mod browser;
pub mod invoices;
mod live;
mod prefs;
mod session;
mod vault;

pub use aliases::Aliases;
pub use backups::{Backups, packed};
pub use browser::{new_id, new_preimage, new_tag, now, storage};
pub use invoices::Invoices;
pub use live::{refresh_on, reopening, spawn_scoped};
pub use prefs::{Prefs, Theme};
pub use session::{Link, Session};
pub use vault::{Status as VaultStatus, Vault};
