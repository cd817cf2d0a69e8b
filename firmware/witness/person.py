"""The witness on the charger's real hardware (`evse witness --board`): what the bench simulates
through its API (an EV plugged, a card shown, the network cable pulled, the e-stop pressed), a
person at the charger does when asked. The witness reads the charger through the local web
page's API with a token of its own, and each request waits until the charger shows it was done.

What a person cannot do safely on a live charger (heat it up, bring a faulty EV) is skipped with
that reason; the bench run covers it. With nobody at the terminal every such step is skipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import aiohttp

from firmware.witness.charger import UnderTest, free_port

PERSON_WAIT_S = 180.0  # a person walks to the charger, finds the card, plugs the cable


class NotOnThisHardware(Exception):
    """The step needs something only the bench can simulate, or a person who is not there."""


def _conn(status: dict, cid: int) -> dict:
    return next((c for c in status.get("connectors", []) if c["id"] == cid), {})


def _out_count(frames, actions) -> int:
    return sum(1 for f in frames if f["dir"] == "out" and f["frame"][0] == 2 and f["frame"][2] in actions)


def _faulted(status: dict) -> bool:
    """A charger-wide fault (the e-stop) shows on the station and on every connector."""
    return bool(status.get("station_faults")) or any(c.get("faults") for c in status.get("connectors", []))


UNSAFE = {"overtemp": "an over-temperature", "diode": "a plug error (an EV with a broken diode)"}
CARD_ACTIONS = ("Authorize", "StartTransaction", "TransactionEvent")


CALIBRATION = "calibration.json"  # hal/rpi/calibration.py: this unit's pilot front-end, measured by `evse calibrate`


class AtTheBoard(UnderTest):
    def __init__(self, *, operator, service_data_dir: Path, **kw):
        super().__init__(**kw)
        self.operator = operator
        self.service_data_dir = Path(service_data_dir)
        self.web_port = free_port()
        self.api = f"http://127.0.0.1:{self.web_port}/api"
        self.headers: dict[str, str] = {}

    async def start(self) -> None:
        self.headers = {"Authorization": f"Bearer {self._token()}"}
        self._copy_calibration()
        await super().start()

    def _copy_calibration(self) -> None:
        """The witness runs the charger from a data directory of its own, but the pilot's calibration
        belongs to this unit: take the service's, so the pilot reads as it does in service."""
        source = self.service_data_dir / CALIBRATION
        try:
            shutil.copyfile(source, Path(self.data_dir) / CALIBRATION)
        except OSError as exc:
            print(f"witness: no calibration copied from {source} ({exc.strerror}); the pilot runs on nominal "
                  "values", flush=True)

    def _token(self) -> str:
        """A page API token of the witness's own, in its own data directory: nothing of the service's."""
        from firmware.store import Store
        from firmware.web.passwords import WebCredentials

        Path(self.data_dir).mkdir(parents=True, exist_ok=True)
        store = Store(self.data_dir)
        try:
            return WebCredentials(store).new_token("witness")
        finally:
            store.close()

    def reading_port(self) -> list[str]:
        return ["--bench-port", "0", "--web-port", str(self.web_port), "--web-bind", "127.0.0.1", "--web-http",
                "--no-mdns"]

    async def status(self) -> dict:
        async with self.http.get(self.api + "/status", headers=self.headers) as r:
            return await r.json()

    async def post(self, path: str, body: dict) -> dict:
        """The bench request `path` as a request to the person, answered once the charger shows it."""
        text, done = self._request(path, body)
        if not self.operator.present:
            raise NotOnThisHardware(f"nobody at the charger to {text}")
        outcome = await self.operator.ask(text, done, PERSON_WAIT_S, who="AT THE CHARGER")
        if outcome == "skipped":
            raise NotOnThisHardware(f"skipped at the charger: {text}")
        return {"outcome": outcome}

    def _request(self, path: str, body: dict):
        cid = body.get("connector", 1)
        if path == "/ev":
            plugged = body["state"] != "A"
            text = f"plug the EV into connector {cid}" if plugged else f"unplug the EV from connector {cid}"
            return text, self._connector_shows(cid, lambda c: (c.get("cp_state") != "A") == plugged)
        if path == "/rfid":
            before = _out_count(self.frames(), CARD_ACTIONS)
            return (f"show card {body['id_tag']} at the reader of connector {cid}",
                    self._after(lambda st: _conn(st, cid).get("session") is not None
                                or _out_count(self.frames(), CARD_ACTIONS) > before))
        if path == "/network":
            up = body["connected"]
            text = "plug the charger's network cable back in" if up else \
                "unplug the charger's network cable (or switch its modem off)"
            return text, self._after(lambda st: bool(st.get("link", {}).get("connected")) == up)
        if path == "/fault":
            return self._fault(body)
        raise NotOnThisHardware(f"{path} is simulated on the bench only")

    def _fault(self, body):
        kind, active, cid = body["kind"], body["active"], body.get("connector", 1)
        if kind == "estop":
            text = "press the emergency stop" if active else "release the emergency stop"
            return text, self._after(lambda st: _faulted(st) == active)
        if kind == "rcd":
            text = f"press the test button of connector {cid}'s RCD" if active else f"reset connector {cid}'s RCD"
            return text, self._connector_shows(cid, lambda c: bool(c.get("faults")) == active)
        what = UNSAFE.get(kind, f"a {kind} fault")
        raise NotOnThisHardware(f"{what} cannot be made safely on a live charger; the bench run covers it")

    def _connector_shows(self, cid: int, predicate):
        return self._after(lambda st: predicate(_conn(st, cid)))

    def _after(self, predicate):
        async def done() -> bool:
            try:
                return predicate(await self.status())
            except (aiohttp.ClientError, ValueError):  # the charger restarting: not yet
                return False
        return done
