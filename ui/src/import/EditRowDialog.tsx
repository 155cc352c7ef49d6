import { useEffect, useId, useRef, useState } from "react";

import { Modal } from "../components/Modal";
import { formatChange } from "../format";
import {
  importEdit,
  type ApiError,
  type UserImportColumn,
  type UserImportEdit,
  type UserImportRow,
} from "../platform";
import { ACTION_LABELS, FIELD_LABELS, findingText } from "./importText";

type Props = {
  row: UserImportRow;
  /** The file's columns, as mapped (one input each). */
  columns: readonly UserImportColumn[];
  onClose: () => void;
  /** Called once after a save with the last edit (its summary counts every cell saved). */
  onEdited: (edit: UserImportEdit) => void;
};

function cellsOf(row: UserImportRow, width: number): string[] {
  return Array.from({ length: width }, (_, i) => row.cells[i] ?? "");
}

/**
 * One row of the dry run, cell by cell. Save sends each changed cell (the row is checked again
 * at once); a row still invalid stays open with its findings, a valid one closes.
 */
export function EditRowDialog({ row, columns, onClose, onEdited }: Props) {
  const ids = useId();
  const titleId = `${ids}-title`;
  const width = Math.max(columns.length, row.cells.length);
  const [current, setCurrent] = useState(row);
  const [values, setValues] = useState(() => cellsOf(row, width));
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const stored = cellsOf(current, width);
  const changed = values
    .map((value, column) => ({ column, value }))
    .filter(({ column, value }) => value !== stored[column]);

  async function save() {
    if (saving || changed.length === 0) return;
    setSaving(true);
    setError(null);
    let last: UserImportEdit | null = null;
    let failure: ApiError | null = null;
    try {
      // In order, one cell at a time: each edit checks the row again with the cells before it.
      for (const { column, value } of changed) {
        last = await importEdit(row.index, column, value);
      }
    } catch (reason) {
      failure = reason as ApiError;
    }
    if (last) onEdited(last);
    if (!mounted.current) return;
    setSaving(false);
    if (last) {
      setCurrent(last.row);
      setSaved(true);
    }
    if (failure) {
      setError(failure);
      return;
    }
    if (last && last.row.action !== "invalid") onClose();
  }

  // Each column's findings: their ids (the input is described by them) and whether one is an error.
  const findingsByColumn = new Map<string, { ids: string[]; error: boolean }>();
  current.findings.forEach((finding, index) => {
    if (!finding.column) return;
    const key = finding.column.trim();
    const entry = findingsByColumn.get(key) ?? { ids: [], error: false };
    entry.ids.push(`${ids}-finding-${index}`);
    entry.error ||= !finding.warning;
    findingsByColumn.set(key, entry);
  });
  const headerOf = (column: number) => columns[column]?.header.trim() || `Column ${column + 1}`;
  const firstError = values.findIndex((_, column) => findingsByColumn.get(headerOf(column))?.error);
  const focusColumn = Math.max(0, firstError);

  return (
    <Modal titleId={titleId} onClose={onClose} className="modal-edit-row">
      <div className="map-user" data-testid="edit-dialog">
        <div className="modal-header">
          <h2 id={titleId}>Edit row {row.line}</h2>
          <p className="modal-subtitle">
            <span className={`badge badge-action badge-action-${current.action}`} data-testid="edit-action">
              {ACTION_LABELS[current.action]}
            </span>{" "}
            {current.email || "No email"}
          </p>
        </div>
        <form
          className="modal-form"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <div className="modal-body">
            {current.findings.length > 0 ? (
              <ul className="edit-findings" data-testid="edit-findings" aria-label="Problems in this row">
                {current.findings.map((finding, index) => (
                  <li
                    key={index}
                    id={`${ids}-finding-${index}`}
                    className={finding.warning ? "finding finding-warning" : "finding finding-error"}
                    data-testid="edit-finding"
                    data-kind={finding.warning ? "warning" : "error"}
                  >
                    <span aria-hidden="true">{finding.warning ? "⚠ " : "✗ "}</span>
                    {findingText(finding)}
                  </li>
                ))}
              </ul>
            ) : current.changes.length > 0 ? (
              <ul className="edit-findings change-list" data-testid="edit-changes" aria-label="Changes">
                {current.changes.map((change, index) => (
                  <li key={index}>{formatChange(change)}</li>
                ))}
              </ul>
            ) : null}
            {saved && current.action === "invalid" && !saving ? (
              <p className="form-error" role="status" data-testid="edit-still-invalid">
                The row is still invalid: correct the cells named above.
              </p>
            ) : null}

            <div className="edit-cells">
              {values.map((value, column) => {
                const mapping = columns[column];
                const header = headerOf(column);
                const problems = findingsByColumn.get(header);
                const state = problems ? (problems.error ? " has-error" : " has-warning") : "";
                return (
                  <div key={column} className={`field${state}`}>
                    <label htmlFor={`${ids}-cell-${column}`} className="field-label">
                      {header}
                    </label>
                    <input
                      id={`${ids}-cell-${column}`}
                      data-testid={`edit-cell-${column}`}
                      data-autofocus={column === focusColumn ? "" : undefined}
                      value={value}
                      autoComplete="off"
                      spellCheck={false}
                      aria-invalid={problems?.error ? true : undefined}
                      aria-describedby={
                        [problems?.ids.join(" "), `${ids}-hint-${column}`].filter(Boolean).join(" ")
                      }
                      onChange={(event) => {
                        const next = [...values];
                        next[column] = event.target.value;
                        setValues(next);
                      }}
                    />
                    <span id={`${ids}-hint-${column}`} className="muted field-hint">
                      {mapping?.field ? `Imported as ${FIELD_LABELS[mapping.field]}` : "Not imported"}
                    </span>
                  </div>
                );
              })}
            </div>

            {error ? (
              <p className="form-error" role="alert" data-testid="edit-error">
                {error.message}
              </p>
            ) : null}
          </div>
          <div className="modal-footer">
            <button type="button" className="btn btn-secondary" onClick={onClose}>
              Close
            </button>
            <button
              type="submit"
              className="btn btn-primary"
              data-testid="edit-save"
              disabled={saving || changed.length === 0}
            >
              {saving ? "Saving…" : "Save"}
            </button>
          </div>
        </form>
      </div>
    </Modal>
  );
}
