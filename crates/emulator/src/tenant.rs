//! The emulated tenant: its identity and the credentials it accepts. Deterministic for a seed.

/// The credentials of the built-in demo tenant. They open nothing but the local emulator.
pub mod demo {
    pub const CXONE_CLIENT_ID: &str = "ccsync-demo-client";
    pub const CXONE_CLIENT_SECRET: &str = "demo-client-secret-7Qm2";
    pub const CXONE_ACCESS_KEY_ID: &str = "DEMO4KEY6ID2ACCESS";
    pub const CXONE_ACCESS_KEY_SECRET: &str = "demo+access/key=secret==";
    pub const RINGCENTRAL_CLIENT_ID: &str = "ccsync-demo-rc-client";
    pub const RINGCENTRAL_CLIENT_SECRET: &str = "demo-rc-client-secret";
    pub const RINGCENTRAL_JWT: &str = "eyJkZW1vIjoicmluZ2NlbnRyYWwifQ.demo-jwt-credential";
    pub const WEBEX_ACCESS_TOKEN: &str = "demo-webex-access-token";
    /// The demo Webex client (a Service App, also accepting the Integration sign-in).
    pub const WEBEX_CLIENT_ID: &str = "Cdemo-webex-service-app";
    pub const WEBEX_CLIENT_SECRET: &str = "demo-webex-client-secret";
    /// The refresh token the demo Service App's authorization gave; rotated on every refresh.
    pub const WEBEX_REFRESH_TOKEN: &str = "demo-webex-refresh-token";
    pub const BUSINESS_UNIT_NAME: &str = "Demo Contact Center";

    /// The demo tenant's second business unit ("West"): its own emulator, users, RingCentral and
    /// Webex accounts, and client IDs, so its connections can be told from the first unit's.
    pub mod west {
        pub const SEED: u64 = 2;
        pub const BUSINESS_UNIT_NAME: &str = "Demo Contact Center West";
        /// Its agents' numbers start here: real CXone agent numbers are unique across units, and
        /// the emails (which end in the number) then never equal the first unit's.
        pub const FIRST_AGENT_ID: u64 = 30_150_000;
        /// Added to the security profile ids: each unit has its own profiles.
        pub const PROFILE_ID_OFFSET: u64 = 100;
        pub const CXONE_CLIENT_ID: &str = "ccsync-demo-west-client";
        pub const CXONE_CLIENT_SECRET: &str = "demo-west-client-secret-3Kp8";
        pub const CXONE_ACCESS_KEY_ID: &str = "DEMO4WEST6KEY2ACCESS";
        pub const CXONE_ACCESS_KEY_SECRET: &str = "demo+west/access=key==";
        pub const RINGCENTRAL_CLIENT_ID: &str = "ccsync-demo-west-rc-client";
        pub const RINGCENTRAL_CLIENT_SECRET: &str = "demo-west-rc-client-secret";
        pub const RINGCENTRAL_JWT: &str = "eyJkZW1vIjoid2VzdCJ9.demo-west-jwt-credential";
        pub const WEBEX_ACCESS_TOKEN: &str = "demo-west-webex-access-token";
        pub const WEBEX_CLIENT_ID: &str = "Cdemo-west-webex-service-app";
        pub const WEBEX_CLIENT_SECRET: &str = "demo-west-webex-client-secret";
        pub const WEBEX_REFRESH_TOKEN: &str = "demo-west-webex-refresh-token";
    }
}

/// Which generation of the Admin API's field names and envelopes to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// v34: `{campaigns:[{id,name}]}`, `unavailableCodes:[{id,name,isACW,agentTimeout}]`, `userID`.
    V34,
    /// Older versions: `{resultSet:{campaigns:[{campaignId,campaignName}]}}`,
    /// `[{OutStateId,OutStateName,IsAcw,AgentTimeoutMins}]`, `userId`.
    Legacy,
}

/// Identity and accepted credentials of the emulated tenant.
#[derive(Debug, Clone)]
pub struct TenantConfig {
    /// Seeds every generated value, so the same seed always gives the same tenant.
    pub seed: u64,
    pub business_unit_id: u64,
    pub business_unit_name: String,
    pub tenant_id: String,
    pub cluster: String,
    pub area: String,
    pub cxone_client_id: String,
    pub cxone_client_secret: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    pub ringcentral_client_id: String,
    pub ringcentral_client_secret: String,
    pub ringcentral_jwt: String,
    /// The pasted personal token accepted (it never expires here).
    pub webex_token: String,
    pub webex_client_id: String,
    pub webex_client_secret: String,
    /// The refresh token valid at start (a Service App's authorization); rotated on every refresh.
    pub webex_refresh_token: String,
    /// Lifetime of the Webex access tokens the token endpoint issues (short values exercise refresh).
    pub webex_token_ttl: std::time::Duration,
    /// Lifetime of issued access tokens, seconds (short values exercise refresh).
    pub token_ttl_secs: u64,
    /// RingCentral access tokens stop working after this many calls (None: only their lifetime
    /// ends them): tokens revoked or expired server-side before the client expects.
    pub token_max_calls: Option<usize>,
    /// How many agents (users) the tenant has.
    pub agents: usize,
    /// The first agent's number (the next ones count up from it).
    pub first_agent_id: u64,
    /// Added to every security profile id (a second business unit has profiles of its own).
    pub profile_id_offset: u64,
    pub shape: Shape,
    /// The largest `top` a list honours (larger asks get this many).
    pub max_page_size: usize,
}

impl TenantConfig {
    /// The demo tenant for `seed`.
    pub fn demo(seed: u64) -> TenantConfig {
        let tenant_id =
            uuid::Uuid::from_u64_pair(0x11eb_0c5e_2d9e_4a4c, 0xa2b1_0000_0000_0000 | (seed & 0xffff_ffff_ffff));
        TenantConfig {
            seed,
            business_unit_id: 4_600_000 + (seed % 1000) + 1,
            business_unit_name: demo::BUSINESS_UNIT_NAME.to_owned(),
            tenant_id: tenant_id.to_string(),
            cluster: "B32".to_owned(),
            area: "na1".to_owned(),
            cxone_client_id: demo::CXONE_CLIENT_ID.to_owned(),
            cxone_client_secret: demo::CXONE_CLIENT_SECRET.to_owned(),
            access_key_id: demo::CXONE_ACCESS_KEY_ID.to_owned(),
            access_key_secret: demo::CXONE_ACCESS_KEY_SECRET.to_owned(),
            ringcentral_client_id: demo::RINGCENTRAL_CLIENT_ID.to_owned(),
            ringcentral_client_secret: demo::RINGCENTRAL_CLIENT_SECRET.to_owned(),
            ringcentral_jwt: demo::RINGCENTRAL_JWT.to_owned(),
            webex_token: demo::WEBEX_ACCESS_TOKEN.to_owned(),
            webex_client_id: demo::WEBEX_CLIENT_ID.to_owned(),
            webex_client_secret: demo::WEBEX_CLIENT_SECRET.to_owned(),
            webex_refresh_token: demo::WEBEX_REFRESH_TOKEN.to_owned(),
            webex_token_ttl: std::time::Duration::from_secs(3600),
            token_ttl_secs: 3600,
            token_max_calls: None,
            agents: 250,
            first_agent_id: FIRST_AGENT_ID,
            profile_id_offset: 0,
            shape: Shape::V34,
            max_page_size: 10_000,
        }
    }
}

/// The first agent number of a tenant (the demo tenant's first business unit).
const FIRST_AGENT_ID: u64 = 30_100_000;

impl TenantConfig {
    /// The demo tenant's second business unit for `seed` ([`demo::west::SEED`] in the app): its
    /// own unit number and name, agents (numbered from [`demo::west::FIRST_AGENT_ID`]), security
    /// profile ids and credentials.
    pub fn demo_west(seed: u64) -> TenantConfig {
        use demo::west;
        TenantConfig {
            business_unit_name: west::BUSINESS_UNIT_NAME.to_owned(),
            first_agent_id: west::FIRST_AGENT_ID,
            profile_id_offset: west::PROFILE_ID_OFFSET,
            cxone_client_id: west::CXONE_CLIENT_ID.to_owned(),
            cxone_client_secret: west::CXONE_CLIENT_SECRET.to_owned(),
            access_key_id: west::CXONE_ACCESS_KEY_ID.to_owned(),
            access_key_secret: west::CXONE_ACCESS_KEY_SECRET.to_owned(),
            ringcentral_client_id: west::RINGCENTRAL_CLIENT_ID.to_owned(),
            ringcentral_client_secret: west::RINGCENTRAL_CLIENT_SECRET.to_owned(),
            ringcentral_jwt: west::RINGCENTRAL_JWT.to_owned(),
            webex_token: west::WEBEX_ACCESS_TOKEN.to_owned(),
            webex_client_id: west::WEBEX_CLIENT_ID.to_owned(),
            webex_client_secret: west::WEBEX_CLIENT_SECRET.to_owned(),
            webex_refresh_token: west::WEBEX_REFRESH_TOKEN.to_owned(),
            ..TenantConfig::demo(seed)
        }
    }
}

impl Default for TenantConfig {
    fn default() -> Self {
        TenantConfig::demo(1)
    }
}
