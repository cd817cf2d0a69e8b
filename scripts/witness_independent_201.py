"""The witness in OCPP 2.0.1 against a CSMS that shares no code with ours: tests/independent/strict_csms.js,
a central system on npm's ocpp-rpc in strict mode, which checks every frame both ways against the OCA
2.0.1 schemas and accepts only the card it is given. Run from a checkout after the README's test command
(it installed node and the npm package):

    .venv/bin/python scripts/witness_independent_201.py [--report DIR] [--depth fleet]

The script is also the CSMS's operator: a short EVConnectionTimeOut once the charger is in, then each
prompt answered in the CSMS (remote start and stop, a limit, reset, unlock, a variable changed).
Exit 0 when every step that ran passed and the CSMS found no frame against the schema; docs/witness.md
says how to do the same against CitrineOS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from independent_csms import StrictCsms  # noqa: E402

CARDS, CP_ID = ["IND-GOOD-1", "IND-GOOD-2"], "IND201"
LIMIT_10A = {"id": 7, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
             "chargingProfileKind": "Absolute",
             "chargingSchedule": [{"id": 1, "chargingRateUnit": "A",
                                   "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10}]}]}


def operator_call(prompt: str, csms: StrictCsms) -> tuple[str, dict] | None:
    """What the CSMS's operator sends for each prompt of the witness, in 2.0.1's words."""
    if "remote start" in prompt:
        return "RequestStartTransaction", {"idToken": {"idToken": CARDS[0], "type": "ISO14443"}, "remoteStartId": 1,
                                           "evseId": 1}
    if "set a limit of 10 A" in prompt:
        return "SetChargingProfile", {"evseId": 1, "chargingProfile": LIMIT_10A}
    if "remove that limit" in prompt:
        return "ClearChargingProfile", {"chargingProfileId": 7}
    if "reboot" in prompt:
        return "Reset", {"type": "Immediate"}
    if "unlock" in prompt:
        return "UnlockConnector", {"evseId": 1, "connectorId": 1}
    if "stop the session" in prompt:
        started = [c for c in csms.calls("TransactionEvent") if c["eventType"] == "Started"]
        return "RequestStopTransaction", {"transactionId": started[-1]["transactionInfo"]["transactionId"]}
    if "configuration value" in prompt:
        return "SetVariables", {"setVariableData": [{"component": {"name": "SampledDataCtrlr"},
                                                     "variable": {"name": "TxUpdatedInterval"},
                                                     "attributeValue": "30"}]}
    return None


async def play_operator(child, csms: StrictCsms) -> list[dict]:
    """Echo the witness's lines; answer each OPERATOR prompt in the CSMS, or skip it."""
    answers = []
    async for raw in child.stdout:
        line = raw.decode().rstrip()
        print(line, flush=True)
        if not line.startswith("OPERATOR:"):
            continue
        await asyncio.sleep(0.5)
        todo = operator_call(line, csms)
        if todo is None:
            child.stdin.write(b"skip\n")
            await child.stdin.drain()
            continue
        answers.append(await csms.call(*todo))
        print(f"independent CSMS: {todo[0]} -> {json.dumps(answers[-1].get('response', answers[-1]))}", flush=True)
    return answers


async def witness(report: Path, depth: str) -> int:
    csms = StrictCsms(cards=CARDS)
    await csms.start()
    try:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "firmware", "witness", "--csms-url", csms.url, "--charge-point-id", CP_ID,
            "--ocpp-version", "2.0.1", "--report", str(report), *[a for c in CARDS for a in ("--card", c)],
            "--blocked-card", "IND-GONE-1", "--depth", depth, "--connection-timeout", "10", "--operator", "present",
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        operator = asyncio.create_task(play_operator(child, csms))
        await csms.wait_for(lambda lines: [x for x in lines if x.get("connected") == CP_ID], 60)
        answers = [await csms.call("SetVariables", {"setVariableData": [{
            "component": {"name": "TxCtrlr"}, "variable": {"name": "EVConnectionTimeOut"}, "attributeValue": "10"}]})]
        code = await child.wait()
        answers += await operator
    finally:
        await csms.stop()
    failures = csms.failures()
    for f in failures:
        print(f"independent CSMS: against the schema: {json.dumps(f)}", file=sys.stderr)
    print(f"independent CSMS: {len([x for x in csms.lines if 'call' in x])} calls received, "
          f"{len(failures)} against the schema; the witness exited {code}")
    return 1 if code or failures or any("error" in a for a in answers) else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--report", default="witness-independent-201")
    p.add_argument("--depth", default="fleet", choices=["workplace", "semi-public", "fleet"])
    args = p.parse_args()
    return asyncio.run(witness(Path(args.report).resolve(), args.depth))


if __name__ == "__main__":
    sys.exit(main())
