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
  /** The admin chose Change on the linked unit's line ([`LinkLine`]). */
  changing: boolean;
  onCancel: () => void;
  onLinked: (link: MappingLink) => void;
  onGoToConnections?: () => void;
};

/**
 * Which RingCentral or Webex connection the business unit is mapped to: a picker when it has no
 * link yet (or the admin changes it), a pointer to Connections when there is no connection of the
 * platform. Nothing for a linked unit otherwise (its [`LinkLine`] says which connection).
 */
export function LinkPicker({
  unit,
  platform,
  link,
  connections,
  disabled,
  changing,
  onCancel,
  onLinked,
  onGoToConnections,
}: Props) {
  const ids = useId();
  const label = PLATFORM_LABELS[platform];
  const [chosen, setChosen] = useState(link?.external_connection_id ?? connections[0]?.id ?? "");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  if (link && !changing) return null;

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
            onClick={onCancel}
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

/**
 * The platform connection a linked unit is mapped to, with Change, when the platform has several
 * connections (with one there is nothing to choose). Short, for the screen's header; the full
 * sentence is its title.
 */
export function LinkLine({
  unit,
  link,
  connections,
  disabled,
  onChange,
}: {
  unit: BusinessUnit;
  link: MappingLink;
  connections: Connection[];
  disabled: boolean;
  onChange: () => void;
}) {
  if (connections.length < 2) return null;
  const label = PLATFORM_LABELS[link.platform];
  const sentence = `${unit.label} is mapped to ${label} through ${link.external_connection_name}.`;
  return (
    <p className="link-line muted" data-testid="link-current" title={sentence}>
      <span className="link-line-text">
        <span className="visually-hidden">{sentence}</span>
        <span aria-hidden="true">
          {label} via <strong>{link.external_connection_name}</strong>
        </span>
      </span>
      <button
        type="button"
        className="btn btn-small btn-secondary"
        data-testid="link-change"
        aria-label={`Change the ${label} connection of ${unit.label}`}
        disabled={disabled}
        onClick={onChange}
      >
        Change
      </button>
    </p>
  );
}
