"""Every limit on a connector, named with its source (issue 14: why does my car charge slowly?)."""

from firmware.core.limits import limit_sources, offered_current


def test_limit_sources_name_every_limit_and_the_offer_is_their_minimum():
    sources = limit_sources(board_a=32.0, cable_a=20, tethered=False, schedule_a=16.0,
                            schedule_detail="TxDefaultProfile profile 3, stack level 1", share_a=None,
                            share_detail="", holds={"meter"}, temperature_a=None, temperature_c=40.0)
    assert [(s.source, s.limit_a) for s in sources] == [("board", 32.0), ("cable", 20), ("csms_schedule", 16.0),
                                                        ("hold", 0.0)]
    assert sources[3].detail == "held at 0 A: meter"
    assert offered_current(*(s.limit_a for s in sources)) == 0.0
    idle = limit_sources(board_a=32.0, cable_a=0, tethered=False, schedule_a=None, schedule_detail="",
                         share_a=None, share_detail="", holds=set(), temperature_a=None, temperature_c=None)
    assert idle[1].detail == "no cable plugged (PP)" and offered_current(*(s.limit_a for s in idle)) == 0.0
