import type { UserImportQueue } from "../platform";
import { baseName } from "./importText";

type Props = {
  queue: UserImportQueue;
  onBrowse: () => void;
  browsing: boolean;
};

/** The file being imported and the files waiting their turn. */
export function QueuePanel({ queue, onBrowse, browsing }: Props) {
  if (!queue.current) return null;
  return (
    <div className="card import-queue" data-testid="import-queue">
      <div className="import-queue-files">
        <p>
          <span className="muted">Importing </span>
          <strong data-testid="import-current" title={queue.current}>
            {baseName(queue.current)}
          </strong>
        </p>
        {queue.waiting.length > 0 ? (
          <p className="import-waiting-list" aria-label="Files waiting">
            <span className="muted">Waiting: </span>
            {queue.waiting.map((path, index) => (
              <span key={path}>
                {index > 0 ? ", " : ""}
                <span data-testid="import-waiting" title={path}>
                  {baseName(path)}
                </span>
              </span>
            ))}
          </p>
        ) : null}
      </div>
      <button
        type="button"
        className="btn btn-small btn-secondary"
        data-testid="import-browse"
        disabled={browsing}
        onClick={onBrowse}
      >
        Browse…
      </button>
    </div>
  );
}
