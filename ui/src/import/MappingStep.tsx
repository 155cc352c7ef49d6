import { useEffect, useId, useRef, useState } from "react";

import {
  importSavePreset,
  type ApiError,
  type UserImportColumn,
  type UserImportField,
  type UserImportMode,
  type UserImportPreview,
} from "../platform";
import {
  DELIMITER_CHOICES,
  FIELD_LABELS,
  FIELD_ORDER,
  formatFileFormat,
  isRegion,
  mappingProblems,
  type DelimiterChoice,
} from "./importText";
import "./MappingStep.css";

export type MappingDraft = {
  mappings: UserImportColumn[];
  mode: UserImportMode;
  /** The default country for phone numbers, as typed. */
  region: string;
};

type Props = {
  preview: UserImportPreview;
  draft: MappingDraft;
  onDraftChange: (draft: MappingDraft) => void;
  delimiter: DelimiterChoice;
  onDelimiterChange: (choice: DelimiterChoice) => void;
  /** A dry run (or another command) is running: the controls wait. */
  busy: boolean;
  /** The dry run itself is running (from the click on): its button says so. */
  running?: boolean;
  onDryRun: () => void;
  onDiscard: () => void;
};

type PresetState =
  | { status: "idle" }
  | { status: "saving" }
  | { status: "saved"; name: string }
  | { status: "error"; error: ApiError };

const MODES: ReadonlyArray<{ value: UserImportMode; label: string; testId: string; help: string }> = [
  {
    value: "add",
    label: "Add services only",
    testId: "mode-add",
    help: "TRUE adds the licence; FALSE is ignored; a blank cell means no change.",
  },
  {
    value: "add_remove",
    label: "Add and remove services",
    testId: "mode-add-remove",
    help: "TRUE adds the licence and FALSE removes it; FALSE in both licence columns removes the Contact Center licence; a blank cell means no change.",
  },
];

/** Step 1: how each column is read, the licence mode and the default country. */
export function MappingStep({
  preview,
  draft,
  onDraftChange,
  delimiter,
  onDelimiterChange,
  busy,
  running = false,
  onDryRun,
  onDiscard,
}: Props) {
  const ids = useId();
  const [presetName, setPresetName] = useState(preview.preset ?? "");
  const [preset, setPreset] = useState<PresetState>({ status: "idle" });
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const problems = mappingProblems(draft.mappings);
  const regionOk = isRegion(draft.region);
  const canRun = !busy && problems.length === 0 && regionOk;
  const isWorkbook = preview.format.kind === "xlsx";

  function setField(index: number, field: UserImportField | null) {
    const mappings = draft.mappings.map((m, i) => (i === index ? { ...m, field } : m));
    onDraftChange({ ...draft, mappings });
    setPreset((current) => (current.status === "saved" ? { status: "idle" } : current));
  }

  async function savePreset() {
    const name = presetName.trim();
    if (!name) return;
    setPreset({ status: "saving" });
    try {
      await importSavePreset(name, draft.mappings);
      if (mounted.current) setPreset({ status: "saved", name });
    } catch (error) {
      if (mounted.current) setPreset({ status: "error", error: error as ApiError });
    }
  }

  return (
    <div className="import-step" data-testid="import-mapping-step">
      <div className="card import-file-card">
        <div className="import-file-head">
          <div>
            <h2 className="panel-title" data-testid="import-file">
              {preview.file}
            </h2>
            <p className="muted import-file-meta">
              <span data-testid="import-format">{formatFileFormat(preview.format)}</span>
              <span aria-hidden="true"> · </span>
              <span>
                {preview.headers.length} {preview.headers.length === 1 ? "column" : "columns"}
              </span>
            </p>
          </div>
          {isWorkbook ? null : (
            <div className="inline-field">
              <label htmlFor={`${ids}-delimiter`} className="field-label">
                Delimiter
              </label>
              <select
                id={`${ids}-delimiter`}
                className="select"
                data-testid="import-delimiter"
                value={delimiter}
                disabled={busy}
                onChange={(event) => onDelimiterChange(event.target.value as DelimiterChoice)}
              >
                {DELIMITER_CHOICES.map((choice) => (
                  <option key={choice.value} value={choice.value}>
                    {choice.label}
                  </option>
                ))}
              </select>
            </div>
          )}
        </div>
        {preview.preset ? (
          <p className="import-preset-note" data-testid="import-preset">
            Mapping from preset <strong>{preview.preset}</strong>
          </p>
        ) : null}

        <div className="table-card import-mapping-card">
          <table className="table table-compact" data-testid="import-mapping">
            <thead>
              <tr>
                <th scope="col">Column in the file</th>
                <th scope="col">First values</th>
                <th scope="col">Imported as</th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {draft.mappings.map((mapping, index) => {
                const header = mapping.header.trim() || `Column ${index + 1}`;
                return (
                  <tr key={index} data-testid="mapping-row" className={mapping.field ? undefined : "is-ignored"}>
                    <th scope="row" className="mapping-header" id={`${ids}-header-${index}`}>
                      {header}
                    </th>
                    <td className="mapping-samples-cell">
                      <SampleValues values={preview.samples[index] ?? []} index={index} />
                    </td>
                    <td>
                      <select
                        className="select"
                        data-testid={`mapping-select-${index}`}
                        aria-labelledby={`${ids}-header-${index}`}
                        value={mapping.field ?? ""}
                        disabled={busy}
                        onChange={(event) =>
                          setField(index, (event.target.value || null) as UserImportField | null)
                        }
                      >
                        <option value="">Ignore</option>
                        {FIELD_ORDER.map((field) => (
                          <option key={field} value={field}>
                            {FIELD_LABELS[field]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="mapping-notes">
                      {mapping.suspended ? (
                        <span
                          className="badge badge-warning"
                          data-testid={`mapping-suspended-${index}`}
                          title="The subscription of this licence is suspended: TRUE in this column is an error."
                        >
                          suspended
                        </span>
                      ) : null}
                      {mapping.note ? (
                        <span className="muted" data-testid={`mapping-note-${index}`}>
                          {mapping.note}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        {problems.length > 0 ? (
          <ul className="mapping-problems" data-testid="mapping-problems">
            {problems.map((problem) => (
              <li key={problem} className="inline-error" data-testid="mapping-problem">
                {problem}
              </li>
            ))}
          </ul>
        ) : null}

        <div className="preset-row">
          <div className="inline-field">
            <label htmlFor={`${ids}-preset`} className="field-label">
              Preset name
            </label>
            <input
              id={`${ids}-preset`}
              className="text-input"
              data-testid="preset-name"
              value={presetName}
              placeholder="e.g. Control Hub export"
              onChange={(event) => {
                setPresetName(event.target.value);
                if (preset.status !== "saving") setPreset({ status: "idle" });
              }}
            />
          </div>
          <button
            type="button"
            className="btn btn-small btn-secondary"
            data-testid="preset-save"
            disabled={presetName.trim() === "" || preset.status === "saving"}
            onClick={() => void savePreset()}
          >
            {preset.status === "saving" ? "Saving…" : "Save as preset"}
          </button>
          {preset.status === "saved" ? (
            <span className="export-note" role="status" data-testid="preset-saved">
              Saved preset “{preset.name}”: files with these columns will be mapped the same way.
            </span>
          ) : preset.status === "error" ? (
            <span className="inline-error" role="alert" data-testid="preset-error">
              {preset.error.message}
            </span>
          ) : null}
        </div>
      </div>

      <div className="card import-options">
        <fieldset className="mode-fieldset">
          <legend className="field-label">Licence columns</legend>
          {MODES.map((mode) => (
            <div key={mode.value} className="mode-option">
              <input
                type="radio"
                id={`${ids}-mode-${mode.value}`}
                name={`${ids}-mode`}
                value={mode.value}
                data-testid={mode.testId}
                checked={draft.mode === mode.value}
                disabled={busy}
                aria-describedby={`${ids}-mode-${mode.value}-help`}
                onChange={() => onDraftChange({ ...draft, mode: mode.value })}
              />
              <div>
                <label htmlFor={`${ids}-mode-${mode.value}`} className="mode-label">
                  {mode.label}
                </label>
                <p id={`${ids}-mode-${mode.value}-help`} className="muted mode-help">
                  {mode.help}
                </p>
              </div>
            </div>
          ))}
        </fieldset>

        <div className={`field region-field${regionOk ? "" : " has-error"}`}>
          <label htmlFor={`${ids}-region`} className="field-label">
            Default country for phone numbers
          </label>
          <input
            id={`${ids}-region`}
            data-testid="import-region"
            value={draft.region}
            maxLength={2}
            autoComplete="off"
            spellCheck={false}
            disabled={busy}
            aria-invalid={!regionOk}
            aria-describedby={`${ids}-region-help`}
            onChange={(event) => onDraftChange({ ...draft, region: event.target.value.toUpperCase() })}
          />
          <span id={`${ids}-region-help`} className={regionOk ? "muted field-hint" : "field-error"}>
            {regionOk
              ? "Two-letter code (US, GB, DE…) for numbers written without +country code."
              : "Enter a two-letter country code such as US, GB or DE."}
          </span>
        </div>
      </div>

      <div className="import-actions">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="import-dry-run"
          disabled={!canRun}
          aria-busy={running}
          onClick={onDryRun}
        >
          {running ? (
            <>
              <span className="spinner spinner-light" aria-hidden="true" /> Running dry run…
            </>
          ) : (
            "Run dry run"
          )}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="import-discard"
          disabled={busy}
          onClick={onDiscard}
        >
          Discard
        </button>
        <span className="muted">The dry run checks every row against the store; nothing is written.</span>
      </div>
    </div>
  );
}

/** A column's first values in the file (from the core, already on one line and cut short). */
function SampleValues({ values, index }: { values: readonly string[]; index: number }) {
  if (values.length === 0) {
    return (
      <span className="muted mapping-samples-none" data-testid={`mapping-samples-${index}`}>
        blank in the first rows
      </span>
    );
  }
  return (
    <ul className="mapping-samples" data-testid={`mapping-samples-${index}`} aria-label="First values">
      {values.map((value, i) => (
        <li key={i} className="mapping-sample" title={value} data-testid="mapping-sample">
          {value}
        </li>
      ))}
    </ul>
  );
}
