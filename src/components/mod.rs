//! Small views shared by pages.

mod copy;
mod error_view;

pub use copy::CopyButton;
pub use error_view::ErrorView;
