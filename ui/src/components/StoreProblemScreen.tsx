import { useState } from "react";

import {
  openDataFolder,
  recoverStore,
  type ApiError,
  type Recovery,
  type StoreProblem,
} from "../platform";

type Props = {
  problem: StoreProblem;
  /** The store opened: show the app. */
  onRecovered: () => void;
};

/**
 * Shown instead of the app when its database cannot be opened: what happened, where the file is,
 * and the ways out that fit the cause. Nothing offered here deletes a file.
 */
export function StoreProblemScreen({ problem: initial, onRecovered }: Props) {
  const [problem, setProblem] = useState(initial);
  const [working, setWorking] = useState<Recovery | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  async function choose(choice: Recovery) {
    setWorking(choice);
    setError(null);
    try {
      const next = await recoverStore(choice);
      if (next === null) onRecovered();
      else setProblem(next);
    } catch (reason) {
      setError(reason as ApiError);
    } finally {
      setWorking(null);
    }
  }

  async function openFolder() {
    setError(null);
    try {
      await openDataFolder();
    } catch (reason) {
      setError(reason as ApiError);
    }
  }

  const canReplace = problem.kind === "corrupt" || problem.kind === "newer";
  return (
    <main className="store-problem" aria-labelledby="store-problem-title" data-testid="store-problem">
      <section className="card store-problem-card">
        <h1 id="store-problem-title">CC Sync cannot open its database</h1>
        <p role="alert" data-testid="store-problem-message">
          {problem.message}
        </p>
        <dl className="store-problem-facts">
          <dt>Database file</dt>
          <dd data-testid="store-problem-path">{problem.database_path}</dd>
          {problem.backup ? (
            <>
              <dt>Newest backup</dt>
              <dd data-testid="store-problem-backup">{problem.backup}</dd>
            </>
          ) : null}
        </dl>
        <div className="store-problem-actions">
          <button type="button" className="btn" data-testid="open-data-folder" onClick={() => void openFolder()}>
            Open the data folder
          </button>
          {problem.kind === "locked" || problem.kind === "unreadable" ? (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="store-try-again"
              disabled={working !== null}
              onClick={() => void choose("try_again")}
            >
              {working === "try_again" ? "Opening…" : "Try again"}
            </button>
          ) : null}
          {problem.kind === "corrupt" && problem.backup ? (
            <button
              type="button"
              className="btn"
              data-testid="store-restore-backup"
              disabled={working !== null}
              onClick={() => void choose("restore_backup")}
            >
              {working === "restore_backup" ? "Restoring…" : "Restore the last backup"}
            </button>
          ) : null}
          {canReplace ? (
            <button
              type="button"
              className="btn btn-primary"
              data-testid="store-start-new"
              disabled={working !== null}
              onClick={() => void choose("start_new")}
            >
              {working === "start_new" ? "Starting…" : "Start with a new database"}
            </button>
          ) : null}
        </div>
        {canReplace ? (
          <p className="muted">
            Restoring or starting anew keeps the current file beside it, renamed with the date and time; nothing
            is deleted.
          </p>
        ) : null}
        {error ? (
          <p className="inline-error" role="alert" data-testid="store-problem-error">
            {error.message}
          </p>
        ) : null}
      </section>
    </main>
  );
}
