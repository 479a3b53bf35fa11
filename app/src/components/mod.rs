//! Small building blocks shared by the pages.

mod empty;
mod form;
mod status;
mod table;
mod time;

pub use empty::EmptyState;
pub use form::{Csrf, Field, RoleSelect, role_label};
pub use status::StatusBadge;
pub use table::DataTable;
pub use time::Time;
