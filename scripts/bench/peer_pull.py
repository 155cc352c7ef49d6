#!/usr/bin/env python3
"""The plain-script baseline CC Sync's pull is measured against (issue 15).

What an administrator could write in an afternoon to get CXone agents into SQLite: `requests` with one
session, the password grant, tenant discovery, then the agent list in pages of 1,000 read one after another,
and one `executemany` of id, first and last name, email and the raw JSON in one transaction. No audit, no
comparison with what the database held, no retries.

    peer_pull.py AUTH_URL DB_PATH [--page-size N]

The credentials come from the environment (CCSYNC_PEER_CLIENT_ID, CCSYNC_PEER_CLIENT_SECRET,
CCSYNC_PEER_ACCESS_KEY_ID, CCSYNC_PEER_ACCESS_KEY_SECRET), so they never show in a process list. Prints one
JSON line: {"agents": N, "ms": elapsed milliseconds from the token request to the commit}.
"""

import argparse
import base64
import json
import os
import sqlite3
import sys
import time

import requests

ADMIN_API_PATH = "/inContactAPI/services/v34.0"


def claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("auth_url")
    parser.add_argument("db_path")
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    env = os.environ

    started = time.perf_counter()
    session = requests.Session()
    token = session.post(
        f"{args.auth_url}/auth/token",
        auth=(env["CCSYNC_PEER_CLIENT_ID"], env["CCSYNC_PEER_CLIENT_SECRET"]),
        data={
            "grant_type": "password",
            "username": env["CCSYNC_PEER_ACCESS_KEY_ID"],
            "password": env["CCSYNC_PEER_ACCESS_KEY_SECRET"],
        },
        timeout=60,
    )
    token.raise_for_status()
    access_token = token.json()["access_token"]
    discovery = session.get(
        f"{args.auth_url}/.well-known/cxone-configuration",
        params={"tenantId": claims(access_token)["tenantId"]},
        timeout=60,
    )
    discovery.raise_for_status()
    api = discovery.json()["api_endpoint"].rstrip("/")
    session.headers["Authorization"] = f"Bearer {access_token}"

    rows = []
    skip = 0
    while True:
        page = session.get(
            f"{api}{ADMIN_API_PATH}/agents", params={"skip": skip, "top": args.page_size}, timeout=60
        )
        page.raise_for_status()
        agents = page.json().get("agents", []) if page.status_code != 204 else []
        for agent in agents:
            rows.append(
                (
                    str(agent["agentId"]),
                    agent.get("firstName", ""),
                    agent.get("lastName", ""),
                    agent.get("emailAddress", ""),
                    json.dumps(agent),
                )
            )
        if len(agents) < args.page_size:
            break
        skip += args.page_size

    db = sqlite3.connect(args.db_path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, raw TEXT)"
    )
    with db:
        db.executemany(
            "INSERT INTO agents (id, first_name, last_name, email, raw) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name, "
            "email = excluded.email, raw = excluded.raw",
            rows,
        )
    db.close()
    print(json.dumps({"agents": len(rows), "ms": round((time.perf_counter() - started) * 1000)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
