"""One message of each schema the EV link speaks, as iso15118 hands its codec (JSON by namespace).
The SECC and the bench EV warm their codec with them at start (hlc/exi_codec.py); the codec's test and
benchmark compare the jar's codec and ours on them. Standard library only."""

HEADER_20 = {"SessionID": "AB12CD34EF56AB78", "TimeStamp": 1764662400}

SAMPLES = {
    "app_protocol": ("urn:iso:15118:2:2010:AppProtocol", {"supportedAppProtocolReq": {"AppProtocol": [
        {"ProtocolNamespace": "urn:iso:15118:2:2013:MsgDef", "VersionNumberMajor": 2, "VersionNumberMinor": 0,
         "SchemaID": 1, "Priority": 1}]}}),
    "din": ("urn:din:70121:2012:MsgDef", {"V2G_Message": {"Header": {"SessionID": "00"}, "Body": {
        "SessionSetupReq": {"EVCCID": "0A0B0C0D0E0F"}}}}),
    "iso2_current_demand": ("urn:iso:15118:2:2013:MsgDef", {"V2G_Message": {
        "Header": {"SessionID": "AB12CD34EF56AB78"},
        "Body": {"CurrentDemandReq": {
            "DC_EVStatus": {"EVReady": True, "EVErrorCode": "NO_ERROR", "EVRESSSOC": 57},
            "EVTargetCurrent": {"Multiplier": 0, "Unit": "A", "Value": 125}, "ChargingComplete": False,
            "EVTargetVoltage": {"Multiplier": -1, "Unit": "V", "Value": 4012}}}}}),
    "iso20_session_setup": ("urn:iso:std:iso:15118:-20:CommonMessages", {"SessionSetupReq": {
        "Header": HEADER_20, "EVCCID": "WMIV1234567890ABCDEX"}}),
    "iso20_dc_charge_loop": ("urn:iso:std:iso:15118:-20:DC", {"DC_ChargeLoopReq": {
        "Header": HEADER_20, "MeterInfoRequested": False, "EVPresentVoltage": {"Exponent": 0, "Value": 401},
        "Scheduled_DC_CLReqControlMode": {"EVTargetCurrent": {"Exponent": 0, "Value": 125},
                                          "EVTargetVoltage": {"Exponent": 0, "Value": 420}}}}),
}
