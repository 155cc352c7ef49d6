import type {
  Connection,
  ConnectionKind,
  ConnectionSettings,
  SecretKind,
} from "../platform";

export type TextField = "auth_url" | "client_id" | "access_key_id" | "server_url" | "api_url";

export type TextFieldSpec = {
  field: TextField;
  label: string;
  defaultValue: string;
  hint?: string;
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
  options: { campaignsFromSkills: boolean } = { campaignsFromSkills: false },
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
      return { kind: "webex", api_url: v("api_url") };
  }
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
