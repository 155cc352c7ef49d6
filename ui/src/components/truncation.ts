// Long text in a narrow cell is cut with an ellipsis (`.cell-text`) and keeps its full value in
// `title` for the mouse. For the keyboard, `revealWhenTruncated` makes such a cell focusable only
// while its text is actually cut; the stylesheet then shows the whole value while it has focus.
//
//   <span className="cell-text" title={email} ref={revealWhenTruncated}>{email}</span>

let observer: ResizeObserver | null = null;

function update(element: HTMLElement) {
  const truncated = element.scrollWidth > element.clientWidth + 1;
  if (truncated && element.dataset.truncated === undefined) {
    element.dataset.truncated = "";
    if (!element.hasAttribute("tabindex")) element.tabIndex = 0;
  } else if (!truncated && element.dataset.truncated !== undefined) {
    delete element.dataset.truncated;
    element.removeAttribute("tabindex");
  }
}

/** A React ref callback (stable, so it runs once per element); React 19 calls the cleanup. */
export function revealWhenTruncated(element: HTMLElement | null): (() => void) | undefined {
  if (!element || typeof ResizeObserver === "undefined") return undefined;
  observer ??= new ResizeObserver((entries) => {
    for (const entry of entries) update(entry.target as HTMLElement);
  });
  const current = observer;
  current.observe(element);
  return () => current.unobserve(element);
}
