import { Fragment, useCallback, useEffect, useRef, useState } from "react";

import { formatChange, formatCount, formatDateTime, formatDuration } from "../format";
import {
  listRuns,
  runAudit,
  type ApiError,
  type AuditEntry,
  type SyncRun,
} from "../platform";
import {
  AUDIT_ACTION_LABELS,
  ENTITY_LABELS,
  RUN_KIND_LABELS,
  runPhases,
  runSource,
  runStatusLabel,
} from "./labels";

type ListState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; runs: SyncRun[] };

type AuditState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; entries: AuditEntry[] };

/** More entries than this are summarised rather than put in the DOM. */
export const AUDIT_DISPLAY_LIMIT = 1000;

const STATUS_CLASSES: Record<string, string> = {
  succeeded: "badge-ok",
  failed: "badge-failed",
  cancelled: "badge-muted",
  running: "badge-neutral",
};

export function HistoryScreen() {
  const [list, setList] = useState<ListState>({ status: "loading" });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [audit, setAudit] = useState<AuditState | null>(null);
  const mounted = useRef(true);
  const auditTicket = useRef(0);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const load = useCallback(async (quiet: boolean) => {
    if (!quiet) setList({ status: "loading" });
    try {
      const runs = await listRuns();
      if (mounted.current) setList({ status: "ready", runs });
    } catch (error) {
      if (mounted.current) setList({ status: "error", error: error as ApiError });
    }
  }, []);

  useEffect(() => {
    void load(false);
  }, [load]);

  async function showAudit(run: SyncRun) {
    const id = String(run.id);
    const ticket = ++auditTicket.current;
    setSelectedId(id);
    setAudit({ status: "loading" });
    try {
      const entries = await runAudit(run.id);
      if (mounted.current && ticket === auditTicket.current) {
        setAudit({ status: "ready", entries });
      }
    } catch (error) {
      if (mounted.current && ticket === auditTicket.current) {
        setAudit({ status: "error", error: error as ApiError });
      }
    }
  }

  const runs = list.status === "ready" ? list.runs : [];
  const selectedRun = runs.find((r) => String(r.id) === selectedId) ?? null;

  let body;
  if (list.status === "loading") {
    body = (
      <div className="card state-card" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        Loading runs…
      </div>
    );
  } else if (list.status === "error") {
    body = (
      <div className="card state-card state-error">
        <p role="alert" className="inline-error">
          {list.error.message}
        </p>
        <button type="button" className="btn btn-secondary" onClick={() => void load(false)}>
          Retry
        </button>
      </div>
    );
  } else if (runs.length === 0) {
    body = (
      <div className="card state-card" data-testid="history-empty">
        No runs yet.
      </div>
    );
  } else {
    body = (
      <div className="card table-card history-card">
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col" className="cell-fill">
                Connection
              </th>
              <th scope="col">Status</th>
              <th scope="col" className="num col-medium">
                Fetched
              </th>
              <th scope="col" className="num">
                Created
              </th>
              <th scope="col" className="num">
                Updated
              </th>
              <th scope="col" className="num col-wide">
                Unchanged
              </th>
              <th scope="col" className="num col-wide">
                Missing upstream
              </th>
              <th scope="col" className="num">
                Duration
              </th>
              <th scope="col" className="col-actions">
                <span className="visually-hidden">Details</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => {
              const id = String(run.id);
              const isSelected = id === selectedId;
              const label = `${RUN_KIND_LABELS[run.kind]} of ${formatDateTime(run.started_at)}`;
              const phases = runPhases(run);
              return (
                <Fragment key={id}>
                  <tr
                    data-testid="run-row"
                    data-id={id}
                    className={`clickable${isSelected ? " is-selected" : ""}${run.error ? " has-detail" : ""}`}
                    onClick={() => void showAudit(run)}
                  >
                    <td className="nowrap run-cell">
                      <span className="run-started">{formatDateTime(run.started_at)}</span>
                      <span className="muted run-what">
                        <span data-testid="run-kind">{RUN_KIND_LABELS[run.kind]}</span>
                        {" · "}
                        <span data-testid="run-entity">{run.entity ? ENTITY_LABELS[run.entity] : "—"}</span>
                      </span>
                    </td>
                    <td className="cell-fill" data-testid="run-source" title={runSource(run)}>
                      {runSource(run)}
                    </td>
                    <td>
                      <span
                        className={`badge ${STATUS_CLASSES[run.status] ?? "badge-neutral"}`}
                        data-testid="run-status"
                      >
                        {runStatusLabel(run.status)}
                      </span>
                    </td>
                    <td className="num col-medium">{formatCount(run.fetched)}</td>
                    <td className="num">{formatCount(run.created)}</td>
                    <td className="num">{formatCount(run.updated)}</td>
                    <td className="num col-wide">{formatCount(run.unchanged)}</td>
                    <td className="num col-wide">{formatCount(run.missing_upstream)}</td>
                    <td className="num nowrap" title={phases ?? undefined}>
                      {run.duration_ms === null ? "—" : formatDuration(run.duration_ms)}
                    </td>
                    <td className="col-actions">
                      <button
                        type="button"
                        className="btn btn-small btn-secondary"
                        data-testid="run-details"
                        aria-label={`Details of the ${label}`}
                        aria-expanded={isSelected}
                        aria-controls="audit-panel"
                        onClick={(event) => {
                          event.stopPropagation();
                          void showAudit(run);
                        }}
                      >
                        Details
                      </button>
                    </td>
                  </tr>
                  {run.error ? (
                    <tr className={`detail-row${isSelected ? " is-selected" : ""}`}>
                      <td colSpan={10}>
                        <p className="inline-error run-error" data-testid="run-error" title={run.error}>
                          {run.error}
                        </p>
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <section className="screen" aria-labelledby="screen-title">
      <header className="screen-header">
        <div>
          <h1 id="screen-title">History</h1>
          <p className="screen-subtitle">Every sync run, newest first, with the changes it made.</p>
        </div>
        <div className="toolbar">
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="history-refresh"
            disabled={list.status === "loading"}
            onClick={() => void load(true)}
          >
            Refresh
          </button>
        </div>
      </header>

      {body}

      {selectedRun && audit ? <AuditPanel run={selectedRun} audit={audit} /> : null}
    </section>
  );
}

function AuditPanel({ run, audit }: { run: SyncRun; audit: AuditState }) {
  const title = `Changes of the ${RUN_KIND_LABELS[run.kind].toLowerCase()} of ${formatDateTime(run.started_at)}`;
  const phases = runPhases(run);
  let content;
  if (audit.status === "loading") {
    content = (
      <p className="state-inline" role="status">
        <span className="spinner" aria-hidden="true" /> Loading changes…
      </p>
    );
  } else if (audit.status === "error") {
    content = (
      <p className="inline-error" role="alert">
        {audit.error.message}
      </p>
    );
  } else if (audit.entries.length === 0) {
    content = <p className="muted">This run changed no records.</p>;
  } else {
    const shown = audit.entries.slice(0, AUDIT_DISPLAY_LIMIT);
    content = (
      <>
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">Record ID</th>
              <th scope="col">Name</th>
              <th scope="col">Action</th>
              <th scope="col">Changes</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry, index) => (
              <tr key={`${entry.record_id}-${index}`} data-testid="audit-row" data-id={entry.record_id}>
                <td className="cell-mono">{entry.record_id}</td>
                <td>{entry.name}</td>
                <td>{AUDIT_ACTION_LABELS[entry.action]}</td>
                <td>
                  {entry.changes.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <ul className="change-list">
                      {entry.changes.map((change, i) => (
                        <li key={`${change.field}-${i}`} data-testid="audit-change">
                          {formatChange(change)}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {audit.entries.length > shown.length ? (
          <p className="muted audit-more" data-testid="audit-more">
            Showing the first {formatCount(shown.length)} of {formatCount(audit.entries.length)}{" "}
            changes.
          </p>
        ) : null}
      </>
    );
  }
  return (
    <section
      id="audit-panel"
      className="card audit-panel"
      aria-labelledby="audit-title"
      data-testid="audit-panel"
    >
      <h2 id="audit-title" className="audit-title">
        {title}
      </h2>
      <RunFacts run={run} />
      {phases ? (
        <p className="muted" data-testid="run-phases">
          {phases[0].toUpperCase() + phases.slice(1)}.
        </p>
      ) : null}
      {content}
    </section>
  );
}

/** Every figure of the run, including those the list leaves out in a narrow window. */
function RunFacts({ run }: { run: SyncRun }) {
  const facts: Array<[string, string]> = [
    ["Kind", RUN_KIND_LABELS[run.kind]],
    ["Source", runSource(run)],
    ["Entity", run.entity ? ENTITY_LABELS[run.entity] : "—"],
    ["Status", runStatusLabel(run.status)],
    ["Fetched", formatCount(run.fetched)],
    ["Created", formatCount(run.created)],
    ["Updated", formatCount(run.updated)],
    ["Unchanged", formatCount(run.unchanged)],
    ["Missing upstream", formatCount(run.missing_upstream)],
    ["Duration", run.duration_ms === null ? "—" : formatDuration(run.duration_ms)],
  ];
  return (
    <>
      <dl className="run-facts" data-testid="run-facts">
        {facts.map(([label, value]) => (
          <div key={label} className="run-fact">
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {run.error ? (
        <p className="inline-error run-facts-error" data-testid="run-facts-error">
          {run.error}
        </p>
      ) : null}
    </>
  );
}
