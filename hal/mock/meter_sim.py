"""`evse meter-sim`: meters of any supported model served over Modbus RTU or TCP.

Uses pymodbus's server: one SimDevice per address, whose registers are filled
from the simulated meter at each request, encoded with the model's own map.
With --follow, each meter takes the bench EV's draw on its connector (0 = the
sum of all connectors) from the bench API, so energy rises while the bench
charges. A small HTTP API (--api-port) shows and sets each meter: energy,
currents, serial number, and `silent`, which makes it stop answering like a
meter pulled off the RS-485 line.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass, field

from pymodbus.constants import ExcCodes
from pymodbus.exceptions import NoSuchIdException
from pymodbus.framer import FramerType
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from hal.meters.maps import MODELS
from hal.meters.models import SIGNING_MODELS
from hal.mock.iskra_sim import FIRST as SIGNER_FIRST, LAST as SIGNER_LAST, IskraSigner
from hal.mock.meter_table import table_values, unlisted
from hal.meters.registers import RegisterMap, decode_block, encode, encode_scaled

log = logging.getLogger(__name__)

RTU_REQUEST_BYTES = 8  # id, function, address, count, CRC


@dataclass
class SimMeter:
    address: int
    regmap: RegisterMap
    connector: int | None = None  # followed bench connector
    voltage_v: float = 230.0
    currents_a: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    energy_wh: float = 0.0
    serial: str = "0"
    silent: bool = False
    extra_a: float = 0.0  # followed meters: other loads on the same supply, added on every phase
    byte_time_s: float = 0.0  # > 0: answers take the time the bytes need on a real line
    signer: object | None = None  # a signing model's signed transactions (hal.mock.iskra_sim.IskraSigner)
    phase_energy_wh: list[float] = field(default_factory=list)  # each phase's share of energy_wh, integrated
    peak_w: float = 0.0  # the highest power seen (the maximum demand a table lists)
    _at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.currents_a = self.currents_a[: self.regmap.phases]
        self.set_energy(self.energy_wh)
        if self.serial == "0":
            self.serial = str(10_000_000 + self.address)

    def power_w(self) -> float:
        return sum(self.currents_a) * self.voltage_v

    def integrate(self) -> None:
        now = time.monotonic()
        hours = (now - self._at) / 3600.0
        for i, amps in enumerate(self.currents_a):
            self.phase_energy_wh[i] += amps * self.voltage_v * hours
        self.energy_wh = sum(self.phase_energy_wh)
        self.peak_w = max(self.peak_w, self.power_w())
        self._at = now

    def set_energy(self, wh: float) -> None:
        """The register set from outside (start value, the API): shared evenly by the phases."""
        self.phase_energy_wh = [wh / self.regmap.phases] * self.regmap.phases
        self.energy_wh = sum(self.phase_energy_wh)

    def set_currents(self, amps: list[float]) -> None:
        self.integrate()
        self.currents_a = list(amps)[: self.regmap.phases] + [0.0] * (self.regmap.phases - len(amps))

    def values(self) -> dict:
        self.integrate()
        lines = ("l1", "l2", "l3")[: self.regmap.phases]
        v = {"energy_import_wh": self.energy_wh, "power_w": self.power_w(), "frequency_hz": 50.0,
             "power_factor": 1.0 if self.power_w() else 0.0}
        for i, p in enumerate(lines):
            v[f"voltage_{p}_v"] = self.voltage_v
            v[f"current_{p}_a"] = self.currents_a[i]
            v[f"power_{p}_w"] = self.currents_a[i] * self.voltage_v
        return table_values(self, v) if self.regmap.table else v

    def registers(self, function: str) -> dict[int, int]:
        image: dict[int, int] = {}
        values = self.values()
        m = self.regmap
        for f in m.listed(function):
            if f is m.serial:
                continue
            if f.exponent is None:
                image.update(zip(range(f.address, f.address + f.words), encode(f, values[f.quantity], m.word_order)))
            else:
                regs, image[f.exponent] = encode_scaled(f, values[f.quantity])
                image.update(zip(range(f.address, f.address + f.words), regs))
        if self.signer is not None and function == "holding":
            image.update(self.signer.regs)
        if m.serial is not None and m.serial_function == function:
            serial = self.serial if m.serial.kind.startswith("ascii") else int(self.serial)
            image.update(zip(range(m.serial.address, m.serial.address + m.serial.words),
                             encode(m.serial, serial, m.word_order)))
        return image

    def register_wh(self) -> float:
        """The energy as a Modbus read of this meter decodes it: a float32 in kWh holds 1 MWh to about
        0.06 Wh, so its whole Wh may differ from the simulator's own count at the half."""
        f = self.regmap.field("energy_import_wh")
        image = self.registers(self.regmap.function)
        block = [image.get(a, 0) for a in range(f.start, f.end)]
        return decode_block([f], f.start, block, self.regmap.word_order)["energy_import_wh"]

    def status(self) -> dict:
        out = {"address": self.address, "model": self.regmap.model, "energy_wh": round(self.values()["energy_import_wh"], 3),
               "register_wh": self.register_wh(),
               "power_w": self.power_w(), "currents_a": self.currents_a, "serial": self.serial, "silent": self.silent,
               "connector": self.connector}
        if self.signer is not None:
            out["signing"] = self.signer.status()
        return out


async def _fill(meter: SimMeter, function_code, start, address, count, registers, set_values):
    if meter.silent:
        raise NoSuchIdException(meter.address)  # with ignore_missing_devices: no answer at all
    if meter.byte_time_s:
        # A pty moves bytes at once; a 9600-baud line does not. Hold the answer for the
        # request's and the response's time on the wire, with RTU's 3.5-character gaps.
        await asyncio.sleep((RTU_REQUEST_BYTES + 5 + 2 * count + 2 * 3.5) * meter.byte_time_s)
    function = "input" if function_code == 4 else "holding"
    if unlisted(meter, function, address, count):
        return ExcCodes.ILLEGAL_ADDRESS  # as the meter answers a register its vendor does not list
    if set_values is not None and meter.signer is not None:
        meter.signer.write(address, list(set_values), meter.values()["energy_import_wh"])
        return None
    image = meter.registers(function)
    for i in range(address - start, address - start + count):
        registers[i] = image.get(start + i, meter.regmap.unlisted_word or 0)
    return None


def _span(meter: SimMeter, function: str) -> tuple[int, int] | None:
    m = meter.regmap
    fields = m.listed(function)
    if not fields:
        return None
    start = min(f.start for f in fields)
    return start, max(f.end for f in fields) - start


def sim_device(meter: SimMeter) -> SimDevice:
    blocks = {}
    for function in ("holding", "input"):
        span = _span(meter, function)
        if function == "holding" and meter.signer is not None:
            span = (SIGNER_FIRST, SIGNER_LAST - SIGNER_FIRST)
        blocks[function] = [SimData(span[0], count=span[1], datatype=DataType.REGISTERS)] if span else \
            [SimData(0, count=1, datatype=DataType.REGISTERS)]
    bits = [SimData(0, count=1, datatype=DataType.BITS)]
    return SimDevice(id=meter.address, simdata=(bits, bits, blocks["holding"], blocks["input"]),
                     action=functools.partial(_fill, meter))


async def _silent_for_others(function_code, start, address, count, registers, set_values):
    raise NoSuchIdException(0)


def build_server(meters: list[SimMeter], *, serial: str | None = None, tcp: str | None = None,
                 baud: int = 9600, parity: str = "N"):
    catch_all = SimDevice(id=0, simdata=[SimData(0, count=1, datatype=DataType.REGISTERS)], action=_silent_for_others)
    devices = [sim_device(m) for m in meters] + [catch_all]
    if serial:
        return ModbusSerialServer(devices, framer=FramerType.RTU, port=serial, baudrate=baud, parity=parity,
                                  bytesize=8, stopbits=1, ignore_missing_devices=True)
    host, _, port = tcp.rpartition(":")
    return ModbusTcpServer(devices, address=(host or "127.0.0.1", int(port)), ignore_missing_devices=True)


def _phase_currents(evs: dict, connector: int) -> list[float]:
    """Per-phase current through a meter on `connector` (0: the supply of them all)."""
    amps = [0.0, 0.0, 0.0]
    for cid, ev in evs.items():
        if connector in (0, cid):
            for phase in range(ev["phases"]):
                amps[phase] += ev["draw_a"]
    return amps


async def follow(meters: list[SimMeter], url: str, period_s: float = 0.1) -> None:
    """Mirror the bench EV's draw: every phase carries what the EV draws on its connector."""
    import aiohttp

    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url.rstrip("/") + "/status") as r:
                    status = await r.json()
                evs = {c["id"]: c["ev"] for c in status["connectors"]}
                for m in meters:
                    if m.connector is not None:
                        m.set_currents([a + m.extra_a for a in _phase_currents(evs, m.connector)])
            except (aiohttp.ClientError, KeyError, IndexError, ValueError) as exc:
                log.debug("follow: %s", exc)  # no bench, no EVSE: nothing flows through the meters
                for m in meters:
                    if m.connector is not None:
                        m.set_currents([0.0, 0.0, 0.0])
            await asyncio.sleep(period_s)


async def serve_api(meters: list[SimMeter], port: int):
    from aiohttp import web

    by_address = {m.address: m for m in meters}

    async def get_meters(request):
        return web.json_response([m.status() for m in meters])

    async def set_meter(request):
        try:
            body = await request.json()
            meter = by_address[body["address"]]
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": "need {'address': <served address>, ...}"}, status=400)
        if "silent" in body:
            meter.silent = bool(body["silent"])
        if "energy_wh" in body:
            meter.integrate()
            meter.set_energy(float(body["energy_wh"]))
        if "currents_a" in body:
            meter.set_currents([float(a) for a in body["currents_a"]])
        if "serial" in body:
            meter.serial = str(body["serial"])
        if "extra_a" in body:
            meter.extra_a = float(body["extra_a"])
        if meter.signer is not None and isinstance(body.get("signing"), dict):
            _set_signing(meter.signer, body["signing"])
        return web.json_response(meter.status())

    app = web.Application()
    app.add_routes([web.get("/meters", get_meters), web.post("/meters", set_meter)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def _set_signing(signer: IskraSigner, body: dict) -> None:
    """The bench's handles on a signing meter: a clock that refuses the time, failing signatures, a new key."""
    if "refuse_clock" in body:
        signer.refuse_clock = bool(body["refuse_clock"])
    if "fail_signature" in body:
        signer.fail_signature = bool(body["fail_signature"])
    if body.get("new_key"):
        signer.new_key()


def _signing_key(path: str | None):
    """A signing model's private key from its PEM file; None: the simulator makes one."""
    if not path:
        return None
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    with open(path, "rb") as f:
        return load_pem_private_key(f.read(), password=None)


async def run(args) -> int:
    key = _signing_key(args.signing_key) if args.model in SIGNING_MODELS else None
    if args.model == "lem_dcbm":
        from hal.mock.lem_sim import serve

        return await serve(args, key)
    if not (args.serial or args.tcp):
        raise SystemExit(f"evse meter-sim: {args.model} is a Modbus meter: --serial or --tcp")
    regmap = MODELS[args.model]
    addresses = [int(a) for a in str(args.address).split(",")]
    connectors = [int(c) for c in str(args.connector).split(",")] if args.follow else [None] * len(addresses)
    if len(connectors) != len(addresses):
        raise SystemExit("evse meter-sim: --connector needs one value per --address")
    byte_time = 10.0 / args.baud if args.serial and args.pace else 0.0  # 8 data bits + start + stop
    meters = [SimMeter(a, regmap, c, energy_wh=args.energy_wh, currents_a=[args.current_a] * 3, byte_time_s=byte_time,
                       signer=IskraSigner(key, str(10_000_000 + a)) if args.model in SIGNING_MODELS else None)
              for a, c in zip(addresses, connectors)]
    server = build_server(meters, serial=args.serial, tcp=args.tcp, baud=args.baud, parity=args.parity)
    await server.serve_forever(background=True)  # listening before "ready" is printed
    tasks = [server.serving]
    if args.follow:
        tasks.append(asyncio.create_task(follow(meters, args.follow)))
    if args.api_port:
        await serve_api(meters, args.api_port)
    print(f"meter-sim: {args.model} at {addresses} on {args.serial or args.tcp}", flush=True)
    await asyncio.gather(*tasks)
    return 0
