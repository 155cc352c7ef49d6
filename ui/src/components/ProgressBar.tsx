type Props = {
  /** Stable accessible name, e.g. "Fetching users". */
  name: string;
  /** The current sentence, e.g. "Fetching 3,000 of 10,000 users…". */
  text: string;
  /** Items done so far; ignored when `total` is null. */
  done: number;
  /** Null while the total is unknown: the bar is then indeterminate. */
  total: number | null;
  testId?: string;
};

/** A determinate bar when the total is known, an indeterminate one otherwise. */
export function ProgressBar({ name, text, done, total, testId }: Props) {
  const known = total !== null && total > 0;
  const percent = known ? Math.min(100, Math.max(0, (done / total) * 100)) : 0;
  return (
    <div className="progress" data-testid={testId}>
      <div
        className={`progress-track${known ? "" : " progress-indeterminate"}`}
        role="progressbar"
        aria-label={name}
        aria-valuetext={text}
        aria-valuemin={known ? 0 : undefined}
        aria-valuemax={known ? total : undefined}
        aria-valuenow={known ? Math.min(done, total) : undefined}
      >
        <div className="progress-fill" style={known ? { width: `${percent}%` } : undefined} />
      </div>
      <p className="progress-label">{text}</p>
    </div>
  );
}
