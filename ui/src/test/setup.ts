import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach } from "vitest";

afterEach(() => {
  cleanup();
  clearMocks();
});

// jsdom has no layout: every element measures 0×0, so a virtualized list would
// render no rows. Give the scroll containers of the virtual lists (marked with
// `data-virtual-scroll`) a fixed viewport, as TanStack Virtual's docs suggest.
const VIRTUAL_VIEWPORT = { width: 1000, height: 720 };

function virtualSize(element: Element, axis: "width" | "height"): number {
  return element.hasAttribute("data-virtual-scroll") ? VIRTUAL_VIEWPORT[axis] : 0;
}

Object.defineProperty(HTMLElement.prototype, "clientHeight", {
  configurable: true,
  get(this: HTMLElement) {
    return virtualSize(this, "height");
  },
});
Object.defineProperty(HTMLElement.prototype, "clientWidth", {
  configurable: true,
  get(this: HTMLElement) {
    return virtualSize(this, "width");
  },
});
