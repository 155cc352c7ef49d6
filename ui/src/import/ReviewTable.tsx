import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";

import { formatChange, formatCount } from "../format";
import { importPage, type ApiError, type UserImportRow } from "../platform";
import { ACTION_LABELS, findingText } from "./importText";

/** Rows asked of the backend at a time (a plan may have a million; only pages in view are read). */
export const REVIEW_PAGE_SIZE = 200;

/** At most this many findings or changes are listed in a row; Edit shows them all. */
const MAX_DETAIL_LINES = 3;
const LINE_HEIGHT = 20;
const ROW_PADDING = 16;
const MIN_ROW_HEIGHT = 40;

type Cache = {
  problemsOnly: boolean;
  /** Rows matching the filter; null until the first page arrives. */
  total: number | null;
  pages: Map<number, UserImportRow[]>;
  /** The previous pages of the same filter, shown while they are fetched again after an edit. */
  stale: Map<number, UserImportRow[]>;
  loading: Set<number>;
  error: ApiError | null;
};

function emptyCache(problemsOnly: boolean): Cache {
  return {
    problemsOnly,
    total: null,
    pages: new Map(),
    stale: new Map(),
    loading: new Set(),
    error: null,
  };
}

function detailCount(row: UserImportRow): number {
  return row.findings.length > 0 ? row.findings.length : row.changes.length;
}

function rowHeight(row: UserImportRow | undefined): number {
  if (!row) return MIN_ROW_HEIGHT;
  const count = detailCount(row);
  const lines = Math.min(count, MAX_DETAIL_LINES) + (count > MAX_DETAIL_LINES ? 1 : 0);
  return Math.max(MIN_ROW_HEIGHT, ROW_PADDING + Math.max(1, lines) * LINE_HEIGHT);
}

type Props = {
  problemsOnly: boolean;
  /** Bumped after an edit: the pages are fetched again (the old ones stay shown meanwhile). */
  version: number;
  /** A commit is running: rows cannot be edited. */
  disabled: boolean;
  onEdit: (row: UserImportRow) => void;
};

/**
 * The dry run's rows, virtualized: only the rows in view are in the DOM, and only the pages of
 * 200 rows around them are fetched from the backend (and kept until the filter or an edit
 * changes them).
 */
export function ReviewTable({ problemsOnly, version, disabled, onEdit }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const cacheRef = useRef<Cache>(emptyCache(problemsOnly));
  // Each reset of the cache is a new generation: the fetch effect runs again for it.
  const [generation, setGeneration] = useState(0);
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const mounted = useRef(true);
  const seen = useRef({ problemsOnly, version });

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const cache = cacheRef.current;
  const rowAt = useCallback((index: number): UserImportRow | undefined => {
    const current = cacheRef.current;
    const page = Math.floor(index / REVIEW_PAGE_SIZE);
    const rows = current.pages.get(page) ?? current.stale.get(page);
    return rows?.[index % REVIEW_PAGE_SIZE];
  }, []);

  const count = cache.total ?? 0;
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => rowHeight(rowAt(index)),
    overscan: 8,
    useFlushSync: false,
  });
  const virtualizerRef = useRef(virtualizer);
  virtualizerRef.current = virtualizer;

  // A new filter starts from the top with nothing cached; an edit keeps what is shown and
  // fetches it again.
  useEffect(() => {
    const previous = seen.current;
    if (previous.problemsOnly === problemsOnly && previous.version === version) return;
    seen.current = { problemsOnly, version };
    const old = cacheRef.current;
    if (old.problemsOnly !== problemsOnly) {
      cacheRef.current = emptyCache(problemsOnly);
      virtualizerRef.current.scrollToOffset(0);
    } else {
      const stale = new Map(old.stale);
      for (const [page, rows] of old.pages) stale.set(page, rows);
      cacheRef.current = { ...emptyCache(problemsOnly), total: old.total, stale };
    }
    setGeneration((n) => n + 1);
  }, [problemsOnly, version]);

  const fetchPage = useCallback((page: number) => {
    const target = cacheRef.current;
    if (target.pages.has(page) || target.loading.has(page) || target.error) return;
    target.loading.add(page);
    importPage(page * REVIEW_PAGE_SIZE, REVIEW_PAGE_SIZE, target.problemsOnly).then(
      (result) => {
        if (!mounted.current || cacheRef.current !== target) return;
        target.loading.delete(page);
        target.pages.set(page, result.rows);
        target.stale.delete(page);
        if (target.total !== result.total) {
          // Rows beyond the new end belong to no page any more.
          target.total = result.total;
          const lastPage = Math.floor(Math.max(0, result.total - 1) / REVIEW_PAGE_SIZE);
          for (const key of [...target.stale.keys()]) if (key > lastPage) target.stale.delete(key);
        }
        virtualizerRef.current.measure();
        bump();
      },
      (reason: ApiError) => {
        if (!mounted.current || cacheRef.current !== target) return;
        target.loading.delete(page);
        target.error = reason;
        bump();
      },
    );
  }, []);

  const items = virtualizer.getVirtualItems();
  const firstPage = items.length > 0 ? Math.floor(items[0].index / REVIEW_PAGE_SIZE) : 0;
  const lastPage =
    items.length > 0 ? Math.floor(items[items.length - 1].index / REVIEW_PAGE_SIZE) : 0;

  useEffect(() => {
    for (let page = firstPage; page <= lastPage; page += 1) fetchPage(page);
  }, [firstPage, lastPage, generation, fetchPage]);

  function retry() {
    cacheRef.current.error = null;
    setGeneration((n) => n + 1);
  }

  const total = cache.total;

  return (
    <div className="review">
      <p className="muted review-count" data-testid="review-count" aria-live="polite">
        {total === null
          ? "Loading rows…"
          : problemsOnly
            ? `${formatCount(total)} ${total === 1 ? "row has" : "rows have"} problems`
            : `${formatCount(total)} ${total === 1 ? "row" : "rows"}`}
      </p>
      <div
        className="vtable card"
        role="table"
        aria-label="Rows of the dry run"
        aria-rowcount={(total ?? 0) + 1}
        data-testid="review-table"
      >
        <div className="vtable-head review-grid" role="row" aria-rowindex={1}>
          <span className="vcell num" role="columnheader">
            Row
          </span>
          <span className="vcell" role="columnheader">
            Action
          </span>
          <span className="vcell" role="columnheader">
            Email
          </span>
          <span className="vcell" role="columnheader">
            Problems or changes
          </span>
          <span className="vcell" role="columnheader">
            <span className="visually-hidden">Edit</span>
          </span>
        </div>
        <div
          ref={scrollRef}
          className="vtable-scroll review-scroll"
          data-testid="review-scroll"
          data-virtual-scroll=""
          role="rowgroup"
        >
          {cache.error ? (
            <div className="vtable-empty review-error" role="alert" data-testid="review-error">
              <span className="inline-error">{cache.error.message}</span>{" "}
              <button type="button" className="btn btn-small btn-secondary" onClick={retry}>
                Try again
              </button>
            </div>
          ) : null}
          {total === 0 ? (
            <p className="vtable-empty muted" data-testid="review-empty">
              {problemsOnly ? "No row has an error or a warning." : "The file has no rows."}
            </p>
          ) : (
            <div className="vtable-sizer" style={{ height: virtualizer.getTotalSize() }}>
              {items.map((item) => {
                const row = rowAt(item.index);
                const style = { height: item.size, transform: `translateY(${item.start}px)` };
                if (!row) {
                  return (
                    <div
                      key={item.key}
                      className="vrow review-grid review-placeholder"
                      role="row"
                      aria-rowindex={item.index + 2}
                      data-testid="review-row-placeholder"
                      style={style}
                    >
                      <span className="vcell muted" role="cell">
                        Loading…
                      </span>
                    </div>
                  );
                }
                return (
                  <ReviewRow
                    key={item.key}
                    row={row}
                    rowIndex={item.index + 2}
                    style={style}
                    disabled={disabled}
                    onEdit={onEdit}
                  />
                );
              })}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

function ReviewRow({
  row,
  rowIndex,
  style,
  disabled,
  onEdit,
}: {
  row: UserImportRow;
  rowIndex: number;
  style: { height: number; transform: string };
  disabled: boolean;
  onEdit: (row: UserImportRow) => void;
}) {
  const details =
    row.findings.length > 0
      ? row.findings.map((finding) => ({
          text: findingText(finding),
          className: finding.warning ? "finding finding-warning" : "finding finding-error",
          testId: "review-finding",
          kind: finding.warning ? "warning" : "error",
        }))
      : row.changes.map((change) => ({
          text: formatChange(change),
          className: "change",
          testId: "review-change",
          kind: "change",
        }));
  const shown = details.slice(0, MAX_DETAIL_LINES);
  const more = details.length - shown.length;
  return (
    <div
      className={`vrow review-grid review-row review-${row.action}`}
      role="row"
      aria-rowindex={rowIndex}
      data-testid="review-row"
      data-index={row.index}
      data-action={row.action}
      style={style}
    >
      <span className="vcell num cell-mono" role="cell" data-testid="review-line">
        {row.line}
      </span>
      <span className="vcell" role="cell">
        <span className={`badge badge-action badge-action-${row.action}`} data-testid="review-action">
          {ACTION_LABELS[row.action]}
        </span>
      </span>
      <span className="vcell cell-text" role="cell" title={row.email} data-testid="review-email">
        {row.email || <span className="muted">(no email)</span>}
      </span>
      <span className="vcell" role="cell">
        {details.length > 0 ? (
          <ul className="review-details">
            {shown.map((detail, index) => (
              <li
                key={index}
                className={detail.className}
                data-testid={detail.testId}
                data-kind={detail.kind}
                title={detail.text}
              >
                {detail.text}
              </li>
            ))}
            {more > 0 ? (
              <li className="muted review-more">
                +{formatCount(more)} more (Edit shows them all)
              </li>
            ) : null}
          </ul>
        ) : (
          <span className="muted">{row.action === "unchanged" ? "No change" : "—"}</span>
        )}
      </span>
      <span className="vcell cell-edit" role="cell">
        <button
          type="button"
          className="btn btn-small btn-secondary"
          data-testid="edit-row"
          disabled={disabled}
          onClick={() => onEdit(row)}
        >
          Edit<span className="visually-hidden"> row {row.line}</span>
        </button>
      </span>
    </div>
  );
}
