import { useState } from "react";

import { openLogFolder, type ApiError, type AppInfo } from "../platform";
import { SCREENS, type ScreenId } from "../screens";
import { ThemeSwitch } from "./ThemeSwitch";

type Props = {
  current: ScreenId;
  onSelect: (screen: ScreenId) => void;
  info: AppInfo | null;
  infoError: ApiError | null;
};

export function Sidebar({ current, onSelect, info, infoError }: Props) {
  const [logError, setLogError] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);

  async function handleOpenLogs() {
    setLogError(null);
    setOpening(true);
    try {
      await openLogFolder();
    } catch (error) {
      setLogError((error as ApiError).message);
    } finally {
      setOpening(false);
    }
  }

  return (
    <aside className="sidebar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          CC
        </span>
        <span className="brand-name">CC Sync</span>
      </div>
      <nav aria-label="Main">
        <ul className="nav-list">
          {SCREENS.map((screen) => (
            <li key={screen.id}>
              <button
                type="button"
                className={`nav-item${screen.id === current ? " active" : ""}`}
                aria-current={screen.id === current ? "page" : undefined}
                data-testid={`nav-${screen.id}`}
                onClick={() => onSelect(screen.id)}
              >
                {screen.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div className="sidebar-footer">
        <ThemeSwitch />
        <div className="app-version" data-testid="app-version">
          {info ? `Version ${info.version}` : infoError ? "Version unknown" : "\u00a0"}
        </div>
        <button
          type="button"
          className="btn btn-small btn-secondary"
          data-testid="open-log-folder"
          onClick={handleOpenLogs}
          disabled={opening}
        >
          Open log folder
        </button>
        {logError ? (
          <p className="inline-error" role="alert">
            {logError}
          </p>
        ) : null}
        {info ? (
          <p className="db-path" title={info.database_path}>
            {info.database_path}
          </p>
        ) : infoError ? (
          <p className="inline-error" role="alert">
            {infoError.message}
          </p>
        ) : null}
      </div>
    </aside>
  );
}
