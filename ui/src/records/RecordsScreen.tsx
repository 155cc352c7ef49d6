import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";

import { ENTITY_ORDER, ENTITY_SPECS } from "../entities";
import { formatCount, formatDate, formatDateTime } from "../format";
import {
  chooseCsvSavePath,
  exportRecords,
  listRecords,
  type ApiError,
  type Entity,
  type PasswordsSet,
  type StoredRecord,
} from "../platform";
import { revealWhenTruncated } from "../components/truncation";
import { SetPasswordsDialog } from "./SetPasswordsDialog";
import "./passwords.css";

export const RECORD_ROW_HEIGHT = 36;

type ListState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; records: StoredRecord[] };

type SortKey = "name" | "detail" | "id" | "active" | "licence" | "last_synced";
type Sort = { key: SortKey; dir: "asc" | "desc" };

type ExportState =
  | { status: "idle" }
  | { status: "busy" }
  | { status: "done"; rows: number; path: string }
  | { status: "error"; error: ApiError };

/** A user's key in the selection: business unit and CXone id. */
function userKey(record: StoredRecord): string {
  return `${record.business_unit_id}:${record.id}`;
}

const COLLATOR = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/** The Contact Center licence a CSV import gave a user, as the Users tab shows it. */
export const LICENCE_LABELS: Record<string, string> = {
  standard: "Standard Agent",
  premium: "Premium Agent",
};

export function licenceLabel(licence: string | null): string {
  return (licence && LICENCE_LABELS[licence]) || "—";
}

/** None, then Standard, then Premium (which includes Standard). */
function licenceRank(licence: string | null): number {
  return licence === "premium" ? 2 : licence === "standard" ? 1 : 0;
}

function compare(a: StoredRecord, b: StoredRecord, key: SortKey): number {
  switch (key) {
    case "name":
      return COLLATOR.compare(a.name, b.name);
    case "detail":
      return COLLATOR.compare(a.detail, b.detail);
    case "id":
      return COLLATOR.compare(a.id, b.id);
    case "active":
      return Number(b.is_active) - Number(a.is_active);
    case "licence":
      return licenceRank(a.licence) - licenceRank(b.licence);
    case "last_synced":
      return Date.parse(a.last_synced_at) - Date.parse(b.last_synced_at);
  }
}

export function RecordsScreen() {
  const [entity, setEntity] = useState<Entity>("users");
  const [list, setList] = useState<ListState>({ status: "loading" });
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<Sort>({ key: "name", dir: "asc" });
  const [exportState, setExportState] = useState<ExportState>({ status: "idle" });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [passwordsOpen, setPasswordsOpen] = useState(false);
  const [passwordsSet, setPasswordsSet] = useState<PasswordsSet | null>(null);
  const mounted = useRef(true);
  const request = useRef(0);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const load = useCallback(async (which: Entity) => {
    const ticket = ++request.current;
    setList({ status: "loading" });
    try {
      const records = await listRecords(which);
      if (mounted.current && ticket === request.current) setList({ status: "ready", records });
    } catch (error) {
      if (mounted.current && ticket === request.current) {
        setList({ status: "error", error: error as ApiError });
      }
    }
  }, []);

  useEffect(() => {
    setExportState({ status: "idle" });
    setSelected(new Set());
    setPasswordsSet(null);
    void load(entity);
  }, [entity, load]);

  const spec = ENTITY_SPECS[entity];
  const isUsers = entity === "users";
  const records = list.status === "ready" ? list.records : null;

  const shown = useMemo(() => {
    if (!records) return [];
    const needle = query.trim().toLowerCase();
    const filtered = needle
      ? records.filter(
          (r) =>
            r.name.toLowerCase().includes(needle) ||
            r.detail.toLowerCase().includes(needle) ||
            r.id.toLowerCase().includes(needle),
        )
      : [...records];
    const sign = sort.dir === "asc" ? 1 : -1;
    filtered.sort((a, b) => sign * compare(a, b, sort.key) || COLLATOR.compare(a.id, b.id));
    return filtered;
  }, [records, query, sort]);

  // Only users still listed count as chosen (a reload may drop none, but a search hides some).
  const chosenUsers = useMemo(
    () => (isUsers && records ? records.filter((r) => selected.has(userKey(r))) : []),
    [isUsers, records, selected],
  );

  function toggle(record: StoredRecord) {
    setSelected((current) => {
      const next = new Set(current);
      const key = userKey(record);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }

  /** Select All acts on the rows the search shows. */
  function toggleAll(select: boolean) {
    setSelected((current) => {
      const next = new Set(current);
      for (const record of shown) {
        if (select) next.add(userKey(record));
        else next.delete(userKey(record));
      }
      return next;
    });
  }

  function onPasswordsSet(result: PasswordsSet) {
    setPasswordsOpen(false);
    setPasswordsSet(result);
    setSelected(new Set());
    void load(entity);
  }

  function onSort(key: SortKey) {
    setSort((current) =>
      current.key === key
        ? { key, dir: current.dir === "asc" ? "desc" : "asc" }
        : { key, dir: "asc" },
    );
  }

  async function onExport() {
    setExportState({ status: "busy" });
    try {
      const path = await chooseCsvSavePath(spec.csvName);
      if (path === null) {
        if (mounted.current) setExportState({ status: "idle" });
        return;
      }
      const rows = await exportRecords(entity, path);
      if (mounted.current) setExportState({ status: "done", rows, path });
    } catch (error) {
      if (mounted.current) setExportState({ status: "error", error: error as ApiError });
    }
  }

  function onTabKey(event: KeyboardEvent<HTMLButtonElement>, index: number) {
    const delta = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!delta) return;
    event.preventDefault();
    const next = ENTITY_ORDER[(index + delta + ENTITY_ORDER.length) % ENTITY_ORDER.length];
    setEntity(next);
    document.getElementById(`records-tab-${next}`)?.focus();
  }

  let body;
  if (list.status === "loading") {
    body = (
      <div className="card state-card" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        Loading {spec.group}…
      </div>
    );
  } else if (list.status === "error") {
    body = (
      <div className="card state-card state-error" data-testid="records-error">
        <p role="alert" className="inline-error">
          {list.error.message}
        </p>
        <button type="button" className="btn btn-secondary" onClick={() => void load(entity)}>
          Retry
        </button>
      </div>
    );
  } else if (list.records.length === 0) {
    body = (
      <div className="card state-card" data-testid="records-empty">
        No {spec.group} yet. Pull them from Synchronize.
      </div>
    );
  } else {
    body = (
      <RecordsTable
        key={entity}
        records={shown}
        isUsers={isUsers}
        detailLabel={spec.detailLabel}
        sort={sort}
        onSort={onSort}
        selection={isUsers ? { selected, toggle, toggleAll } : null}
      />
    );
  }

  const total = records?.length ?? 0;

  return (
    <section className="screen" aria-labelledby="screen-title">
      <header className="screen-header">
        <div>
          <h1 id="screen-title">Records</h1>
          <p className="screen-subtitle">What CC Sync has stored locally from CXone.</p>
        </div>
      </header>

      <div className="tabs" role="tablist" aria-label="Record groups">
        {ENTITY_ORDER.map((e, index) => (
          <button
            key={e}
            id={`records-tab-${e}`}
            type="button"
            role="tab"
            className={`tab${e === entity ? " active" : ""}`}
            aria-selected={e === entity}
            aria-controls="records-panel"
            tabIndex={e === entity ? 0 : -1}
            data-testid={`records-tab-${e}`}
            onClick={() => setEntity(e)}
            onKeyDown={(event) => onTabKey(event, index)}
          >
            {ENTITY_SPECS[e].group}
          </button>
        ))}
      </div>

      <div
        id="records-panel"
        role="tabpanel"
        aria-labelledby={`records-tab-${entity}`}
        className="records-panel"
      >
        <div className="records-toolbar">
          <input
            type="search"
            className="search-input"
            data-testid="records-search"
            aria-label={`Search ${spec.group}`}
            placeholder="Search by name, detail or ID"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
          <span className="muted" data-testid="records-count">
            {records
              ? query.trim()
                ? `${formatCount(shown.length)} of ${formatCount(total)} records`
                : `${formatCount(total)} ${total === 1 ? "record" : "records"}`
              : ""}
          </span>
          {isUsers ? (
            <button
              type="button"
              className="btn btn-secondary records-set-passwords"
              data-testid="records-set-passwords"
              disabled={chosenUsers.length === 0}
              title="Set temporary passwords for the selected users"
              onClick={() => {
                setPasswordsSet(null);
                setPasswordsOpen(true);
              }}
            >
              Set temporary passwords{chosenUsers.length > 0 ? ` (${formatCount(chosenUsers.length)})` : ""}
            </button>
          ) : null}
          <button
            type="button"
            className="btn btn-secondary records-export"
            data-testid="records-export"
            disabled={exportState.status === "busy" || total === 0}
            onClick={() => void onExport()}
          >
            {exportState.status === "busy" ? "Exporting…" : "Export CSV"}
          </button>
        </div>
        {exportState.status === "done" ? (
          <p className="export-note" role="status" data-testid="records-export-result">
            Exported {formatCount(exportState.rows)} rows to {exportState.path}
          </p>
        ) : null}
        {passwordsSet ? (
          <p className="passwords-result" role="status" data-testid="passwords-result">
            Set temporary passwords for {formatCount(passwordsSet.users)}{" "}
            {passwordsSet.users === 1 ? "user" : "users"}; each must change it at first sign-in. The only copy is in{" "}
            {passwordsSet.path}: hand the passwords out, then delete the file.
          </p>
        ) : null}
        {exportState.status === "error" ? (
          <p className="inline-error" role="alert" data-testid="records-export-error">
            {exportState.error.message}
          </p>
        ) : null}
        {body}
      </div>
      {passwordsOpen && chosenUsers.length > 0 ? (
        <SetPasswordsDialog
          users={chosenUsers}
          onClose={() => setPasswordsOpen(false)}
          onDone={onPasswordsSet}
        />
      ) : null}
    </section>
  );
}

type Selection = {
  selected: ReadonlySet<string>;
  toggle: (record: StoredRecord) => void;
  toggleAll: (select: boolean) => void;
};

type TableProps = {
  records: StoredRecord[];
  isUsers: boolean;
  detailLabel: string;
  sort: Sort;
  onSort: (key: SortKey) => void;
  /** Users: a checkbox per row and a Select All of the rows shown. */
  selection: Selection | null;
};

function RecordsTable({ records, isUsers, detailLabel, sort, onSort, selection }: TableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: records.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => RECORD_ROW_HEIGHT,
    getItemKey: (index) => records[index]?.id ?? index,
    overscan: 10,
    useFlushSync: false,
  });
  const gridClass = `records-grid${isUsers ? " records-grid-users" : ""}`;
  const shownSelected = selection ? records.filter((r) => selection.selected.has(userKey(r))).length : 0;
  const allShown = records.length > 0 && shownSelected === records.length;
  const selectAllRef = useCallback(
    (box: HTMLInputElement | null) => {
      if (box) box.indeterminate = shownSelected > 0 && !allShown;
    },
    [shownSelected, allShown],
  );

  const header = (key: SortKey | null, label: string) => {
    if (key === null) {
      return (
        <span className="vcell" role="columnheader">
          {label}
        </span>
      );
    }
    const active = sort.key === key;
    return (
      <span
        className="vcell"
        role="columnheader"
        aria-sort={active ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}
      >
        <button
          type="button"
          className={`sort-button${active ? " active" : ""}`}
          data-testid={`sort-${key}`}
          onClick={() => onSort(key)}
        >
          {label}
          <span aria-hidden="true" className="sort-arrow">
            {active ? (sort.dir === "asc" ? "▲" : "▼") : ""}
          </span>
        </button>
      </span>
    );
  };

  return (
    <div
      className="vtable card"
      role="table"
      aria-label="Stored records"
      aria-rowcount={records.length + 1}
    >
      <div className={`vtable-head ${gridClass}`} role="row" aria-rowindex={1}>
        {selection ? (
          <span
            className="vcell cell-name"
            role="columnheader"
            aria-sort={sort.key === "name" ? (sort.dir === "asc" ? "ascending" : "descending") : "none"}
          >
            <input
              ref={selectAllRef}
              type="checkbox"
              className="records-select-all"
              data-testid="records-select-all"
              aria-label={allShown ? "Clear the selection of the users shown" : "Select all users shown"}
              title={allShown ? "Clear the selection of the users shown" : "Select all users shown"}
              checked={allShown}
              disabled={records.length === 0}
              onChange={(event) => selection.toggleAll(event.target.checked)}
            />
            <button
              type="button"
              className={`sort-button${sort.key === "name" ? " active" : ""}`}
              data-testid="sort-name"
              onClick={() => onSort("name")}
            >
              Name
              <span aria-hidden="true" className="sort-arrow">
                {sort.key === "name" ? (sort.dir === "asc" ? "▲" : "▼") : ""}
              </span>
            </button>
          </span>
        ) : (
          header("name", "Name")
        )}
        {header("detail", detailLabel)}
        {header("id", "ID")}
        {header("active", "Active")}
        {isUsers ? header(null, "Password") : null}
        {isUsers ? header("licence", "Licence") : null}
        {header("last_synced", "Last synced")}
      </div>
      <div
        ref={scrollRef}
        className="vtable-scroll records-scroll"
        data-testid="records-scroll"
        data-virtual-scroll=""
        role="rowgroup"
      >
        {records.length === 0 ? (
          <p className="vtable-empty muted">No records match the search.</p>
        ) : (
          <div className="vtable-sizer" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const record = records[item.index];
              const isSelected = selection?.selected.has(userKey(record)) ?? false;
              return (
                <div
                  key={item.key}
                  className={`vrow ${gridClass}${record.is_active ? "" : " is-inactive"}${isSelected ? " is-selected" : ""}`}
                  role="row"
                  aria-rowindex={item.index + 2}
                  data-testid="record-row"
                  data-id={record.id}
                  style={{ height: RECORD_ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                >
                  <span className="vcell cell-name" role="cell" title={record.name}>
                    {selection ? (
                      <input
                        type="checkbox"
                        className="records-select"
                        data-testid="record-select"
                        aria-label={`Select ${record.name}`}
                        checked={isSelected}
                        onChange={() => selection.toggle(record)}
                      />
                    ) : null}
                    <span className="cell-text" ref={revealWhenTruncated}>
                      {record.name}
                    </span>
                    {record.missing_upstream_since ? (
                      <span
                        className="badge badge-warning"
                        data-testid="missing-upstream-badge"
                        title="No longer returned by CXone. Kept, never deleted."
                      >
                        missing upstream since {formatDate(record.missing_upstream_since)}
                      </span>
                    ) : null}
                  </span>
                  <span
                    className="vcell cell-text muted"
                    role="cell"
                    title={record.detail}
                    ref={revealWhenTruncated}
                  >
                    {record.detail}
                  </span>
                  <span
                    className="vcell cell-text cell-mono"
                    role="cell"
                    title={record.id}
                    ref={revealWhenTruncated}
                  >
                    {record.id}
                  </span>
                  <span className="vcell" role="cell">
                    {record.is_active ? "Active" : <span className="muted">Inactive</span>}
                  </span>
                  {isUsers ? (
                    <span className="vcell" role="cell">
                      {record.password_set && record.must_change_password ? (
                        <span
                          className="badge badge-neutral password-badge"
                          data-testid="password-badge"
                          data-state="must-change"
                          title={`Temporary password${record.password_set_at ? ` set ${formatDateTime(record.password_set_at)}` : ""}: the user must change it at first sign-in.`}
                        >
                          must change at first sign-in
                        </span>
                      ) : record.password_set ? (
                        <span className="badge badge-ok" data-testid="password-badge" data-state="set">
                          set
                        </span>
                      ) : (
                        <span
                          className="badge badge-warning"
                          data-testid="password-badge"
                          data-state="not-set"
                          title="No password yet: select the user and choose Set temporary passwords."
                        >
                          password not set
                        </span>
                      )}
                    </span>
                  ) : null}
                  {isUsers ? (
                    <span className="vcell cell-text" role="cell" data-testid="licence-cell">
                      {record.licence && LICENCE_LABELS[record.licence] ? (
                        licenceLabel(record.licence)
                      ) : (
                        <span className="muted">{licenceLabel(record.licence)}</span>
                      )}
                    </span>
                  ) : null}
                  <span
                    className="vcell cell-text muted"
                    role="cell"
                    title={`Last synced ${formatDateTime(record.last_synced_at)} · first synced ${formatDateTime(record.first_synced_at)}`}
                    ref={revealWhenTruncated}
                  >
                    {formatDateTime(record.last_synced_at)}
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
