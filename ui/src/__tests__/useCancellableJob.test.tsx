import { act, renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { useCancellableJob, type JobOutcome, type JobStart } from "../jobs/useCancellableJob";
import { cancelSync, importCancel, type ProgressEvent } from "../platform";
import { apiError, deferred, installBackend } from "../test/fakeBackend";

type Label = { op: "fetch" | "apply"; entity: string };

/** A job whose end the test decides, with the `onProgress` it was handed. */
function controlledJob<T>() {
  const pending = deferred<T>();
  let onProgress: ((event: ProgressEvent) => void) | null = null;
  const start = vi.fn<JobStart<T>>((report) => {
    onProgress = report;
    return pending.promise;
  });
  return {
    start,
    pending,
    progress: (event: ProgressEvent) => {
      if (!onProgress) throw new Error("the job was not started");
      onProgress(event);
    },
  };
}

function setup<L = undefined>(cancelJob = vi.fn(async () => {})) {
  const hook = renderHook(() => useCancellableJob<L>(cancelJob));
  return { ...hook, cancelJob };
}

describe("useCancellableJob", () => {
  it("is idle until a job runs, then busy with its label until the job ends", async () => {
    const { result } = setup<Label>();
    expect(result.current.busy).toBeNull();
    expect(result.current.isBusy()).toBe(false);

    const job = controlledJob<string>();
    let outcome!: Promise<JobOutcome<string>>;
    act(() => {
      outcome = result.current.run(job.start, { op: "fetch", entity: "users" });
    });
    expect(job.start).toHaveBeenCalledTimes(1);
    expect(result.current.isBusy()).toBe(true);
    expect(result.current.busy).toEqual({
      label: { op: "fetch", entity: "users" },
      progress: null,
      cancelling: false,
    });

    await act(async () => job.pending.resolve("plan-1"));
    await expect(outcome).resolves.toEqual({ status: "done", value: "plan-1" });
    expect(result.current.busy).toBeNull();
    expect(result.current.isBusy()).toBe(false);
  });

  it("refuses a second job while one runs, without starting it or changing anything", async () => {
    const { result } = setup<Label>();
    const first = controlledJob<number>();
    const second = controlledJob<number>();
    let firstOutcome!: Promise<JobOutcome<number>>;
    act(() => {
      firstOutcome = result.current.run(first.start, { op: "fetch", entity: "users" });
    });
    act(() => first.progress({ phase: "fetching", done: 5, total: 10 }));
    const before = result.current.busy;

    let refused!: Promise<JobOutcome<number>>;
    act(() => {
      // Synchronously after the first: the ref guard, not a re-render, refuses it.
      refused = result.current.run(second.start, { op: "apply", entity: "campaigns" });
    });
    await expect(refused).resolves.toEqual({ status: "refused" });
    expect(second.start).not.toHaveBeenCalled();
    expect(result.current.busy).toEqual(before);
    expect(result.current.isBusy()).toBe(true);

    await act(async () => first.pending.resolve(1));
    await expect(firstOutcome).resolves.toEqual({ status: "done", value: 1 });

    // Once the first ended, the next one is accepted.
    let third!: Promise<JobOutcome<number>>;
    act(() => {
      third = result.current.run(second.start, { op: "apply", entity: "campaigns" });
    });
    expect(second.start).toHaveBeenCalledTimes(1);
    expect(result.current.busy?.label).toEqual({ op: "apply", entity: "campaigns" });
    await act(async () => second.pending.resolve(2));
    await expect(third).resolves.toEqual({ status: "done", value: 2 });
  });

  it("runs a job without a label", async () => {
    const { result } = setup();
    const job = controlledJob<string>();
    let outcome!: Promise<JobOutcome<string>>;
    act(() => {
      outcome = result.current.run(job.start);
    });
    expect(result.current.busy).toEqual({ label: undefined, progress: null, cancelling: false });
    await act(async () => job.pending.resolve("ok"));
    await expect(outcome).resolves.toEqual({ status: "done", value: "ok" });
  });

  it("keeps the latest progress event of the running job only", async () => {
    const { result } = setup<Label>();
    const job = controlledJob<null>();
    let outcome!: Promise<JobOutcome<null>>;
    act(() => {
      outcome = result.current.run(job.start, { op: "fetch", entity: "users" });
    });
    act(() => job.progress({ phase: "authenticating", done: 0, total: null }));
    expect(result.current.busy?.progress).toEqual({ phase: "authenticating", done: 0, total: null });
    act(() => job.progress({ phase: "fetching", done: 3000, total: 10000 }));
    expect(result.current.busy?.progress).toEqual({ phase: "fetching", done: 3000, total: 10000 });
    expect(result.current.busy?.label).toEqual({ op: "fetch", entity: "users" });

    await act(async () => job.pending.resolve(null));
    await outcome;
    // A late event from the finished job's channel does not bring the bar back…
    act(() => job.progress({ phase: "writing", done: 1, total: 1 }));
    expect(result.current.busy).toBeNull();

    // …nor lands on the next job's bar.
    const next = controlledJob<null>();
    act(() => {
      void result.current.run(next.start, { op: "apply", entity: "users" });
    });
    act(() => job.progress({ phase: "writing", done: 9, total: 9 }));
    expect(result.current.busy?.progress).toBeNull();
    act(() => next.progress({ phase: "writing", done: 2, total: 4 }));
    expect(result.current.busy?.progress).toEqual({ phase: "writing", done: 2, total: 4 });
    await act(async () => next.pending.resolve(null));
  });

  it("cancels through the platform function: the outcome is cancelled and nothing else", async () => {
    const job = controlledJob<string>();
    const cancelJob = vi.fn(async () => {
      job.pending.reject(apiError("cancelled", "The sync was cancelled."));
    });
    const { result } = setup<Label>(cancelJob);
    let outcome!: Promise<JobOutcome<string>>;
    act(() => {
      outcome = result.current.run(job.start, { op: "apply", entity: "users" });
    });
    act(() => job.progress({ phase: "writing", done: 1, total: 4 }));

    let cancelled!: Promise<unknown>;
    act(() => {
      cancelled = result.current.cancel();
    });
    // Until the job ends, the bar stays with Cancel pressed.
    expect(result.current.busy).toEqual({
      label: { op: "apply", entity: "users" },
      progress: { phase: "writing", done: 1, total: 4 },
      cancelling: true,
    });
    await act(async () => {
      await cancelled;
    });
    await expect(cancelled).resolves.toBeNull();
    // Exactly this: no value, no error.
    await expect(outcome).resolves.toStrictEqual({ status: "cancelled" });
    expect(cancelJob).toHaveBeenCalledTimes(1);
    expect(result.current.busy).toBeNull();
    expect(result.current.isBusy()).toBe(false);
  });

  it("does not call the platform when nothing runs", async () => {
    const { result, cancelJob } = setup();
    await act(async () => {
      await expect(result.current.cancel()).resolves.toBeNull();
    });
    expect(cancelJob).not.toHaveBeenCalled();
  });

  it("returns a failed cancel as an ApiError and offers Cancel again while the job goes on", async () => {
    const job = controlledJob<string>();
    const cancelJob = vi.fn(async () => {
      throw apiError("internal", "The cancel could not be delivered.");
    });
    const { result } = setup<Label>(cancelJob);
    act(() => {
      void result.current.run(job.start, { op: "fetch", entity: "users" });
    });
    let failed: unknown;
    await act(async () => {
      failed = await result.current.cancel();
    });
    expect(failed).toEqual({ code: "internal", message: "The cancel could not be delivered." });
    expect(result.current.busy?.cancelling).toBe(false);
    expect(result.current.isBusy()).toBe(true);
    await act(async () => job.pending.resolve("done"));
  });

  it("ignores a failed cancel when the job ended meanwhile", async () => {
    const job = controlledJob<string>();
    const refuse = deferred<void>();
    const { result } = setup<Label>(vi.fn(() => refuse.promise));
    let outcome!: Promise<JobOutcome<string>>;
    act(() => {
      outcome = result.current.run(job.start, { op: "fetch", entity: "users" });
    });
    let cancelled!: Promise<unknown>;
    act(() => {
      cancelled = result.current.cancel();
    });
    await act(async () => job.pending.resolve("plan-1"));
    await expect(outcome).resolves.toEqual({ status: "done", value: "plan-1" });
    await act(async () => refuse.reject(apiError("internal", "Nothing to cancel.")));
    await expect(cancelled).resolves.toBeNull();
    expect(result.current.busy).toBeNull();
  });

  it("turns a failure into an ApiError outcome", async () => {
    const { result } = setup<Label>();
    const label: Label = { op: "fetch", entity: "users" };

    const rejected = controlledJob<string>();
    let outcome!: Promise<JobOutcome<string>>;
    act(() => {
      outcome = result.current.run(rejected.start, label);
    });
    await act(async () =>
      rejected.pending.reject(apiError("rate_limited", "CXone is rate limiting requests.")),
    );
    await expect(outcome).resolves.toStrictEqual({
      status: "failed",
      error: { code: "rate_limited", message: "CXone is rate limiting requests." },
    });
    expect(result.current.busy).toBeNull();

    // Whatever else a job throws (even before its promise exists) arrives as an ApiError too.
    await act(async () => {
      outcome = result.current.run(() => Promise.reject(new Error("boom")), label);
      await outcome;
    });
    await expect(outcome).resolves.toEqual({
      status: "failed",
      error: { code: "internal", message: "boom" },
    });
    await act(async () => {
      outcome = result.current.run(() => {
        throw "no promise";
      }, label);
      await outcome;
    });
    await expect(outcome).resolves.toEqual({
      status: "failed",
      error: { code: "internal", message: "no promise" },
    });
    expect(result.current.isBusy()).toBe(false);
  });

  it("cancels the running job when the screen unmounts, and still settles its run", async () => {
    const { result, unmount, cancelJob } = setup<Label>();
    const job = controlledJob<string>();
    let outcome!: Promise<JobOutcome<string>>;
    act(() => {
      outcome = result.current.run(job.start, { op: "fetch", entity: "users" });
    });
    unmount();
    expect(cancelJob).toHaveBeenCalledTimes(1);
    // A result that arrives anyway is handed over, so the screen can release it (a plan).
    job.pending.resolve("plan-9");
    await expect(outcome).resolves.toEqual({ status: "done", value: "plan-9" });
  });

  it("does not cancel anything on unmount when idle", () => {
    const { unmount, cancelJob } = setup();
    unmount();
    expect(cancelJob).not.toHaveBeenCalled();
  });

  it("calls the platform cancel command it was given", async () => {
    const backend = installBackend({ handlers: { import_cancel: () => null } });
    const sync = renderHook(() => useCancellableJob(cancelSync));
    const imports = renderHook(() => useCancellableJob(importCancel));
    const never = () => new Promise<never>(() => {});
    act(() => {
      void sync.result.current.run(never);
      void imports.result.current.run(never);
    });
    await act(async () => {
      await sync.result.current.cancel();
    });
    expect(backend.calls.map((c) => c.cmd)).toEqual(["cancel_sync"]);
    await act(async () => {
      await imports.result.current.cancel();
    });
    expect(backend.calls.map((c) => c.cmd)).toEqual(["cancel_sync", "import_cancel"]);
  });
});
