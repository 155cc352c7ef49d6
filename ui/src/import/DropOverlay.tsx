/** Shown while files are dragged over the window, on any screen: the whole window is the drop zone. */
export function DropOverlay() {
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-box">
        <span className="drop-overlay-icon">⇩</span>
        <p className="drop-overlay-title">Drop CSV or Excel files to import</p>
        <p className="drop-overlay-hint">.csv, .txt, .tsv or .xlsx open in CSV Import; each file is checked before anything is written.</p>
      </div>
    </div>
  );
}
