import { useId, useState, type FormEvent } from "react";

import { Modal } from "../components/Modal";
import {
  createConnection,
  updateConnection,
  type ApiError,
  type Connection,
  type ConnectionDraft,
  type ConnectionKind,
  type SecretKind,
} from "../platform";
import {
  KIND_ORDER,
  KIND_SPECS,
  buildSettings,
  campaignsFromSkillsOf,
  defaultTextValues,
  endpointOf,
  textValuesOf,
  type TextField,
} from "./kinds";

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
  onSaved: (connection: Connection, andTest: boolean) => void;
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
  const [saving, setSaving] = useState<null | "save" | "test">(null);

  const spec = KIND_SPECS[kind];
  const stored = new Set<SecretKind>(connection?.stored_secrets ?? []);
  // Stored secrets never follow the URL to another server: the core refuses the edit without them.
  const urlField = spec.fields[0].field;
  const hostChanged =
    connection !== null &&
    originOf(text[urlField]) !== originOf(endpointOf(connection.settings));

  function validate(): Errors {
    const found: Errors = {};
    if (!name.trim()) found.name = "Enter a name.";
    for (const field of spec.fields) {
      if (!text[field.field].trim()) found[field.field] = `Enter the ${field.label}.`;
    }
    if (!isEdit || hostChanged) {
      for (const secret of spec.secrets) {
        if (!(secrets[secret.secret] ?? "").trim()) {
          found[secret.secret] = `Enter the ${secret.label.toLowerCase()}.`;
        }
      }
    }
    return found;
  }

  function buildDraft(): ConnectionDraft {
    const draftSecrets: ConnectionDraft["secrets"] = {};
    for (const secret of spec.secrets) {
      const value = (secrets[secret.secret] ?? "").trim();
      if (value) draftSecrets[secret.secret] = value;
    }
    return {
      name: name.trim(),
      settings: buildSettings(kind, text, { campaignsFromSkills }),
      secrets: draftSecrets,
    };
  }

  async function save(andTest: boolean) {
    if (saving) return;
    setFormError(null);
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0) {
      const firstKey = Object.keys(found)[0];
      const target = document.querySelector<HTMLElement>(`[data-field-key="${firstKey}"]`);
      target?.focus();
      return;
    }
    setSaving(andTest ? "test" : "save");
    try {
      const draft = buildDraft();
      const saved = connection
        ? await updateConnection(connection.id, draft)
        : await createConnection(draft);
      setSaving(null);
      onSaved(saved, andTest);
    } catch (error) {
      setSaving(null);
      setFormError(error as ApiError);
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void save(false);
  }

  function clearError(key: keyof Errors) {
    if (errors[key]) setErrors((current) => ({ ...current, [key]: undefined }));
  }

  const fieldId = (key: string) => `${titleId}-${key}`;

  return (
    <Modal titleId={titleId} onClose={onCancel} className="modal-form">
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

          {spec.fields.map((field) => (
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
            {spec.secrets.map((secret) => {
              const isStored = isEdit && stored.has(secret.secret) && !hostChanged;
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

          {formError ? (
            <div className="form-error" role="alert" data-testid="form-error">
              {formError.message}
            </div>
          ) : null}
        </div>

        <footer className="modal-footer">
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="cancel-connection"
            onClick={onCancel}
          >
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="save-and-test-connection"
            disabled={saving !== null}
            onClick={() => void save(true)}
          >
            {saving === "test" ? "Saving…" : "Save and test"}
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            data-testid="save-connection"
            disabled={saving !== null}
          >
            {saving === "save" ? "Saving…" : "Save"}
          </button>
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
