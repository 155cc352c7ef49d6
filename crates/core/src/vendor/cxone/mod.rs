//! NICE CXone: the password-grant token request, claims read from the access token, tenant
//! discovery, and the business unit lookup that "Test connection" shows.

pub mod admin;
pub mod auth;
pub mod profiles;
pub mod records;
pub mod session;

pub use auth::{discover, password_grant, test_connection, CxoneCredentials, Discovery, TokenClaims, TokenSet};

/// The Admin (ACD) API path under the discovered `api_endpoint`.
pub const ADMIN_API_PATH: &str = "/inContactAPI/services/v34.0";

/// Default global auth host.
pub const DEFAULT_AUTH_URL: &str = "https://cxone.niceincontact.com";
