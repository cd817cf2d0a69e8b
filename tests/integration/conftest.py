import pytest

from controller import ControllerProcess
from firmware.bench.csms import BenchCsms
from firmware.bench.csms201 import BenchCsms201


@pytest.fixture
async def csms():
    server = BenchCsms()
    await server.start()
    yield server
    await server.stop()


async def wait_booted(csms, proc, timeout=15.0):
    """Until the CSMS has the charge point connected and a status for connector 0 and each connector."""
    connectors = len((await proc.status())["connectors"])

    def ready(c):
        seen = {p["connectorId"] for p in c.actions("StatusNotification")}
        return c.charge_points.get(proc.cp_id) and len(seen) >= connectors + 1

    await csms.wait_for(ready, timeout)


@pytest.fixture
async def start_controller(csms, tmp_path):
    """Start `evse run` processes; each gets SIGTERM at the end, and its log is shown on failure."""
    started = []

    async def start(data_dir="data", boot=True, **kw):
        proc = ControllerProcess(csms.url, tmp_path / data_dir, **kw)
        started.append(proc)
        await proc.start()
        if boot:
            await wait_booted(csms, proc)
        return proc

    yield start
    for proc in started:
        await proc.close()
        print(f"---- controller log {proc.log_path} ----\n{proc.log()}")


# ---- OCPP 2.0.1: a CSMS, and a station with both EVSEs reported ----
@pytest.fixture
async def csms201():
    server = BenchCsms201()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def station(csms201, tmp_path):
    proc = ControllerProcess(csms201.url, tmp_path / "data", ocpp_version="2.0.1")
    await proc.start()
    await csms201.wait_for(lambda c: len({p["evseId"] for p in c.actions("StatusNotification")}) == 2, 15)
    yield proc
    await proc.close()
    print(f"---- controller log ----\n{proc.log()}")
