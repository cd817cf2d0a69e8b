"""The bench's side of SLAC (ISO 15118-3) on the veth pair that stands for the pilot wire's HomePlug link:
the charger's modem (it takes the network key, and passes the EV's sounds up as attenuation profiles)
and the EV (it looks for a charger, sounds, and asks for a match), each frame packed and parsed with
pyslac's own message classes. Runs in .venv-slac, inside the bench link's network namespace.

    python -m hlc.slac_sim --iface ev0 --modem      # for the bench link's whole life
    python -m hlc.slac_sim --iface ev0 --ev [--then CMD...]  # once per plug-in; once matched, CMD

The charger's side (hlc.slac_child, pyslac's EVSE) is the product; this is the bench only.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import sys
import time

from pyslac.enums import (CM_ATTEN_CHAR, CM_ATTEN_PROFILE, CM_MNBC_SOUND, CM_SET_KEY, CM_SLAC_MATCH, CM_SLAC_PARM,
                          CM_START_ATTEN_CHAR, ETH_TYPE_HPAV, EVSE_PLC_MAC, MMTYPE_CNF, MMTYPE_IND, MMTYPE_REQ,
                          MMTYPE_RSP, SLAC_ATTEN_TIMEOUT, SLAC_GROUPS, SLAC_MSOUNDS, SLAC_PAUSE)
from pyslac.layer_2_headers import EthernetHeader, HomePlugHeader
from pyslac.messages import (AtennChar, AtennCharRsp, AttenProfile, MatchCnf, MatchReq, MnbcSound, SetKeyCnf,
                             SlacParmCnf, SlacParmReq, StartAtennChar)

BROADCAST = b"\xff" * 6
PACKET_OUTGOING = 4  # linux/if_packet.h: a frame this host sent, seen by another socket on the interface
MIN_FRAME = 60
# ISO 15118-3 Table A.1: TT_match_response 200 ms (the EV's wait for CM_SLAC_PARM.CNF and the match); the
# EV tries again until the bench gives up (the charger's SLAC process may still be taking its key).
ANSWER_S = 0.2
EV_GIVES_UP_S = 60.0
ATTENUATION_DB = 20  # what the bench's "cable" attenuates each group by (well under pyslac's limit)


def open_raw(iface: str) -> tuple[socket.socket, bytes]:
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_TYPE_HPAV))
    raw.bind((iface, 0))
    return raw, raw.getsockname()[4]


def frame(dst: bytes, src: bytes, mm_type: int, payload) -> bytes:
    body = EthernetHeader(dst_mac=dst, src_mac=src).pack_big() + HomePlugHeader(mm_type).pack_big() + payload.pack_big()
    return bytes(body) + b"\x00" * max(0, MIN_FRAME - len(body))


def receive(raw: socket.socket, wanted: int, until: float) -> bytes | None:
    """The next frame of MMTYPE `wanted` the other end sent (not one of this interface's own), or None."""
    while (left := until - time.monotonic()) > 0:
        if not select.select([raw], [], [], left)[0]:
            return None
        data, address = raw.recvfrom(1514)
        if address[2] != PACKET_OUTGOING and len(data) >= 19 and HomePlugHeader.from_bytes(data).mm_type == wanted:
            return data
    return None


def modem(iface: str) -> int:
    """The charger's modem: each CM_SET_KEY.REQ is confirmed (the key is the charger's to choose). Says
    "ready" once it listens (hlc.bench_link starts the charger's SLAC only then)."""
    raw, _ = open_raw(iface)
    print(f"SLAC modem: ready on {iface}", flush=True)
    while True:
        request = receive(raw, CM_SET_KEY | MMTYPE_REQ, time.monotonic() + 3600)
        if request is None:
            continue
        host = EthernetHeader.from_bytes(request).src_mac
        cnf = SetKeyCnf(result=0, my_nonce=os.urandom(4), your_nonce=b"\x00" * 4, pid=b"\x04", prn=b"\x00\x00",
                        pmn=b"\x00", cco_capab=b"\x00")
        raw.send(frame(host, EVSE_PLC_MAC, CM_SET_KEY | MMTYPE_CNF, cnf))


def ev(iface: str, give_up_s: float = EV_GIVES_UP_S) -> int:
    """The EV's side of ISO 15118-3 Annex A.9, and the charger modem's attenuation profiles."""
    raw, mine = open_raw(iface)
    run_id = os.urandom(8)
    began = time.monotonic()
    give_up = began + give_up_s
    while True:  # CM_SLAC_PARM.REQ until a charger answers
        raw.send(frame(BROADCAST, mine, CM_SLAC_PARM | MMTYPE_REQ, SlacParmReq(run_id=run_id)))
        cnf = receive(raw, CM_SLAC_PARM | MMTYPE_CNF, time.monotonic() + ANSWER_S)
        if cnf is not None and SlacParmCnf.from_bytes(cnf).run_id == run_id:
            break
        if time.monotonic() > give_up:
            print("SLAC EV: no charger answered CM_SLAC_PARM.REQ", flush=True)
            return 1
    charger = EthernetHeader.from_bytes(cnf).src_mac
    start = StartAtennChar(num_sounds=SLAC_MSOUNDS, time_out=SLAC_ATTEN_TIMEOUT, forwarding_sta=mine, run_id=run_id)
    raw.send(frame(BROADCAST, mine, CM_START_ATTEN_CHAR | MMTYPE_IND, start))
    for cnt in range(SLAC_MSOUNDS, 0, -1):
        raw.send(frame(BROADCAST, mine, CM_MNBC_SOUND | MMTYPE_IND, MnbcSound(cnt=cnt, run_id=run_id)))
        profile = AttenProfile(pev_mac=mine, aag=[ATTENUATION_DB] * SLAC_GROUPS)  # the charger's modem
        raw.send(frame(charger, EVSE_PLC_MAC, CM_ATTEN_PROFILE | MMTYPE_IND, profile))
        time.sleep(SLAC_PAUSE)
    char = receive(raw, CM_ATTEN_CHAR | MMTYPE_IND, time.monotonic() + 1.2)  # TT_EV_atten_results
    if char is None:
        print("SLAC EV: no CM_ATTEN_CHAR.IND", flush=True)
        return 1
    atten = AtennChar.from_bytes(char)
    rsp = AtennCharRsp(source_address=mine, run_id=run_id, source_id=atten.source_id, resp_id=atten.resp_id, result=0)
    raw.send(frame(charger, mine, CM_ATTEN_CHAR | MMTYPE_RSP, rsp))
    raw.send(frame(charger, mine, CM_SLAC_MATCH | MMTYPE_REQ, MatchReq(pev_mac=mine, evse_mac=charger, run_id=run_id)))
    match = receive(raw, CM_SLAC_MATCH | MMTYPE_CNF, time.monotonic() + 1.0)
    if match is None or MatchCnf.from_bytes(match).run_id != run_id:
        print("SLAC EV: no CM_SLAC_MATCH.CNF", flush=True)
        return 1
    took_ms = 1000.0 * (time.monotonic() - began)  # the first CM_SLAC_PARM.REQ to CM_SLAC_MATCH.CNF
    print(f"SLAC EV: matched with {charger.hex(':')}, network {MatchCnf.from_bytes(match).nid.hex()}, "
          f"in {took_ms:.1f} ms", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iface", required=True)
    role = parser.add_mutually_exclusive_group(required=True)
    role.add_argument("--modem", action="store_true")
    role.add_argument("--ev", action="store_true")
    parser.add_argument("--give-up-s", type=float, default=EV_GIVES_UP_S)
    parser.add_argument("--then", nargs=argparse.REMAINDER, default=[],
                        help="with --ev: the command that becomes this process once matched (the bench EV)")
    args = parser.parse_args()
    if args.modem:
        return modem(args.iface)
    code = ev(args.iface, args.give_up_s)
    if code == 0 and args.then:
        os.execvp(args.then[0], args.then)
    return code


if __name__ == "__main__":
    sys.exit(main())
