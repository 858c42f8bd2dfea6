//! Small views shared by pages.

mod copy;
mod download;
mod error_view;
mod forget_everything;
mod list_card;
mod needs;
mod peer_name;
mod qr;
mod scanner;
mod secret_field;
mod share;
mod theme_choice;
mod unit_toggle;
mod virtual_list;

pub use copy::CopyButton;
pub use download::{DownloadButton, download, read_bytes, read_chosen_file};
pub use error_view::ErrorView;
pub use forget_everything::ForgetEverything;
pub use list_card::{ListCard, Rows};
pub use needs::{Lacks, Needs, allowed};
pub use peer_name::PeerName;
pub use qr::Qr;
pub use scanner::{Scanner, read_picture};
pub use secret_field::SecretField;
pub use share::ShareButton;
pub use theme_choice::ThemeChoice;
pub use unit_toggle::UnitToggle;
pub use virtual_list::VirtualList;
