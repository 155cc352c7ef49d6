import { formatCount } from "../format";
import type { ProgressEvent } from "../platform";

/** The sentence under the progress bar, e.g. "Fetching 3,000 of 10,000 users…". */
export function progressText(
  op: "fetch" | "apply",
  noun: string,
  event: ProgressEvent | null,
): string {
  if (!event) return op === "fetch" ? "Signing in…" : "Writing…";
  const done = event.done;
  const total = event.total === null ? null : event.total;
  const counted = (verb: string) => {
    if (total !== null) return `${verb} ${formatCount(done)} of ${formatCount(total)} ${noun}…`;
    if (done > 0) return `${verb} ${formatCount(done)} ${noun}…`;
    return `${verb} ${noun}…`;
  };
  switch (event.phase) {
    case "authenticating":
      return "Signing in…";
    case "fetching":
      return counted("Fetching");
    case "planning":
      return "Comparing…";
    case "writing":
      return counted("Writing");
    default:
      return `${event.phase.charAt(0).toUpperCase()}${event.phase.slice(1)}…`;
  }
}
