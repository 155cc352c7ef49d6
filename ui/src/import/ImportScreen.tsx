// Long on purpose: the CSV Import flow from drop to commit as one state machine; each step's view is a
// sibling file (MappingStep, ReviewTable, ImportSummaryPanel, QueuePanel…).
import { useCallback, useEffect, useRef, useState } from "react";

import { ConfirmDialog } from "../components/ConfirmDialog";
import { ProgressBar } from "../components/ProgressBar";
import { useToasts } from "../components/Toasts";
import { formatCount } from "../format";
import { useCancellableJob } from "../jobs/useCancellableJob";
import {
  chooseCsvSavePath,
  chooseImportFiles,
  hasCode,
  importCancel,
  importCommit,
  importEnqueue,
  importFinish,
  importPlan,
  importPreview,
  importQueue,
  importWriteErrors,
  type ApiError,
  type UserImportEdit,
  type UserImportPreview,
  type UserImportQueue,
  type UserImportRow,
  type UserImportSummary,
} from "../platform";
import { EditRowDialog } from "./EditRowDialog";
import { toastRefused, type ImportArrival } from "./FileDrop";
import { ImportEmptyState } from "./ImportEmptyState";
import { ImportSummaryPanel } from "./ImportSummaryPanel";
import {
  baseName,
  commitConfirmText,
  commitProgressText,
  committedText,
  fileStem,
  isRegion,
  mappingProblems,
  planProgressText,
  plural,
  type DelimiterChoice,
} from "./importText";
import { MappingStep, type MappingDraft } from "./MappingStep";
import { QueuePanel } from "./QueuePanel";
import { ReviewTable } from "./ReviewTable";

type PreviewState =
  | { status: "idle" }
  | { status: "loading"; path: string }
  | { status: "error"; path: string; error: ApiError }
  | { status: "ready"; path: string; preview: UserImportPreview; key: number };

/** The two long jobs of an import: the label of `useCancellableJob`. */
type Op = "plan" | "commit";

/** An error shown in the banner; `rerun` offers the dry run again (a stale commit). */
type Banner = { error: ApiError; rerun: boolean };

type ErrorsFileState =
  | { status: "idle" }
  | { status: "busy" }
  | { status: "done"; rows: number; path: string };

const CANCELLED_TEXT = "Cancelled: nothing was written.";

type Props = {
  /** Files dropped on the window (on any screen, see FileDrop), or why the drop was refused. */
  arrival?: ImportArrival | null;
  /** The arrival is shown: it must not be shown again when the screen opens next time. */
  onArrivalSeen?: () => void;
};

/**
 * CSV Import of users: files dropped on the window (or browsed) wait in a queue; each is mapped,
 * dry-run, reviewed (and corrected row by row), confirmed, then committed or discarded.
 */
export function ImportScreen({ arrival = null, onArrivalSeen }: Props = {}) {
  const [queue, setQueue] = useState<UserImportQueue | null>(null);
  const [preview, setPreview] = useState<PreviewState>({ status: "idle" });
  const [delimiter, setDelimiter] = useState<DelimiterChoice>("");
  const [draft, setDraft] = useState<MappingDraft>({ mappings: [], mode: "add", region: "" });
  const [summary, setSummary] = useState<UserImportSummary | null>(null);
  const [committed, setCommitted] = useState<UserImportSummary | null>(null);
  const [planKey, setPlanKey] = useState(0);
  const [tableVersion, setTableVersion] = useState(0);
  const [problemsOnly, setProblemsOnly] = useState(false);
  const [editing, setEditing] = useState<UserImportRow | null>(null);
  const { busy, isBusy, run, cancel: cancelJob } = useCancellableJob<Op>(importCancel);
  const [banner, setBanner] = useState<Banner | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [errorsFile, setErrorsFile] = useState<ErrorsFileState>({ status: "idle" });
  const [browsing, setBrowsing] = useState(false);
  const [finishing, setFinishing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const { show: showToast } = useToasts();

  const mounted = useRef(true);
  /** The file whose preview is shown or on its way. */
  const shownPath = useRef<string | null>(null);
  const previewTicket = useRef(0);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      // A running dry run or commit is cancelled by useCancellableJob.
    };
  }, []);

  const openFile = useCallback(
    async (path: string, choice: DelimiterChoice, keep?: Pick<MappingDraft, "mode" | "region">) => {
      const ticket = ++previewTicket.current;
      shownPath.current = path;
      setPreview({ status: "loading", path });
      setDelimiter(choice);
      setSummary(null);
      setCommitted(null);
      setEditing(null);
      setProblemsOnly(false);
      setConfirming(false);
      // A new file: the messages about the previous one go.
      setBanner(null);
      setNotice(null);
      setErrorsFile({ status: "idle" });
      try {
        const loaded = await importPreview(path, choice || null);
        if (!mounted.current || ticket !== previewTicket.current) return;
        setPreview({ status: "ready", path, preview: loaded, key: ticket });
        setDraft({
          mappings: loaded.mappings,
          mode: keep?.mode ?? "add",
          region: keep?.region ?? loaded.region,
        });
      } catch (reason) {
        if (!mounted.current || ticket !== previewTicket.current) return;
        setPreview({ status: "error", path, error: reason as ApiError });
      }
    },
    [],
  );

  /** Shows `next` (the backend's queue) and opens its current file if it is not the one shown. */
  const showQueue = useCallback(
    (next: UserImportQueue) => {
      setQueue(next);
      if (next.current === null) {
        previewTicket.current += 1;
        shownPath.current = null;
        setPreview({ status: "idle" });
        setSummary(null);
        setCommitted(null);
        setEditing(null);
        setConfirming(false);
        // Nothing left to import: no message about the last file stays.
        setNotice(null);
        setErrorsFile({ status: "idle" });
      } else if (next.current !== shownPath.current) {
        void openFile(next.current, "");
      }
    },
    [openFile],
  );

  const enqueue = useCallback(
    async (paths: string[]) => {
      if (paths.length === 0) return;
      try {
        const next = await importEnqueue(paths);
        if (!mounted.current) return;
        toastRefused(showToast, next.refused);
        showQueue(next);
      } catch (reason) {
        if (mounted.current) setBanner({ error: reason as ApiError, rerun: false });
      }
    },
    [showQueue, showToast],
  );

  // The queue survives the screen: restore it.
  useEffect(() => {
    importQueue().then(
      (restored) => {
        if (mounted.current) showQueue(restored);
      },
      (reason: ApiError) => {
        if (!mounted.current) return;
        setQueue((current) => current ?? { current: null, waiting: [], refused: [] });
        setBanner({ error: reason, rerun: false });
      },
    );
  }, [showQueue]);

  // Files dropped on any screen arrive here (App's FileDrop enqueued them).
  const arrivalSeen = useRef(onArrivalSeen);
  arrivalSeen.current = onArrivalSeen;
  useEffect(() => {
    if (!arrival) return;
    if ("queue" in arrival) {
      setBanner(null);
      showQueue(arrival.queue);
    } else {
      setBanner({ error: arrival.error, rerun: false });
    }
    arrivalSeen.current?.();
  }, [arrival, showQueue]);

  async function browse() {
    setBrowsing(true);
    try {
      const paths = await chooseImportFiles();
      if (mounted.current) await enqueue(paths);
    } catch (reason) {
      if (mounted.current) setBanner({ error: reason as ApiError, rerun: false });
    } finally {
      if (mounted.current) setBrowsing(false);
    }
  }

  /** Discard, Skip or Finish: the current file is done and the next one (if any) opens. */
  async function finishCurrent() {
    const current = queue?.current;
    if (finishing || isBusy() || !current) return;
    setFinishing(true);
    setBanner(null);
    setNotice(null);
    try {
      const next = await importFinish(current);
      if (!mounted.current) return;
      // Even when the next file has the same path, it is a new import.
      shownPath.current = null;
      showQueue(next);
    } catch (reason) {
      if (mounted.current) setBanner({ error: reason as ApiError, rerun: false });
    } finally {
      if (mounted.current) setFinishing(false);
    }
  }

  async function runDryRun() {
    if (preview.status !== "ready") return;
    if (mappingProblems(draft.mappings).length > 0 || !isRegion(draft.region)) return;
    const path = preview.path;
    const outcome = await run((onProgress) => {
      setBanner(null);
      setNotice(null);
      setSummary(null);
      setCommitted(null);
      setEditing(null);
      setErrorsFile({ status: "idle" });
      return importPlan(
        path,
        draft.mappings,
        draft.mode,
        draft.region.trim().toUpperCase(),
        delimiter || null,
        onProgress,
      );
    }, "plan");
    if (outcome.status === "refused" || !mounted.current) return;
    if (outcome.status === "done") {
      setSummary(outcome.value);
      setProblemsOnly(false);
      setPlanKey((n) => n + 1);
    } else if (outcome.status === "cancelled") {
      setNotice(CANCELLED_TEXT);
    } else {
      setBanner({ error: outcome.error, rerun: false });
    }
  }

  async function commit() {
    if (!summary) return;
    setConfirming(false);
    const outcome = await run((onProgress) => {
      setBanner(null);
      setNotice(null);
      setEditing(null);
      return importCommit(onProgress);
    }, "commit");
    if (outcome.status === "refused" || !mounted.current) return;
    if (outcome.status === "done") {
      setCommitted(outcome.value);
      setSummary(outcome.value);
      showToast({ message: committedText(outcome.value) });
    } else if (outcome.status === "cancelled") {
      setNotice(CANCELLED_TEXT);
    } else {
      // The store changed since the dry run: offer to run it again.
      setBanner({ error: outcome.error, rerun: hasCode(outcome.error, "stale") });
    }
  }

  async function cancel() {
    // Null unless the cancel failed while the job still runs: then say why.
    const error = await cancelJob();
    if (error) setBanner({ error, rerun: false });
  }

  async function downloadErrors() {
    const current = committed ?? summary;
    if (!current) return;
    const name = current.file || (preview.status === "ready" ? preview.preview.file : "import");
    setErrorsFile({ status: "busy" });
    try {
      const path = await chooseCsvSavePath(`${fileStem(name)}-errors.csv`);
      if (path === null) {
        if (mounted.current) setErrorsFile({ status: "idle" });
        return;
      }
      const rows = await importWriteErrors(path);
      if (mounted.current) setErrorsFile({ status: "done", rows, path });
    } catch (reason) {
      if (!mounted.current) return;
      setErrorsFile({ status: "idle" });
      setBanner({ error: reason as ApiError, rerun: false });
    }
  }

  function onEdited(edit: UserImportEdit) {
    if (!mounted.current) return;
    setSummary(edit.summary);
    setTableVersion((n) => n + 1);
  }

  function changeDelimiter(choice: DelimiterChoice) {
    if (preview.status !== "ready") return;
    setNotice(null);
    setBanner(null);
    void openFile(preview.path, choice, { mode: draft.mode, region: draft.region });
  }

  // ---------- rendering ----------

  const working = busy !== null || finishing;

  let body;
  if (queue === null) {
    body = (
      <div className="card state-card" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" />
        Loading…
      </div>
    );
  } else if (queue.current === null) {
    body = <ImportEmptyState onBrowse={() => void browse()} browsing={browsing} />;
  } else if (preview.status === "idle" || preview.status === "loading") {
    body = (
      <div className="card state-card" role="status" aria-live="polite" data-testid="import-reading">
        <span className="spinner" aria-hidden="true" />
        Reading {baseName(preview.status === "loading" ? preview.path : queue.current)}…
      </div>
    );
  } else if (preview.status === "error") {
    body = (
      <div className="result result-failed" data-testid="import-preview-error">
        <p className="result-title" role="alert">
          <span aria-hidden="true">✗ </span>
          {baseName(preview.path)} cannot be imported: {preview.error.message}
        </p>
        <div className="result-actions">
          <button
            type="button"
            className="btn btn-small btn-secondary"
            data-testid="import-skip"
            disabled={finishing}
            onClick={() => void finishCurrent()}
          >
            Skip this file
          </button>
          {delimiter !== "" ? (
            <button
              type="button"
              className="btn btn-small btn-secondary"
              data-testid="import-auto-delimiter"
              onClick={() => void openFile(preview.path, "")}
            >
              Detect the delimiter automatically
            </button>
          ) : null}
        </div>
      </div>
    );
  } else if (committed) {
    body = (
      <CommittedPanel
        summary={committed}
        next={queue.waiting[0] ?? null}
        finishing={finishing}
        errorsBusy={errorsFile.status === "busy"}
        onDownloadErrors={() => void downloadErrors()}
        onFinish={() => void finishCurrent()}
      />
    );
  } else if (summary) {
    const changes = summary.created + summary.updated;
    body = (
      <div className="import-step" data-testid="import-review-step">
        <ImportSummaryPanel summary={summary} />
        <div className="import-actions">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="import-commit"
            disabled={working || changes === 0}
            onClick={() => setConfirming(true)}
          >
            {busy?.label === "commit" ? "Committing…" : `Commit ${plural(changes, "change", "changes")}`}
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="import-errors"
            disabled={working || summary.invalid === 0 || errorsFile.status === "busy"}
            onClick={() => void downloadErrors()}
          >
            Download error CSV
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="import-back"
            disabled={working}
            onClick={() => {
              setSummary(null);
              setNotice(null);
              setBanner(null);
            }}
          >
            Change mapping
          </button>
          <button
            type="button"
            className="btn btn-danger-quiet"
            data-testid="import-discard"
            disabled={working}
            onClick={() => void finishCurrent()}
          >
            Discard
          </button>
        </div>
        {changes === 0 ? (
          <p className="muted" data-testid="import-nothing">
            Nothing to commit: no valid row creates or updates a user.
          </p>
        ) : null}
        <div className="plan-toolbar">
          <label className="checkbox-label">
            <input
              type="checkbox"
              data-testid="filter-problems"
              checked={problemsOnly}
              onChange={(event) => setProblemsOnly(event.target.checked)}
            />
            Only rows with problems
          </label>
        </div>
        <ReviewTable
          key={planKey}
          problemsOnly={problemsOnly}
          version={tableVersion}
          disabled={working}
          onEdit={(row) => setEditing(row)}
        />
      </div>
    );
  } else {
    body = (
      <MappingStep
        key={preview.key}
        preview={preview.preview}
        draft={draft}
        onDraftChange={setDraft}
        delimiter={delimiter}
        onDelimiterChange={changeDelimiter}
        busy={working}
        running={busy?.label === "plan"}
        onDryRun={() => void runDryRun()}
        onDiscard={() => void finishCurrent()}
      />
    );
  }

  return (
    <section className="screen import-screen" aria-labelledby="screen-title">
      <header className="screen-header">
        <div>
          <h1 id="screen-title">CSV Import</h1>
          <p className="screen-subtitle">
            Import Control Hub–style user files: map the columns, review a dry run, correct what is
            wrong, then commit. Nothing changes before the commit.
          </p>
        </div>
      </header>

      {queue ? (
        <QueuePanel queue={queue} onBrowse={() => void browse()} browsing={browsing} />
      ) : null}

      {banner ? (
        <div className="result result-failed" role="alert" data-testid="import-error">
          <p className="result-title">
            <span aria-hidden="true">✗ </span>
            {banner.error.message}
          </p>
          {banner.rerun && preview.status === "ready" ? (
            <div className="result-actions">
              <button
                type="button"
                className="btn btn-small btn-secondary"
                data-testid="import-rerun"
                disabled={working}
                onClick={() => void runDryRun()}
              >
                Run the dry run again
              </button>
            </div>
          ) : null}
        </div>
      ) : null}

      {notice ? (
        <div className="card notice" role="status" data-testid="import-cancelled">
          {notice}
        </div>
      ) : null}

      {errorsFile.status === "done" ? (
        <p className="export-note" role="status" data-testid="import-errors-result">
          Saved {plural(errorsFile.rows, "row", "rows")} to {errorsFile.path}
        </p>
      ) : null}

      {busy ? (
        <div className="card sync-busy" data-testid="import-busy">
          <ProgressBar
            testId="import-progress"
            name={busy.label === "plan" ? "Dry run" : "Writing users"}
            text={busy.label === "plan" ? planProgressText(busy.progress) : commitProgressText(busy.progress)}
            done={busy.progress ? busy.progress.done : 0}
            total={busy.progress ? busy.progress.total : null}
          />
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="import-cancel"
            disabled={busy.cancelling}
            onClick={() => void cancel()}
          >
            {busy.cancelling ? "Cancelling…" : "Cancel"}
          </button>
        </div>
      ) : null}

      {body}

      {confirming && summary && !committed ? (
        <ConfirmDialog
          title="Commit this import?"
          confirmLabel="Commit"
          danger={summary.cc_licences_removed > 0 || summary.licences_removed > 0}
          onConfirm={() => void commit()}
          onCancel={() => setConfirming(false)}
        >
          <p data-testid="import-confirm-text">{commitConfirmText(summary)}</p>
        </ConfirmDialog>
      ) : null}

      {editing && preview.status === "ready" ? (
        <EditRowDialog
          key={editing.index}
          row={editing}
          columns={draft.mappings}
          onClose={() => setEditing(null)}
          onEdited={onEdited}
        />
      ) : null}
    </section>
  );
}

function CommittedPanel({
  summary,
  next,
  finishing,
  errorsBusy,
  onDownloadErrors,
  onFinish,
}: {
  summary: UserImportSummary;
  next: string | null;
  finishing: boolean;
  errorsBusy: boolean;
  onDownloadErrors: () => void;
  onFinish: () => void;
}) {
  return (
    <div className="result result-ok import-result" role="status" data-testid="import-result">
      <p className="result-title">
        <span aria-hidden="true">✓ </span>
        Imported: {formatCount(summary.created)} created, {formatCount(summary.updated)} updated
        {summary.run_id != null ? ` (run #${summary.run_id})` : ""}
      </p>
      <p className="result-message">
        {summary.file}: {formatCount(summary.unchanged)} unchanged
        {summary.invalid > 0
          ? `, ${plural(summary.invalid, "invalid row", "invalid rows")} not imported.`
          : "."}{" "}
        The run is listed in History.
      </p>
      <div className="result-actions">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="import-finish"
          disabled={finishing}
          onClick={onFinish}
        >
          Finish
        </button>
        {summary.invalid > 0 ? (
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="import-errors"
            disabled={errorsBusy}
            onClick={onDownloadErrors}
          >
            Download error CSV
          </button>
        ) : null}
        {next ? <span className="muted">Next: {baseName(next)}</span> : null}
      </div>
    </div>
  );
}
