//! `ccsync records set-passwords`: Records → Set temporary passwords without the window.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;

use ccsync_core::passwords;
use ccsync_core::store::Store;
use ccsync_core::{Error, Result};
use clap::{Args, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::output::Output;

#[derive(Subcommand)]
pub enum RecordsCommand {
    /// Set temporary passwords (users must change them at first sign-in). The passwords are written
    /// once, to --out; CC Sync keeps only their Argon2id hashes.
    SetPasswords(SetPasswordsArgs),
}

#[derive(Args)]
pub struct SetPasswordsArgs {
    /// The users' CXone ids (comma-separated or repeated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ID",
        required_unless_present = "all_unset",
        conflicts_with = "all_unset"
    )]
    ids: Vec<String>,
    /// Every user whose password is not set yet.
    #[arg(long)]
    all_unset: bool,
    /// The business unit of the --ids, when an id is held in several.
    #[arg(long, value_name = "ID", requires = "ids")]
    business_unit: Option<i64>,
    /// Ask for one password to set (one user only) instead of generating one per user.
    #[arg(long)]
    prompt: bool,
    /// The CSV file to write the passwords to (the only copy).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn run(command: RecordsCommand, store: Store, output: &Output) -> Result<()> {
    let RecordsCommand::SetPasswords(args) = command;
    let users = if args.all_unset {
        passwords::users_without_password(&store)?
    } else {
        passwords::users_by_id(&store, &args.ids, args.business_unit)?
    };
    if users.is_empty() {
        output.value(&serde_json::json!({"users": 0}), || {
            "Every user already has a password.".into()
        });
        return Ok(());
    }
    let typed = if args.prompt { Some(prompt()?) } else { None };
    let set = passwords::set_temporary_passwords(&Mutex::new(store), &users, typed, &args.out)?;
    output.value(&set, || {
        format!(
            "Set temporary passwords for {} users; they must change them at first sign-in. {} holds the only \
             copy of the passwords: hand them out, then delete it.",
            set.users, set.path
        )
    });
    Ok(())
}

fn prompt() -> Result<SecretString> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::InvalidInput(
            "--prompt asks for the password on a terminal. Run it in one, or leave --prompt out to generate passwords."
                .into(),
        ));
    }
    let first = SecretString::from(rpassword::prompt_password("Temporary password: ").map_err(Error::Io)?);
    passwords::check_typed(first.expose_secret())?;
    let again = SecretString::from(rpassword::prompt_password("The same again: ").map_err(Error::Io)?);
    if first.expose_secret() != again.expose_secret() {
        return Err(Error::InvalidInput(
            "The two passwords differ; nothing was set. Try again.".into(),
        ));
    }
    Ok(first)
}
