"""`evse witness`: this charger against a given CSMS through the test matrix, with a signed report
(firmware.witness; docs/witness.md); `evse witness --verify DIR` checks a report's signature."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from firmware.witness import DEPTHS


def add_parser(sub) -> None:
    w = sub.add_parser("witness", help="test this charger against a CSMS, with a signed report")
    w.add_argument("--csms-url", dest="csms_url")
    w.add_argument("--charge-point-id", dest="charge_point_id")
    w.add_argument("--ocpp-version", dest="ocpp_version", choices=["1.6", "2.0.1"], default="1.6")
    w.add_argument("--security-profile", dest="security_profile", type=int, choices=[0, 1, 2, 3])
    w.add_argument("--basic-auth-password", dest="basic_auth_password")
    w.add_argument("--ca-file", dest="ca_file")
    w.add_argument("--depth", choices=DEPTHS, default="cpo")
    w.add_argument("--report", help="the folder for report.json, report.html and the evidence")
    w.add_argument("--card", action="append", default=[], help="a card the CSMS accepts (give two for the "
                                                               "two-connector step)")
    w.add_argument("--blocked-card", dest="blocked_card", help="a card the CSMS knows as blocked")
    w.add_argument("--csms-export", dest="csms_export", help="the CSMS's session export (CSV) to reconcile with")
    w.add_argument("--operator", choices=["auto", "present", "absent"], default="auto",
                   help="auto: present when standard input is a terminal")
    w.add_argument("--connection-timeout", dest="connection_timeout", type=float, default=60.0,
                   help="the CSMS's ConnectionTimeOut / EVConnectionTimeOut, seconds")
    w.add_argument("--verify", metavar="DIR", help="instead: check the signature of a report folder")
    w.add_argument("--witness-file", dest="witness_file", help="a TOML file of several backends: the same run "
                   "against each, a report per backend and a side-by-side matrix (docs/witness.md)")
    w.add_argument("--board", help="a board config: a bench one (the default: the demo's) or the charger's real "
                   "hardware, where a person at the charger does what the bench simulates (docs/witness.md)")
    w.add_argument("--service-data-dir", dest="service_data_dir", default="/var/lib/evse",
                   help="with a real --board: the service's data directory, for this unit's pilot calibration")
    w.add_argument("--log-level", default="WARNING")


def witness_command(args) -> int:
    if args.verify:
        from firmware.witness.report import verify

        problems = verify(Path(args.verify))
        for line in problems:
            print(f"evse witness --verify: {line}", file=sys.stderr)
        if not problems:
            print(f"{args.verify}: the report is as the charger signed it")
        return 1 if problems else 0
    if refused := _hardware_refusal(args):
        code, why = refused
        print(f"evse witness: {why}", file=sys.stderr)
        return code
    if args.witness_file and args.report:
        from firmware.witness.matrix import WitnessFileError, backends, write_matrix

        try:
            runs = backends(Path(args.witness_file), args)
        except WitnessFileError as exc:
            print(f"evse witness: {exc}", file=sys.stderr)
            return 2
        bodies = {name: asyncio.run(_witness(one, Path(args.report) / name)) for name, one in runs}
        failed = write_matrix(Path(args.report), bodies)
        print(f"witness: {len(bodies)} backends; {Path(args.report) / 'matrix.html'}", flush=True)
        return 1 if failed else 0
    if not (args.csms_url and args.charge_point_id and args.report):
        print("evse witness: give --csms-url, --charge-point-id and --report DIR (or --witness-file FILE and "
              "--report DIR, or --verify DIR)", file=sys.stderr)
        return 2
    body = asyncio.run(_witness(args, Path(args.report)))
    return 1 if body["summary"]["failed"] else 0


def _board_path(args) -> str:
    from firmware.bench.demo import DEFAULT_BOARD

    return args.board or str(DEFAULT_BOARD)


def _hardware_refusal(args) -> tuple[int, str] | None:
    """Why the witness may not start on this board: a bad config (2), the service holding the hardware (3)."""
    from firmware.config import ConfigError, load_board
    from hal.errors import HalError
    from hal.hold import holder

    try:
        board = load_board(_board_path(args))
    except ConfigError as exc:
        return 2, str(exc)
    if board.hal == "mock":
        return None
    try:
        held = holder()
    except HalError as exc:  # the lock file itself unreadable: we cannot tell, so we do not touch the hardware
        return 3, str(exc)
    if held is None:
        return None
    return 3, (f"{held}. The witness runs the charger itself: stop the service (sudo systemctl stop evse), run the "
            "witness, then start the service again (sudo systemctl start evse)")


async def _witness(args, folder: Path) -> dict:
    from firmware.config import load_board
    from firmware.security.certstore import CertificateStore
    from firmware.witness.charger import UnderTest
    from firmware.witness.operator import Operator
    from firmware.witness.report import write
    from firmware.witness.run import Context, plan, report, run_steps, now_iso

    from firmware.witness.person import AtTheBoard

    board_path = _board_path(args)
    board = load_board(board_path)
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="witness-", dir=folder))
    security = [f"--{k.replace('_', '-')}={v}" for k, v in (("security_profile", args.security_profile),
                                                           ("basic_auth_password", args.basic_auth_password),
                                                           ("ca_file", args.ca_file)) if v is not None]
    present = sys.stdin.isatty() if args.operator == "auto" else args.operator == "present"
    operator = Operator(present)
    common = dict(board=board_path, data_dir=work / "data", csms_url=args.csms_url, cp_id=args.charge_point_id,
                  ocpp_version=args.ocpp_version, security=security)
    ut = UnderTest(**common) if board.hal == "mock" else \
        AtTheBoard(operator=operator, service_data_dir=Path(args.service_data_dir), **common)
    ctx = Context(ut=ut, version=args.ocpp_version, board=board, report_dir=folder,
                  operator=operator, cards=args.card, blocked=args.blocked_card,
                  csms_export=Path(args.csms_export) if args.csms_export else None,
                  connection_timeout_s=args.connection_timeout)
    started, began = now_iso(), time.monotonic()
    print(f"witness: {args.depth} against {args.csms_url} as {args.charge_point_id} (OCPP {args.ocpp_version}); "
          f"operator {'present' if present else 'absent'}", flush=True)
    await ut.start()
    try:
        steps = await run_steps(ctx, plan(args.depth), sys.stdout)
    finally:
        await ut.stop()
    csms = {"url": args.csms_url, "charge_point_id": args.charge_point_id, "ocpp_version": args.ocpp_version,
            "security_profile": args.security_profile or 0}
    body = report(ctx, steps, csms=csms, depth=args.depth, started=started, seconds=time.monotonic() - began)
    write(folder, body, CertificateStore(ut.data_dir))
    s = body["summary"]
    print(f"witness: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped; "
          f"{folder / 'report.html'}", flush=True)
    return body
