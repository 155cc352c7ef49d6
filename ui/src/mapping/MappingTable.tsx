import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";

import { formatCount, formatDateTime } from "../format";
import type { MappingRow } from "../platform";
import { statusGroup, statusKey, statusLabel } from "./mapping";
import { revealWhenTruncated } from "../components/truncation";

export const MAPPING_ROW_HEIGHT = 52;

export type RowAction = "map" | "unmap" | "retry";

type Props = {
  /** The rows to show (already filtered). */
  rows: readonly MappingRow[];
  /** Changes when the filter or platform changes: the list then starts from the top. */
  resetKey: string;
  /** Record ids with a command in flight (their menu is disabled). */
  pending: ReadonlySet<number>;
  disabled: boolean;
  onAction: (action: RowAction, row: MappingRow) => void;
  emptyText: string;
};

type OpenMenu = { recordId: number; top: number; left: number };

/** Only the rows in view (plus a few) are in the DOM. */
export function MappingTable({ rows, resetKey, pending, disabled, onAction, emptyText }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [menu, setMenu] = useState<OpenMenu | null>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => MAPPING_ROW_HEIGHT,
    getItemKey: (index) => rows[index]?.record_id ?? index,
    overscan: 10,
    useFlushSync: false,
  });

  // A new filter shows a new list: start it from the top. Rows updated in place keep the scroll.
  useEffect(() => {
    virtualizer.scrollToOffset(0);
    setMenu(null);
  }, [resetKey, virtualizer]);

  const menuRow = menu ? rows.find((r) => r.record_id === menu.recordId) ?? null : null;

  function openMenu(row: MappingRow, button: HTMLButtonElement) {
    if (menu?.recordId === row.record_id) {
      setMenu(null);
      return;
    }
    const rect = button.getBoundingClientRect();
    setMenu({ recordId: row.record_id, top: rect.bottom + 4, left: rect.right });
  }

  function closeMenu(focusTrigger: boolean) {
    const id = menu?.recordId;
    setMenu(null);
    if (focusTrigger && id !== undefined) {
      scrollRef.current
        ?.querySelector<HTMLButtonElement>(`[data-menu-for="${id}"]`)
        ?.focus();
    }
  }

  return (
    <div
      className="vtable card"
      role="table"
      aria-label="User mappings"
      aria-rowcount={rows.length + 1}
    >
      <div className="vtable-head mapping-grid" role="row" aria-rowindex={1}>
        <span className="vcell" role="columnheader">
          CXone user
        </span>
        <span className="vcell" role="columnheader">
          External account
        </span>
        <span className="vcell" role="columnheader">
          Status
        </span>
        <span className="vcell num" role="columnheader">
          Attempts
        </span>
        <span className="vcell" role="columnheader">
          Last change
        </span>
        <span className="vcell" role="columnheader">
          <span className="visually-hidden">Actions</span>
        </span>
      </div>
      <div
        ref={scrollRef}
        className="vtable-scroll mapping-scroll"
        data-testid="mapping-scroll"
        data-virtual-scroll=""
        role="rowgroup"
        onScroll={() => (menu ? setMenu(null) : undefined)}
      >
        {rows.length === 0 ? (
          <p className="vtable-empty muted" data-testid="mapping-empty-filter">
            {emptyText}
          </p>
        ) : (
          <div className="vtable-sizer" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = rows[item.index];
              const key = statusKey(row.status);
              return (
                <div
                  key={item.key}
                  className={`vrow mapping-grid${menu?.recordId === row.record_id ? " is-selected" : ""}`}
                  role="row"
                  aria-rowindex={item.index + 2}
                  data-testid="mapping-row"
                  data-record-id={row.record_id}
                  data-status={key}
                  style={{ height: MAPPING_ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                >
                  <span className="vcell two-line" role="cell">
                    <span className="cell-text cell-strong" title={row.name} ref={revealWhenTruncated}>
                      {row.name}
                      {row.flag ? (
                        <span
                          className="flag-marker"
                          data-testid="mapping-flag"
                          title={row.flag}
                          aria-label={`Warning: ${row.flag}`}
                          role="img"
                        >
                          {" "}⚠
                        </span>
                      ) : null}
                    </span>
                    <span className="cell-text muted" title={row.email} ref={revealWhenTruncated}>
                      {row.email || "—"}
                    </span>
                  </span>
                  <span className="vcell two-line" role="cell" data-testid="mapping-account">
                    {row.account_id ? (
                      <>
                        <span
                          className="cell-text"
                          title={row.account_name ?? row.account_id}
                          ref={revealWhenTruncated}
                        >
                          {row.account_name || row.account_id}
                        </span>
                        <span
                          className="cell-text muted"
                          title={row.account_email ?? ""}
                          ref={revealWhenTruncated}
                        >
                          {row.account_email || "—"}
                        </span>
                      </>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </span>
                  <span className="vcell two-line" role="cell">
                    <span
                      className={`badge mapping-badge mapping-badge-${statusGroup(row.status)}`}
                      data-testid="mapping-status"
                      title={row.detail || undefined}
                    >
                      {statusLabel(row.status)}
                    </span>
                    {row.detail ? (
                      <span
                        className="cell-text muted mapping-detail"
                        title={row.detail}
                        ref={revealWhenTruncated}
                      >
                        {row.detail}
                      </span>
                    ) : null}
                  </span>
                  <span className="vcell num" role="cell" data-testid="mapping-attempts">
                    {formatCount(row.attempts)}
                  </span>
                  <span className="vcell cell-text muted" role="cell">
                    {row.updated_at ? formatDateTime(row.updated_at) : "—"}
                  </span>
                  <span className="vcell cell-menu" role="cell">
                    <button
                      type="button"
                      className="btn btn-small btn-ghost row-menu-button"
                      data-testid="row-menu"
                      data-menu-for={row.record_id}
                      aria-haspopup="menu"
                      aria-expanded={menu?.recordId === row.record_id}
                      aria-label={`Actions for ${row.name}`}
                      disabled={disabled || pending.has(row.record_id)}
                      onClick={(event) => openMenu(row, event.currentTarget)}
                    >
                      {pending.has(row.record_id) ? (
                        <span className="spinner" aria-hidden="true" />
                      ) : (
                        <span aria-hidden="true">⋯</span>
                      )}
                    </button>
                  </span>
                </div>
              );
            })}
          </div>
        )}
      </div>
      {menu && menuRow ? (
        <RowMenu
          row={menuRow}
          top={menu.top}
          left={menu.left}
          onClose={closeMenu}
          onPick={(action) => {
            setMenu(null);
            onAction(action, menuRow);
          }}
        />
      ) : null}
    </div>
  );
}

type MenuProps = {
  row: MappingRow;
  top: number;
  left: number;
  onClose: (focusTrigger: boolean) => void;
  onPick: (action: RowAction) => void;
};

function RowMenu({ row, top, left, onClose, onPick }: MenuProps) {
  const ref = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const group = statusGroup(row.status);
  const items: Array<{ action: RowAction; label: string; testId: string }> = [
    { action: "map", label: "Map User…", testId: "menu-map-user" },
  ];
  if (group === "mapped") items.push({ action: "unmap", label: "Unmap", testId: "menu-unmap" });
  if (group === "unmapped" || group === "skipped") {
    items.push({ action: "retry", label: "Retry", testId: "menu-retry" });
  }

  useLayoutEffect(() => {
    ref.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, []);

  useEffect(() => {
    function onPointerDown(event: MouseEvent) {
      const target = event.target as Node | null;
      if (!target || ref.current?.contains(target)) return;
      // The trigger toggles the menu itself.
      if ((target as Element).closest?.(`[data-menu-for="${row.record_id}"]`)) return;
      onCloseRef.current(false);
    }
    function onKeyDown(event: globalThis.KeyboardEvent) {
      if (event.key === "Escape") {
        event.stopPropagation();
        onCloseRef.current(true);
      }
    }
    document.addEventListener("mousedown", onPointerDown);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("mousedown", onPointerDown);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [row.record_id]);

  function onMenuKey(event: KeyboardEvent<HTMLDivElement>) {
    const all = Array.from(ref.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const index = all.indexOf(document.activeElement as HTMLElement);
    let next = -1;
    if (event.key === "ArrowDown") next = (index + 1) % all.length;
    else if (event.key === "ArrowUp") next = (index - 1 + all.length) % all.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = all.length - 1;
    else if (event.key === "Tab") {
      onClose(false);
      return;
    }
    if (next >= 0) {
      event.preventDefault();
      all[next]?.focus();
    }
  }

  return (
    <div
      ref={ref}
      className="row-menu"
      role="menu"
      aria-label={`Actions for ${row.name}`}
      data-testid="row-menu-list"
      style={{ top, left }}
      onKeyDown={onMenuKey}
    >
      {items.map((item) => (
        <button
          key={item.action}
          type="button"
          role="menuitem"
          tabIndex={-1}
          className="row-menu-item"
          data-testid={item.testId}
          onClick={() => onPick(item.action)}
        >
          {item.label}
        </button>
      ))}
    </div>
  );
}
