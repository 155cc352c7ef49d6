import { useEffect, useState } from "react";

import { listRuns, type Connection, type SyncRun } from "../platform";
import type { ScreenId } from "../screens";
import "./StartHere.css";

/** Where the card remembers that it was dismissed (this computer, this app). */
export const START_HERE_DISMISSED_KEY = "ccsync.start-here.dismissed";

type StepId = "test" | "synchronize" | "mapping" | "import";

type Step = {
  id: StepId;
  title: string;
  text: string;
  action: string;
};

const STEPS: readonly Step[] = [
  {
    id: "test",
    title: "Test the connections",
    text: "Check that CC Sync can sign in to each tenant.",
    action: "Test",
  },
  {
    id: "synchronize",
    title: "Synchronize users",
    text: "Fetch users from CXone, review them, and add them to the store.",
    action: "Open Synchronize",
  },
  {
    id: "mapping",
    title: "Map users",
    text: "Link each CXone user to their RingCentral or Webex account.",
    action: "Open User Mapping",
  },
  {
    id: "import",
    title: "Import a CSV",
    text: "Bring a user list in from a Control Hub–style CSV file.",
    action: "Open CSV Import",
  },
];

const SCREEN_OF: Record<Exclude<StepId, "test">, ScreenId> = {
  synchronize: "synchronize",
  mapping: "user-mapping",
  import: "csv-import",
};

/** Which steps are done, from the connections' last tests and the runs in History. */
export function doneSteps(connections: readonly Connection[], runs: readonly SyncRun[]): Set<StepId> {
  const done = new Set<StepId>();
  if (connections.some((c) => c.last_test?.ok)) done.add("test");
  for (const run of runs) {
    if (run.status !== "succeeded") continue;
    if (run.kind === "pull" && run.entity === "users") done.add("synchronize");
    if (run.kind === "auto_sync" || run.kind === "manual_mapping" || run.kind === "mapping_import") {
      done.add("mapping");
    }
    if (run.kind === "import") done.add("import");
  }
  return done;
}

export function startHereDismissed(): boolean {
  try {
    return window.localStorage.getItem(START_HERE_DISMISSED_KEY) === "1";
  } catch {
    return false;
  }
}

type Props = {
  connections: readonly Connection[];
  /** Whether a test is running (the Test step waits for it). */
  testing: boolean;
  onTestAll: () => void;
  onNavigate?: (screen: ScreenId) => void;
  onDismiss: () => void;
};

/** A first-run path through the app: each step opens its screen and is ticked once done. */
export function StartHere({ connections, testing, onTestAll, onNavigate, onDismiss }: Props) {
  const [runs, setRuns] = useState<SyncRun[]>([]);

  useEffect(() => {
    let active = true;
    // Best effort: without History the steps are simply not ticked.
    listRuns().then(
      (all) => {
        if (active) setRuns(all);
      },
      () => undefined,
    );
    return () => {
      active = false;
    };
  }, []);

  const done = doneSteps(connections, runs);

  function dismiss() {
    try {
      window.localStorage.setItem(START_HERE_DISMISSED_KEY, "1");
    } catch {
      // Not remembered; still hidden for now.
    }
    onDismiss();
  }

  // The path is walked: the card would only take room from the connections list.
  if (STEPS.every((step) => done.has(step.id))) return null;

  return (
    <section className="card start-here" aria-labelledby="start-here-title" data-testid="start-here">
      <header className="start-here-header">
        <h2 id="start-here-title">Start here</h2>
        <button
          type="button"
          className="btn btn-small btn-secondary"
          data-testid="start-here-dismiss"
          onClick={dismiss}
        >
          Dismiss
        </button>
      </header>
      <ol className="start-here-steps">
        {STEPS.map((step, index) => {
          const isDone = done.has(step.id);
          const disabled =
            step.id === "test" ? testing || connections.length === 0 : onNavigate === undefined;
          return (
            <li
              key={step.id}
              className={`start-here-step${isDone ? " is-done" : ""}`}
              data-testid={`start-step-${step.id}`}
              data-done={isDone ? "true" : "false"}
            >
              <span className="start-here-mark" aria-hidden="true">
                {isDone ? "✓" : index + 1}
              </span>
              <span className="start-here-text">
                <strong>{step.title}</strong>
                {isDone ? <span className="visually-hidden"> (done)</span> : null}
                <span className="muted" title={step.text}>
                  {step.text}
                </span>
              </span>
              <button
                type="button"
                className={`btn btn-small ${isDone ? "btn-secondary" : "btn-primary"}`}
                data-testid={`start-step-${step.id}-button`}
                disabled={disabled}
                onClick={() => {
                  if (step.id === "test") onTestAll();
                  else onNavigate?.(SCREEN_OF[step.id]);
                }}
              >
                {step.id === "test" && testing ? "Testing…" : step.action}
              </button>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
