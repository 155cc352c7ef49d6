import type {
  Connection,
  ConnectionKind,
  ConnectionSettings,
  SecretKind,
  WebexCredential,
} from "../platform";

export type TextField =
  | "auth_url"
  | "client_id"
  | "access_key_id"
  | "server_url"
  | "api_url"
  | "redirect_port";

export type TextFieldSpec = {
  field: TextField;
  label: string;
  defaultValue: string;
  hint?: string;
  /** May be left blank. */
  optional?: boolean;
};

export type SecretSpec = { secret: SecretKind; label: string; multiline?: boolean };

export type KindSpec = {
  kind: ConnectionKind;
  label: string;
  fields: TextFieldSpec[];
  secrets: SecretSpec[];
};

export const KIND_SPECS: Record<ConnectionKind, KindSpec> = {
  cxone: {
    kind: "cxone",
    label: "NICE CXone",
    fields: [
      { field: "auth_url", label: "Auth URL", defaultValue: "https://cxone.niceincontact.com" },
      { field: "client_id", label: "Client ID", defaultValue: "" },
      { field: "access_key_id", label: "Access key ID", defaultValue: "" },
    ],
    secrets: [
      { secret: "client_secret", label: "Client secret" },
      { secret: "access_key_secret", label: "Access key secret" },
    ],
  },
  ringcentral: {
    kind: "ringcentral",
    label: "RingCentral",
    fields: [
      { field: "server_url", label: "Server URL", defaultValue: "https://platform.ringcentral.com" },
      { field: "client_id", label: "Client ID", defaultValue: "" },
    ],
    secrets: [
      { secret: "client_secret", label: "Client secret" },
      { secret: "jwt_credential", label: "JWT credential" },
    ],
  },
  webex: {
    kind: "webex",
    label: "Webex",
    fields: [{ field: "api_url", label: "API URL", defaultValue: "https://webexapis.com" }],
    secrets: [{ secret: "access_token", label: "Access token" }],
  },
};

export const KIND_ORDER: ConnectionKind[] = ["cxone", "ringcentral", "webex"];

/** How a Webex connection gets its access tokens. */
export type WebexMethod = WebexCredential["method"];

export type WebexMethodSpec = {
  method: WebexMethod;
  label: string;
  help: string;
  /** Text fields beyond the API URL. */
  fields: TextFieldSpec[];
  /** The secrets typed in the form (an Integration's refresh token comes from signing in). */
  secrets: SecretSpec[];
};

const CLIENT_ID: TextFieldSpec = { field: "client_id", label: "Client ID", defaultValue: "" };

export const WEBEX_METHODS: Record<WebexMethod, WebexMethodSpec> = {
  service_app: {
    method: "service_app",
    label: "Service App (renews itself)",
    help:
      "For unattended runs and schedules. From the Service App's authorization in Control Hub: its client ID, " +
      "client secret and refresh token. CC Sync renews the access token by itself and keeps the newest " +
      "refresh token in the system keyring.",
    fields: [CLIENT_ID],
    secrets: [
      { secret: "client_secret", label: "Client secret" },
      { secret: "refresh_token", label: "Refresh token" },
    ],
  },
  integration: {
    method: "integration",
    label: "Integration sign-in (renews itself)",
    help:
      "An Integration registered at developer.webex.com with the redirect URI http://127.0.0.1/callback " +
      "(or http://127.0.0.1:PORT/callback with that port below) and the scopes spark:people_read and " +
      "spark-admin:people_read. Sign in with Webex as an administrator in your browser; CC Sync keeps the " +
      "sign-in in the system keyring and renews it by itself.",
    fields: [
      CLIENT_ID,
      {
        field: "redirect_port",
        label: "Redirect port (blank: any free port)",
        defaultValue: "",
        optional: true,
      },
    ],
    secrets: [{ secret: "client_secret", label: "Client secret" }],
  },
  personal_token: {
    method: "personal_token",
    label: "Personal access token (lasts 12 hours)",
    help:
      "A token copied from developer.webex.com. It expires 12 hours after it was issued, so a scheduled Auto " +
      "Sync stops working the next day; use a Service App or an Integration sign-in for that.",
    fields: [],
    secrets: [{ secret: "access_token", label: "Access token" }],
  },
};

export const WEBEX_METHOD_ORDER: WebexMethod[] = ["service_app", "integration", "personal_token"];

/** A new Webex connection starts as the kind that lasts. */
export const DEFAULT_WEBEX_METHOD: WebexMethod = "service_app";

/** The Webex credential kind of a connection (connections saved before kinds existed are pasted tokens). */
export function webexMethodOf(connection: Connection | null): WebexMethod {
  const settings = connection?.settings;
  if (settings?.kind !== "webex") return DEFAULT_WEBEX_METHOD;
  return settings.credential?.method ?? "personal_token";
}

/** The text fields and secrets the form shows for a kind (and, for Webex, a credential kind). */
export function formSpec(
  kind: ConnectionKind,
  webexMethod: WebexMethod,
): { fields: TextFieldSpec[]; secrets: SecretSpec[] } {
  const spec = KIND_SPECS[kind];
  if (kind !== "webex") return { fields: spec.fields, secrets: spec.secrets };
  const method = WEBEX_METHODS[webexMethod];
  return { fields: [...spec.fields, ...method.fields], secrets: method.secrets };
}

export function kindLabel(kind: ConnectionKind): string {
  return KIND_SPECS[kind].label;
}

export function endpointOf(settings: ConnectionSettings): string {
  switch (settings.kind) {
    case "cxone":
      return settings.auth_url;
    case "ringcentral":
      return settings.server_url;
    case "webex":
      return settings.api_url;
  }
}

/** Every text field of every kind, with defaults, so switching kinds keeps typed values. */
export function defaultTextValues(): Record<TextField, string> {
  const values = {} as Record<TextField, string>;
  for (const kind of KIND_ORDER) {
    for (const spec of KIND_SPECS[kind].fields) {
      if (!(spec.field in values) || !values[spec.field]) values[spec.field] = spec.defaultValue;
    }
  }
  values.redirect_port = "";
  return values;
}

export function textValuesOf(connection: Connection): Record<TextField, string> {
  const values = defaultTextValues();
  const settings = connection.settings;
  switch (settings.kind) {
    case "cxone":
      values.auth_url = settings.auth_url;
      values.client_id = settings.client_id;
      values.access_key_id = settings.access_key_id;
      break;
    case "ringcentral":
      values.server_url = settings.server_url;
      values.client_id = settings.client_id;
      break;
    case "webex":
      values.api_url = settings.api_url;
      if (settings.credential && settings.credential.method !== "personal_token") {
        values.client_id = settings.credential.client_id;
      }
      if (settings.credential?.method === "integration" && settings.credential.redirect_port) {
        values.redirect_port = String(settings.credential.redirect_port);
      }
      break;
  }
  return values;
}

/** Non-text CXone options (absent on connections saved before they existed). */
export function campaignsFromSkillsOf(connection: Connection | null): boolean {
  const settings = connection?.settings;
  return settings?.kind === "cxone" ? (settings.campaigns_from_skills ?? false) : false;
}

export function buildSettings(
  kind: ConnectionKind,
  values: Record<TextField, string>,
  options: { campaignsFromSkills: boolean; webexMethod?: WebexMethod } = {
    campaignsFromSkills: false,
  },
): ConnectionSettings {
  const v = (field: TextField) => values[field].trim();
  switch (kind) {
    case "cxone":
      return {
        kind: "cxone",
        auth_url: v("auth_url"),
        client_id: v("client_id"),
        access_key_id: v("access_key_id"),
        campaigns_from_skills: options.campaignsFromSkills,
      };
    case "ringcentral":
      return { kind: "ringcentral", server_url: v("server_url"), client_id: v("client_id") };
    case "webex":
      return { kind: "webex", api_url: v("api_url"), credential: webexCredential(values, options.webexMethod) };
  }
}

function webexCredential(values: Record<TextField, string>, method?: WebexMethod): WebexCredential {
  const clientId = values.client_id.trim();
  switch (method ?? DEFAULT_WEBEX_METHOD) {
    case "personal_token":
      return { method: "personal_token" };
    case "service_app":
      return { method: "service_app", client_id: clientId };
    case "integration":
      return {
        method: "integration",
        client_id: clientId,
        redirect_port: parsePort(values.redirect_port) ?? 0,
      };
  }
}

/** How a Webex connection signs in, for lists and notices; `null` for other kinds. */
export function webexCredentialLabel(settings: ConnectionSettings): string | null {
  if (settings.kind !== "webex") return null;
  switch (settings.credential?.method ?? "personal_token") {
    case "service_app":
      return "Service App";
    case "integration":
      return "Integration sign-in";
    case "personal_token":
      return "Personal token (lasts 12 hours)";
  }
}

/** A port typed in the form: blank is 0 (any free port); anything but 1–65535 is `null`. */
export function parsePort(text: string): number | null {
  const trimmed = text.trim();
  if (!trimmed) return 0;
  if (!/^\d{1,5}$/.test(trimmed)) return null;
  const port = Number(trimmed);
  return port <= 65535 ? port : null;
}

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "just now", "5 minutes ago", "yesterday", or a local date for older times. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 45 * 60) return RELATIVE.format(Math.round(seconds / 60), "minute");
  if (abs < 22 * 3600) return RELATIVE.format(Math.round(seconds / 3600), "hour");
  if (abs < 6 * 86400) return RELATIVE.format(Math.round(seconds / 86400), "day");
  return date.toLocaleString();
}

export function formatLocal(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
