import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";

import { Modal } from "../components/Modal";
import {
  checkMapUser,
  mapUser,
  searchAccounts,
  type AccountMatch,
  type ApiError,
  type MapCheck,
  type MappingActionResult,
  type MappingRow,
  type MappingLink,
  type Platform,
} from "../platform";
import { PLATFORM_LABELS, highlightParts } from "./mapping";
import "./mapUser.css";

export const SEARCH_LIMIT = 25;

type Props = {
  /** The business unit's link: its users, and the accounts of its platform connection. */
  link: MappingLink;
  row: MappingRow;
  onClose: () => void;
  /** Called with what the map did (the rows, the sentence, the Undo id) after a successful map. */
  onMapped: (result: MappingActionResult) => void;
};

/** What the guard says about the picked account (status, names, holder, and what to confirm). */
type CheckState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; check: MapCheck };

type SearchState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; results: AccountMatch[] };

export function MapUserDialog({ link, row, onClose, onMapped }: Props) {
  const platform = link.platform;
  const ids = useId();
  const titleId = `${ids}-title`;
  const listId = `${ids}-results`;
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState<SearchState>({ status: "idle" });
  const [active, setActive] = useState(0);
  const [picked, setPicked] = useState<AccountMatch | null>(null);
  const [check, setCheck] = useState<CheckState>({ status: "idle" });
  // The sentence the admin is asked to confirm (from the guard, or from a refused map).
  const [confirming, setConfirming] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const checkTicket = useRef(0);
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
    searchAccounts(link.id, text, SEARCH_LIMIT, row.record_id).then(
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
      if (candidate) pick(candidate);
    }
  }

  function pick(match: AccountMatch) {
    setPicked(match);
    setConfirming(null);
    setError(null);
    const ticket = ++checkTicket.current;
    setCheck({ status: "loading" });
    checkMapUser(link.id, row.record_id, match.account_id).then(
      (answer) => {
        if (mounted.current && ticket === checkTicket.current) setCheck({ status: "ready", check: answer });
      },
      (reason: ApiError) => {
        if (mounted.current && ticket === checkTicket.current) setCheck({ status: "error", error: reason });
      },
    );
  }

  /** Map: first the guard's question when it has one, then the map itself. */
  function onMap() {
    if (!picked || saving) return;
    const sentence = check.status === "ready" ? check.check.confirm : null;
    if (sentence && confirming === null) {
      setConfirming(sentence);
      return;
    }
    void submit(confirming !== null);
  }

  async function submit(confirmed: boolean) {
    if (!picked) return;
    setSaving(true);
    setError(null);
    try {
      const result = await mapUser(link.id, row.record_id, picked.account_id, confirmed);
      if (!mounted.current) return;
      onMapped(result);
    } catch (reason) {
      if (!mounted.current) return;
      const failure = reason as ApiError;
      // The account changed since the check (taken, deactivated): ask with the server's sentence.
      if (failure.code === "confirmation_required") setConfirming(failure.message);
      else setError(failure);
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
                  pick(match);
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

          {picked ? <Guard platform={platform} row={row} check={check} /> : null}

          {confirming !== null ? (
            <div className="map-confirm" role="alert" data-testid="map-confirm">
              <p data-testid="map-confirm-sentence">{confirming}</p>
              <p className="muted">Map anyway only if you are sure this account is {row.name}&apos;s.</p>
            </div>
          ) : null}

          {error ? (
            <p className="form-error" role="alert" data-testid="map-user-error">
              {error.message}
            </p>
          ) : null}
        </div>
        <div className="modal-footer">
          {confirming !== null ? (
            <>
              <button
                type="button"
                className="btn btn-secondary"
                data-testid="map-confirm-back"
                disabled={saving}
                onClick={() => setConfirming(null)}
              >
                Back
              </button>
              <button
                type="button"
                className="btn btn-danger"
                data-testid="confirm-map-anyway"
                disabled={saving}
                onClick={() => void submit(true)}
              >
                {saving ? "Mapping…" : "Map anyway"}
              </button>
            </>
          ) : (
            <>
              <button type="button" className="btn btn-secondary" onClick={onClose}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-primary"
                data-testid="confirm-map"
                disabled={!picked || saving || check.status === "loading"}
                onClick={onMap}
              >
                {saving ? "Mapping…" : "Map"}
              </button>
            </>
          )}
        </div>
      </div>
    </Modal>
  );
}

/** The picked account next to the user: its status, both names, and who holds it. */
function Guard({ platform, row, check }: { platform: Platform; row: MappingRow; check: CheckState }) {
  if (check.status === "loading" || check.status === "idle") {
    return (
      <p className="state-inline muted" role="status" data-testid="map-guard-loading">
        <span className="spinner" aria-hidden="true" />
        Checking the account…
      </p>
    );
  }
  if (check.status === "error") {
    return (
      <p className="inline-error" role="alert" data-testid="map-guard-error">
        {check.error.message}
      </p>
    );
  }
  const facts = check.check;
  const label = PLATFORM_LABELS[platform];
  const accountName = facts.account_name || facts.account_email || facts.account_id;
  return (
    <dl className="map-guard" data-testid="map-guard">
      <dt>Status</dt>
      <dd data-testid="guard-status" className={facts.active ? "" : "map-guard-warn"}>
        {facts.active ? "Active" : "Inactive"} on {label}
      </dd>
      <dt>Names</dt>
      <dd data-testid="guard-names" className={facts.names_resemble ? "" : "map-guard-warn"}>
        <span className="map-guard-name" title={row.name}>
          {row.name}
        </span>{" "}
        <span className="muted">(CXone)</span> ·{" "}
        <span className="map-guard-name" title={accountName}>
          {accountName}
        </span>{" "}
        <span className="muted">({label})</span>
        {facts.names_resemble ? " — alike" : " — not alike"}
      </dd>
      <dt>Mapped to</dt>
      <dd data-testid="guard-mapped-to" className={facts.mapped_to ? "map-guard-warn" : ""}>
        {facts.mapped_to ? `${facts.mapped_to} (mapping here unmaps them)` : "Nobody else"}
      </dd>
    </dl>
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
