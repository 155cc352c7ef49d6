import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { Modal } from "../components/Modal";
import {
  cancelWebexSignIn,
  createConnection,
  saveAndTestConnection,
  updateConnection,
  webexSignIn,
  type ApiError,
  type Connection,
  type ConnectionDraft,
  type ConnectionKind,
  type SecretKind,
} from "../platform";
import {
  KIND_ORDER,
  KIND_SPECS,
  WEBEX_METHODS,
  WEBEX_METHOD_ORDER,
  buildSettings,
  campaignsFromSkillsOf,
  defaultTextValues,
  endpointOf,
  formSpec,
  parsePort,
  textValuesOf,
  webexMethodOf,
  type TextField,
  type WebexMethod,
} from "./kinds";
import { TestResult, type TestState } from "./TestResult";
import "./ConnectionForm.css";

export const STORED_PLACEHOLDER = "Stored in the keyring — leave blank to keep";
export const NEW_HOST_PLACEHOLDER = "Enter it again for the new server";

/** Scheme, host and port: where secrets are sent (the core compares the same). */
export function originOf(url: string): string {
  try {
    return new URL(url.trim()).origin.toLowerCase();
  } catch {
    return url.trim().toLowerCase();
  }
}

type Props = {
  /** The connection being edited, or null to add a new one. */
  connection: Connection | null;
  onCancel: () => void;
  /** The connection was saved (the dialog closes). */
  onSaved: (connection: Connection) => void;
};

type Errors = Partial<Record<"name" | TextField | SecretKind, string>>;

export function ConnectionForm({ connection, onCancel, onSaved }: Props) {
  const isEdit = connection !== null;
  const titleId = useId();
  const [kind, setKind] = useState<ConnectionKind>(connection?.settings.kind ?? "cxone");
  const [name, setName] = useState(connection?.name ?? "");
  const [text, setText] = useState<Record<TextField, string>>(() =>
    connection ? textValuesOf(connection) : defaultTextValues(),
  );
  const [campaignsFromSkills, setCampaignsFromSkills] = useState(() =>
    campaignsFromSkillsOf(connection),
  );
  const [secrets, setSecrets] = useState<Partial<Record<SecretKind, string>>>({});
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState<null | "save" | "test" | "anyway" | "sign-in">(null);
  // "Save and test": its result, shown here. A passed test saved the connection (`saved`); a
  // failed one saved nothing, and the admin fixes the form or chooses Save anyway.
  const [tested, setTested] = useState<{ state: TestState; saved: Connection | null } | null>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  const [webexMethod, setWebexMethod] = useState<WebexMethod>(() => webexMethodOf(connection));
  // The saved connection a later Save updates (set once an Integration was saved to sign in).
  const [target, setTarget] = useState<Connection | null>(connection);

  const spec = KIND_SPECS[kind];
  const form = formSpec(kind, webexMethod);
  // A Webex connection switched to another credential kind needs that kind's secrets.
  const methodChanged =
    isEdit && kind === "webex" && webexMethod !== webexMethodOf(connection);
  // Stored secrets never follow the URL to another server: the core refuses the edit without them.
  const urlField = spec.fields[0].field;
  const hostChanged =
    target !== null && originOf(text[urlField]) !== originOf(endpointOf(target.settings));
  const stored = new Set<SecretKind>(
    methodChanged || hostChanged ? [] : (target?.stored_secrets ?? []),
  );
  const signsIn = kind === "webex" && webexMethod === "integration";
  const signedIn = signsIn && stored.has("refresh_token");

  function validate(): Errors {
    const found: Errors = {};
    if (!name.trim()) found.name = "Enter a name.";
    for (const field of form.fields) {
      if (!field.optional && !text[field.field].trim()) found[field.field] = `Enter the ${field.label}.`;
    }
    if (kind === "webex" && webexMethod === "integration" && parsePort(text.redirect_port) === null) {
      found.redirect_port = "Enter a port from 1 to 65535, or leave it blank.";
    }
    if (!target || methodChanged || hostChanged) {
      for (const secret of form.secrets) {
        if (!(secrets[secret.secret] ?? "").trim()) {
          found[secret.secret] = `Enter the ${secret.label.toLowerCase()}.`;
        }
      }
    }
    return found;
  }

  function buildDraft(): ConnectionDraft {
    const draftSecrets: ConnectionDraft["secrets"] = {};
    for (const secret of form.secrets) {
      const value = (secrets[secret.secret] ?? "").trim();
      if (value) draftSecrets[secret.secret] = value;
    }
    return {
      name: name.trim(),
      settings: buildSettings(kind, text, { campaignsFromSkills, webexMethod }),
      secrets: draftSecrets,
    };
  }

  /** Checks the form, focusing the first field in error; true when it can be saved. */
  function checked(): boolean {
    setFormError(null);
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const firstKey = Object.keys(found)[0];
      const field = document.querySelector<HTMLElement>(`[data-field-key="${firstKey}"]`);
      field?.focus();
      return false;
    }
    return true;
  }

  async function persist(): Promise<Connection> {
    const draft = buildDraft();
    return target ? updateConnection(target.id, draft) : createConnection(draft);
  }

  /** An error about one field is shown at that field (scrolled to and focused), others below. */
  function showError(error: ApiError) {
    const input = error.field
      ? document.querySelector<HTMLElement>(`[data-field-key="${error.field}"]`)
      : null;
    if (!error.field || !input) {
      setFormError(error);
      return;
    }
    setErrors((current) => ({ ...current, [error.field as keyof Errors]: error.message }));
    input.scrollIntoView?.({ block: "center" });
    input.focus();
  }

  async function save() {
    if (saving || !checked()) return;
    setSaving("save");
    try {
      const saved = await persist();
      setSaving(null);
      onSaved(saved);
    } catch (error) {
      setSaving(null);
      showError(error as ApiError);
    }
  }

  /** Tests the form as typed; saved when the test passes, or when the admin chose Save anyway. */
  async function saveAndTest(keepIfFailed: boolean) {
    if (saving || !checked()) return;
    setSaving(keepIfFailed ? "anyway" : "test");
    setTested(null);
    try {
      const result = await saveAndTestConnection(target?.id ?? null, buildDraft(), keepIfFailed);
      setSaving(null);
      if (result.connection && (keepIfFailed || !result.outcome)) {
        onSaved(result.connection);
      } else if (result.connection && result.outcome) {
        setTarget(result.connection);
        setSecrets({});
        setTested({ state: { status: "ok", outcome: result.outcome }, saved: result.connection });
      } else if (result.error) {
        setTested({ state: { status: "failed", error: result.error }, saved: null });
      }
    } catch (error) {
      setSaving(null);
      showError(error as ApiError);
    }
  }

  // The result appears at the foot of the form, next to the buttons: bring it into view.
  useEffect(() => {
    if (tested) resultRef.current?.scrollIntoView?.({ block: "nearest" });
  }, [tested]);

  /** Saves the Integration, then signs it in through the system browser. */
  async function signIn() {
    if (saving || !checked()) return;
    setSaving("sign-in");
    let saved: Connection;
    try {
      saved = await persist();
      setTarget(saved);
      setSecrets({});
    } catch (error) {
      setSaving(null);
      showError(error as ApiError);
      return;
    }
    try {
      await webexSignIn(saved.id);
      setSaving(null);
      onSaved(saved);
    } catch (error) {
      setSaving(null);
      if ((error as ApiError).code !== "cancelled") setFormError(error as ApiError);
    }
  }

  /** Cancel / Escape: a sign-in waiting for the browser is stopped; a connection saved for it stays. */
  function close() {
    if (saving === "sign-in") {
      void cancelWebexSignIn().catch(() => undefined);
      if (target) {
        onSaved(target);
        return;
      }
    }
    // Saved by a passing test: closing is done.
    if (tested?.saved) {
      onSaved(tested.saved);
      return;
    }
    onCancel();
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (tested?.saved) onSaved(tested.saved);
    else if (tested?.state.status === "failed") void saveAndTest(true);
    else void save();
  }

  const failed = tested?.state.status === "failed";
  const passed = tested?.saved != null;

  function clearError(key: keyof Errors) {
    if (errors[key]) setErrors((current) => ({ ...current, [key]: undefined }));
  }

  const fieldId = (key: string) => `${titleId}-${key}`;

  return (
    <Modal titleId={titleId} onClose={close} className="modal-form">
      <form onSubmit={onSubmit} noValidate>
        <header className="modal-header">
          <h2 id={titleId}>{isEdit ? `Edit ${connection.name}` : "Add a connection"}</h2>
          <p className="modal-subtitle">
            {isEdit
              ? "Secrets stay in the system keyring. Fill in a secret only to replace it."
              : "Settings are stored locally; secrets go to the system keyring."}
          </p>
        </header>

        <div className="modal-body">
          {isEdit ? (
            <div className="field">
              <span className="field-label">Type</span>
              <span className="field-static">{spec.label}</span>
            </div>
          ) : (
            <div className="field">
              <label htmlFor={fieldId("kind")} className="field-label">
                Type
              </label>
              <select
                id={fieldId("kind")}
                data-testid="kind-select"
                value={kind}
                onChange={(event) => {
                  setKind(event.target.value as ConnectionKind);
                  setErrors({});
                }}
              >
                {KIND_ORDER.map((k) => (
                  <option key={k} value={k}>
                    {KIND_SPECS[k].label}
                  </option>
                ))}
              </select>
            </div>
          )}

          <TextInput
            id={fieldId("name")}
            fieldKey="name"
            label="Name"
            testId="field-name"
            value={name}
            error={errors.name}
            autoFocus
            placeholder={`e.g. ${spec.label} production`}
            onChange={(value) => {
              setName(value);
              clearError("name");
            }}
          />

          {kind === "webex" ? (
            <fieldset className="webex-credential" data-testid="webex-credential">
              <legend>Credential</legend>
              {WEBEX_METHOD_ORDER.map((method) => (
                <div className="field field-radio" key={method}>
                  <label htmlFor={fieldId(`webex-${method}`)}>
                    <input
                      id={fieldId(`webex-${method}`)}
                      type="radio"
                      name={fieldId("webex-method")}
                      data-testid={`webex-method-${method}`}
                      value={method}
                      checked={webexMethod === method}
                      onChange={() => {
                        setWebexMethod(method);
                        setErrors({});
                      }}
                    />
                    {WEBEX_METHODS[method].label}
                  </label>
                </div>
              ))}
              <p className="field-hint" data-testid="webex-method-help">
                {WEBEX_METHODS[webexMethod].help}
              </p>
            </fieldset>
          ) : null}

          {form.fields.map((field) => (
            <TextInput
              key={`${kind}-${field.field}`}
              id={fieldId(field.field)}
              fieldKey={field.field}
              label={field.label}
              testId={`field-${field.field}`}
              value={text[field.field]}
              error={errors[field.field]}
              onChange={(value) => {
                setText((current) => ({ ...current, [field.field]: value }));
                clearError(field.field);
              }}
            />
          ))}

          {kind === "cxone" ? (
            <div className="field field-checkbox">
              <label htmlFor={fieldId("campaigns_from_skills")}>
                <input
                  id={fieldId("campaigns_from_skills")}
                  type="checkbox"
                  data-testid="field-campaigns_from_skills"
                  checked={campaignsFromSkills}
                  onChange={(event) => setCampaignsFromSkills(event.target.checked)}
                />
                Pull campaigns from skills (as some dialers expect)
              </label>
            </div>
          ) : null}

          <fieldset className="secrets">
            <legend>Secrets</legend>
            {hostChanged ? (
              <p className="field-hint" role="note" data-testid="host-changed">
                The URL points at another server, so the stored secrets will not be sent there.
                Enter every secret again.
              </p>
            ) : null}
            {form.secrets.map((secret) => {
              const isStored = isEdit && stored.has(secret.secret);
              return (
                <TextInput
                  key={`${kind}-${secret.secret}`}
                  id={fieldId(secret.secret)}
                  fieldKey={secret.secret}
                  label={secret.label}
                  testId={`secret-${secret.secret}`}
                  type="password"
                  autoComplete="off"
                  value={secrets[secret.secret] ?? ""}
                  error={errors[secret.secret]}
                  placeholder={
                    isStored
                      ? STORED_PLACEHOLDER
                      : hostChanged
                        ? NEW_HOST_PLACEHOLDER
                        : isEdit
                          ? "Not stored yet — enter a value"
                          : undefined
                  }
                  onChange={(value) => {
                    setSecrets((current) => ({ ...current, [secret.secret]: value }));
                    clearError(secret.secret);
                  }}
                />
              );
            })}
          </fieldset>

          {signsIn ? (
            <div className="field webex-sign-in">
              <p className="field-hint" data-testid="webex-sign-in-state">
                {saving === "sign-in"
                  ? "Finish signing in in your browser; CC Sync waits up to 5 minutes."
                  : signedIn
                    ? "Signed in. Sign in again to replace the sign-in (for example after it was revoked)."
                    : "Not signed in yet."}
              </p>
              <button
                type="button"
                className="btn btn-secondary"
                data-testid="webex-sign-in"
                disabled={saving !== null}
                onClick={() => void signIn()}
              >
                {saving === "sign-in" ? "Waiting for the browser…" : "Sign in with Webex…"}
              </button>
            </div>
          ) : null}

          {formError ? (
            <div className="form-error" role="alert" data-testid="form-error">
              {formError.message}
            </div>
          ) : null}

          {tested ? (
            <div className="form-test-result" ref={resultRef} data-testid="form-test-result">
              <TestResult name={name.trim() || spec.label} state={tested.state} />
              {failed ? (
                <p className="field-hint" data-testid="form-test-hint">
                  Nothing was saved. Fix the settings and choose Save and test again, or choose
                  Save anyway to keep the connection as it is.
                </p>
              ) : (
                <p className="field-hint">Saved.</p>
              )}
            </div>
          ) : null}
        </div>

        <footer className="modal-footer">
          {passed ? (
            <button type="submit" className="btn btn-primary" data-testid="connection-done">
              Done
            </button>
          ) : (
            <>
              <button
                type="button"
                className="btn btn-secondary"
                data-testid="cancel-connection"
                onClick={close}
              >
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-secondary"
                data-testid="save-and-test-connection"
                disabled={saving !== null}
                onClick={() => void saveAndTest(false)}
              >
                {saving === "test" ? "Testing…" : failed ? "Test again" : "Save and test"}
              </button>
              {failed ? (
                <button
                  type="submit"
                  className="btn btn-primary"
                  data-testid="save-anyway"
                  disabled={saving !== null}
                >
                  {saving === "anyway" ? "Saving…" : "Save anyway"}
                </button>
              ) : (
                <button
                  type="submit"
                  className="btn btn-primary"
                  data-testid="save-connection"
                  disabled={saving !== null}
                >
                  {saving === "save" ? "Saving…" : "Save"}
                </button>
              )}
            </>
          )}
        </footer>
      </form>
    </Modal>
  );
}

type TextInputProps = {
  id: string;
  fieldKey: string;
  label: string;
  testId: string;
  value: string;
  onChange: (value: string) => void;
  error?: string;
  type?: "text" | "password";
  placeholder?: string;
  autoFocus?: boolean;
  autoComplete?: string;
};

function TextInput({
  id,
  fieldKey,
  label,
  testId,
  value,
  onChange,
  error,
  type = "text",
  placeholder,
  autoFocus,
  autoComplete,
}: TextInputProps) {
  const errorId = `${id}-error`;
  return (
    <div className={`field${error ? " has-error" : ""}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        type={type}
        data-testid={testId}
        data-field-key={fieldKey}
        data-autofocus={autoFocus ? "" : undefined}
        value={value}
        placeholder={placeholder}
        autoComplete={autoComplete ?? "off"}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      {error ? (
        <p className="field-error" id={errorId} data-testid={`error-${fieldKey}`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}
