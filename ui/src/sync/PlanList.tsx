import { useEffect, useRef } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";

import type { PlanRow, PlanStatus } from "../platform";
import { formatChange } from "../format";
import { revealWhenTruncated } from "../components/truncation";
import "./PlanList.css";

export const PLAN_ROW_HEIGHT = 36;

export const STATUS_LABELS: Record<PlanStatus, string> = {
  new: "New",
  changed: "Changed",
  unchanged: "Unchanged",
  missing_upstream: "Missing upstream",
  added: "Added",
  updated: "Updated",
};

/** What an earlier Add Selected of this list did to a row. */
export type WrittenStatus = Extract<PlanStatus, "added" | "updated">;

type Props = {
  /** The rows to show (already filtered). */
  rows: readonly PlanRow[];
  /** The list scrolls back to the top when this changes (a new plan or filter), not otherwise. */
  resetKey: string;
  /** Rows written by an earlier Add Selected: shown as such, not selectable. */
  written: ReadonlyMap<string, WrittenStatus>;
  /** Checked ids; read on every render, so the parent re-renders on change. */
  selected: ReadonlySet<string>;
  onToggle: (row: PlanRow) => void;
  detailLabel: string;
  disabled: boolean;
  /** Shown instead of rows when `rows` is empty. */
  emptyText: string;
};

/** Only the rows in view (plus a few) are in the DOM, so 100,000 rows stay smooth. */
export function PlanList({
  rows,
  resetKey,
  written,
  selected,
  onToggle,
  detailLabel,
  disabled,
  emptyText,
}: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => PLAN_ROW_HEIGHT,
    getItemKey: (index) => rows[index]?.id ?? index,
    overscan: 10,
    useFlushSync: false,
  });

  // A new filter shows a new list: start it from the top. Rows marked written keep their place.
  useEffect(() => {
    virtualizer.scrollToOffset(0);
  }, [resetKey, virtualizer]);

  return (
    <div
      className="vtable card"
      role="table"
      aria-label="Fetched records"
      aria-rowcount={rows.length + 1}
    >
      <div className="vtable-head plan-grid" role="row" aria-rowindex={1}>
        <span className="vcell" role="columnheader">
          <span className="visually-hidden">Selected</span>
        </span>
        <span className="vcell" role="columnheader">
          Name
        </span>
        <span className="vcell" role="columnheader">
          {detailLabel}
        </span>
        <span className="vcell" role="columnheader">
          ID
        </span>
        <span className="vcell" role="columnheader">
          Status
        </span>
      </div>
      <div
        ref={scrollRef}
        className="vtable-scroll plan-scroll"
        data-testid="plan-scroll"
        data-virtual-scroll=""
        role="rowgroup"
      >
        {rows.length === 0 ? (
          <p className="vtable-empty muted" data-testid="plan-empty">
            {emptyText}
          </p>
        ) : (
          <div className="vtable-sizer" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = rows[item.index];
              const missing = row.status === "missing_upstream";
              const done = written.get(row.id);
              const status = done ?? row.status;
              return (
                <div
                  key={item.key}
                  className={`vrow plan-grid${row.is_active ? "" : " is-inactive"}${
                    selected.has(row.id) ? " is-selected" : ""
                  }`}
                  role="row"
                  aria-rowindex={item.index + 2}
                  data-testid="plan-row"
                  data-id={row.id}
                  data-status={status}
                  style={{ height: PLAN_ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                >
                  <span className="vcell cell-check" role="cell">
                    <input
                      type="checkbox"
                      data-testid="plan-row-checkbox"
                      aria-label={`Select ${row.name}`}
                      checked={!missing && !done && selected.has(row.id)}
                      disabled={disabled || missing || done !== undefined}
                      title={
                        missing
                          ? "No longer in CXone — flagged, never written by a sync"
                          : done
                            ? "Already written to the store from this list"
                            : undefined
                      }
                      onChange={() => onToggle(row)}
                    />
                  </span>
                  <span className="vcell cell-name" role="cell" title={row.name}>
                    <span className="cell-text" ref={revealWhenTruncated}>
                      {row.name}
                    </span>
                    {row.is_active ? null : (
                      <span className="badge badge-inactive" data-testid="inactive-badge">
                        Inactive
                      </span>
                    )}
                  </span>
                  <span
                    className="vcell cell-text muted"
                    role="cell"
                    title={row.detail}
                    ref={revealWhenTruncated}
                  >
                    {row.detail}
                  </span>
                  <span
                    className="vcell cell-text cell-mono"
                    role="cell"
                    title={row.id}
                    ref={revealWhenTruncated}
                  >
                    {row.id}
                  </span>
                  <span className="vcell" role="cell">
                    <StatusBadge row={row} status={status} />
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

function StatusBadge({ row, status }: { row: PlanRow; status: PlanStatus }) {
  const title =
    (status === "changed" || status === "updated") && row.changes.length > 0
      ? row.changes.map(formatChange).join("\n")
      : status === "missing_upstream"
        ? "No longer returned by CXone. It is flagged, never deleted."
        : status === "added"
          ? "Added to the store from this list."
          : undefined;
  return (
    <span
      className={`badge badge-status badge-${status.replace("_", "-")}`}
      data-testid="plan-status"
      title={title}
    >
      {STATUS_LABELS[status]}
    </span>
  );
}
