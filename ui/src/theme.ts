// The colour theme: Light, Dark, or System (follow the operating system's setting).
//
// The choice is kept in the webview's localStorage, which survives restarts; `public/theme-init.js`
// reads the same key before the first paint so the window never flashes the wrong theme. The CSS
// reads one attribute: `<html data-theme="light|dark">`, the resolved theme.

export type ThemeChoice = "light" | "dark" | "system";
export type Theme = "light" | "dark";

export const THEME_STORAGE_KEY = "ccsync.theme";
export const THEME_CHOICES: readonly ThemeChoice[] = ["light", "dark", "system"];
const DARK_QUERY = "(prefers-color-scheme: dark)";

function isChoice(value: unknown): value is ThemeChoice {
  return value === "light" || value === "dark" || value === "system";
}

/** The saved choice; System when none was saved (or storage cannot be read). */
export function loadThemeChoice(): ThemeChoice {
  try {
    const saved = window.localStorage.getItem(THEME_STORAGE_KEY);
    return isChoice(saved) ? saved : "system";
  } catch {
    return "system";
  }
}

export function saveThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === "system") window.localStorage.removeItem(THEME_STORAGE_KEY);
    else window.localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Storage refused (private mode, quota): the choice lasts for this run only.
  }
}

function darkQuery(): MediaQueryList | null {
  return typeof window.matchMedia === "function" ? window.matchMedia(DARK_QUERY) : null;
}

/** What the operating system asks for now. */
export function systemTheme(): Theme {
  return darkQuery()?.matches ? "dark" : "light";
}

export function resolveTheme(choice: ThemeChoice): Theme {
  return choice === "system" ? systemTheme() : choice;
}

/** Sets the attribute the stylesheet reads. */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): Theme {
  const theme = resolveTheme(choice);
  root.dataset.theme = theme;
  root.dataset.themeChoice = choice;
  return theme;
}

/** Calls `onChange` whenever the operating system switches between light and dark. */
export function watchSystemTheme(onChange: (theme: Theme) => void): () => void {
  const query = darkQuery();
  if (!query) return () => {};
  const listener = (event: MediaQueryListEvent) => onChange(event.matches ? "dark" : "light");
  // Safari before 14 only has the deprecated addListener.
  if (typeof query.addEventListener === "function") {
    query.addEventListener("change", listener);
    return () => query.removeEventListener("change", listener);
  }
  query.addListener(listener);
  return () => query.removeListener(listener);
}
