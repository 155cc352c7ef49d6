import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { getPermissionGate, setPermissionGate, type ApiError, type PermissionGate } from "../platform";

/**
 * The permission gate of Auto Sync: with it on, users whose CXone security profile lacks the
 * permission key are skipped. CXone does not document the key behind "User Mapping: Map", so the
 * gate is off until the admin turns it on with the key their tenant uses.
 */
export function PermissionGatePanel() {
  const ids = useId();
  const [saved, setSaved] = useState<PermissionGate | null>(null);
  const [enabled, setEnabled] = useState(false);
  const [key, setKey] = useState("");
  const [invalid, setInvalid] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const [justSaved, setJustSaved] = useState(false);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    getPermissionGate().then(
      (gate) => {
        if (!mounted.current) return;
        setSaved(gate);
        setEnabled(gate.enabled);
        setKey(gate.permission_key);
      },
      (reason: ApiError) => {
        if (mounted.current) setError(reason);
      },
    );
    return () => {
      mounted.current = false;
    };
  }, []);

  const changed = saved !== null && (saved.enabled !== enabled || saved.permission_key !== key.trim());

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setJustSaved(false);
    setError(null);
    if (key.trim() === "") {
      setInvalid('Enter the permission key that means "User Mapping: Map" in your CXone security profiles.');
      return;
    }
    setInvalid(null);
    setSaving(true);
    try {
      const gate = await setPermissionGate({ enabled, permission_key: key.trim() });
      if (!mounted.current) return;
      setSaved(gate);
      setEnabled(gate.enabled);
      setKey(gate.permission_key);
      setJustSaved(true);
    } catch (reason) {
      if (mounted.current) setError(reason as ApiError);
    } finally {
      if (mounted.current) setSaving(false);
    }
  }

  return (
    <section className="card gate-panel" data-testid="gate-panel" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="panel-title">
        Permission gate
      </h2>
      <p className="muted">
        When on, Auto Sync skips users whose CXone security profile does not carry the permission key
        below. CXone does not publish the key for “User Mapping: Map”: copy it from a security
        profile in CXone. If no profile carries the key, Auto Sync stops and changes nothing.
      </p>
      <form className="gate-form" onSubmit={(event) => void onSubmit(event)} noValidate>
        <label className="checkbox-label">
          <input
            type="checkbox"
            data-testid="gate-enabled"
            checked={enabled}
            disabled={saved === null}
            onChange={(event) => {
              setEnabled(event.target.checked);
              setJustSaved(false);
            }}
          />
          Skip users without the permission
        </label>
        <div className={`field${invalid ? " has-error" : ""}`}>
          <label htmlFor={`${ids}-key`} className="field-label">
            Permission key
          </label>
          <input
            id={`${ids}-key`}
            type="text"
            data-testid="gate-key"
            spellCheck={false}
            value={key}
            disabled={saved === null}
            aria-invalid={invalid ? true : undefined}
            aria-describedby={invalid ? `${ids}-invalid` : undefined}
            onChange={(event) => {
              setKey(event.target.value);
              setInvalid(null);
              setJustSaved(false);
            }}
          />
        </div>
        <button
          type="submit"
          className="btn btn-primary"
          data-testid="save-gate"
          disabled={saving || !changed}
        >
          {saving ? "Saving…" : "Save gate"}
        </button>
      </form>
      {invalid ? (
        <p id={`${ids}-invalid`} className="field-error" role="alert" data-testid="gate-invalid">
          {invalid}
        </p>
      ) : null}
      {error ? (
        <p className="inline-error" role="alert" data-testid="gate-error">
          {error.message}
        </p>
      ) : null}
      <p className="muted" data-testid="gate-state">
        {saved === null
          ? error
            ? "The gate could not be read."
            : "Loading…"
          : saved.enabled
            ? `On: users need “${saved.permission_key}” in their security profile.`
            : "Off: every CXone user is considered."}
        {justSaved ? <span className="schedule-saved"> · Saved</span> : null}
      </p>
    </section>
  );
}
