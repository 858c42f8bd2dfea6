//! Small views shared by pages.

mod copy;
mod download;
mod error_view;
mod forget_everything;
mod list_card;
mod needs;
mod qr;
mod scanner;
mod secret_field;
mod unit_toggle;
mod virtual_list;

pub use copy::CopyButton;
pub use download::{DownloadButton, download, read_bytes, read_chosen_file};
pub use error_view::ErrorView;
pub use forget_everything::ForgetEverything;
pub use list_card::ListCard;
pub use needs::{Lacks, Needs, allowed};
pub use qr::Qr;
pub use scanner::Scanner;
pub use secret_field::SecretField;
pub use unit_toggle::UnitToggle;
pub use virtual_list::VirtualList;
