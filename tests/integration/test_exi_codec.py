"""The EV link's EXI codec (hlc/exi_codec.py, hlc/CachedContextCodec.java) in .venv-hlc, against
iso15118's own (the jar's EXICodec): the same bytes and the same JSON for every schema, the same refusals,
one JAXB context per message family however many messages pass, a warm-up that builds them before the
first message, compiled once per environment, and the jar's codec (with a warning) where the class
cannot be compiled. The speed is benchmarks/exi_codec.py's;
every DC and ISO 15118 AC session of the suite runs on this codec at both ends."""

import json
import subprocess

import pytest

from hlc_bench import HLC_PYTHON, ensure_hlc_environment

SCRIPT = r"""
import json, logging, os, shutil, sys, tempfile, time
from pathlib import Path
from iso15118.shared.exi_codec import EXI
from iso15118.shared.exificient_exi_codec import ExificientEXICodec
from iso15118.shared.messages.enums import Namespace
from iso15118.shared.settings import load_shared_settings
from hlc.exi_codec import CLASS, SOURCE, CachedExiCodec
from hlc.exi_samples import SAMPLES

warnings = []
class Kept(logging.Handler):
    def emit(self, record): warnings.append(record.getMessage())
logging.getLogger("hlc.exi_codec").addHandler(Kept())
out = {}
tmp = Path(tempfile.mkdtemp())
jar, ours = ExificientEXICodec(), CachedExiCodec(tmp / "share" / "classes")
out["cached"] = ours.cached

def both(name):
    ns, msg = SAMPLES[name]
    text = json.dumps(msg)
    a, b = bytes(jar.encode(text, ns)), bytes(ours.encode(text, ns))
    return {"same_bytes": a == b, "same_json": json.loads(jar.decode(a, ns)) == json.loads(ours.decode(b, ns)),
            "round_trip": json.loads(ours.decode(b, ns)) == msg}
out["samples"] = {name: both(name) for name in SAMPLES}

load_shared_settings()
EXI().set_exi_codec(ours)  # iso15118's own path: EXI bytes to its message types
ns, msg = SAMPLES["iso2_current_demand"]
decoded = EXI().from_exi(bytes(ours.encode(json.dumps(msg), ns)), Namespace.ISO_V2_MSG_DEF)
demand = decoded.body.current_demand_req
out["typed"] = [type(demand).__name__, demand.dc_ev_status.ev_ress_soc]

def refusal(call):
    try:
        call()
        return None
    except Exception as exc:
        return str(exc)
wrong = json.loads(json.dumps(msg))
wrong["V2G_Message"]["Body"]["CurrentDemandReq"]["DC_EVStatus"]["EVRESSSOC"] = "lots"  # a byte in the schema
out["refused"] = {"wrong_type": [refusal(lambda: c.encode(json.dumps(wrong), ns)) is not None for c in (jar, ours)],
                  "wrong_type_said": refusal(lambda: ours.encode(json.dumps(wrong), ns)),
                  "not_json": refusal(lambda: ours.encode("{not json", "urn:iso:15118:2:2013:MsgDef")),
                  "garbage_exi": refusal(lambda: ours.decode(b"\x80\x98\x02\x10\xff\xff", ns))}
out["after_refusals"] = both("iso2_current_demand")

field = ours.exi_codec.getClass().getDeclaredField("CONTEXTS")
field.setAccessible(True)
contexts = lambda: field.get(None).size()
def rounds(n):
    for _ in range(n):
        for name in SAMPLES:
            ns, msg = SAMPLES[name]
            ours.decode(ours.encode(json.dumps(msg), ns), ns)
    return contexts()
out["contexts"] = [contexts(), rounds(1), rounds(20)]

warmed = CachedExiCodec(tmp / "share" / "classes")  # a JVM of its own: its contexts start afresh
families = warmed.exi_codec.getClass().getDeclaredField("CONTEXTS")
families.setAccessible(True)
before = families.get(None).size()
warmed.warm()  # returns at once; the JVM's thread encodes and decodes every sample on a codec of its own
for _ in range(300):
    if families.get(None).size() >= contexts():
        break
    time.sleep(0.1)
ns, msg = SAMPLES["din"]
same = bytes(warmed.encode(json.dumps(msg), ns)) == bytes(jar.encode(json.dumps(msg), ns))
out["warm"] = [before, families.get(None).size(), contexts(), same]
warmed.close()

compiled = tmp / "share" / "classes" / (CLASS.replace(".", "/") + ".class")
before = compiled.stat().st_mtime_ns
again = CachedExiCodec(tmp / "share" / "classes")
out["reused"] = [again.cached, compiled.stat().st_mtime_ns == before, sorted(p.name for p in (tmp / "share").iterdir())]
again.close()

broken = tmp / "CachedContextCodec.java"
broken.write_text(SOURCE.read_text().replace("public final class", "public final klass"))
fallback = CachedExiCodec(tmp / "broken", source=broken)
fallback.warm()  # nothing to warm on the jar's codec
ns, msg = SAMPLES["din"]
out["fallback"] = [fallback.cached, json.loads(fallback.decode(bytes(fallback.encode(json.dumps(msg), ns)), ns)) == msg,
                   (tmp / "broken").exists(), [w for w in warnings if "new JAXB context per message" in w]]
fallback.close()

unwritable = tmp / "a-file"  # no folder can be made under it, not even by root (as the suite may run)
unwritable.write_text("")
scratch_before = set(Path(tempfile.gettempdir()).glob("evse-exi-*"))
elsewhere = CachedExiCodec(unwritable / "classes")
ns, msg = SAMPLES["iso20_dc_charge_loop"]
works = json.loads(elsewhere.decode(bytes(elsewhere.encode(json.dumps(msg), ns)), ns)) == msg
left = set(Path(tempfile.gettempdir()).glob("evse-exi-*")) - scratch_before
out["read_only"] = [elsewhere.cached, os.path.exists(unwritable / "classes"), works, len(left)]
elsewhere.close()
for codec in (ours, jar):
    codec.gateway.shutdown()
shutil.rmtree(tmp)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def seen() -> dict:
    ensure_hlc_environment()
    done = subprocess.run([str(HLC_PYTHON), "-c", SCRIPT], capture_output=True, text=True,
                          cwd=str(HLC_PYTHON.parents[2]), timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # iso15118 logs on standard output too


def test_the_cached_codec_writes_and_reads_every_schema_as_the_jar_does(seen):
    assert seen["cached"] is True
    assert set(seen["samples"]) == {"app_protocol", "din", "iso2_current_demand", "iso20_session_setup",
                                    "iso20_dc_charge_loop"}
    for name, result in seen["samples"].items():
        assert result == {"same_bytes": True, "same_json": True, "round_trip": True}, name
    assert seen["typed"] == ["CurrentDemandReq", 57]  # through iso15118's EXI() into its message types


def test_it_refuses_what_cannot_be_encoded_or_decoded_and_goes_on(seen):
    refused = seen["refused"]
    assert refused["wrong_type"] == [True, True]  # refused by the jar's codec and by ours
    assert refused["wrong_type_said"].startswith("Cannot encode a message of urn:iso:15118:2:2013:MsgDef")
    assert "lots" in refused["wrong_type_said"]
    assert "Cannot encode" in refused["not_json"]
    assert refused["garbage_exi"]  # the jar's decoding error, raised by iso15118's wrapper
    assert seen["after_refusals"] == {"same_bytes": True, "same_json": True, "round_trip": True}


def test_one_jaxb_context_per_message_family_however_many_messages(seen):
    families, after_one, after_twenty = seen["contexts"]
    assert families >= 1  # what the samples and the base class's constructor met so far
    assert after_one == families  # every family was met already: nothing was added
    assert after_twenty == families  # 200 more encodes and decodes over five schemas: still none


def test_the_warm_up_builds_every_family_before_any_message_is_asked(seen):
    before, after, families, same = seen["warm"]
    assert before == 1  # what the base class's constructor built
    assert after == families > before  # every family the samples meet, with no message of ours
    assert same  # and the warmed codec writes what the jar writes


def test_compiled_once_per_environment_and_the_jar_codec_when_it_cannot_be(seen):
    cached, untouched, share = seen["reused"]
    assert cached and untouched  # the second codec loaded the first one's class
    assert share == ["classes"]  # no half-compiled folder left beside it
    cached, works, left_behind, warned = seen["fallback"]
    assert (cached, works, left_behind) == (False, True, False)
    assert len(warned) == 1
    # compiled for this process in a temporary folder, removed once the class was loaded
    assert seen["read_only"] == [True, False, True, 0]
