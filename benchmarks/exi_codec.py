"""The EV link's EXI codec: milliseconds per encode and per decode of one message of each schema
(hlc/exi_samples.py), with iso15118's own codec (the jar's EXICodec: a new JAXB context per message)
and with ours (hlc/exi_codec.py: one context per message family), measured in one run, in the same
JVM warm-up order; and the first message of each schema on a codec just started, cold and warmed
(CachedExiCodec.warm). Runs in .venv-hlc (`.venv-hlc/bin/python benchmarks/exi_codec.py`; the test
command makes it). Prints JSON lines in the DESIGN.md format."""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hlc.exi_codec import CachedExiCodec  # noqa: E402
from hlc.exi_samples import SAMPLES  # noqa: E402
from iso15118.shared.exificient_exi_codec import ExificientEXICodec  # noqa: E402

WARM = 3  # rounds not counted: class loading and the JIT, for both codecs alike
ROUNDS = 20
SETTLE_S = 5.0  # SLAC, SDP and the TCP link come before an EV's first message: the time a warm-up has


def per_message_ms(codec) -> dict[str, float]:
    """Median encode and decode times over every sample, after the warm-up."""
    encodes, decodes = [], []
    for round_ in range(WARM + ROUNDS):
        for namespace, message in SAMPLES.values():
            text = json.dumps(message)
            began = time.perf_counter()
            exi = codec.encode(text, namespace)
            encoded = time.perf_counter()
            codec.decode(exi, namespace)
            if round_ >= WARM:
                encodes.append(encoded - began)
                decodes.append(time.perf_counter() - encoded)
    return {"encode_ms": statistics.median(encodes) * 1000, "decode_ms": statistics.median(decodes) * 1000}


def first_round_ms(warm: bool) -> float:
    """One message of each schema on a codec just started (its JVM too), SETTLE_S after its start: what
    the first EV's first messages cost, with the warm-up (CachedExiCodec.warm) or without."""
    codec = CachedExiCodec()
    if warm:
        codec.warm()
    time.sleep(SETTLE_S)
    began = time.perf_counter()
    for namespace, message in SAMPLES.values():
        codec.decode(codec.encode(json.dumps(message), namespace), namespace)
    spent = time.perf_counter() - began
    codec.close()
    return spent * 1000


def main() -> int:
    lines = []
    figures = {}
    for variant, codec in (("iso15118_jar", ExificientEXICodec()), ("cached_contexts", CachedExiCodec())):
        figures[variant] = per_message_ms(codec)
        codec.gateway.shutdown()
        for metric, value in figures[variant].items():
            lines.append({"benchmark": "exi_codec", "variant": variant, "metric": metric,
                          "value": round(value, 2), "better": "lower"})
    pair = {v: f["encode_ms"] + f["decode_ms"] for v, f in figures.items()}
    lines.append({"benchmark": "exi_codec", "variant": "jar_over_cached", "metric": "encode_decode_ratio",
                  "value": round(pair["iso15118_jar"] / pair["cached_contexts"], 1), "better": "higher"})
    for variant, warm in (("cold", False), ("warmed", True)):
        lines.append({"benchmark": "exi_codec", "variant": variant, "metric": "first_round_ms",
                      "value": round(first_round_ms(warm), 1), "better": "lower"})
    for line in lines:
        print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
