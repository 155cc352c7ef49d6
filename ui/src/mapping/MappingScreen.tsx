// Long on purpose: the whole User Mapping screen (platform, Auto Sync, counts, filters, actions); the
// table, dialogs and schedule are in sibling files.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";

import { Disclosure } from "../components/Disclosure";
import { NextStepCard } from "../components/NextStepCard";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ProgressBar } from "../components/ProgressBar";
import { useToasts } from "../components/Toasts";
import { formatCount } from "../format";
import { useCancellableJob } from "../jobs/useCancellableJob";
import {
  cancelAutoSync,
  chooseCsvOpenPath,
  chooseCsvSavePath,
  exportMappings,
  listConnections,
  listMappings,
  mappingUnits,
  retryUser,
  runAutoSync,
  undoMappingChange,
  unmapUser,
  type ApiError,
  type AutoSyncResult,
  type BusinessUnit,
  type Connection,
  type MappingActionResult,
  type MappingLink,
  type MappingRow,
  type Platform,
} from "../platform";
import type { ScreenId } from "../screens";
import { ImportMappingsDialog } from "./ImportMappingsDialog";
import { LinkLine, LinkPicker } from "./LinkPicker";
import { MapUserDialog } from "./MapUserDialog";
import { MappingTable, type RowAction } from "./MappingTable";
import { PermissionGatePanel } from "./PermissionGatePanel";
import { NoSchedulePanel, SchedulePanel } from "./SchedulePanel";
import {
  COUNT_LABELS,
  COUNT_ORDER,
  PLATFORMS,
  PLATFORM_LABELS,
  STATUS_FILTERS,
  STATUS_FILTER_LABELS,
  autoSyncProgressText,
  autoSyncSummary,
  countStatuses,
  pointsToConnections,
  rowHaystack,
  rowMatches,
  statusGroup,
  type StatusCounts,
  type StatusFilter,
} from "./mapping";
import { linkFor, pickUnit, platformConnections, rememberUnit } from "./units";

/** The list of one link's rows: a list of another link is never shown (see `current`). */
type ListState = { linkId: number | null } & (
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; rows: MappingRow[] }
);

type UnitsState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; units: BusinessUnit[]; connections: Connection[] };

type ExportState =
  | { status: "idle" }
  | { status: "busy" }
  | { status: "done"; rows: number; path: string }
  | { status: "error"; error: ApiError };

type ImportState =
  | { status: "idle" }
  | { status: "choosing" }
  | { status: "open"; link: MappingLink; path: string }
  | { status: "done"; count: number }
  | { status: "error"; error: ApiError };

type Props = {
  /** Opens another screen (Connections for a missing connection, Synchronize for users). */
  onNavigate?: (screen: ScreenId) => void;
};

export function MappingScreen({ onNavigate }: Props) {
  const ids = useId();
  const [platform, setPlatform] = useState<Platform>("ringcentral");
  const [units, setUnits] = useState<UnitsState>({ status: "loading" });
  // The chosen business unit (its CXone connection's id); null: the remembered one, else the first.
  const [unitId, setUnitId] = useState<string | null>(null);
  // The admin chose Change on the link's line: the picker shows until linked or cancelled.
  const [changingLink, setChangingLink] = useState(false);
  const [list, setList] = useState<ListState>({ linkId: null, status: "loading" });
  const [query, setQuery] = useState("");
  const [statusFilter, setStatusFilter] = useState<StatusFilter>("all");
  // Cancel reaches the link whose Auto Sync runs.
  const runningLink = useRef<number>(0);
  const { busy, run, cancel: cancelJob } = useCancellableJob(() => cancelAutoSync(runningLink.current));
  const [result, setResult] = useState<AutoSyncResult | null>(null);
  const [runError, setRunError] = useState<ApiError | null>(null);
  const [cancelled, setCancelled] = useState(false);
  const [exportState, setExportState] = useState<ExportState>({ status: "idle" });
  const [importState, setImportState] = useState<ImportState>({ status: "idle" });
  const [pending, setPending] = useState<ReadonlySet<number>>(new Set());
  const [actionError, setActionError] = useState<{ name: string; error: ApiError } | null>(null);
  const [mapping, setMapping] = useState<MappingRow | null>(null);
  // The row whose Unmap waits for the admin's confirmation.
  const [unmapping, setUnmapping] = useState<MappingRow | null>(null);
  const toasts = useToasts();
  const [scheduleKey, setScheduleKey] = useState(0);
  // The row whose ⋯ button gets focus back when the Map User dialog closes.
  const refocus = useRef<number | null>(null);
  const mounted = useRef(true);
  const request = useRef(0);
  const unitsRequest = useRef(0);

  const unitList = units.status === "ready" ? units.units : [];
  const unit = pickUnit(unitList, unitId);
  const link = linkFor(unit, platform);
  const linkId = link?.id ?? null;
  const linkRef = useRef(linkId);
  linkRef.current = linkId;
  // Rows, errors and loading of the link on screen only: after a switch, the last link's list
  // reads as loading until this link's arrives.
  const current: ListState = list.linkId === linkId ? list : { linkId, status: "loading" };

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      // A running Auto Sync is cancelled by useCancellableJob.
    };
  }, []);

  const loadUnits = useCallback(async () => {
    const ticket = ++unitsRequest.current;
    try {
      const [found, connections] = await Promise.all([mappingUnits(), listConnections()]);
      if (mounted.current && ticket === unitsRequest.current) {
        setUnits({ status: "ready", units: found, connections });
      }
    } catch (error) {
      if (mounted.current && ticket === unitsRequest.current) {
        setUnits({ status: "error", error: error as ApiError });
      }
    }
  }, []);

  useEffect(() => {
    void loadUnits();
  }, [loadUnits]);

  const load = useCallback(async (which: number, quiet = false) => {
    const ticket = ++request.current;
    if (!quiet) setList({ linkId: which, status: "loading" });
    try {
      const rows = await listMappings(which);
      if (mounted.current && ticket === request.current) setList({ linkId: which, status: "ready", rows });
    } catch (error) {
      if (mounted.current && ticket === request.current) {
        setList({ linkId: which, status: "error", error: error as ApiError });
      }
    }
  }, []);

  function chooseUnit(id: string) {
    rememberUnit(id);
    setUnitId(id);
  }

  useEffect(() => {
    setResult(null);
    setRunError(null);
    setCancelled(false);
    setExportState({ status: "idle" });
    setImportState({ status: "idle" });
    setActionError(null);
    setMapping(null);
    setUnmapping(null);
    setChangingLink(false);
    // A list still on its way is of the last link: its answer is dropped.
    request.current += 1;
    if (linkId !== null) void load(linkId);
    // The connection too: a unit linked to another connection has other accounts.
  }, [linkId, link?.external_connection_id, load]);

  // A row's error is about the list it was shown in: a new filter or search drops it.
  useEffect(() => {
    setActionError(null);
  }, [query, statusFilter]);

  const rows = current.status === "ready" ? current.rows : null;

  const index = useMemo(() => {
    const all = rows ?? [];
    const haystacks = all.map(rowHaystack);
    return { all, haystacks, counts: countStatuses(all) };
  }, [rows]);

  const needle = query.trim().toLowerCase();
  // The toast's sentence reads the filter as it is when the change lands.
  const filterRef = useRef({ needle, statusFilter });
  filterRef.current = { needle, statusFilter };
  const visibleRows = useMemo(() => {
    const { all, haystacks } = index;
    if (!needle && statusFilter === "all") return all;
    const out: MappingRow[] = [];
    for (let i = 0; i < all.length; i += 1) {
      if (statusFilter !== "all" && statusGroup(all[i].status) !== statusFilter) continue;
      if (needle && !haystacks[i].includes(needle)) continue;
      out.push(all[i]);
    }
    return out;
  }, [index, needle, statusFilter]);

  /** Puts the changed rows of link `which` in its list (a list of another link is left alone). */
  const replaceRows = useCallback((which: number, updated: readonly MappingRow[]) => {
    const byId = new Map(updated.map((r) => [r.record_id, r]));
    setList((shown) =>
      shown.status === "ready" && shown.linkId === which
        ? {
            linkId: which,
            status: "ready",
            rows: shown.rows.map((r) => byId.get(r.record_id) ?? r),
          }
        : shown,
    );
  }, []);

  /** The toast after Map User, Unmap or Retry, with the Undo that reverses exactly that change. */
  function announce(which: number, result: MappingActionResult) {
    const [row] = result.rows;
    const { needle: currentNeedle, statusFilter: currentFilter } = filterRef.current;
    let message = result.message;
    if (row && !rowMatches(row, currentNeedle, currentFilter)) {
      const why =
        currentFilter !== "all" && statusGroup(row.status) !== currentFilter
          ? `the “${STATUS_FILTER_LABELS[currentFilter]}” filter`
          : "the search";
      message += ` ${row.name} no longer matches ${why}, so the row left the list.`;
    }
    toasts.show({
      message,
      undo: async () => {
        try {
          const undone = await undoMappingChange(result.undo_id);
          if (mounted.current && linkRef.current === which) replaceRows(which, undone.rows);
        } catch (error) {
          // The row changed since: show it as it is now.
          if (mounted.current && linkRef.current === which) void load(which, true);
          throw error;
        }
      },
    });
  }

  function setRowPending(recordId: number, on: boolean) {
    setPending((current) => {
      const next = new Set(current);
      if (on) next.add(recordId);
      else next.delete(recordId);
      return next;
    });
  }

  async function rowCommand(row: MappingRow, command: typeof unmapUser) {
    if (linkId === null) return;
    const which = linkId;
    setActionError(null);
    setRowPending(row.record_id, true);
    try {
      const result = await command(which, row.record_id);
      if (mounted.current && linkRef.current === which) {
        replaceRows(which, result.rows);
        announce(which, result);
      }
    } catch (error) {
      if (mounted.current && linkRef.current === which) {
        setActionError({ name: row.name, error: error as ApiError });
      }
    } finally {
      if (mounted.current) setRowPending(row.record_id, false);
    }
  }

  function onAction(action: RowAction, row: MappingRow) {
    if (action === "map") {
      setActionError(null);
      refocus.current = row.record_id;
      setMapping(row);
    } else if (action === "unmap") {
      setActionError(null);
      setUnmapping(row);
    } else {
      void rowCommand(row, retryUser);
    }
  }

  useEffect(() => {
    if (mapping !== null || refocus.current === null) return;
    const id = refocus.current;
    refocus.current = null;
    document.querySelector<HTMLButtonElement>(`[data-menu-for="${id}"]`)?.focus();
  }, [mapping]);

  async function startAutoSync() {
    if (linkId === null) return;
    const which = linkId;
    const outcome = await run(async (onProgress) => {
      runningLink.current = which;
      setResult(null);
      setRunError(null);
      setCancelled(false);
      // Messages about the list before this run no longer hold.
      setActionError(null);
      setExportState({ status: "idle" });
      setImportState((current) => (current.status === "open" ? current : { status: "idle" }));
      const done = await runAutoSync(which, onProgress);
      // The run stays busy until the list shows what it mapped.
      if (mounted.current) {
        setResult(done);
        await load(which, true);
      }
      return done;
    });
    if (outcome.status === "refused" || !mounted.current) return;
    if (outcome.status !== "done") {
      if (outcome.status === "cancelled") setCancelled(true);
      else setRunError(outcome.error);
      // A cancelled or failed run may have mapped some users already.
      void load(which, true);
    }
    setScheduleKey((n) => n + 1);
  }

  async function cancel() {
    // Null unless the cancel failed while the run goes on: then say why.
    const error = await cancelJob();
    if (error) setRunError(error);
  }

  async function onExport() {
    if (link === null) return;
    const which = link;
    setExportState({ status: "busy" });
    try {
      const path = await chooseCsvSavePath(exportFileName(which, unitList.length > 1));
      if (path === null) {
        if (mounted.current) setExportState({ status: "idle" });
        return;
      }
      const written = await exportMappings(which.id, path);
      if (mounted.current) setExportState({ status: "done", rows: written, path });
    } catch (error) {
      if (mounted.current) setExportState({ status: "error", error: error as ApiError });
    }
  }

  async function onImport() {
    if (link === null) return;
    const which = link;
    setImportState({ status: "choosing" });
    try {
      const path = await chooseCsvOpenPath();
      if (!mounted.current) return;
      setImportState(path === null ? { status: "idle" } : { status: "open", link: which, path });
    } catch (error) {
      if (mounted.current) setImportState({ status: "error", error: error as ApiError });
    }
  }

  function onImported(which: number, count: number) {
    setImportState({ status: "done", count });
    if (linkRef.current === which) void load(which, true);
  }

  /** After linking (or re-linking) the unit: the units again, so the new link is the one shown. */
  function onLinked() {
    setChangingLink(false);
    setImportState({ status: "idle" });
    void loadUnits();
  }

  const platformLabel = PLATFORM_LABELS[platform];
  const total = rows?.length ?? 0;
  const filterActive = needle !== "" || statusFilter !== "all";

  const goToConnections = (error: ApiError) =>
    onNavigate && pointsToConnections(error) ? (
      <button
        type="button"
        className="btn btn-small btn-secondary"
        data-testid="go-to-connections"
        onClick={() => onNavigate("connections")}
      >
        Go to Connections
      </button>
    ) : null;

  let body;
  if (units.status === "loading") {
    body = (
      <div className="card state-card" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        Loading business units…
      </div>
    );
  } else if (units.status === "error") {
    body = (
      <div className="result result-failed" data-testid="mapping-units-error">
        <p className="result-title" role="alert">
          <span aria-hidden="true">✗ </span>
          {units.error.message}
        </p>
        <div className="result-actions">
          <button
            type="button"
            className="btn btn-small btn-secondary"
            data-testid="mapping-units-reload"
            onClick={() => {
              setUnits({ status: "loading" });
              void loadUnits();
            }}
          >
            Try again
          </button>
        </div>
      </div>
    );
  } else if (unit === null) {
    body = (
      <NextStepCard
        testId="mapping-no-unit"
        to="connections"
        label="Go to Connections"
        buttonTestId="go-to-connections"
        onNavigate={onNavigate}
      >
        No CXone connection yet, so there are no users to map. Add one under Connections, then pull its users.
      </NextStepCard>
    );
  } else if (link === null) {
    // The link picker above says what to do.
    body = null;
  } else if (current.status === "loading") {
    body = (
      <div className="card state-card" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        Loading users…
      </div>
    );
  } else if (current.status === "error") {
    body = (
      <div className="result result-failed" data-testid="mapping-error">
        <p className="result-title" role="alert">
          <span aria-hidden="true">✗ </span>
          {current.error.message}
        </p>
        <div className="result-actions">
          {goToConnections(current.error)}
          <button
            type="button"
            className="btn btn-small btn-secondary"
            data-testid="mapping-reload"
            onClick={() => void load(current.linkId ?? 0)}
          >
            Try again
          </button>
        </div>
      </div>
    );
  } else if (current.rows.length === 0) {
    body = (
      <NextStepCard
        testId="mapping-empty"
        to="synchronize"
        label="Go to Synchronize"
        buttonTestId="go-to-synchronize"
        onNavigate={onNavigate}
      >
        {unitList.length > 1 ? `No CXone users of ${unit.label} yet.` : "No CXone users yet."} Pull them from
        Synchronize first.
      </NextStepCard>
    );
  } else {
    body = (
      <>
        <StatusChart counts={index.counts} />
        <div className="plan-toolbar">
          <input
            type="search"
            className="search-input"
            data-testid="mapping-search"
            aria-label="Search by name, email or account"
            placeholder="Search by name, email or account"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
          <div className="inline-field">
            <label htmlFor={`${ids}-status`} className="field-label">
              Status
            </label>
            <select
              id={`${ids}-status`}
              className="select"
              data-testid="mapping-status-filter"
              value={statusFilter}
              onChange={(event) => setStatusFilter(event.target.value as StatusFilter)}
            >
              {STATUS_FILTERS.map((f) => (
                <option key={f} value={f}>
                  {STATUS_FILTER_LABELS[f]}
                </option>
              ))}
            </select>
          </div>
          <span className="muted" data-testid="mapping-shown">
            {filterActive
              ? `Showing ${formatCount(visibleRows.length)} of ${formatCount(total)}`
              : `${formatCount(total)} ${total === 1 ? "user" : "users"}`}
          </span>
        </div>
        {actionError ? (
          <div className="result result-failed" data-testid="row-action-error">
            <p className="result-message" role="alert">
              {actionError.name}: {actionError.error.message}
            </p>
            <div className="result-actions">{goToConnections(actionError.error)}</div>
          </div>
        ) : null}
        <MappingTable
          rows={visibleRows}
          resetKey={`${linkId}\u0000${needle}\u0000${statusFilter}`}
          pending={pending}
          disabled={busy !== null}
          onAction={onAction}
          emptyText="No users match the filter."
        />
      </>
    );
  }

  return (
    <section className="screen" aria-labelledby="screen-title">
      <header className="screen-header mapping-header">
        <div>
          <h1 id="screen-title">User Mapping</h1>
          <p className="screen-subtitle">
            Link CXone users to their RingCentral and Webex accounts — matched by email by Auto
            Sync, or picked by hand.
          </p>
        </div>
        {unit && units.status === "ready" && (unitList.length > 1 || link) ? (
          <div className="mapping-scope">
            {unitList.length > 1 ? (
            <div className="inline-field mapping-unit">
              <label htmlFor={`${ids}-unit`} className="field-label">
                Business unit
              </label>
              <select
                id={`${ids}-unit`}
                className="select"
                data-testid="mapping-unit"
                value={unit.cxone_connection_id}
                disabled={busy !== null}
                onChange={(event) => chooseUnit(event.target.value)}
              >
                {unitList.map((u) => (
                  <option key={u.cxone_connection_id} value={u.cxone_connection_id}>
                    {u.label}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
            {link && !changingLink ? (
              <LinkLine
                unit={unit}
                link={link}
                connections={platformConnections(units.connections, platform)}
                disabled={busy !== null}
                onChange={() => setChangingLink(true)}
              />
            ) : null}
          </div>
        ) : null}
      </header>

      <div className="mapping-controls">
        <div className="segmented" role="group" aria-label="Platform">
          {PLATFORMS.map((p) => (
            <button
              key={p}
              type="button"
              className={`segment${p === platform ? " active" : ""}`}
              aria-pressed={p === platform}
              data-testid={`platform-${p}`}
              disabled={busy !== null}
              onClick={() => setPlatform(p)}
            >
              {PLATFORM_LABELS[p]}
            </button>
          ))}
        </div>
        <div className="toolbar">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="run-auto-sync"
            disabled={busy !== null || current.status !== "ready" || total === 0}
            onClick={() => void startAutoSync()}
          >
            Run Auto Sync now
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="export-mappings"
            disabled={exportState.status === "busy" || total === 0}
            onClick={() => void onExport()}
          >
            {exportState.status === "busy" ? "Exporting…" : "Export mappings"}
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="import-mappings"
            disabled={
              link === null || importState.status === "choosing" || importState.status === "open" || busy !== null
            }
            onClick={() => void onImport()}
          >
            Import mappings
          </button>
        </div>
      </div>

      {unit && units.status === "ready" ? (
        <LinkPicker
          key={`${unit.cxone_connection_id}\u0000${platform}`}
          unit={unit}
          platform={platform}
          link={link}
          connections={platformConnections(units.connections, platform)}
          disabled={busy !== null}
          changing={changingLink}
          onCancel={() => setChangingLink(false)}
          onLinked={onLinked}
          onGoToConnections={onNavigate ? () => onNavigate("connections") : undefined}
        />
      ) : null}

      {busy ? (
        <div className="card sync-busy" data-testid="auto-sync-busy">
          <ProgressBar
            testId="auto-sync-progress"
            name={`Auto Sync with ${platformLabel}`}
            text={autoSyncProgressText(platform, busy.progress)}
            done={busy.progress ? busy.progress.done : 0}
            total={busy.progress ? busy.progress.total : null}
          />
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="cancel-auto-sync"
            disabled={busy.cancelling}
            onClick={() => void cancel()}
          >
            {busy.cancelling ? "Cancelling…" : "Cancel"}
          </button>
        </div>
      ) : null}

      {cancelled ? (
        <div className="card notice" role="status" data-testid="auto-sync-cancelled">
          Auto Sync cancelled. Users mapped before the cancel keep their mapping.
        </div>
      ) : null}

      {result && result.link_id === linkId ? (
        <div className="result result-ok" role="status" data-testid="auto-sync-result">
          <p className="result-title">
            <span aria-hidden="true">✓ </span>
            Auto Sync with {PLATFORM_LABELS[result.platform]}
            {unitList.length > 1 && link ? ` (${link.business_unit})` : ""}: {autoSyncSummary(result)}
          </p>
        </div>
      ) : null}

      {runError ? (
        <div className="result result-failed" data-testid="auto-sync-error">
          <p className="result-title" role="alert">
            <span aria-hidden="true">✗ </span>
            Auto Sync failed: {runError.message}
          </p>
          {goToConnections(runError) ? (
            <div className="result-actions">{goToConnections(runError)}</div>
          ) : null}
        </div>
      ) : null}

      {exportState.status === "done" ? (
        <p className="export-note" role="status" data-testid="export-mappings-result">
          Exported {formatCount(exportState.rows)} rows to {exportState.path}
        </p>
      ) : exportState.status === "error" ? (
        <p className="inline-error" role="alert" data-testid="export-mappings-error">
          {exportState.error.message}
        </p>
      ) : null}

      {importState.status === "done" ? (
        <p className="export-note" role="status" data-testid="import-mappings-result">
          Imported {formatCount(importState.count)}{" "}
          {importState.count === 1 ? "mapping" : "mappings"}.
        </p>
      ) : importState.status === "error" ? (
        <p className="inline-error" role="alert" data-testid="import-mappings-error">
          {importState.error.message}
        </p>
      ) : null}

      {body}

      <Disclosure
        storageKey="ccsync.mapping.settings"
        title="Schedule and permission gate"
        hint="When Auto Sync runs by itself, and which users it may map"
        testId="mapping-settings"
        className="mapping-settings"
      >
        {link && unit ? (
          <SchedulePanel
            link={link}
            businessUnit={unitList.length > 1 ? unit.connection_name : null}
            refreshKey={scheduleKey}
          />
        ) : (
          <NoSchedulePanel platform={platform} />
        )}
        <PermissionGatePanel />
      </Disclosure>

      {importState.status === "open" ? (
        <ImportMappingsDialog
          key={`${importState.link.id}\u0000${importState.path}`}
          link={importState.link}
          path={importState.path}
          onClose={() => setImportState({ status: "idle" })}
          onImported={(count) => onImported(importState.link.id, count)}
        />
      ) : null}

      {mapping && link ? (
        <MapUserDialog
          key={`${link.id}-${mapping.record_id}`}
          link={link}
          row={mapping}
          onClose={() => setMapping(null)}
          onMapped={(result) => {
            replaceRows(link.id, result.rows);
            setMapping(null);
            announce(link.id, result);
          }}
        />
      ) : null}

      {unmapping ? (
        <ConfirmDialog
          title={`Unmap ${unmapping.name}?`}
          confirmLabel="Unmap"
          danger
          onCancel={() => setUnmapping(null)}
          onConfirm={() => {
            const row = unmapping;
            setUnmapping(null);
            void rowCommand(row, unmapUser);
          }}
        >
          <p data-testid="unmap-sentence">
            {unmapping.name} will no longer be mapped to{" "}
            {unmapping.account_email || unmapping.account_name || unmapping.account_id} ({platformLabel}),
            and Auto Sync will not link this pair again until you choose Retry.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

/** "mappings-ringcentral.csv", or with several business units "mappings-ringcentral-Demo tenant West.csv". */
export function exportFileName(link: MappingLink, severalUnits: boolean): string {
  if (!severalUnits) return `mappings-${link.platform}.csv`;
  const unit = link.business_unit.replace(/\s*\(\d+\)$/, "");
  return `mappings-${link.platform}-${unit}.csv`;
}

function StatusChart({ counts }: { counts: StatusCounts }) {
  const max = Math.max(1, ...COUNT_ORDER.map((k) => counts[k]));
  return (
    <section className="card status-chart" data-testid="status-counts" aria-label="Users by status">
      <p className="status-chart-summary">
        <strong>{formatCount(counts.mapped)}</strong> of {formatCount(counts.total)} mapped
        <span className="muted">
          {" "}
          · {formatCount(counts.unmapped)} unmapped · {formatCount(counts.skipped)} skipped ·{" "}
          {formatCount(counts.none)} not yet attempted
        </span>
      </p>
      <ul className="status-bars">
        {COUNT_ORDER.map((key) => {
          const value = counts[key];
          const group = key === "mapped" || key === "skipped" || key === "none" ? key : "unmapped";
          return (
            <li key={key} className="status-bar" data-testid={`status-count-${key}`}>
              <span className="status-bar-label">
                {COUNT_LABELS[key]}
                {key === "mapped" && value > 0 ? (
                  <span className="muted">
                    {" "}
                    (auto {formatCount(counts.mappedAuto)}, manual {formatCount(counts.mappedManual)})
                  </span>
                ) : null}
              </span>
              <span className="status-bar-track" aria-hidden="true">
                <span
                  className={`status-bar-fill status-bar-${group}`}
                  style={{ width: `${(value / max) * 100}%` }}
                />
              </span>
              <span className="status-bar-value">{formatCount(value)}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
