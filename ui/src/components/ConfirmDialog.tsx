import { useId, type ReactNode } from "react";

import { Modal } from "./Modal";

type Props = {
  title: string;
  /** The sentence that says exactly what will happen (with the counts or names). */
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  /** Destructive actions get the red button. */
  danger?: boolean;
  busy?: boolean;
};

/** Asks before an action that changes data; Cancel is the default focus, Escape cancels. */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, danger, busy }: Props) {
  const titleId = useId();
  const bodyId = useId();
  return (
    <Modal
      titleId={titleId}
      describedBy={bodyId}
      onClose={() => {
        if (!busy) onCancel();
      }}
      role="alertdialog"
      className="modal-confirm"
    >
      <header className="modal-header">
        <h2 id={titleId}>{title}</h2>
      </header>
      <div id={bodyId} className="modal-body" data-testid="confirm-body">
        {children}
      </div>
      <footer className="modal-footer">
        <button
          type="button"
          className="btn btn-secondary"
          data-autofocus=""
          data-testid="confirm-cancel"
          disabled={busy}
          onClick={onCancel}
        >
          Cancel
        </button>
        <button
          type="button"
          className={`btn ${danger ? "btn-danger" : "btn-primary"}`}
          data-testid="confirm-ok"
          disabled={busy}
          onClick={onConfirm}
        >
          {confirmLabel}
        </button>
      </footer>
    </Modal>
  );
}
