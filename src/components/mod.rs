//! Small views shared by pages.

mod copy;
mod error_view;
mod qr;

pub use copy::CopyButton;
pub use error_view::ErrorView;
pub use qr::Qr;
