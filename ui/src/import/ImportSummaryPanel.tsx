import { formatCount } from "../format";
import type { UserImportSummary } from "../platform";
import { plural } from "./importText";

type Stat = { key: keyof UserImportSummary; testId: string; label: string; tone?: string };

const STATS: readonly Stat[] = [
  { key: "rows", testId: "summary-rows", label: "Rows" },
  { key: "created", testId: "summary-created", label: "Create", tone: "create" },
  { key: "updated", testId: "summary-updated", label: "Update", tone: "update" },
  { key: "unchanged", testId: "summary-unchanged", label: "Unchanged" },
  { key: "invalid", testId: "summary-invalid", label: "Invalid", tone: "invalid" },
  { key: "warnings", testId: "summary-warnings", label: "Warnings", tone: "warning" },
  { key: "licences_added", testId: "summary-licences-added", label: "Licences added" },
  { key: "licences_removed", testId: "summary-licences-removed", label: "Licences removed" },
];

type Props = {
  summary: UserImportSummary;
};

/** The dry run's counts: what a commit would write (nothing is written yet). */
export function ImportSummaryPanel({ summary }: Props) {
  return (
    <section className="card import-summary" data-testid="import-summary" aria-labelledby="import-summary-title">
      <div className="import-summary-head">
        <h2 className="panel-title" id="import-summary-title">
          Dry run of {summary.file}
        </h2>
        <span className="badge badge-neutral">Nothing written yet</span>
      </div>
      <p className="muted">
        This is what a commit would do. Nothing has been written yet: review the rows below, correct
        the invalid ones if you like, then commit.
      </p>
      <dl className="summary-stats">
        {STATS.map((stat) => {
          const value = Number(summary[stat.key] ?? 0);
          return (
            <div
              key={stat.key}
              className={`summary-stat${stat.tone && value > 0 ? ` summary-stat-${stat.tone}` : ""}`}
            >
              <dt>{stat.label}</dt>
              <dd data-testid={stat.testId}>{formatCount(value)}</dd>
            </div>
          );
        })}
      </dl>
      {summary.cc_licences_removed > 0 ? (
        <p className="summary-alert" role="note" data-testid="summary-cc-removed">
          <span aria-hidden="true">⚠ </span>
          {plural(summary.cc_licences_removed, "user", "users")} will lose their Contact Center
          licence.
        </p>
      ) : null}
      {summary.invalid > 0 ? (
        <p className="muted" data-testid="summary-invalid-note">
          {plural(summary.invalid, "invalid row is", "invalid rows are")} not imported: correct them
          here with Edit, or download them as an error file to fix and import again.
        </p>
      ) : null}
    </section>
  );
}
