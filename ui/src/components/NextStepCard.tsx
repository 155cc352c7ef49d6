import type { ReactNode } from "react";

import type { ScreenId } from "../screens";

type Props = {
  testId: string;
  /** What is missing, in a sentence or two. */
  children: ReactNode;
  /** The screen where the admin does it, and the button's words and test id. */
  to: ScreenId;
  label: string;
  buttonTestId: string;
  /** Absent (tests of one screen): no button. */
  onNavigate?: (screen: ScreenId) => void;
};

/** A screen with nothing to show yet: why, and a button to the screen that fixes it. */
export function NextStepCard({ testId, children, to, label, buttonTestId, onNavigate }: Props) {
  return (
    <div className="card sync-empty" data-testid={testId}>
      <p>{children}</p>
      {onNavigate ? (
        <button type="button" className="btn btn-primary" data-testid={buttonTestId} onClick={() => onNavigate(to)}>
          {label}
        </button>
      ) : null}
    </div>
  );
}
