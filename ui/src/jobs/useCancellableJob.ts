import { useCallback, useEffect, useRef, useState } from "react";

import { isCancelled, toApiError, type ApiError, type ProgressEvent } from "../platform";

/** The job in progress, as a screen shows it: a progress bar and a Cancel button. */
export type RunningJob<L> = {
  /** What the screen said the job is (e.g. a fetch of users); `undefined` when it said nothing. */
  label: L;
  /** The latest progress event from the job's channel; null until the first one. */
  progress: ProgressEvent | null;
  /** True once Cancel was pressed, until the job ends (or the cancel itself fails). */
  cancelling: boolean;
};

/** How a `run` ended. */
export type JobOutcome<T> =
  | { status: "done"; value: T }
  /** Stopped by `cancel()` (the job rejected with code `cancelled`): nothing to report. */
  | { status: "cancelled" }
  | { status: "failed"; error: ApiError }
  /** Another job of this hook was running: `start` was not called and nothing changed. */
  | { status: "refused" };

/** Starts the work; `onProgress` is handed to the platform call's progress channel. */
export type JobStart<T> = (onProgress: (event: ProgressEvent) => void) => Promise<T>;

/** `run(start)` without a label, `run(start, label)` with one. */
type LabelArgs<L> = [L] extends [undefined] ? [label?: L] : [label: L];

export type CancellableJob<L> = {
  /** The job in progress, or null when none is. */
  busy: RunningJob<L> | null;
  /** The synchronous busy guard (a ref: true from the moment a job is accepted until it ends). */
  isBusy: () => boolean;
  /**
   * Runs one job unless one is already running (then resolves to `refused` at once, without
   * calling `start`). `start` is called synchronously when the job is accepted, so a screen can
   * reset what it shows inside it. Resolves when the job ends, also after the screen unmounted
   * (a result that holds something, such as a fetched plan, can then still be released).
   */
  run: <T>(start: JobStart<T>, ...label: LabelArgs<L>) => Promise<JobOutcome<T>>;
  /**
   * Asks the platform to cancel the running job; the job's `run` then resolves to `cancelled`.
   * Resolves to the error when the cancel itself failed while the job still runs (Cancel is
   * offered again), and to null otherwise.
   */
  cancel: () => Promise<ApiError | null>;
};

const ignore = () => {};

/**
 * The progress / Cancel / busy pattern of the long jobs (a pull, an Auto Sync run, an import's
 * dry run or commit), shared by their screens. `cancelJob` is the platform function that stops
 * this kind of job (`cancelSync`, `importCancel`); it is also called when the screen unmounts
 * while a job runs.
 */
export function useCancellableJob<L = undefined>(
  cancelJob: () => Promise<void>,
): CancellableJob<L> {
  const [busy, setBusy] = useState<RunningJob<L> | null>(null);
  const busyRef = useRef(false);
  const mounted = useRef(true);
  // Which job the latest progress event and a failed cancel belong to.
  const jobId = useRef(0);
  const cancelRef = useRef(cancelJob);
  cancelRef.current = cancelJob;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      if (busyRef.current) void cancelRef.current().catch(ignore);
    };
  }, []);

  const isBusy = useCallback(() => busyRef.current, []);

  const run = useCallback(
    async <T>(start: JobStart<T>, ...args: LabelArgs<L>): Promise<JobOutcome<T>> => {
      if (busyRef.current) return { status: "refused" };
      busyRef.current = true;
      const id = ++jobId.current;
      setBusy({ label: args[0] as L, progress: null, cancelling: false });
      const onProgress = (event: ProgressEvent) => {
        if (!mounted.current || id !== jobId.current || !busyRef.current) return;
        setBusy((current) => (current ? { ...current, progress: event } : current));
      };
      try {
        return { status: "done", value: await start(onProgress) };
      } catch (reason) {
        const error = toApiError(reason);
        return isCancelled(error) ? { status: "cancelled" } : { status: "failed", error };
      } finally {
        busyRef.current = false;
        if (mounted.current) setBusy(null);
      }
    },
    [],
  );

  const cancel = useCallback(async (): Promise<ApiError | null> => {
    if (!busyRef.current) return null;
    const id = jobId.current;
    setBusy((current) => (current ? { ...current, cancelling: true } : current));
    try {
      await cancelRef.current();
      return null;
    } catch (reason) {
      // The job may have ended meanwhile: then the failed cancel does not matter.
      if (!mounted.current || !busyRef.current || id !== jobId.current) return null;
      setBusy((current) => (current ? { ...current, cancelling: false } : current));
      return toApiError(reason);
    }
  }, []);

  return { busy, isBusy, run, cancel };
}
