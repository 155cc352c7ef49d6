#!/usr/bin/env python3
"""CC Sync's first pull against the plain-script baseline (peer_pull.py), side by side.

Starts `ccsync emulator` in its own process with N agents, then runs, alternately, a first
`ccsync pull users --select all` into a fresh database and peer_pull.py into a fresh database, `--runs`
times each, timing each whole process from outside (start-up included for both). Prints every run, the
medians and the ratio (baseline / CC Sync: above 1 means CC Sync is faster); `--record FILE` appends a row
to a Markdown table (BENCHMARKS.md). The emulator is stopped by its PID whatever happens.

    scripts/bench/pull_vs_peer.py [--ccsync target/release/ccsync] [--agents 100000] [--runs 3] [--record BENCHMARKS.md]
                                  [--compare other/ccsync]

It also prints each CC Sync pull's peak resident memory (the pull's own process: the emulator runs apart).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def start_emulator(ccsync: str, agents: int, logs: Path) -> tuple[subprocess.Popen, dict]:
    out = open(logs / "emulator.json", "w+")
    err = open(logs / "emulator.err", "w")
    process = subprocess.Popen([ccsync, "--json", "emulator", "--port", "0", "--agents", str(agents)], stdout=out, stderr=err)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        out.seek(0)
        text = out.read()
        try:
            return process, json.loads(text)
        except json.JSONDecodeError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"the emulator exited: {(logs / 'emulator.err').read_text()}")
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the emulator did not print its address within 60 s")


def timed(command: list[str], env: dict) -> tuple[float, str, float]:
    """Runs `command`; returns its wall time (ms), its output and its peak resident memory (MB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = (time.perf_counter() - started) * 1000
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command[:3])}… failed ({process.returncode}): {stdout}{err.read()}")
    return elapsed, stdout, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccsync", default=str(ROOT / "target" / "release" / "ccsync"))
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--record", type=Path)
    parser.add_argument(
        "--compare",
        help="another ccsync build (say, before a change) to run alternately with the first; printed, not recorded",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ccsync-peer-"))
    emulator, tenant = start_emulator(args.ccsync, args.agents, work)
    try:
        cxone = tenant["cxone"]
        env = dict(os.environ)
        env.update(
            CCSYNC_LOG_DIR=str(work / "logs"),
            # CC Sync reads these instead of the keyring; the baseline its own names.
            CCSYNC_CXONE_CLIENT_SECRET=cxone["client_secret"],
            CCSYNC_CXONE_ACCESS_KEY_SECRET=cxone["access_key_secret"],
            CCSYNC_PEER_CLIENT_ID=cxone["client_id"],
            CCSYNC_PEER_CLIENT_SECRET=cxone["client_secret"],
            CCSYNC_PEER_ACCESS_KEY_ID=cxone["access_key_id"],
            CCSYNC_PEER_ACCESS_KEY_SECRET=cxone["access_key_secret"],
        )
        ours, peers, peaks, others = [], [], [], []

        def pull(ccsync: str, db: Path) -> tuple[float, float]:
            timed(
                [ccsync, "--db", str(db), "connection", "add", "cxone", "--name", "Bench", "--auth-url", tenant["url"],
                 "--client-id", cxone["client_id"], "--access-key-id", cxone["access_key_id"]],
                env,
            )
            ms, out, peak = timed([ccsync, "--db", str(db), "--json", "pull", "users", "--select", "all"], env)
            created = json.loads(out)["created"]
            if created != args.agents:
                raise SystemExit(f"CC Sync created {created} users, expected {args.agents}")
            return ms, peak

        for run in range(1, args.runs + 1):
            ms, peak = pull(args.ccsync, work / f"ccsync-{run}.sqlite3")
            ours.append(ms)
            peaks.append(peak)
            ms, out, _ = timed([sys.executable, str(HERE / "peer_pull.py"), tenant["url"], str(work / f"peer-{run}.sqlite3")], env)
            if json.loads(out)["agents"] != args.agents:
                raise SystemExit(f"the baseline read {out.strip()}, expected {args.agents} agents")
            peers.append(ms)
            line = f"run {run}: CC Sync {ours[-1]:.0f} ms (peak {peaks[-1]:.0f} MB), baseline {peers[-1]:.0f} ms"
            if args.compare:
                ms, peak = pull(args.compare, work / f"compare-{run}.sqlite3")
                others.append(ms)
                line += f", --compare build {ms:.0f} ms (peak {peak:.0f} MB)"
            print(line, flush=True)
    finally:
        emulator.terminate()
        try:
            emulator.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait()
        subprocess.run(["rm", "-rf", str(work)], check=False)

    ours_median, peers_median = statistics.median(ours), statistics.median(peers)
    ratio = peers_median / ours_median
    print(
        f"{args.agents} agents, {args.runs} alternating runs: CC Sync median {ours_median:.0f} ms "
        f"(peak {max(peaks):.0f} MB), baseline median {peers_median:.0f} ms: CC Sync is {ratio:.2f}× the "
        f"baseline's speed (target ≥ 2.5×)"
    )
    if others:
        print(f"--compare build median {statistics.median(others):.0f} ms ({peers_median / statistics.median(others):.2f}×)")
    if args.record:
        runs = " / ".join(f"{v:.0f}" for v in ours), " / ".join(f"{v:.0f}" for v in peers)
        record(
            args.record,
            f"| `scripts/bench/pull_vs_peer.py --agents {args.agents} --runs {args.runs}` | {runs[0]} ms | "
            f"{runs[1]} ms | {ours_median:.0f} ms | {peers_median:.0f} ms | {ratio:.2f}× | {max(peaks):.0f} MB |",
        )
    return 0


def record(path: Path, row: str) -> None:
    """Adds `row` at the end of the table whose header is TABLE_HEADER (appended to the file if none)."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    at = next((i for i, line in enumerate(lines) if line.startswith(TABLE_HEADER)), None)
    if at is None:
        lines += ["", TABLE_HEADER + " CC Sync median | baseline median | ratio | CC Sync peak |", "|---|---|---|---|---|---|---|", row]
    else:
        end = at + 1
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        lines.insert(end, row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


TABLE_HEADER = "| command | CC Sync runs | baseline runs |"


if __name__ == "__main__":
    sys.exit(main())
