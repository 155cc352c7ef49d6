import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { ThemeSwitch } from "../components/ThemeSwitch";
import { THEME_STORAGE_KEY } from "../theme";
// The pre-paint script, as the webview loads it.
import themeInit from "../../public/theme-init.js?raw";

/** A stand-in for the operating system's light/dark setting that can be flipped mid-test. */
function fakeSystem(initiallyDark: boolean) {
  let dark = initiallyDark;
  const listeners = new Set<(event: MediaQueryListEvent) => void>();
  const query = {
    get matches() {
      return dark;
    },
    media: "(prefers-color-scheme: dark)",
    onchange: null,
    addEventListener: (_: string, listener: (event: MediaQueryListEvent) => void) => listeners.add(listener),
    removeEventListener: (_: string, listener: (event: MediaQueryListEvent) => void) =>
      listeners.delete(listener),
    addListener: (listener: (event: MediaQueryListEvent) => void) => listeners.add(listener),
    removeListener: (listener: (event: MediaQueryListEvent) => void) => listeners.delete(listener),
    dispatchEvent: () => true,
  };
  window.matchMedia = ((media: string) => {
    expect(media).toBe("(prefers-color-scheme: dark)");
    return query as unknown as MediaQueryList;
  }) as typeof window.matchMedia;
  return {
    listeners,
    set(next: boolean) {
      dark = next;
      act(() => {
        for (const listener of [...listeners]) listener({ matches: next } as MediaQueryListEvent);
      });
    },
  };
}

const root = document.documentElement;
const originalMatchMedia = window.matchMedia;

beforeEach(() => {
  window.localStorage.clear();
  delete root.dataset.theme;
  delete root.dataset.themeChoice;
});

afterEach(() => {
  window.matchMedia = originalMatchMedia;
});

describe("ThemeSwitch", () => {
  it("starts on System and follows the operating system while System is chosen", () => {
    const system = fakeSystem(false);
    render(<ThemeSwitch />);
    expect(screen.getByRole("radio", { name: "System" })).toBeChecked();
    expect(root.dataset.theme).toBe("light");
    expect(root.dataset.themeChoice).toBe("system");

    system.set(true);
    expect(root.dataset.theme).toBe("dark");
    system.set(false);
    expect(root.dataset.theme).toBe("light");
  });

  it("Dark sets the attribute the CSS reads, is saved, and no longer follows the system", async () => {
    const system = fakeSystem(false);
    const user = userEvent.setup();
    render(<ThemeSwitch />);

    await user.click(screen.getByRole("radio", { name: "Dark" }));
    expect(root.dataset.theme).toBe("dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("dark");
    expect(system.listeners.size).toBe(0);
    system.set(false);
    expect(root.dataset.theme).toBe("dark");

    await user.click(screen.getByRole("radio", { name: "Light" }));
    expect(root.dataset.theme).toBe("light");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("light");
  });

  it("comes back with the saved choice (a restart)", () => {
    fakeSystem(false);
    window.localStorage.setItem(THEME_STORAGE_KEY, "dark");
    render(<ThemeSwitch />);
    expect(screen.getByRole("radio", { name: "Dark" })).toBeChecked();
    expect(root.dataset.theme).toBe("dark");
  });

  it("System again forgets the saved choice and takes the system's theme at once", async () => {
    fakeSystem(true);
    window.localStorage.setItem(THEME_STORAGE_KEY, "light");
    const user = userEvent.setup();
    render(<ThemeSwitch />);
    expect(root.dataset.theme).toBe("light");

    await user.click(screen.getByRole("radio", { name: "System" }));
    expect(root.dataset.theme).toBe("dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
  });

  it("ignores a saved value it does not know", () => {
    fakeSystem(true);
    window.localStorage.setItem(THEME_STORAGE_KEY, "sepia");
    render(<ThemeSwitch />);
    expect(screen.getByRole("radio", { name: "System" })).toBeChecked();
    expect(root.dataset.theme).toBe("dark");
  });

  it("works where the webview has no matchMedia: System means light", () => {
    // @ts-expect-error: an old webview without the API
    window.matchMedia = undefined;
    render(<ThemeSwitch />);
    expect(root.dataset.theme).toBe("light");
  });
});

describe("theme-init.js (runs before the first paint)", () => {
  const run = () => new Function(themeInit)();

  it("applies a saved Dark even when the system is light", () => {
    fakeSystem(false);
    window.localStorage.setItem(THEME_STORAGE_KEY, "dark");
    run();
    expect(root.dataset.theme).toBe("dark");
    expect(root.dataset.themeChoice).toBe("dark");
  });

  it("follows the system when nothing is saved, and agrees with the component", () => {
    fakeSystem(true);
    run();
    expect(root.dataset.theme).toBe("dark");
    expect(root.dataset.themeChoice).toBe("system");
    render(<ThemeSwitch />);
    expect(root.dataset.theme).toBe("dark");
  });

  it("applies a saved Light even when the system is dark", () => {
    fakeSystem(true);
    window.localStorage.setItem(THEME_STORAGE_KEY, "light");
    run();
    expect(root.dataset.theme).toBe("light");
  });
});
