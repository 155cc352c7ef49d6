import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { ConfirmDialog } from "../components/ConfirmDialog";
import { ToastProvider, useToasts, type ToastInput } from "../components/Toasts";

function Trigger({ toast }: { toast: ToastInput }) {
  const { show } = useToasts();
  return (
    <button type="button" onClick={() => show(toast)}>
      go
    </button>
  );
}

describe("toasts", () => {
  it("say what happened and Undo reverses it once", async () => {
    const undo = vi.fn().mockResolvedValue(undefined);
    render(
      <ToastProvider>
        <Trigger toast={{ message: "Mapped Ana Silva to ana@example.com.", undo }} />
      </ToastProvider>,
    );
    await userEvent.click(screen.getByText("go"));
    expect(screen.getByTestId("toast-message")).toHaveTextContent("Mapped Ana Silva to ana@example.com.");
    await userEvent.click(screen.getByTestId("toast-undo"));
    expect(undo).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("toast-message")).toHaveTextContent("Undone: Mapped Ana Silva");
    expect(screen.queryByTestId("toast-undo")).toBeNull();
  });

  it("show why an undo failed", async () => {
    const undo = vi.fn().mockRejectedValue({ code: "conflict", message: "The mapping changed since." });
    render(
      <ToastProvider>
        <Trigger toast={{ message: "Unmapped Ana.", undo }} />
      </ToastProvider>,
    );
    await userEvent.click(screen.getByText("go"));
    await userEvent.click(screen.getByTestId("toast-undo"));
    expect(screen.getByRole("alert")).toHaveTextContent("Could not undo: The mapping changed since.");
  });

  it("go away on their own", async () => {
    vi.useFakeTimers();
    try {
      render(
        <ToastProvider>
          <Trigger toast={{ message: "Added 3 records." }} />
        </ToastProvider>,
      );
      act(() => screen.getByText("go").click());
      expect(screen.getByTestId("toast")).toBeInTheDocument();
      act(() => vi.advanceTimersByTime(10_001));
      expect(screen.queryByTestId("toast")).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("ConfirmDialog", () => {
  it("focuses Cancel and confirms only on the confirm button", async () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    render(
      <ConfirmDialog title="Unmap Ana?" confirmLabel="Unmap" danger onConfirm={onConfirm} onCancel={onCancel}>
        Ana Silva will no longer be linked to ana@example.com.
      </ConfirmDialog>,
    );
    expect(screen.getByTestId("confirm-cancel")).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(onCancel).toHaveBeenCalledTimes(1);
    await userEvent.click(screen.getByTestId("confirm-ok"));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});
