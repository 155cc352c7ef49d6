import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";

import { Modal } from "../components/Modal";
import {
  mapUser,
  searchAccounts,
  type AccountMatch,
  type ApiError,
  type MappingRow,
  type Platform,
} from "../platform";
import { PLATFORM_LABELS, highlightParts } from "./mapping";

export const SEARCH_LIMIT = 25;

type Props = {
  platform: Platform;
  row: MappingRow;
  onClose: () => void;
  /** Called with the updated row after a successful map. */
  onMapped: (row: MappingRow) => void;
};

type SearchState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; results: AccountMatch[] };

export function MapUserDialog({ platform, row, onClose, onMapped }: Props) {
  const ids = useId();
  const titleId = `${ids}-title`;
  const listId = `${ids}-results`;
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState<SearchState>({ status: "idle" });
  const [active, setActive] = useState(0);
  const [picked, setPicked] = useState<AccountMatch | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const mounted = useRef(true);
  // Each keystroke gets a ticket; an answer older than the one shown is dropped.
  const issued = useRef(0);
  const shown = useRef(0);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  function runSearch(text: string) {
    const ticket = ++issued.current;
    if (text.trim() === "") {
      shown.current = ticket;
      setSearch({ status: "idle" });
      setActive(0);
      return;
    }
    setSearch((current) => (current.status === "ready" ? current : { status: "loading" }));
    searchAccounts(platform, text, SEARCH_LIMIT).then(
      (results) => {
        if (!mounted.current || ticket <= shown.current) return;
        shown.current = ticket;
        setSearch({ status: "ready", results });
        setActive(0);
      },
      (reason: ApiError) => {
        if (!mounted.current || ticket <= shown.current) return;
        shown.current = ticket;
        setSearch({ status: "error", error: reason });
      },
    );
  }

  const results = search.status === "ready" ? search.results : [];
  const activeIndex = Math.min(active, Math.max(0, results.length - 1));

  function onInputKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (results.length === 0) return;
      event.preventDefault();
      const delta = event.key === "ArrowDown" ? 1 : -1;
      const next = (activeIndex + delta + results.length) % results.length;
      setActive(next);
      document.getElementById(`${listId}-${next}`)?.scrollIntoView?.({ block: "nearest" });
    } else if (event.key === "Enter") {
      event.preventDefault();
      const candidate = results[activeIndex];
      if (candidate) setPicked(candidate);
    }
  }

  async function confirm() {
    if (!picked || saving) return;
    setSaving(true);
    setError(null);
    try {
      const updated = await mapUser(platform, row.record_id, picked.account_id);
      if (!mounted.current) return;
      onMapped(updated);
    } catch (reason) {
      if (mounted.current) setError(reason as ApiError);
    } finally {
      if (mounted.current) setSaving(false);
    }
  }

  const platformLabel = PLATFORM_LABELS[platform];
  const activeId = results.length > 0 ? `${listId}-${activeIndex}` : undefined;

  return (
    <Modal titleId={titleId} onClose={onClose} className="modal-map-user">
      <div data-testid="map-user-dialog" className="map-user">
        <div className="modal-header">
          <h2 id={titleId}>
            Map {row.name} to a {platformLabel} account
          </h2>
          <p className="modal-subtitle">
            {row.email || "No email"}
            {row.account_id ? ` · currently ${row.account_name || row.account_id}` : ""}
          </p>
        </div>
        <div className="modal-body">
          <div className="field">
            <label htmlFor={`${ids}-search`} className="field-label">
              Search {platformLabel} accounts
            </label>
            <input
              id={`${ids}-search`}
              type="search"
              data-testid="account-search"
              data-autofocus=""
              autoComplete="off"
              role="combobox"
              aria-expanded={results.length > 0}
              aria-controls={listId}
              aria-autocomplete="list"
              aria-activedescendant={activeId}
              placeholder="Name or email"
              value={query}
              onChange={(event) => {
                setQuery(event.target.value);
                runSearch(event.target.value);
              }}
              onKeyDown={onInputKey}
            />
          </div>

          {search.status === "error" ? (
            <p className="inline-error" role="alert" data-testid="account-search-error">
              {search.error.message}
            </p>
          ) : null}

          <ul
            id={listId}
            className="account-results"
            role="listbox"
            aria-label={`${platformLabel} accounts`}
            data-testid="account-results"
          >
            {results.map((match, index) => (
              <li
                key={match.account_id}
                id={`${listId}-${index}`}
                role="option"
                aria-selected={picked?.account_id === match.account_id}
                className={`account-option${index === activeIndex ? " is-active" : ""}${
                  picked?.account_id === match.account_id ? " is-picked" : ""
                }${match.active ? "" : " is-inactive"}`}
                data-testid="account-option"
                data-account-id={match.account_id}
                onMouseDown={(event) => event.preventDefault()}
                onClick={() => {
                  setActive(index);
                  setPicked(match);
                }}
              >
                <span className="account-option-main">
                  <span className="account-name">
                    <Highlighted text={match.name} ranges={match.name_highlights} />
                  </span>
                  <span className="account-email muted">
                    <Highlighted text={match.email} ranges={match.email_highlights} />
                  </span>
                </span>
                <span className="account-tags">
                  {match.active ? null : (
                    <span className="badge badge-inactive" data-testid="account-inactive">
                      inactive
                    </span>
                  )}
                  {match.mapped_to ? (
                    <span className="badge badge-warning" data-testid="account-mapped-to">
                      mapped to {match.mapped_to}
                    </span>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
          {search.status === "idle" ? (
            <p className="muted account-hint">Type a name or email to find an account.</p>
          ) : search.status === "loading" ? (
            <p className="state-inline" role="status">
              <span className="spinner" aria-hidden="true" />
              Searching…
            </p>
          ) : search.status === "ready" && results.length === 0 ? (
            <p className="muted account-hint" data-testid="account-no-results">
              No {platformLabel} account matches “{query.trim()}”.
            </p>
          ) : null}

          <p className="picked-account" aria-live="polite" data-testid="picked-account">
            {picked ? (
              <>
                Selected: <strong>{picked.name || picked.account_id}</strong>
                {picked.email ? ` <${picked.email}>` : ""}
              </>
            ) : (
              <span className="muted">No account selected.</span>
            )}
          </p>

          {error ? (
            <p className="form-error" role="alert" data-testid="map-user-error">
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
            data-testid="confirm-map"
            disabled={!picked || saving}
            onClick={() => void confirm()}
          >
            {saving ? "Mapping…" : "Map"}
          </button>
        </div>
      </div>
    </Modal>
  );
}

function Highlighted({
  text,
  ranges,
}: {
  text: string;
  ranges: ReadonlyArray<readonly [number, number]>;
}) {
  if (!text) return <>—</>;
  return (
    <>
      {highlightParts(text, ranges).map((part, index) =>
        part.match ? <mark key={index}>{part.text}</mark> : <span key={index}>{part.text}</span>,
      )}
    </>
  );
}
