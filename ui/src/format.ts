import type { FieldChange } from "./platform";

const COUNT = new Intl.NumberFormat();

/** 3000 → "3,000" (in the user's locale). */
export function formatCount(value: number): string {
  return COUNT.format(value);
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString();
}

/** 850 → "850 ms", 1234 → "1.2 s", 125000 → "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** `field: old → new`, with a missing value shown as "—". */
export function formatChange(change: FieldChange): string {
  return `${change.field}: ${change.old ?? "—"} → ${change.new ?? "—"}`;
}
