"""Names of the supported meter models (kept free of pymodbus so configs can check them cheaply)."""

MODEL_NAMES = ("sdm630", "sdm120", "sdm72d", "abb_b23", "abb_b24", "em340", "em24", "djsf1352", "orno_we517",
               "iem3155", "iskra_wm3m4c", "dtsu666", "pro380", "finder_7m38")
HTTP_MODELS = ("lem_dcbm",)  # meters with an HTTP API of their own instead of Modbus: [[meters]] url
SIGNING_MODELS = ("iskra_wm3m4c", "lem_dcbm")  # meters that sign their readings (OCMF): hal.interfaces.SigningMeter
BEGIN_SIGNING_MODELS = ("iskra_wm3m4c",)  # those that sign a begin reading at once (TxStartPoint DataSigned)
