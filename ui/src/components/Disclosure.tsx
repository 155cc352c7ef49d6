import { useState, type ReactNode } from "react";

type Props = {
  /** Where the open/closed state is remembered across restarts (localStorage). */
  storageKey: string;
  title: string;
  /** A short line beside the title saying what is inside. */
  hint?: string;
  testId?: string;
  className?: string;
  children: ReactNode;
};

function loadOpen(key: string): boolean {
  try {
    return window.localStorage.getItem(key) === "open";
  } catch {
    return false;
  }
}

/**
 * A section that folds away, so the screen's list can have the height (settings a person sets once
 * and then rarely looks at). Closed unless the person left it open last time.
 */
export function Disclosure({ storageKey, title, hint, testId, className, children }: Props) {
  const [open, setOpen] = useState(() => loadOpen(storageKey));

  return (
    <details
      className={`disclosure${className ? ` ${className}` : ""}`}
      data-testid={testId}
      open={open}
      onToggle={(event) => {
        const next = event.currentTarget.open;
        setOpen(next);
        try {
          if (next) window.localStorage.setItem(storageKey, "open");
          else window.localStorage.removeItem(storageKey);
        } catch {
          // not remembered: it still opens and closes
        }
      }}
    >
      <summary className="disclosure-summary" data-testid={testId ? `${testId}-toggle` : undefined}>
        <span className="disclosure-title">{title}</span>
        {hint ? <span className="muted disclosure-hint">{hint}</span> : null}
      </summary>
      <div className="disclosure-body">{children}</div>
    </details>
  );
}
