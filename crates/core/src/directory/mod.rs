//! External platforms users are mapped to. This issue needs only their "Test connection" calls;
//! the directory listing behind one trait comes with User Mapping.

pub mod ringcentral;
pub mod webex;
