import { Fragment, useCallback, useEffect, useRef, useState } from "react";

import { Modal } from "../components/Modal";
import {
  deleteConnection,
  listConnections,
  mappingUnits,
  startDemoTenant,
  testConnection,
  type ApiError,
  type BusinessUnit,
  type Connection,
} from "../platform";
import { PLATFORM_LABELS } from "../mapping/mapping";
import { linksSentence, unitsServedBy } from "../mapping/units";
import type { ScreenId } from "../screens";
import { ConnectionForm } from "./ConnectionForm";
import { endpointOf, formatLocal, formatWhen, kindLabel, webexCredentialLabel } from "./kinds";
import { StartHere, startHereDismissed } from "./StartHere";
import { TestResult, type TestState } from "./TestResult";

type ListState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; connections: Connection[]; units: BusinessUnit[] };

type FormState = { mode: "add" } | { mode: "edit"; connection: Connection } | null;

type Props = {
  /** Opens another screen (the Start here steps). */
  onNavigate?: (screen: ScreenId) => void;
};

export function ConnectionsScreen({ onNavigate }: Props = {}) {
  const [list, setList] = useState<ListState>({ status: "loading" });
  const [form, setForm] = useState<FormState>(null);
  const [testing, setTesting] = useState<Record<string, boolean>>({});
  const [results, setResults] = useState<Record<string, TestState>>({});
  const [demoBusy, setDemoBusy] = useState(false);
  const [demoError, setDemoError] = useState<ApiError | null>(null);
  const [deleteTarget, setDeleteTarget] = useState<Connection | null>(null);
  const [startHereHidden, setStartHereHidden] = useState(startHereDismissed);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  /** Loads the list; `quiet` keeps the current rows on screen while reloading. */
  const load = useCallback(async (quiet: boolean) => {
    if (!quiet) setList({ status: "loading" });
    try {
      const connections = await listConnections();
      // Which mapping links each connection takes part in: a line under it, left out if unknown.
      const units = await mappingUnits().catch(() => [] as BusinessUnit[]);
      if (mounted.current) setList({ status: "ready", connections, units });
    } catch (error) {
      if (mounted.current) setList({ status: "error", error: error as ApiError });
    }
  }, []);

  useEffect(() => {
    void load(false);
  }, [load]);

  const runTest = useCallback(
    async (id: string) => {
      setTesting((current) => ({ ...current, [id]: true }));
      setResults((current) => {
        const next = { ...current };
        delete next[id];
        return next;
      });
      let state: TestState;
      try {
        state = { status: "ok", outcome: await testConnection(id) };
      } catch (error) {
        state = { status: "failed", error: error as ApiError };
      }
      if (!mounted.current) return;
      setResults((current) => ({ ...current, [id]: state }));
      setTesting((current) => ({ ...current, [id]: false }));
      await load(true);
    },
    [load],
  );

  async function startDemo() {
    setDemoBusy(true);
    setDemoError(null);
    try {
      await startDemoTenant();
      await load(true);
    } catch (error) {
      if (mounted.current) setDemoError(error as ApiError);
    } finally {
      if (mounted.current) setDemoBusy(false);
    }
  }

  function onSaved(saved: Connection) {
    setForm(null);
    // An edit may have changed what a previous test result was about (a test run in the dialog
    // is recorded on the connection: its Last test shows it).
    setResults((current) => {
      const next = { ...current };
      delete next[saved.id];
      return next;
    });
    void load(true);
  }

  async function testAll() {
    if (list.status !== "ready") return;
    for (const connection of list.connections) await runTest(connection.id);
  }

  function onDeleted(id: string) {
    setDeleteTarget(null);
    setResults((current) => {
      const next = { ...current };
      delete next[id];
      return next;
    });
    void load(true);
  }

  let body;
  if (list.status === "loading") {
    body = (
      <div className="card state-card" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        Loading connections…
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
  } else if (list.connections.length === 0) {
    body = (
      <div className="card welcome" data-testid="welcome-card">
        <h2>Welcome to CC Sync</h2>
        <p>
          CC Sync keeps your contact-center platforms in step: it reads users, campaigns and
          dispositions from NICE CXone and links them to RingCentral and Webex.
        </p>
        <p>
          Start by connecting a tenant — or try everything safely against a built-in demo tenant
          that runs on this computer.
        </p>
        <div className="welcome-actions">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="demo-button"
            disabled={demoBusy}
            aria-busy={demoBusy}
            onClick={() => void startDemo()}
          >
            {demoBusy ? (
              <>
                <span className="spinner spinner-light" aria-hidden="true" />
                Starting the demo tenant…
              </>
            ) : (
              "Explore with a demo tenant"
            )}
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="welcome-add-button"
            disabled={demoBusy}
            onClick={() => setForm({ mode: "add" })}
          >
            Add a connection
          </button>
        </div>
        {demoError ? (
          <p className="inline-error" role="alert">
            {demoError.message}
          </p>
        ) : null}
      </div>
    );
  } else {
    body = (
      <div className="card table-card connections-card">
        <table className="table connections-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Last test</th>
              <th scope="col" className="col-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.connections.map((connection) => {
              const busy = testing[connection.id] === true;
              const result = results[connection.id];
              const links = linksLine(connection, list.units);
              return (
                <Fragment key={connection.id}>
                  <tr
                    data-testid="connection-row"
                    data-name={connection.name}
                    className={result ? "has-detail" : undefined}
                  >
                    <th scope="row" className={`cell-name${links ? " has-links" : ""}`}>
                      <span title={connection.name}>{connection.name}</span>
                      {connection.is_demo ? <span className="badge badge-demo">Demo</span> : null}
                      {links ? (
                        <span className="connection-links muted" data-testid="connection-links" title={links}>
                          {links}
                        </span>
                      ) : null}
                    </th>
                    <td>
                      {kindLabel(connection.settings.kind)}
                      {webexCredentialLabel(connection.settings) ? (
                        <span className="cell-credential muted" data-testid="webex-credential-kind">
                          {" · "}
                          {webexCredentialLabel(connection.settings)}
                        </span>
                      ) : null}
                    </td>
                    <td className="cell-endpoint">
                      <span title={endpointOf(connection.settings)}>
                        {endpointOf(connection.settings)}
                      </span>
                    </td>
                    <td>
                      <LastTestCell connection={connection} />
                    </td>
                    <td className="col-actions">
                      <div className="row-actions">
                        <button
                          type="button"
                          className="btn btn-small btn-secondary"
                          data-testid="test-button"
                          disabled={busy}
                          aria-label={busy ? `Testing ${connection.name}` : `Test ${connection.name}`}
                          onClick={() => void runTest(connection.id)}
                        >
                          {busy ? "Testing…" : "Test"}
                        </button>
                        <button
                          type="button"
                          className="btn btn-small btn-secondary"
                          data-testid="edit-button"
                          aria-label={`Edit ${connection.name}`}
                          onClick={() => setForm({ mode: "edit", connection })}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="btn btn-small btn-danger-quiet"
                          data-testid="delete-button"
                          aria-label={`Delete ${connection.name}`}
                          onClick={() => setDeleteTarget(connection)}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                  {result ? (
                    <tr className="detail-row">
                      <td colSpan={5}>
                        <TestResult name={connection.name} state={result} />
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

  const hasRows = list.status === "ready" && list.connections.length > 0;
  const anyTesting = Object.values(testing).some(Boolean);

  return (
    <section className="screen" aria-labelledby="screen-title">
      <header className="screen-header">
        <div>
          <h1 id="screen-title">Connections</h1>
          <p className="screen-subtitle">
            The tenants CC Sync reads from and writes to. Secrets are kept in the system keyring.
          </p>
        </div>
        {hasRows ? (
          <div className="toolbar">
            <button
              type="button"
              className="btn btn-primary"
              data-testid="add-connection-button"
              onClick={() => setForm({ mode: "add" })}
            >
              Add connection
            </button>
          </div>
        ) : null}
      </header>

      {hasRows && !startHereHidden ? (
        <StartHere
          connections={list.status === "ready" ? list.connections : []}
          testing={anyTesting}
          onTestAll={() => void testAll()}
          onNavigate={onNavigate}
          onDismiss={() => setStartHereHidden(true)}
        />
      ) : null}

      {body}

      {form ? (
        <ConnectionForm
          key={form.mode === "edit" ? form.connection.id : "add"}
          connection={form.mode === "edit" ? form.connection : null}
          onCancel={() => setForm(null)}
          onSaved={onSaved}
        />
      ) : null}

      {deleteTarget ? (
        <DeleteDialog
          connection={deleteTarget}
          onCancel={() => setDeleteTarget(null)}
          onDeleted={onDeleted}
        />
      ) : null}
    </section>
  );
}

function LastTestCell({ connection }: { connection: Connection }) {
  const last = connection.last_test;
  if (!last) return <span className="muted">Never tested</span>;
  return (
    <span
      className={`last-test ${last.ok ? "last-test-ok" : "last-test-failed"}`}
      title={`${last.message} (${formatLocal(last.at)})`}
      data-testid="last-test"
      data-ok={last.ok ? "true" : "false"}
    >
      <span aria-hidden="true">{last.ok ? "✓" : "✗"}</span> {last.ok ? "OK" : "Failed"}
      <span className="muted"> · {formatWhen(last.at)}</span>
    </span>
  );
}

function DeleteDialog({
  connection,
  onCancel,
  onDeleted,
}: {
  connection: Connection;
  onCancel: () => void;
  onDeleted: (id: string) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await deleteConnection(connection.id);
      onDeleted(connection.id);
    } catch (reason) {
      setError(reason as ApiError);
      setBusy(false);
    }
  }

  return (
    <Modal
      titleId="delete-dialog-title"
      describedBy="delete-dialog-text"
      role="alertdialog"
      onClose={() => {
        if (!busy) onCancel();
      }}
      className="modal-confirm"
    >
      <header className="modal-header">
        <h2 id="delete-dialog-title">Delete connection {connection.name}?</h2>
      </header>
      <div className="modal-body">
        <p id="delete-dialog-text">
          Its stored secrets are removed from the keyring. Synchronized records are kept.
        </p>
        {error ? (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        ) : null}
      </div>
      <footer className="modal-footer">
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="cancel-delete"
          data-autofocus=""
          disabled={busy}
          onClick={onCancel}
        >
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-danger"
          data-testid="confirm-delete"
          disabled={busy}
          onClick={() => void confirm()}
        >
          {busy ? "Deleting…" : "Delete"}
        </button>
      </footer>
    </Modal>
  );
}

/**
 * The mapping links a connection takes part in: under a CXone connection the platform connections
 * its business unit is mapped to, under a RingCentral or Webex connection the units it serves.
 */
export function linksLine(connection: Connection, units: readonly BusinessUnit[]): string | null {
  if (connection.settings.kind === "cxone") {
    const unit = units.find((u) => u.cxone_connection_id === connection.id);
    if (!unit || unit.links.length === 0) return null;
    return `Mapped to: ${linksSentence(unit.links, PLATFORM_LABELS)}`;
  }
  const served = unitsServedBy(units, connection.id);
  return served.length === 0 ? null : `Serves: ${served.join(" · ")}`;
}
