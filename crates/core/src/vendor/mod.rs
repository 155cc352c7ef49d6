//! What talks to the outside: one transport policy ([`http`]), one retry policy ([`retry`]), and a
//! client per vendor — CXone (the source of users, campaigns, dispositions and agent statuses),
//! RingCentral and Webex (the directories users are mapped to, behind [`directory::Directory`]).

pub mod cxone;
pub mod directory;
pub mod http;
pub mod retry;
pub mod ringcentral;
pub mod webex;
pub mod webex_oauth;
