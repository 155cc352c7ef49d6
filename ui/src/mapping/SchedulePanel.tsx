import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { formatDateTime } from "../format";
import { AutostartSwitch } from "./AutostartSwitch";
import "./SchedulePanel.css";
import { webexCredentialLabel } from "../connections/kinds";
import {
  getSchedule,
  listConnections,
  setSchedule,
  type Connection,
  type ApiError,
  type MappingLink,
  type Platform,
  type Schedule,
  type ScheduleInfo,
} from "../platform";
import { PLATFORM_LABELS } from "./mapping";

export const MIN_MINUTES = 5;

type Kind = Schedule["kind"];

const KIND_LABELS: Record<Kind, string> = {
  off: "Off",
  every_minutes: "Every N minutes",
  hourly: "Hourly",
  daily: "Daily at",
};

const KINDS: Kind[] = ["off", "every_minutes", "hourly", "daily"];

/** How often the panel re-reads the schedule (a scheduled run may have failed meanwhile). */
export const SCHEDULE_POLL_MS = 60_000;

/**
 * The command a system scheduler runs for Auto Sync when the app is not running; with several
 * business units it names the unit (its CXone connection's name).
 */
export function cliCommand(platform: Platform, businessUnit: string | null = null): string {
  const base = `ccsync map auto --platform ${platform}`;
  return businessUnit === null ? base : `${base} --business-unit "${businessUnit.replace(/(["\\$`])/g, "\\$1")}"`;
}

type Props = {
  /** The business unit's link whose schedule this is. */
  link: MappingLink;
  /** The unit's CXone connection's name when there are several units (the command names it), else null. */
  businessUnit: string | null;
  /** Bumped after an Auto Sync run so "Last run" is fresh. */
  refreshKey: number;
};

export function SchedulePanel({ link, businessUnit, refreshKey }: Props) {
  const platform = link.platform;
  const linkId = link.id;
  const ids = useId();
  const [info, setInfo] = useState<ScheduleInfo | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [kind, setKind] = useState<Kind>("off");
  const [minutes, setMinutes] = useState("60");
  const [time, setTime] = useState("06:00");
  const [invalid, setInvalid] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const mounted = useRef(true);
  const request = useRef(0);
  const loadedLink = useRef<number | null>(null);
  // Scheduled runs happen in the background: look again now and then, so a failure shows.
  const [poll, setPoll] = useState(0);
  // Webex: which credential the connection uses (a pasted token cannot last through a schedule).
  const [webex, setWebex] = useState<Connection[]>([]);

  useEffect(() => {
    if (platform !== "webex") {
      setWebex([]);
      return;
    }
    let live = true;
    listConnections().then(
      (all) => {
        // The connection this unit's Webex runs use.
        if (live) setWebex(all.filter((c) => c.settings.kind === "webex" && c.id === link.external_connection_id));
      },
      () => {
        if (live) setWebex([]);
      },
    );
    return () => {
      live = false;
    };
  }, [platform, link.external_connection_id, poll]);

  useEffect(() => {
    const timer = window.setInterval(() => setPoll((n) => n + 1), SCHEDULE_POLL_MS);
    return () => window.clearInterval(timer);
  }, []);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    const ticket = ++request.current;
    const switching = loadedLink.current !== linkId;
    if (switching) {
      setInfo(null);
      setSaved(false);
      setSaveError(null);
      setInvalid(null);
    }
    setLoadError(null);
    getSchedule(linkId).then(
      (value) => {
        if (!mounted.current || ticket !== request.current) return;
        setInfo(value);
        // Only a switch of unit or platform resets the form; a refresh keeps what is being edited.
        if (switching) {
          loadedLink.current = linkId;
          applyToForm(value.schedule);
        }
      },
      (error: ApiError) => {
        if (mounted.current && ticket === request.current) setLoadError(error);
      },
    );
  }, [linkId, refreshKey, poll]);

  function applyToForm(schedule: Schedule) {
    setKind(schedule.kind);
    if (schedule.kind === "every_minutes") setMinutes(String(schedule.minutes));
    if (schedule.kind === "daily") setTime(schedule.time);
  }

  function build(): Schedule | string {
    switch (kind) {
      case "off":
        return { kind: "off" };
      case "hourly":
        return { kind: "hourly" };
      case "every_minutes": {
        const value = Number(minutes);
        if (minutes.trim() === "" || !Number.isInteger(value) || value < MIN_MINUTES) {
          return `Enter a whole number of minutes, at least ${MIN_MINUTES}.`;
        }
        return { kind: "every_minutes", minutes: value };
      }
      case "daily":
        if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) return "Enter a time as HH:MM.";
        return { kind: "daily", time };
    }
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    setSaveError(null);
    const schedule = build();
    if (typeof schedule === "string") {
      setInvalid(schedule);
      return;
    }
    setInvalid(null);
    setSaving(true);
    const ticket = ++request.current;
    try {
      const value = await setSchedule(linkId, schedule);
      if (!mounted.current || ticket !== request.current) return;
      setInfo(value);
      applyToForm(value.schedule);
      setSaved(true);
    } catch (error) {
      if (mounted.current && ticket === request.current) setSaveError(error as ApiError);
    } finally {
      if (mounted.current) setSaving(false);
    }
  }

  const when = (iso: string | null) => (iso ? formatDateTime(iso) : "—");

  return (
    <section
      className="card schedule-panel"
      data-testid="schedule-panel"
      aria-labelledby={`${ids}-title`}
    >
      <h2 id={`${ids}-title`} className="panel-title">
        Auto Sync schedule — {PLATFORM_LABELS[platform]}
        {businessUnit === null ? "" : `, ${link.business_unit}`}
      </h2>
      <form className="schedule-form" onSubmit={(event) => void onSubmit(event)} noValidate>
        <div className="field">
          <label htmlFor={`${ids}-kind`} className="field-label">
            Run Auto Sync
          </label>
          <select
            id={`${ids}-kind`}
            data-testid="schedule-kind"
            value={kind}
            onChange={(event) => {
              setKind(event.target.value as Kind);
              setInvalid(null);
              setSaved(false);
            }}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </div>
        {kind === "every_minutes" ? (
          <div className={`field${invalid ? " has-error" : ""}`}>
            <label htmlFor={`${ids}-minutes`} className="field-label">
              Minutes
            </label>
            <input
              id={`${ids}-minutes`}
              type="number"
              inputMode="numeric"
              min={MIN_MINUTES}
              step={1}
              className="schedule-minutes"
              data-testid="schedule-minutes"
              aria-invalid={invalid ? true : undefined}
              aria-describedby={invalid ? `${ids}-invalid` : undefined}
              value={minutes}
              onChange={(event) => {
                setMinutes(event.target.value);
                setInvalid(null);
                setSaved(false);
              }}
            />
          </div>
        ) : kind === "daily" ? (
          <div className={`field${invalid ? " has-error" : ""}`}>
            <label htmlFor={`${ids}-time`} className="field-label">
              Time (local)
            </label>
            <input
              id={`${ids}-time`}
              type="time"
              data-testid="schedule-time"
              aria-invalid={invalid ? true : undefined}
              aria-describedby={invalid ? `${ids}-invalid` : undefined}
              value={time}
              onChange={(event) => {
                setTime(event.target.value);
                setInvalid(null);
                setSaved(false);
              }}
            />
          </div>
        ) : null}
        <button
          type="submit"
          className="btn btn-primary"
          data-testid="save-schedule"
          disabled={saving || (info === null && loadError === null)}
        >
          {saving ? "Saving…" : "Save schedule"}
        </button>
      </form>
      {invalid ? (
        <p id={`${ids}-invalid`} className="field-error" role="alert" data-testid="schedule-invalid">
          {invalid}
        </p>
      ) : null}
      {saveError ? (
        <p className="inline-error" role="alert" data-testid="schedule-error">
          {saveError.message}
        </p>
      ) : null}
      {loadError ? (
        <p className="inline-error" role="alert" data-testid="schedule-error">
          {loadError.message}
        </p>
      ) : null}
      {webex.map((connection) => {
        const pasted =
          connection.settings.kind === "webex" &&
          (connection.settings.credential?.method ?? "personal_token") === "personal_token";
        return (
          <p
            key={connection.id}
            className={pasted ? "inline-warning" : "muted"}
            data-testid="schedule-webex-credential"
            data-pasted={pasted ? "true" : "false"}
          >
            {pasted
              ? `Webex connection “${connection.name}” uses a personal access token, which lasts 12 hours: a scheduled Auto Sync fails once it expires. Under Connections, switch it to a Service App or an Integration sign-in.`
              : `Webex connection “${connection.name}”: ${webexCredentialLabel(connection.settings)}, renewed automatically.`}
          </p>
        );
      })}
      {info?.last_error ? (
        <p className="inline-error" role="alert" data-testid="schedule-last-error">
          The last scheduled Auto Sync ({when(info.last_run)}) failed: {info.last_error} It is
          listed in History too.
        </p>
      ) : null}
      <p className="muted schedule-next" data-testid="schedule-next">
        {info ? (
          <>
            Last run: {when(info.last_run)} · Next run: {when(info.next_run)}
            {saved ? <span className="schedule-saved"> · Saved</span> : null}
          </>
        ) : loadError ? (
          "Last run: — · Next run: —"
        ) : (
          "Loading schedule…"
        )}
      </p>
      <ScheduleWhere command={cliCommand(platform, businessUnit)} />
      <AutostartSwitch />
    </section>
  );
}

/** Where schedules run (the app, its tray, or the command line with a system scheduler). */
function ScheduleWhere({ command }: { command: string }) {
  return (
    <p className="muted schedule-where" data-testid="schedule-where">
      Schedules run in the app while it is open or in the tray: closing the window with a schedule
      on keeps CC Sync in the tray until you choose Quit there. For runs when the app is not running,
      use the <code>ccsync</code> command line with cron or Task Scheduler:{" "}
      <code className="schedule-command" data-testid="schedule-cli-command" title={command}>
        {command}
      </code>
    </p>
  );
}

/**
 * The schedule's place while the business unit has no link for the platform: nothing to schedule
 * yet, but where schedules run and Start at login are still there.
 */
export function NoSchedulePanel({ platform }: { platform: Platform }) {
  const ids = useId();
  return (
    <section className="card schedule-panel" data-testid="schedule-panel-unlinked" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="panel-title">
        Auto Sync schedule — {PLATFORM_LABELS[platform]}
      </h2>
      <p className="muted">
        A schedule belongs to a business unit and its {PLATFORM_LABELS[platform]} connection: link them first.
      </p>
      <ScheduleWhere command={cliCommand(platform)} />
      <AutostartSwitch />
    </section>
  );
}
