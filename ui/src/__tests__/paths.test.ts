import { describe, expect, it } from "vitest";

import { baseName, fileStem } from "../import/importText";

// Dropped or browsed paths arrive as the OS writes them; the screen names the file alone.
describe("baseName", () => {
  it.each([
    ["/home/admin/users.csv"],
    ["C:\\Users\\admin\\Documents\\users.csv"],
    ["C:/Users/admin/Documents/users.csv"],
    ["\\\\server\\share\\exports\\users.csv"],
    ["\\\\?\\C:\\Users\\admin\\users.csv"],
    ["\\\\?\\UNC\\server\\share\\users.csv"],
    ["C:users.csv"],
    ["D:\\mixed/folder\\users.csv"],
    ["users.csv"],
  ])("%s names users.csv", (path) => {
    expect(baseName(path)).toBe("users.csv");
  });

  it("names a folder given with a trailing separator, and a bare root as itself", () => {
    expect(baseName("C:\\data\\exports\\")).toBe("exports");
    expect(baseName("/srv/exports/")).toBe("exports");
    expect(baseName("C:\\")).toBe("C:\\");
    expect(baseName("/")).toBe("/");
  });

  it("keeps the rest of a name that has a colon past its first character", () => {
    expect(baseName("/tmp/report 10:30.csv")).toBe("report 10:30.csv");
  });
});

describe("fileStem", () => {
  it("drops only the last extension, and never a leading dot", () => {
    expect(fileStem(baseName("C:\\data\\users.final.csv"))).toBe("users.final");
    expect(fileStem(".csv")).toBe(".csv");
    expect(fileStem("users")).toBe("users");
  });
});
