import { useEffect, useRef, useState } from "react";

import { getAutostart, setAutostart, type ApiError } from "../platform";

/**
 * Start at login: the system's own state (a login item, an autostart entry), read when shown and
 * after each change. Started at login, CC Sync goes straight to the tray when a schedule is on.
 */
export function AutostartSwitch() {
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    getAutostart().then(
      (value) => {
        if (mounted.current) setEnabled(value);
      },
      (reason: ApiError) => {
        if (mounted.current) setError(reason);
      },
    );
    return () => {
      mounted.current = false;
    };
  }, []);

  async function change(next: boolean) {
    setBusy(true);
    setError(null);
    try {
      const value = await setAutostart(next);
      if (mounted.current) setEnabled(value);
    } catch (reason) {
      if (mounted.current) setError(reason as ApiError);
    } finally {
      if (mounted.current) setBusy(false);
    }
  }

  return (
    <div className="autostart" data-testid="autostart">
      <label className="checkbox-label">
        <input
          type="checkbox"
          role="switch"
          data-testid="autostart-switch"
          checked={enabled ?? false}
          aria-checked={enabled ?? false}
          disabled={enabled === null || busy}
          onChange={(event) => void change(event.target.checked)}
        />
        Start CC Sync at login
      </label>
      <span className="muted autostart-hint">
        For every platform; with a schedule on it starts in the tray, without a window.
      </span>
      {error ? (
        <p className="inline-error" role="alert" data-testid="autostart-error">
          {error.message}
        </p>
      ) : null}
    </div>
  );
}
