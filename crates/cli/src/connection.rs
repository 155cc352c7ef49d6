//! `ccsync connection add|list|test|remove`.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use ccsync_core::connections::Connections;
use ccsync_core::model::{Connection, ConnectionDraft, ConnectionSettings, SecretKind, WebexCredential};
use ccsync_core::vendor::cxone::DEFAULT_AUTH_URL;
use ccsync_core::vendor::{ringcentral, webex};
use ccsync_core::{secrets, Error, ErrorCode, Result};
use clap::Subcommand;
use secrecy::SecretString;

use crate::output::Output;

#[derive(Subcommand)]
pub enum ConnectionCommand {
    /// Add a connection. Secrets come from CCSYNC_… variables when set, else a hidden prompt,
    /// and are stored in the OS keyring.
    #[command(subcommand)]
    Add(AddCommand),
    /// List the saved connections.
    List,
    /// Test a connection: sign in and report what was found.
    Test {
        /// Connection name or id.
        name: String,
    },
    /// Sign a Webex Integration connection in again: prints the URL to open in a browser and waits
    /// (up to 5 minutes) for Webex to send the browser back to CC Sync.
    SignIn {
        /// Connection name or id.
        name: String,
    },
    /// Remove a connection and its secrets (synchronized records are kept).
    Remove {
        /// Connection name or id.
        name: String,
        /// Remove the profile even when the keyring cannot be reached to delete its secrets.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
pub enum AddCommand {
    /// NICE CXone (secrets: CCSYNC_CXONE_CLIENT_SECRET, CCSYNC_CXONE_ACCESS_KEY_SECRET).
    Cxone {
        #[arg(long)]
        name: String,
        /// The global auth host; the API endpoint is found by discovery there.
        #[arg(long, default_value = DEFAULT_AUTH_URL)]
        auth_url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        access_key_id: String,
        /// Pull campaigns from CXone skills instead of campaigns (as some dialers expect).
        #[arg(long)]
        campaigns_from_skills: bool,
    },
    /// RingCentral (secrets: CCSYNC_RINGCENTRAL_CLIENT_SECRET, CCSYNC_RINGCENTRAL_JWT).
    Ringcentral {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = ringcentral::DEFAULT_SERVER_URL)]
        server_url: String,
        #[arg(long)]
        client_id: String,
    },
    /// Webex. A pasted personal token (CCSYNC_WEBEX_TOKEN; lasts 12 hours), a Service App
    /// (--service-app --client-id; CCSYNC_WEBEX_CLIENT_SECRET, CCSYNC_WEBEX_REFRESH_TOKEN), or an
    /// Integration sign-in in the browser (--sign-in --client-id; CCSYNC_WEBEX_CLIENT_SECRET).
    Webex {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = webex::DEFAULT_API_URL)]
        api_url: String,
        /// A Service App authorized in Control Hub: its access tokens are refreshed automatically.
        #[arg(long, conflicts_with = "sign_in", requires = "client_id")]
        service_app: bool,
        /// An Integration: sign in in a browser (the URL is printed), and stay signed in.
        #[arg(long, requires = "client_id")]
        sign_in: bool,
        /// The Service App's or Integration's client ID.
        #[arg(long)]
        client_id: Option<String>,
        /// Integration sign-in: the loopback port of the redirect URI http://127.0.0.1:PORT/callback
        /// registered for the Integration (0: any free port).
        #[arg(long, default_value_t = 0)]
        redirect_port: u16,
    },
}

pub async fn run(command: ConnectionCommand, connections: &Connections, output: &Output) -> Result<()> {
    match command {
        ConnectionCommand::Add(add) => add_connection(add, connections, output).await,
        ConnectionCommand::List => {
            let all = connections.list().await?;
            output.value(&all, || list_text(&all));
            Ok(())
        }
        ConnectionCommand::Test { name } => {
            let outcome = connections.test(&name).await?;
            output.value(&outcome, || {
                let mut text = outcome.summary.clone();
                for fact in &outcome.facts {
                    text.push_str(&format!("\n  {:<16} {}", format!("{}:", fact.label), fact.value));
                }
                text
            });
            Ok(())
        }
        ConnectionCommand::SignIn { name } => sign_in(connections, &name, output).await,
        ConnectionCommand::Remove { name, force } => {
            let existing = connections.find(&name).await?;
            match connections.delete(&existing.id).await {
                Err(error) if error.code() == ErrorCode::KeyringUnavailable => {
                    if !force {
                        return Err(Error::KeyringUnavailable {
                            detail: format!(
                                "its secrets cannot be deleted; `ccsync connection remove \"{}\" --force` removes the profile anyway",
                                existing.name
                            ),
                        });
                    }
                    connections.delete_profile_only(&existing.id).await?;
                }
                other => other?,
            }
            output.value(
                &serde_json::json!({"removed": existing.name, "id": existing.id}),
                || {
                    format!(
                        "Removed \"{}\" and its secrets. Synchronized records are kept.",
                        existing.name
                    )
                },
            );
            Ok(())
        }
    }
}

async fn add_connection(add: AddCommand, connections: &Connections, output: &Output) -> Result<()> {
    let (name, settings) = match add {
        AddCommand::Cxone {
            name,
            auth_url,
            client_id,
            access_key_id,
            campaigns_from_skills,
        } => (
            name,
            ConnectionSettings::Cxone {
                auth_url,
                client_id,
                access_key_id,
                campaigns_from_skills,
            },
        ),
        AddCommand::Ringcentral {
            name,
            server_url,
            client_id,
        } => (name, ConnectionSettings::Ringcentral { server_url, client_id }),
        AddCommand::Webex {
            name,
            api_url,
            service_app,
            sign_in,
            client_id,
            redirect_port,
        } => {
            let client_id = client_id.unwrap_or_default();
            let credential = if service_app {
                WebexCredential::ServiceApp { client_id }
            } else if sign_in {
                WebexCredential::Integration {
                    client_id,
                    redirect_port,
                }
            } else {
                WebexCredential::PersonalToken
            };
            (name, ConnectionSettings::Webex { api_url, credential })
        }
    };
    let kind = settings.kind();
    let signs_in = matches!(
        settings,
        ConnectionSettings::Webex {
            credential: WebexCredential::Integration { .. },
            ..
        }
    );
    let (secrets, all_from_env) = gather_secrets(&settings)?;
    let draft = ConnectionDraft {
        name,
        settings,
        secrets,
    };
    let saved = match connections.create(draft.clone()).await {
        // A headless machine with no keyring: keep the profile, and read the secrets from the
        // environment at every run instead.
        Err(error) if error.code() == ErrorCode::KeyringUnavailable && all_from_env => {
            output.note(
                "note: no keyring here, so the secrets were not stored; set the same CCSYNC_… variables for every run.",
            );
            connections
                .create(ConnectionDraft {
                    secrets: BTreeMap::new(),
                    ..draft
                })
                .await?
        }
        other => other?,
    };
    if signs_in {
        output.note(&format!(
            "Added \"{}\" ({}); now signing in.",
            saved.name,
            kind.display_name()
        ));
        return sign_in(connections, &saved.id, output).await;
    }
    output.value(&saved, || {
        format!("Added \"{}\" ({}).", saved.name, kind.display_name())
    });
    Ok(())
}

/// The Integration sign-in from a terminal: the URL is printed for the admin to open.
async fn sign_in(connections: &Connections, name: &str, output: &Output) -> Result<()> {
    let outcome = connections
        .webex_sign_in(
            name,
            |url| {
                output.note(&format!(
                    "Open this address in a browser and sign in to Webex (waiting up to 5 minutes):\n{url}"
                ));
                Ok(())
            },
            ccsync_core::vendor::webex_oauth::SIGN_IN_TIMEOUT,
            &tokio_util::sync::CancellationToken::new(),
        )
        .await?;
    output.value(&outcome, || outcome.summary.clone());
    Ok(())
}

/// Each secret from its environment variable, else a hidden prompt on a terminal.
fn gather_secrets(settings: &ConnectionSettings) -> Result<(BTreeMap<SecretKind, SecretString>, bool)> {
    let kind = settings.kind();
    let mut values = BTreeMap::new();
    let mut all_from_env = true;
    for &secret in settings.entered_secret_kinds() {
        let var = secrets::env_var_for(kind, secret).unwrap_or_default();
        let value = match secrets::from_env(kind, secret) {
            Some(value) => value,
            None if std::io::stdin().is_terminal() => {
                all_from_env = false;
                rpassword::prompt_password(format!("{} {}: ", kind.display_name(), secret.label()))
                    .map_err(Error::Io)?
                    .into()
            }
            None => {
                return Err(Error::InvalidInput(format!(
                    "The {} is needed: set {var}, or run this command in a terminal to be asked for it.",
                    secret.label()
                )))
            }
        };
        values.insert(secret, value);
    }
    Ok((values, all_from_env))
}

fn list_text(all: &[Connection]) -> String {
    if all.is_empty() {
        return "No connections yet. Add one with `ccsync connection add cxone --name … --client-id … --access-key-id …`.".into();
    }
    let mut text = format!("{:<24} {:<12} {:<40} {}", "NAME", "TYPE", "ENDPOINT", "LAST TEST");
    for c in all {
        let last = match &c.last_test {
            Some(t) if t.ok => format!("ok ({})", t.at),
            Some(t) => format!("failed ({})", t.at),
            None => "never".into(),
        };
        let name = if c.is_demo {
            format!("{} (demo)", c.name)
        } else {
            c.name.clone()
        };
        text.push_str(&format!(
            "\n{:<24} {:<12} {:<40} {}",
            name,
            c.settings.kind().display_name(),
            c.settings.base_url(),
            last
        ));
    }
    text
}
