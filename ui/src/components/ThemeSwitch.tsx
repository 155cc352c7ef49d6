import { useEffect, useId, useState } from "react";

import {
  applyTheme,
  loadThemeChoice,
  saveThemeChoice,
  THEME_CHOICES,
  watchSystemTheme,
  type ThemeChoice,
} from "../theme";

const LABELS: Record<ThemeChoice, string> = { light: "Light", dark: "Dark", system: "System" };

/** Light / Dark / System, remembered across restarts. */
export function ThemeSwitch() {
  const [choice, setChoice] = useState<ThemeChoice>(loadThemeChoice);
  const name = useId();

  useEffect(() => {
    applyTheme(choice);
    if (choice !== "system") return undefined;
    // Follow the operating system while System is chosen.
    return watchSystemTheme(() => applyTheme("system"));
  }, [choice]);

  function choose(next: ThemeChoice) {
    saveThemeChoice(next);
    setChoice(next);
  }

  return (
    <fieldset className="theme-switch" data-testid="theme-switch">
      <legend className="theme-switch-legend">Theme</legend>
      <div className="theme-switch-options">
        {THEME_CHOICES.map((option) => (
          <label
            key={option}
            className={`theme-option${option === choice ? " active" : ""}`}
            data-testid={`theme-${option}`}
          >
            <input
              type="radio"
              name={name}
              value={option}
              checked={option === choice}
              onChange={() => choose(option)}
            />
            {LABELS[option]}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
