import { useId, useState } from "react";

import { Modal } from "../components/Modal";
import { formatCount } from "../format";
import {
  checkTemporaryPassword,
  chooseCsvSavePath,
  setTemporaryPasswords,
  type ApiError,
  type PasswordsSet,
  type StoredRecord,
} from "../platform";
import "./passwords.css";

/** The shortest password an admin may type (the core's rule says the rest, on Save). */
export const MIN_TYPED_LENGTH = 12;

type Props = {
  users: StoredRecord[];
  onClose: () => void;
  onDone: (result: PasswordsSet) => void;
};

type Phase = "idle" | "checking" | "saving" | "setting";

function passwordsFileName(): string {
  const day = new Date().toISOString().slice(0, 10);
  return `temporary-passwords-${day}.csv`;
}

function names(users: StoredRecord[]): string {
  const shown = users.slice(0, 3).map((u) => u.name);
  const more = users.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${formatCount(more)} more` : shown.join(", ");
}

/**
 * Set temporary passwords for the chosen users: generated (one each) or typed (one user). The
 * passwords go straight from CC Sync's core to the file the admin saves; the window never sees a
 * generated one, and a typed one is forgotten when the dialog closes.
 */
export function SetPasswordsDialog({ users, onClose, onDone }: Props) {
  const titleId = useId();
  const bodyId = useId();
  const [mode, setMode] = useState<"generate" | "typed">("generate");
  const [typed, setTyped] = useState("");
  const [phase, setPhase] = useState<Phase>("idle");
  const [error, setError] = useState<ApiError | null>(null);
  const [notSaved, setNotSaved] = useState(false);
  const busy = phase !== "idle";
  const single = users.length === 1;
  const replacing = users.filter((u) => u.password_set).length;
  const useTyped = mode === "typed" && single;
  const tooShort = useTyped && [...typed].length < MIN_TYPED_LENGTH;

  async function onConfirm() {
    setError(null);
    setNotSaved(false);
    try {
      if (useTyped) {
        setPhase("checking");
        await checkTemporaryPassword(typed);
      }
      setPhase("saving");
      const path = await chooseCsvSavePath(passwordsFileName());
      if (path === null) {
        setNotSaved(true);
        setPhase("idle");
        return;
      }
      setPhase("setting");
      const result = await setTemporaryPasswords(
        users.map((u) => ({ business_unit_id: u.business_unit_id, id: u.id })),
        useTyped ? typed : null,
        path,
      );
      setTyped("");
      onDone(result);
    } catch (reason) {
      setError(reason as ApiError);
      setPhase("idle");
    }
  }

  const count = formatCount(users.length);
  return (
    <Modal
      titleId={titleId}
      describedBy={bodyId}
      onClose={() => {
        if (!busy) onClose();
      }}
      className="modal-passwords"
    >
      <header className="modal-header">
        <h2 id={titleId}>Set temporary passwords</h2>
        <p className="modal-subtitle" data-testid="passwords-users" title={users.map((u) => u.name).join(", ")}>
          For {single ? "" : `${count} users: `}
          {names(users)}
        </p>
      </header>
      <div id={bodyId} className="modal-body" data-testid="passwords-dialog">
        <fieldset className="passwords-modes" disabled={busy}>
          <legend className="passwords-legend">Which passwords</legend>
          <label className="checkbox-label">
            <input
              type="radio"
              name="password-mode"
              data-testid="passwords-mode-generate"
              checked={mode === "generate"}
              onChange={() => setMode("generate")}
            />
            Generate a strong password for {single ? "this user" : "each user"}
          </label>
          <label className={`checkbox-label${single ? "" : " is-disabled"}`}>
            <input
              type="radio"
              name="password-mode"
              data-testid="passwords-mode-typed"
              checked={useTyped}
              disabled={!single}
              onChange={() => setMode("typed")}
            />
            Type a password
          </label>
          {single ? null : (
            <p className="muted passwords-hint" data-testid="passwords-typed-one-only">
              A typed password is for one user at a time: shared, it would let each user sign in as the others.
            </p>
          )}
          {useTyped ? (
            <div className="field">
              <label className="field-label" htmlFor={`${bodyId}-typed`}>
                Temporary password
              </label>
              <input
                id={`${bodyId}-typed`}
                type="password"
                autoComplete="new-password"
                data-testid="passwords-typed"
                data-autofocus=""
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
              />
              <p className="muted passwords-hint">
                At least {MIN_TYPED_LENGTH} characters, with three of: upper-case letters, lower-case letters,
                digits, symbols.
              </p>
            </div>
          ) : null}
        </fieldset>
        <ul className="passwords-facts">
          <li>CC Sync keeps only a one-way hash of each password, never the password itself.</li>
          <li>
            The passwords are shown once, in a CSV file you save next. They cannot be shown again: hand each user
            theirs, then delete the file.
          </li>
          <li>Each user must change the temporary password at first sign-in.</li>
          {replacing > 0 ? (
            <li data-testid="passwords-replacing">
              {replacing === users.length && single
                ? "This user already has a password; it will be replaced."
                : `${formatCount(replacing)} of them already have a password; it will be replaced.`}
            </li>
          ) : null}
        </ul>
        {notSaved ? (
          <p className="passwords-notice" role="status" data-testid="passwords-not-saved">
            No file was chosen, so no password was set: CC Sync keeps the passwords only in the file you save.
            Choose Save passwords again when you are ready.
          </p>
        ) : null}
        {error ? (
          <p className="inline-error" role="alert" data-testid="passwords-error">
            {error.message}
          </p>
        ) : null}
      </div>
      <footer className="modal-footer">
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="passwords-cancel"
          disabled={busy}
          onClick={onClose}
        >
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-primary"
          data-testid="passwords-save"
          disabled={busy || tooShort}
          onClick={() => void onConfirm()}
        >
          {phase === "setting"
            ? "Setting passwords…"
            : phase === "checking"
              ? "Checking…"
              : phase === "saving"
                ? "Choosing the file…"
                : "Save passwords…"}
        </button>
      </footer>
    </Modal>
  );
}
