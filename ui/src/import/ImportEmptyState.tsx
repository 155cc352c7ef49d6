import { useEffect, useRef, useState } from "react";

import { formatCount } from "../format";
import { chooseCsvSavePath, exportUsers, type ApiError } from "../platform";

type Props = {
  onBrowse: () => void;
  browsing: boolean;
};

type ExportState =
  | { status: "idle" }
  | { status: "busy" }
  | { status: "done"; rows: number; path: string }
  | { status: "error"; error: ApiError };

/** Nothing queued: what a user file looks like, Browse… and the export that imports back. */
export function ImportEmptyState({ onBrowse, browsing }: Props) {
  const [exportState, setExportState] = useState<ExportState>({ status: "idle" });
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  async function onExport() {
    setExportState({ status: "busy" });
    try {
      const path = await chooseCsvSavePath("users.csv");
      if (path === null) {
        if (mounted.current) setExportState({ status: "idle" });
        return;
      }
      const rows = await exportUsers(path);
      if (mounted.current) setExportState({ status: "done", rows, path });
    } catch (error) {
      if (mounted.current) setExportState({ status: "error", error: error as ApiError });
    }
  }

  return (
    <div className="card import-empty" data-testid="import-empty">
      <div className="import-empty-drop">
        <p className="import-empty-title">Drop a user file anywhere in this window</p>
        <p className="muted">
          CSV (comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252) or an Excel workbook. Several
          files are imported one after the other. Nothing is written before you have reviewed a dry
          run.
        </p>
        <div className="toolbar">
          <button
            type="button"
            className="btn btn-primary"
            data-testid="import-browse"
            disabled={browsing}
            onClick={onBrowse}
          >
            Browse…
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="import-export-users"
            disabled={exportState.status === "busy"}
            onClick={() => void onExport()}
          >
            {exportState.status === "busy" ? "Exporting…" : "Export users…"}
          </button>
        </div>
        {exportState.status === "done" ? (
          <p className="export-note" role="status" data-testid="import-export-result">
            Exported {formatCount(exportState.rows)} {exportState.rows === 1 ? "user" : "users"} to{" "}
            {exportState.path}
          </p>
        ) : exportState.status === "error" ? (
          <p className="inline-error" role="alert" data-testid="import-export-error">
            {exportState.error.message}
          </p>
        ) : null}
      </div>

      <div className="import-format-help">
        <h2 className="panel-title">The Control Hub user file</h2>
        <p className="muted">
          The first row names the columns; their order does not matter and other columns are
          ignored. An export from Control Hub (or <strong>Export users…</strong> here) imports as
          it is.
        </p>
        <table className="table table-compact format-table" data-testid="import-format-help">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Content</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>
                <strong>User ID/Email (Required)</strong>
              </td>
              <td>The user’s email address; it identifies the user (required on every row).</td>
            </tr>
            <tr>
              <td>First Name, Last Name, Display Name</td>
              <td>Optional; a blank cell leaves the stored value as it is.</td>
            </tr>
            <tr>
              <td>Phone Number</td>
              <td>
                Optional; numbers without a country code use the default country you choose.
              </td>
            </tr>
            <tr>
              <td>… Standard Agent …, … Premium Agent …</td>
              <td>
                Contact Center licence columns (their exact name differs per organization):{" "}
                <code>TRUE</code> assigns the licence, <code>FALSE</code> removes it (in “Add and
                remove services” mode only), blank means no change.
              </td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
