import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from "react";

/** One message about what just happened, with an optional Undo that reverses exactly that change. */
export type ToastInput = {
  message: string;
  /** Reverses the change; its promise's rejection message replaces the toast's text. */
  undo?: () => Promise<unknown>;
  /** A way onward from the toast (e.g. "Open Records"); pressing it also dismisses the toast. */
  action?: { label: string; run: () => void };
  tone?: "ok" | "error";
};

type Toast = ToastInput & { id: number; undoing: boolean; undone: boolean };

type ToastApi = { show: (toast: ToastInput) => void };

const ToastContext = createContext<ToastApi>({ show: () => {} });

/** Toasts stay long enough to reach Undo (10 s; paused while hovered or focused), newest at the bottom. */
const TOAST_MS = 10_000;
const MAX_TOASTS = 3;

export function useToasts(): ToastApi {
  return useContext(ToastContext);
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const update = useCallback(
    (id: number, change: Partial<Toast>) => setToasts((all) => all.map((t) => (t.id === id ? { ...t, ...change } : t))),
    [],
  );
  const show = useCallback((input: ToastInput) => {
    const id = nextId.current++;
    setToasts((all) => [...all, { ...input, id, undoing: false, undone: false }].slice(-MAX_TOASTS));
  }, []);

  async function handleUndo(toast: Toast) {
    if (!toast.undo || toast.undoing || toast.undone) return;
    update(toast.id, { undoing: true });
    try {
      await toast.undo();
      update(toast.id, { undoing: false, undone: true, message: `Undone: ${toast.message}`, tone: "ok" });
    } catch (error) {
      const message = (error as { message?: string })?.message ?? String(error);
      update(toast.id, { undoing: false, message: `Could not undo: ${message}`, tone: "error", undo: undefined });
    }
  }

  return (
    <ToastContext.Provider value={{ show }}>
      {children}
      <div className="toasts" aria-live="polite" data-testid="toasts">
        {toasts.map((toast) => (
          <ToastView
            key={toast.id}
            toast={toast}
            onUndo={() => handleUndo(toast)}
            onDismiss={() => dismiss(toast.id)}
          />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastView({ toast, onUndo, onDismiss }: { toast: Toast; onUndo: () => void; onDismiss: () => void }) {
  const [paused, setPaused] = useState(false);
  const onDismissRef = useRef(onDismiss);
  onDismissRef.current = onDismiss;

  useEffect(() => {
    if (paused || toast.undoing) return;
    const timer = setTimeout(() => onDismissRef.current(), TOAST_MS);
    return () => clearTimeout(timer);
  }, [paused, toast.undoing, toast.message]);

  return (
    <div
      className={`toast${toast.tone === "error" ? " toast-error" : ""}`}
      role={toast.tone === "error" ? "alert" : "status"}
      data-testid="toast"
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <span className="toast-message" data-testid="toast-message">
        {toast.message}
      </span>
      {toast.undo && !toast.undone ? (
        <button
          type="button"
          className="btn btn-small btn-secondary"
          data-testid="toast-undo"
          disabled={toast.undoing}
          onClick={onUndo}
        >
          {toast.undoing ? "Undoing…" : "Undo"}
        </button>
      ) : null}
      {toast.action ? (
        <button
          type="button"
          className="btn btn-small btn-secondary"
          data-testid="toast-action"
          onClick={() => {
            toast.action?.run();
            onDismiss();
          }}
        >
          {toast.action.label}
        </button>
      ) : null}
      <button type="button" className="toast-close" aria-label="Dismiss" data-testid="toast-dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
