//! Contract tests: the requests third-party clients make (NicePy, NICE's JS SDK, the RingCentral
//! SDKs, UserHub clients, CC Sync's own client), replayed with reqwest against the emulator on an
//! ephemeral port, checked against the documented answers (external-apis.md).

mod common;
mod cxone_items;
mod cxone_lists;
mod cxone_params;
mod paths_and_auth;
mod ringcentral;
mod webex_tokens;
