import { useEffect, useId, useRef, useState } from "react";

import { Modal } from "../components/Modal";
import { formatCount } from "../format";
import {
  commitMappingImport,
  planMappingImport,
  type ApiError,
  type ImportSummary,
  type MappingLink,
} from "../platform";

/** At most this many rows are listed in the dry run. */
export const IMPORT_ROW_CAP = 500;

export const INVALID_ROWS_HINT =
  "Fix the invalid rows in the file and choose it again — nothing is imported while any row is invalid.";
export const NOTHING_TO_MAP_HINT = "Nothing to import — no row in the file changes a mapping.";

type Props = {
  /** The business unit's link the file's mappings go to. */
  link: MappingLink;
  path: string;
  onClose: () => void;
  /** Called with the number of mappings written after a successful import. */
  onImported: (count: number) => void;
};

/** Dry run of a mappings CSV, then the import itself. */
export function ImportMappingsDialog({ link, path, onClose, onImported }: Props) {
  const ids = useId();
  const titleId = `${ids}-title`;
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [committing, setCommitting] = useState(false);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    planMappingImport(link.id, path).then(
      (plan) => {
        if (mounted.current) setSummary(plan);
      },
      (reason: ApiError) => {
        if (mounted.current) setError(reason);
      },
    );
    return () => {
      mounted.current = false;
    };
  }, [link.id, path]);

  async function commit() {
    if (committing) return;
    setCommitting(true);
    setError(null);
    try {
      const written = await commitMappingImport(link.id, path);
      if (mounted.current) onImported(written);
    } catch (reason) {
      if (mounted.current) setError(reason as ApiError);
    } finally {
      if (mounted.current) setCommitting(false);
    }
  }

  const listed = summary ? summary.rows.filter((r) => r.action !== "unchanged") : [];
  const shown = listed.slice(0, IMPORT_ROW_CAP);
  const blockedBy = !summary
    ? null
    : summary.invalid > 0
      ? INVALID_ROWS_HINT
      : summary.map === 0
        ? NOTHING_TO_MAP_HINT
        : null;
  const canImport = summary !== null && blockedBy === null && !committing;

  return (
    <Modal titleId={titleId} onClose={onClose} className="modal-import">
      <div data-testid="import-dialog" className="map-user">
        <div className="modal-header">
          <h2 id={titleId}>Import mappings — dry run</h2>
          <p className="modal-subtitle">{path}</p>
        </div>
        <div className="modal-body">
          {summary ? (
            <>
              <p data-testid="import-summary">
                {formatCount(summary.map)} to map · {formatCount(summary.unchanged)} unchanged ·{" "}
                {formatCount(summary.invalid)} invalid
              </p>
              {shown.length > 0 ? (
                <div className="table-card import-table">
                  <table className="table table-compact">
                    <thead>
                      <tr>
                        <th scope="col" className="num">
                          Line
                        </th>
                        <th scope="col">User</th>
                        <th scope="col">Account</th>
                        <th scope="col">Message</th>
                      </tr>
                    </thead>
                    <tbody>
                      {shown.map((row) => (
                        <tr
                          key={row.line}
                          data-testid="import-row"
                          data-action={row.action}
                          className={row.action === "invalid" ? "import-invalid" : undefined}
                        >
                          <td className="num">{row.line}</td>
                          <td>{row.user || "—"}</td>
                          <td>{row.account || "—"}</td>
                          <td>
                            {row.action === "invalid" ? (
                              <span className="badge badge-failed">invalid</span>
                            ) : null}{" "}
                            {row.message}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
              {listed.length > shown.length ? (
                <p className="muted" data-testid="import-cap-note">
                  Showing the first {formatCount(shown.length)} of {formatCount(listed.length)}{" "}
                  rows.
                </p>
              ) : null}
              {blockedBy ? (
                <p className="muted" data-testid="import-blocked">
                  {blockedBy}
                </p>
              ) : null}
            </>
          ) : error ? null : (
            <p className="state-inline" role="status">
              <span className="spinner" aria-hidden="true" />
              Reading the file…
            </p>
          )}
          {error ? (
            <p className="form-error" role="alert" data-testid="import-error">
              {error.message}
            </p>
          ) : null}
        </div>
        <div className="modal-footer">
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            data-testid="commit-import"
            disabled={!canImport}
            onClick={() => void commit()}
          >
            {committing ? "Importing…" : "Import"}
          </button>
        </div>
      </div>
    </Modal>
  );
}
