import { useEffect, useRef, useState } from "react";

import { useToasts } from "../components/Toasts";
import { importEnqueue, onFilesDropped, toApiError, type ApiError, type UserImportQueue } from "../platform";
import { DropOverlay } from "./DropOverlay";

/**
 * What a drop (or Browse…) handed to CSV Import: the backend's queue after it, or why it was
 * refused. `id` tells one arrival from the next.
 */
export type ImportArrival = { id: number } & ({ queue: UserImportQueue } | { error: ApiError });

type Props = {
  /** Files were queued (or the drop was refused as a whole): CSV Import should show it. */
  onArrival: (arrival: ImportArrival) => void;
};

/** Shows each refused file's sentence (from the core) as one error toast, wherever the drop landed. */
export function toastRefused(show: ReturnType<typeof useToasts>["show"], refused: readonly string[]) {
  if (refused.length > 0) show({ message: refused.join(" "), tone: "error" });
}

/**
 * Native drag and drop on every screen: the whole window is the drop zone (with the overlay) while
 * files are dragged over it; dropped files go to CSV Import's queue and CSV Import opens. A file CC
 * Sync cannot import is refused with a sentence (a toast) and the screen stays. The backend
 * accepts only paths it saw in the native drop itself (or chose in its own dialogs).
 */
export function FileDrop({ onArrival }: Props) {
  const { show } = useToasts();
  const [dragging, setDragging] = useState(false);
  const latest = useRef({ onArrival, show });
  latest.current = { onArrival, show };
  const nextId = useRef(1);

  useEffect(() => {
    let active = true;
    let unlisten: (() => void) | null = null;
    // A drag that entered without files (text from another app) is not offered a drop zone.
    let carriesFiles = true;

    async function dropped(paths: string[]) {
      if (paths.length === 0) return;
      const id = nextId.current++;
      try {
        const queue = await importEnqueue(paths);
        if (!active) return;
        toastRefused(latest.current.show, queue.refused);
        // Only refused files: the admin stays where they are, with the toast.
        if (queue.refused.length < paths.length) latest.current.onArrival({ id, queue });
      } catch (reason) {
        if (active) latest.current.onArrival({ id, error: toApiError(reason) });
      }
    }

    void onFilesDropped((event) => {
      if (!active) return;
      if (event.type === "enter") {
        carriesFiles = event.paths.length > 0;
        setDragging(carriesFiles);
      } else if (event.type === "over") {
        setDragging(carriesFiles);
      } else {
        carriesFiles = true;
        setDragging(false);
        if (event.type === "drop") void dropped(event.paths);
      }
    }).then((stop) => {
      if (active) unlisten = stop;
      else stop();
    });
    return () => {
      active = false;
      unlisten?.();
    };
  }, []);

  return dragging ? <DropOverlay /> : null;
}
