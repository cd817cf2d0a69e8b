"""Checks on what a CSMS received that every billing test shares."""


def energy_of(meter_value) -> float | None:
    for sv in meter_value["sampledValue"]:
        if sv.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register":
            return float(sv["value"])
    return None


def check_stops_come_last(csms):
    """Every StopTransaction (PowerLoss ones included) is no earlier, and bills no less, than what was sent."""
    for stop in csms.actions("StopTransaction"):
        sent = [mv["meterValue"][0] for mv in csms.actions("MeterValues") if mv["transactionId"] == stop["transactionId"]]
        for value in sent:
            assert value["timestamp"] <= stop["timestamp"], (stop, value)
            energy = energy_of(value)
            assert energy is None or energy <= stop["meterStop"], (stop, value)
