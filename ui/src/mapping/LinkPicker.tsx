import { useId, useState } from "react";

import { linkBusinessUnit, type ApiError, type BusinessUnit, type Connection, type MappingLink, type Platform } from "../platform";
import { PLATFORM_LABELS } from "./mapping";

type Props = {
  unit: BusinessUnit;
  platform: Platform;
  /** The unit's link for the platform, if it has one. */
  link: MappingLink | null;
  /** The connections of the platform. */
  connections: Connection[];
  /** True while an Auto Sync runs: the link must not change under it. */
  disabled: boolean;
  onLinked: (link: MappingLink) => void;
  onGoToConnections?: () => void;
};

/**
 * Which RingCentral or Webex connection the business unit is mapped to: a picker when it has no
 * link yet, the current connection with a way to change it when there are several, a pointer to
 * Connections when there is none of the platform. Nothing when the one connection is linked.
 */
export function LinkPicker({ unit, platform, link, connections, disabled, onLinked, onGoToConnections }: Props) {
  const ids = useId();
  const label = PLATFORM_LABELS[platform];
  const [changing, setChanging] = useState(false);
  const [chosen, setChosen] = useState(link?.external_connection_id ?? connections[0]?.id ?? "");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  if (link && !changing) {
    if (connections.length < 2) return null;
    return (
      <p className="link-line muted" data-testid="link-current">
        <span>
          {unit.label} is mapped to {label} through <strong>{link.external_connection_name}</strong>.
        </span>{" "}
        <button
          type="button"
          className="btn btn-small btn-secondary"
          data-testid="link-change"
          disabled={disabled}
          onClick={() => {
            setChosen(link.external_connection_id);
            setError(null);
            setChanging(true);
          }}
        >
          Change
        </button>
      </p>
    );
  }

  if (connections.length === 0) {
    return (
      <div className="card notice link-notice" role="status" data-testid="link-no-connection">
        <span>
          There is no {label} connection yet. Add one under Connections to map the users of {unit.label} to{" "}
          {label} accounts.
        </span>
        {onGoToConnections ? (
          <button
            type="button"
            className="btn btn-small btn-secondary"
            data-testid="go-to-connections"
            onClick={onGoToConnections}
          >
            Go to Connections
          </button>
        ) : null}
      </div>
    );
  }

  const selected = connections.some((c) => c.id === chosen) ? chosen : connections[0].id;

  async function save() {
    setSaving(true);
    setError(null);
    try {
      const saved = await linkBusinessUnit(unit.cxone_connection_id, selected);
      setChanging(false);
      onLinked(saved);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="card link-picker" data-testid="link-picker">
      <div className="inline-field link-picker-row">
        <label htmlFor={`${ids}-connection`} className="field-label">
          Link {unit.label} to:
        </label>
        <select
          id={`${ids}-connection`}
          className="select"
          data-testid="link-connection"
          value={selected}
          disabled={saving || disabled}
          onChange={(event) => setChosen(event.target.value)}
        >
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-small btn-primary"
          data-testid="link-save"
          disabled={saving || disabled}
          onClick={() => void save()}
        >
          {saving ? "Linking…" : "Link"}
        </button>
        {link ? (
          <button
            type="button"
            className="btn btn-small btn-secondary"
            data-testid="link-cancel"
            disabled={saving}
            onClick={() => setChanging(false)}
          >
            Cancel
          </button>
        ) : null}
      </div>
      {link ? null : (
        <p className="muted link-hint">
          {unit.label} is not linked to a {label} connection yet: its users are mapped to the accounts of the
          connection you link.
        </p>
      )}
      {error ? (
        <p className="inline-error" role="alert" data-testid="link-error">
          {error.message}
        </p>
      ) : null}
    </div>
  );
}
