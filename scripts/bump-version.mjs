#!/usr/bin/env node
// One command to change CC Sync's version everywhere it is written:
//   node scripts/bump-version.mjs 0.2.0 [--root DIR] [--date YYYY-MM-DD]
// Cargo.toml ([workspace.package]; every crate inherits it), Cargo.lock (the workspace's own crates),
// src-tauri/tauri.conf.json, ui/package.json, ui/package-lock.json, and CHANGELOG.md (the Unreleased
// section becomes the new version's, dated, under a fresh empty Unreleased heading).
// `--check` only verifies that every manifest already carries the same version (exit 1 if not).
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
};
const root = resolve(option("--root") ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
const date = option("--date") ?? new Date().toISOString().slice(0, 10);
const checkOnly = args.includes("--check");
const version = args.find((arg) => !arg.startsWith("--"));

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const fail = (sentence) => {
  console.error(sentence);
  process.exit(1);
};
const read = (path) => readFileSync(join(root, path), "utf8");
const write = (path, text) => writeFileSync(join(root, path), text);

// Replaces exactly one match of `pattern` in `text`, so a manifest that changed shape fails loudly
// instead of being left at the old version.
function replaceOnce(text, pattern, replacement, where) {
  const matches = text.match(new RegExp(pattern.source, pattern.flags.replace("g", "") + "g"));
  if (!matches || matches.length !== 1) {
    fail(`${where}: expected one version line to change, found ${matches ? matches.length : 0}.`);
  }
  return text.replace(pattern, replacement);
}

const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const workspaceToml = read("Cargo.toml");
const workspaceVersion = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(workspaceToml)?.[1];
const members = JSON.parse(
  (/\nmembers = (\[[^\]]*\])/.exec(workspaceToml)?.[1] ?? fail("Cargo.toml: no workspace members.")),
).map((member) => /\nname = "([^"]+)"/.exec(read(join(member, "Cargo.toml")))[1]);

const current = {
  "Cargo.toml": workspaceVersion,
  "src-tauri/tauri.conf.json": JSON.parse(read("src-tauri/tauri.conf.json")).version,
  "ui/package.json": JSON.parse(read("ui/package.json")).version,
  "ui/package-lock.json": JSON.parse(read("ui/package-lock.json")).version,
  'ui/package-lock.json packages[""]': JSON.parse(read("ui/package-lock.json")).packages[""].version,
};
for (const name of members) {
  current[`Cargo.lock (${name})`] = new RegExp(`\\nname = "${escaped(name)}"\\nversion = "([^"]+)"`).exec(
    read("Cargo.lock"),
  )?.[1];
}

if (checkOnly) {
  const distinct = new Set(Object.values(current));
  if (distinct.size !== 1) {
    fail(`The manifests disagree: ${Object.entries(current).map(([f, v]) => `${f} ${v}`).join(", ")}.`);
  }
  console.log(`Every manifest is at ${workspaceVersion}.`);
  process.exit(0);
}

if (!version) fail("Usage: node scripts/bump-version.mjs NEW_VERSION [--root DIR] [--date YYYY-MM-DD] | --check");
if (!SEMVER.test(version)) fail(`"${version}" is not a semantic version such as 1.4.0 or 1.5.0-beta.1.`);
if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) fail(`"${date}" is not a date such as 2026-12-02.`);

write(
  "Cargo.toml",
  replaceOnce(workspaceToml, /(\[workspace\.package\][^[]*?\nversion = )"[^"]+"/, `$1"${version}"`, "Cargo.toml"),
);

let lock = read("Cargo.lock");
for (const name of members) {
  lock = replaceOnce(
    lock,
    new RegExp(`(\\nname = "${escaped(name)}"\\nversion = )"[^"]+"`),
    `$1"${version}"`,
    `Cargo.lock (${name})`,
  );
}
write("Cargo.lock", lock);

// JSON files keep their formatting: only the version value changes.
write(
  "src-tauri/tauri.conf.json",
  replaceOnce(read("src-tauri/tauri.conf.json"), /("version": )"[^"]+"/, `$1"${version}"`, "tauri.conf.json"),
);
write(
  "ui/package.json",
  replaceOnce(read("ui/package.json"), /^(  "version": )"[^"]+"/m, `$1"${version}"`, "ui/package.json"),
);
// The lock file names the root package twice: at the top and under packages[""].
const packageLock = read("ui/package-lock.json").replace(
  /^(\{\n  "name": "[^"]+",\n  "version": )"[^"]+"/,
  `$1"${version}"`,
);
write(
  "ui/package-lock.json",
  replaceOnce(packageLock, /("": \{\n      "name": "[^"]+",\n      "version": )"[^"]+"/, `$1"${version}"`, "package-lock.json"),
);

const changelog = read("CHANGELOG.md");
if (changelog.includes(`## [${version}]`)) fail(`CHANGELOG.md already has a section for ${version}.`);
write(
  "CHANGELOG.md",
  replaceOnce(changelog, /^## \[Unreleased\]\n/m, `## [Unreleased]\n\n## [${version}] - ${date}\n`, "CHANGELOG.md"),
);

console.log(`CC Sync is now ${version} (was ${workspaceVersion}) in 6 files.`);
console.log(`Next: review the CHANGELOG, commit, and tag v${version} to start the release workflow.`);
