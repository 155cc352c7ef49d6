// Long on purpose: the whole Synchronize flow (fetch, review, Add Selected) as one state machine; its
// table is PlanList.tsx.
import { useCallback, useEffect, useId, useMemo, useReducer, useRef, useState } from "react";

import { NextStepCard } from "../components/NextStepCard";
import { ProgressBar } from "../components/ProgressBar";
import { useToasts } from "../components/Toasts";
import { ENTITY_ORDER, ENTITY_SPECS } from "../entities";
import { formatCount } from "../format";
import { useCancellableJob } from "../jobs/useCancellableJob";
import {
  applyPlan,
  cancelSync,
  discardPlan,
  fetchPlan,
  listConnections,
  openLogFolder,
  type ApiError,
  type ApplyResult,
  type Connection,
  type Entity,
  type PlanRow,
  type PlanStatus,
  type Selection,
  type SyncPlan,
} from "../platform";
import type { ScreenId } from "../screens";
import { PlanList, STATUS_LABELS, type WrittenStatus } from "./PlanList";
import { progressText } from "./progress";

type ConnectionsState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; connections: Connection[] };

type Op = "fetch" | "apply";
/** What the running job is: the label of `useCancellableJob`. */
type Job = { op: Op; entity: Entity };
type FetchRequest = { connectionId: string; entity: Entity; full: boolean };
type StatusFilter = "all" | Exclude<PlanStatus, WrittenStatus>;

const STATUS_FILTERS: StatusFilter[] = ["all", "new", "changed", "unchanged", "missing_upstream"];

const ignore = () => {};

type Props = {
  /** Opens another screen (Connections when there is none; Records after Add Selected). */
  onNavigate?: (screen: ScreenId) => void;
};

/**
 * The rows an Add Selected wrote, as the core marks them in the plan it keeps: a new row is now
 * added, a changed one updated; neither can be picked again (unchanged rows stay as they were).
 */
export function markWritten(
  rows: readonly PlanRow[],
  ids: ReadonlySet<string>,
  written: ReadonlyMap<string, WrittenStatus>,
): Map<string, WrittenStatus> {
  const next = new Map(written);
  for (const row of rows) {
    if (!ids.has(row.id) || next.has(row.id)) continue;
    if (row.status === "new") next.set(row.id, "added");
    else if (row.status === "changed") next.set(row.id, "updated");
  }
  return next;
}

const NO_WRITTEN: ReadonlyMap<string, WrittenStatus> = new Map();

export function SynchronizeScreen({ onNavigate }: Props) {
  const ids = useId();
  const toasts = useToasts();
  const [connections, setConnections] = useState<ConnectionsState>({ status: "loading" });
  const [connectionId, setConnectionId] = useState("");
  const [full, setFull] = useState(true);
  const { busy, run, cancel: cancelJob } = useCancellableJob<Job>(cancelSync);
  const [plan, setPlan] = useState<SyncPlan | null>(null);
  const [failure, setFailure] = useState<{ op: Op; entity: Entity; error: ApiError } | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const [result, setResult] = useState<{ entity: Entity; result: ApplyResult } | null>(null);
  const [lastRequest, setLastRequest] = useState<FetchRequest | null>(null);
  const [logError, setLogError] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [statusFilter, setStatusFilter] = useState<StatusFilter>("all");
  // Rows of this plan written by an earlier Add Selected (the plan keeps its fetched statuses,
  // which the filter uses, so a written row stays where it was, shown as added).
  const [written, setWritten] = useState<ReadonlyMap<string, WrittenStatus>>(NO_WRITTEN);
  // The selection lives in a mutable Set (cheap for 100,000 ids); `bump` re-renders.
  const selectedRef = useRef(new Set<string>());
  const [, bump] = useReducer((n: number) => n + 1, 0);

  const mounted = useRef(true);
  const planIdRef = useRef<string | null>(null);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      if (planIdRef.current) {
        void discardPlan(planIdRef.current).catch(ignore);
        planIdRef.current = null;
      }
      // A job still running is cancelled by useCancellableJob.
    };
  }, []);

  useEffect(() => {
    listConnections().then(
      (all) => {
        if (!mounted.current) return;
        const cxone = all.filter((c) => c.settings.kind === "cxone");
        setConnections({ status: "ready", connections: cxone });
        setConnectionId((current) => current || cxone[0]?.id || "");
      },
      (error: ApiError) => {
        if (mounted.current) setConnections({ status: "error", error });
      },
    );
  }, []);

  const clearSelection = useCallback(() => {
    selectedRef.current = new Set();
    bump();
  }, []);

  const startFetch = useCallback(
    async (request: FetchRequest) => {
      const outcome = await run(
        (onProgress) => {
          if (planIdRef.current) {
            void discardPlan(planIdRef.current).catch(ignore);
            planIdRef.current = null;
          }
          setPlan(null);
          setResult(null);
          setFailure(null);
          setCancelled(false);
          setLogError(null);
          setQuery("");
          setStatusFilter("all");
          setWritten(NO_WRITTEN);
          clearSelection();
          setLastRequest(request);
          return fetchPlan(request.connectionId, request.entity, request.full, onProgress);
        },
        { op: "fetch", entity: request.entity },
      );
      if (outcome.status === "refused") return;
      if (!mounted.current) {
        if (outcome.status === "done") void discardPlan(outcome.value.plan_id).catch(ignore);
        return;
      }
      if (outcome.status === "done") {
        planIdRef.current = outcome.value.plan_id;
        setPlan(outcome.value);
      } else if (outcome.status === "cancelled") {
        setCancelled(true);
      } else {
        setFailure({ op: "fetch", entity: request.entity, error: outcome.error });
      }
    },
    [clearSelection, run],
  );

  // Everything derived from the plan is computed once per plan, not per keystroke.
  const planIndex = useMemo(() => {
    const rows = plan?.rows ?? [];
    const haystacks = rows.map((r) => `${r.name}\u0000${r.detail}\u0000${r.id}`.toLowerCase());
    const counts: Record<StatusFilter, number> = {
      all: rows.length,
      new: 0,
      changed: 0,
      unchanged: 0,
      missing_upstream: 0,
    };
    for (const row of rows) {
      if (row.status in counts) counts[row.status as StatusFilter] += 1;
    }
    return { rows, haystacks, counts };
  }, [plan]);

  const isSelectable = useCallback(
    (row: PlanRow) => row.status !== "missing_upstream" && !written.has(row.id),
    [written],
  );
  const selectable = useMemo(
    () => planIndex.rows.filter(isSelectable).length,
    [planIndex, isSelectable],
  );

  const needle = query.trim().toLowerCase();
  const filterActive = needle !== "" || statusFilter !== "all";

  const visibleRows = useMemo(() => {
    const { rows, haystacks } = planIndex;
    if (!needle && statusFilter === "all") return rows;
    const out: PlanRow[] = [];
    for (let i = 0; i < rows.length; i += 1) {
      if (statusFilter !== "all" && rows[i].status !== statusFilter) continue;
      if (needle && !haystacks[i].includes(needle)) continue;
      out.push(rows[i]);
    }
    return out;
  }, [planIndex, needle, statusFilter]);

  const selected = selectedRef.current;
  const selectedCount = selected.size;

  function toggle(row: PlanRow) {
    if (!isSelectable(row)) return;
    if (selected.has(row.id)) selected.delete(row.id);
    else selected.add(row.id);
    bump();
  }

  function selectAll() {
    for (const row of visibleRows) {
      if (isSelectable(row)) selected.add(row.id);
    }
    bump();
  }

  function buildSelection(): Selection {
    // "All" is every row not written yet, as the core counts it.
    if (!filterActive && selected.size === selectable) return { kind: "all" };
    // Plan order, so the backend writes (and the audit lists) rows as they were shown.
    return { kind: "ids", ids: planIndex.rows.filter((r) => selected.has(r.id)).map((r) => r.id) };
  }

  async function addSelected() {
    if (!plan || selected.size === 0) return;
    const applying = plan;
    const chosen = new Set(selected);
    const outcome = await run(
      (onProgress) => {
        setFailure(null);
        setCancelled(false);
        setLogError(null);
        return applyPlan(applying.plan_id, buildSelection(), onProgress);
      },
      { op: "apply", entity: applying.entity },
    );
    if (outcome.status === "refused") return;
    if (!mounted.current) return;
    if (outcome.status === "done") {
      // The plan stays (the core keeps it too): the written rows show as added, the filter and
      // the scroll position stay, and another batch can be added without fetching again.
      const value = outcome.value;
      setResult({ entity: applying.entity, result: value });
      setWritten((current) => markWritten(applying.rows, chosen, current));
      clearSelection();
      toasts.show({
        message: addedMessage(applying.entity, value),
        action: onNavigate ? { label: "Open Records", run: () => onNavigate("records") } : undefined,
      });
    } else if (outcome.status === "cancelled") {
      setCancelled(true);
    } else {
      setFailure({ op: "apply", entity: applying.entity, error: outcome.error });
    }
  }

  async function cancel() {
    // Null unless the cancel failed while the job still runs: then say why.
    const error = await cancelJob();
    if (error) setLogError(error.message);
  }

  async function openLogs() {
    setLogError(null);
    try {
      await openLogFolder();
    } catch (reason) {
      if (mounted.current) setLogError((reason as ApiError).message);
    }
  }

  // ---------- rendering ----------

  const connectionList = connections.status === "ready" ? connections.connections : [];
  const canFetch = connectionId !== "" && busy === null;

  let picker;
  if (connections.status === "loading") {
    picker = (
      <div className="card state-card" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        Loading connections…
      </div>
    );
  } else if (connections.status === "error") {
    picker = (
      <div className="card state-card state-error">
        <p role="alert" className="inline-error">
          {connections.error.message}
        </p>
      </div>
    );
  } else if (connectionList.length === 0) {
    picker = (
      <NextStepCard
        testId="sync-no-connections"
        to="connections"
        label="Go to Connections"
        buttonTestId="go-to-connections"
        onNavigate={onNavigate}
      >
        Synchronize pulls from a NICE CXone tenant. Add a CXone connection on the <strong>Connections</strong>{" "}
        screen first — or explore with the demo tenant there.
      </NextStepCard>
    );
  } else {
    picker = (
      <div className="card sync-controls">
        <div className="sync-options">
          <div className="field">
            <label htmlFor={`${ids}-connection`} className="field-label">
              CXone connection
            </label>
            <select
              id={`${ids}-connection`}
              data-testid="sync-connection"
              value={connectionId}
              disabled={busy !== null}
              onChange={(event) => setConnectionId(event.target.value)}
            >
              {connectionList.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                  {c.is_demo ? " (demo)" : ""}
                </option>
              ))}
            </select>
          </div>
          <label className="checkbox-label" title="Unchecked: only records changed since the last pull.">
            <input
              type="checkbox"
              data-testid="sync-full"
              checked={full}
              disabled={busy !== null}
              onChange={(event) => setFull(event.target.checked)}
            />
            Full pull
            <span className="muted">{full ? "" : " — only records changed since the last pull"}</span>
          </label>
        </div>
        <div className="entity-buttons" role="group" aria-label="Fetch from CXone">
          {ENTITY_ORDER.map((entity) => {
            const active = (busy?.label.entity ?? plan?.entity ?? lastRequest?.entity) === entity;
            return (
              <button
                key={entity}
                type="button"
                className={`btn entity-button${active ? " active" : ""}`}
                data-testid={`entity-${entity}`}
                disabled={!canFetch}
                onClick={() => void startFetch({ connectionId, entity, full })}
              >
                {ENTITY_SPECS[entity].label}
              </button>
            );
          })}
        </div>
      </div>
    );
  }

  const busySpec = busy ? ENTITY_SPECS[busy.label.entity] : null;
  const progressTotal =
    busy?.progress && busy.progress.total !== null ? busy.progress.total : null;

  return (
    <section className="screen" aria-labelledby="screen-title">
      <header className="screen-header">
        <div>
          <h1 id="screen-title">Synchronize</h1>
          <p className="screen-subtitle">
            Fetch from CXone, review what would change, then add the records you pick. Nothing is
            ever deleted.
          </p>
        </div>
      </header>

      {picker}

      {busy && busySpec ? (
        <div className="card sync-busy" data-testid="sync-busy">
          <ProgressBar
            testId="sync-progress"
            name={`${busy.label.op === "fetch" ? "Fetching" : "Writing"} ${busySpec.noun}`}
            text={progressText(busy.label.op, busySpec.noun, busy.progress)}
            done={busy.progress ? busy.progress.done : 0}
            total={progressTotal}
          />
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="cancel-sync"
            disabled={busy.cancelling}
            onClick={() => void cancel()}
          >
            {busy.cancelling ? "Cancelling…" : "Cancel"}
          </button>
        </div>
      ) : null}

      {cancelled ? (
        <div className="card notice" role="status" data-testid="sync-cancelled">
          Cancelled — nothing was written.
        </div>
      ) : null}

      {failure ? (
        <div className="result result-failed sync-error" role="alert" data-testid="sync-error">
          <p className="result-title">
            <span aria-hidden="true">✗ </span>
            {failure.op === "fetch"
              ? `Could not fetch ${ENTITY_SPECS[failure.entity].noun}`
              : `Could not write ${ENTITY_SPECS[failure.entity].noun}`}
          </p>
          <p className="result-message">{failure.error.message}</p>
          <div className="result-actions">
            <button
              type="button"
              className="btn btn-small btn-secondary"
              data-testid="sync-open-logs"
              onClick={() => void openLogs()}
            >
              Open log folder
            </button>
            {failure.op === "fetch" && lastRequest ? (
              <button
                type="button"
                className="btn btn-small btn-secondary"
                data-testid="sync-retry"
                disabled={busy !== null}
                onClick={() => void startFetch(lastRequest)}
              >
                Try again
              </button>
            ) : null}
          </div>
        </div>
      ) : null}

      {logError ? (
        <p className="inline-error" role="alert">
          {logError}
        </p>
      ) : null}

      {result ? (
        <ApplyResultPanel
          entity={result.entity}
          result={result.result}
          refreshing={busy !== null}
          onRefresh={lastRequest ? () => void startFetch(lastRequest) : undefined}
        />
      ) : null}

      {plan ? (
        <div className="plan" data-testid="plan">
          <div className="plan-summary-block">
            <p className="plan-summary" data-testid="plan-summary">
              <span>Fetched {formatCount(plan.summary.fetched)}</span>
              <span aria-hidden="true"> · </span>
              <span>New {formatCount(plan.summary.new)}</span>
              <span aria-hidden="true"> · </span>
              <span>Changed {formatCount(plan.summary.changed)}</span>
              <span aria-hidden="true"> · </span>
              <span>Unchanged {formatCount(plan.summary.unchanged)}</span>
              <span aria-hidden="true"> · </span>
              <span>Missing upstream {formatCount(plan.summary.missing_upstream)}</span>
              {written.size > 0 ? (
                <>
                  <span aria-hidden="true"> · </span>
                  <span data-testid="plan-written">Written {formatCount(written.size)}</span>
                </>
              ) : null}
              <span className="badge badge-neutral plan-kind">
                {plan.summary.incremental ? "Incremental" : "Full pull"}
              </span>
            </p>
            {plan.summary.notes.map((note, index) => (
              <p key={index} className="plan-note" data-testid="plan-note">
                <span aria-hidden="true">ℹ </span>
                {note}
              </p>
            ))}
          </div>

          <div className="plan-toolbar">
            <input
              type="search"
              className="search-input"
              data-testid="plan-filter"
              aria-label="Filter by name, detail or ID"
              placeholder="Filter by name, detail or ID"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
            />
            <div className="chips" role="group" aria-label="Filter by status">
              {STATUS_FILTERS.map((status) => (
                <button
                  key={status}
                  type="button"
                  className={`chip${statusFilter === status ? " active" : ""}`}
                  aria-pressed={statusFilter === status}
                  data-testid={`status-chip-${status}`}
                  onClick={() => setStatusFilter(status)}
                >
                  {status === "all" ? "All" : STATUS_LABELS[status]}{" "}
                  <span className="chip-count">{formatCount(planIndex.counts[status])}</span>
                </button>
              ))}
            </div>
          </div>

          <div className="plan-actions">
            <span className="muted" data-testid="plan-shown">
              {filterActive
                ? `Showing ${formatCount(visibleRows.length)} of ${formatCount(planIndex.rows.length)}`
                : `${formatCount(planIndex.rows.length)} records`}
              {" · "}
              {formatCount(selectedCount)} selected
            </span>
            <div className="toolbar">
              <button
                type="button"
                className="btn btn-small btn-secondary"
                data-testid="select-all"
                disabled={busy !== null}
                onClick={selectAll}
              >
                Select All
              </button>
              <button
                type="button"
                className="btn btn-small btn-secondary"
                data-testid="clear-all"
                disabled={busy !== null || selectedCount === 0}
                onClick={clearSelection}
              >
                Clear All
              </button>
              <button
                type="button"
                className="btn btn-small btn-primary"
                data-testid="add-selected"
                disabled={busy !== null || selectedCount === 0}
                onClick={() => void addSelected()}
              >
                Add Selected ({formatCount(selectedCount)})
              </button>
            </div>
          </div>

          <PlanList
            rows={visibleRows}
            resetKey={`${plan.plan_id}\u0000${statusFilter}\u0000${needle}`}
            written={written}
            selected={selected}
            onToggle={toggle}
            detailLabel={ENTITY_SPECS[plan.entity].detailLabel}
            disabled={busy !== null}
            emptyText={
              planIndex.rows.length > 0
                ? "No records match the filter."
                : plan.summary.incremental
                  ? `No ${ENTITY_SPECS[plan.entity].noun} changed since the last pull.`
                  : `CXone returned no ${ENTITY_SPECS[plan.entity].noun}.`
            }
          />
        </div>
      ) : null}
    </section>
  );
}

/** "Added 3 users to the store", "Added 1 user…", "Added 2 and updated 1 campaigns in the store". */
export function addedMessage(entity: Entity, result: ApplyResult): string {
  const spec = ENTITY_SPECS[entity];
  const noun = (count: number) => (count === 1 ? spec.singular : spec.noun);
  const created = formatCount(result.created);
  if (result.updated === 0) return `Added ${created} ${noun(result.created)} to the store.`;
  if (result.created === 0) return `Updated ${formatCount(result.updated)} ${noun(result.updated)} in the store.`;
  return `Added ${created} and updated ${formatCount(result.updated)} ${spec.noun} in the store.`;
}

function ApplyResultPanel({
  entity,
  result,
  refreshing,
  onRefresh,
}: {
  entity: Entity;
  result: ApplyResult;
  refreshing: boolean;
  onRefresh?: () => void;
}) {
  const spec = ENTITY_SPECS[entity];
  const missing = result.missing_upstream;
  return (
    <div className="result result-ok apply-result" role="status" data-testid="apply-result">
      <p className="result-title">
        <span aria-hidden="true">✓ </span>
        Created {formatCount(result.created)} · Updated {formatCount(result.updated)} · Unchanged{" "}
        {formatCount(result.unchanged)}
        {missing > 0 ? ` · Flagged missing upstream ${formatCount(missing)}` : ""}
      </p>
      <p className="result-message">
        {entity === "users"
          ? `Added to ${spec.group} — passwords are not set yet.`
          : `Added to ${spec.group}.`}
      </p>
      {onRefresh ? (
        <div className="result-actions">
          <button
            type="button"
            className="btn btn-small btn-secondary"
            data-testid="refresh-plan"
            disabled={refreshing}
            onClick={onRefresh}
          >
            Refresh
          </button>
        </div>
      ) : null}
    </div>
  );
}
