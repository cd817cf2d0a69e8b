"""`evse migrate`: move the running charger to another CSMS, through the page's API (firmware.migration;
docs/migration.md). It asks, then follows the migration through the controller's restarts until the
new CSMS accepted the charger (exit 0) or the charger went back to the old one (exit 1)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

POLL_S = 2.0
ENDED = ("done", "fell_back")


def add_parser(sub) -> None:
    m = sub.add_parser("migrate", help="move the running charger to another CSMS, back to this one if it fails")
    m.add_argument("--csms-url", dest="csms_url", required=True)
    m.add_argument("--charge-point-id", dest="charge_point_id", help="default: the id it has now")
    m.add_argument("--security-profile", dest="security_profile", type=int, choices=[0, 1, 2, 3])
    m.add_argument("--basic-auth-password", dest="basic_auth_password")
    m.add_argument("--attempts", type=int, default=5, help="failed connections to the new CSMS before going back")
    m.add_argument("--timeout", type=float, default=300.0, help="seconds the new CSMS has to accept the charger")
    m.add_argument("--web-url", default="https://127.0.0.1:8443", help="the page of the running controller")
    m.add_argument("--api-token", default=os.environ.get("EVSE_API_TOKEN"),
                   help="an API token (evse web-password --api-token NAME); default $EVSE_API_TOKEN")
    m.add_argument("--web-cert", help="the page's certificate to trust (default: DATA_DIR/web/server.crt)")
    m.add_argument("--data-dir", default="/var/lib/evse")
    m.add_argument("--no-wait", action="store_true", help="ask, and do not follow it")
    m.add_argument("--log-level", default="WARNING")


def migrate_command(args) -> int:
    if not args.api_token:
        print("evse migrate: give --api-token (or set EVSE_API_TOKEN); make one with: evse web-password "
              "--api-token migrate", file=sys.stderr)
        return 2
    body = {k: getattr(args, k) for k in ("csms_url", "charge_point_id", "security_profile", "basic_auth_password")
            if getattr(args, k) is not None}
    body.update(attempts=args.attempts, timeout_s=args.timeout)
    try:
        status, answer = _call(args, "POST", body)
    except OSError as exc:
        print(f"evse migrate: the controller's page at {args.web_url} does not answer: {exc}", file=sys.stderr)
        return 2
    if status != 202:
        print(f"evse migrate: refused: {answer.get('error', answer)}", file=sys.stderr)
        return 2
    print(f"asked: the charger moves to {args.csms_url} once no session runs and nothing is left to send")
    if args.no_wait:
        return 0
    deadline = time.monotonic() + args.timeout + 600
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        try:
            _, answer = _call(args, "GET")
        except OSError:
            continue  # the controller is restarting
        record = answer.get("migration") or {}
        if record.get("state") in ENDED:
            print(record.get("detail", record["state"]))
            return 0 if record["state"] == "done" else 1
    print("evse migrate: no outcome yet; GET /api/migrate on the page tells how it goes", file=sys.stderr)
    return 1


def _call(args, method: str, body: dict | None = None) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(args.web_url.rstrip("/") + "/api/migrate", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {args.api_token}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10, context=_tls(args)) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _tls(args):
    import ssl

    if not args.web_url.startswith("https://"):
        return None
    cert = args.web_cert or str(Path(args.data_dir) / "web" / "server.crt")
    context = ssl.create_default_context(cafile=cert if Path(cert).exists() else None)
    return context
