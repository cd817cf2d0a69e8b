"""GetLog: security and diagnostics logs uploaded over HTTP and FTP, with LogStatusNotification."""

import asyncio
import threading

from ocpp.v16 import call

from controller import free_port
from upload_server import UploadServer


def statuses(csms, request_id):
    return [p["status"] for p in csms.actions("LogStatusNotification") if p["requestId"] == request_id]


async def test_security_log_over_http(csms, start_controller):  # TC_079
    server = UploadServer()
    await server.start()
    try:
        await start_controller()
        cp = csms.charge_points["CP001"]
        answer = await cp.call(call.GetLog(log_type="SecurityLog", request_id=7, log={"remote_location": server.url}))
        assert answer.status == "Accepted" and answer.filename.startswith("CP001-SecurityLog-")
        await csms.wait_for(lambda c: statuses(c, 7)[-1:] == ["Uploaded"], 15)
        assert statuses(csms, 7) == ["Uploading", "Uploaded"]
        name, body = server.files[0]
        assert name == answer.filename and b"StartupOfTheDevice" in body
    finally:
        await server.runner.cleanup()


async def test_diagnostics_log_over_ftp(csms, start_controller, tmp_path):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

    root = tmp_path / "ftp"
    root.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user("evse", "secret", str(root), perm="elw")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    port = free_port()
    server = FTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2}, daemon=True)
    thread.start()
    try:
        await start_controller()
        cp = csms.charge_points["CP001"]
        url = f"ftp://evse:secret@127.0.0.1:{port}/"
        answer = await cp.call(call.GetLog(log_type="DiagnosticsLog", request_id=8, log={"remote_location": url}))
        assert answer.status == "Accepted"
        await csms.wait_for(lambda c: statuses(c, 8)[-1:] == ["Uploaded"], 15)
        uploaded = (root / answer.filename).read_text()
        assert "BootNotification accepted" in uploaded and "secret" not in (tmp_path / "data-controller.log").read_text()
    finally:
        server.close_all()


async def test_failures_are_reported(csms, start_controller):  # TC_045_2-like for logs
    denied = UploadServer(status=403)
    await denied.start()
    try:
        await start_controller()
        cp = csms.charge_points["CP001"]
        answer = await cp.call(call.GetLog(log_type="SecurityLog", request_id=1, log={"remote_location": denied.url}))
        assert answer.status == "Accepted"
        await csms.wait_for(lambda c: statuses(c, 1)[-1:] == ["PermissionDenied"], 15)
        nobody = f"http://127.0.0.1:{free_port()}/upload"
        answer = await cp.call(call.GetLog(log_type="SecurityLog", request_id=2, retries=1, retry_interval=1,
                                           log={"remote_location": nobody}))
        await csms.wait_for(lambda c: statuses(c, 2)[-1:] == ["UploadFailure"], 15)
        answer = await cp.call(call.GetLog(log_type="SecurityLog", request_id=3,
                                           log={"remote_location": "gopher://example/"}))
        assert answer.status == "Rejected"
        await asyncio.sleep(0.2)
        assert (await cp.call(call.GetConfiguration(key=["HeartbeatInterval"]))).configuration_key
    finally:
        await denied.runner.cleanup()


async def test_get_diagnostics_uploads_and_reports(csms, start_controller):  # TC_045_1, TC_045_2
    server = UploadServer()
    await server.start()
    try:
        await start_controller()
        cp = csms.charge_points["CP001"]
        answer = await cp.call(call.GetDiagnostics(location=server.url))
        assert answer.file_name.startswith("CP001-DiagnosticsLog-")

        def diagnostics(c):
            return [p["status"] for p in c.actions("DiagnosticsStatusNotification")]
        await csms.wait_for(lambda c: diagnostics(c)[-1:] == ["Uploaded"], 15)
        assert diagnostics(csms) == ["Uploading", "Uploaded"]
        assert b"BootNotification accepted" in server.files[0][1]
        nobody = f"http://127.0.0.1:{free_port()}/upload"
        await cp.call(call.GetDiagnostics(location=nobody, retries=0))
        await csms.wait_for(lambda c: diagnostics(c)[-1:] == ["UploadFailed"], 15)
        assert (await cp.call(call.GetDiagnostics(location="not a url"))).file_name is None
    finally:
        await server.runner.cleanup()
