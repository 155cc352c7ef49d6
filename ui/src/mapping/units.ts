// Business units on the User Mapping screen: which one is chosen (remembered across launches),
// and its link for a platform.
import type { BusinessUnit, Connection, MappingLink, Platform } from "../platform";

/** Where the chosen business unit (its CXone connection's id) is remembered (localStorage). */
export const UNIT_STORAGE_KEY = "ccsync.mapping.unit";

function remembered(): string | null {
  try {
    return window.localStorage.getItem(UNIT_STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Remembers the chosen unit for the next launch. */
export function rememberUnit(cxoneConnectionId: string) {
  try {
    window.localStorage.setItem(UNIT_STORAGE_KEY, cxoneConnectionId);
  } catch {
    // not remembered: the first unit is shown next time
  }
}

/**
 * The unit to show: `wanted` when it is one of `units`, else the remembered one, else the first
 * (a remembered unit whose connection was deleted falls back to the first); null without units.
 */
export function pickUnit(units: readonly BusinessUnit[], wanted: string | null): BusinessUnit | null {
  const byId = (id: string | null) => (id === null ? undefined : units.find((u) => u.cxone_connection_id === id));
  return byId(wanted) ?? byId(remembered()) ?? units[0] ?? null;
}

/** The unit's link for `platform`, if it has one. */
export function linkFor(unit: BusinessUnit | null, platform: Platform): MappingLink | null {
  return unit?.links.find((l) => l.platform === platform) ?? null;
}

/** The connections a unit can be linked to on `platform`. */
export function platformConnections(connections: readonly Connection[], platform: Platform): Connection[] {
  return connections.filter((c) => c.settings.kind === platform);
}

/** "RingCentral — Demo RingCentral · Webex — Demo Webex": a CXone connection's links, as Connections shows them. */
export function linksSentence(links: readonly MappingLink[], labels: Record<Platform, string>): string {
  return links.map((l) => `${labels[l.platform]} — ${l.external_connection_name}`).join(" · ");
}

/** The units a RingCentral or Webex connection serves, by their labels. */
export function unitsServedBy(units: readonly BusinessUnit[], connectionId: string): string[] {
  return units.filter((u) => u.links.some((l) => l.external_connection_id === connectionId)).map((u) => u.label);
}
