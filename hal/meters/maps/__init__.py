"""One register map per supported meter model; MODELS names them for board configs."""

from hal.meters.maps.abb_b23 import ABB_B23
from hal.meters.maps.djsf1352 import DJSF1352
from hal.meters.maps.dtsu666 import DTSU666
from hal.meters.maps.em24 import EM24
from hal.meters.maps.em340 import EM340
from hal.meters.maps.finder_7m38 import FINDER_7M38
from hal.meters.maps.iem3155 import IEM3155
from hal.meters.maps.iskra_wm3m4c import ISKRA_WM3M4C
from hal.meters.maps.orno_we517 import ORNO_WE517
from hal.meters.maps.pro380 import PRO380
from hal.meters.maps.sdm72d import SDM72D
from hal.meters.maps.sdm120 import SDM120
from hal.meters.maps.sdm630 import SDM630

MODELS = {m.model: m for m in (SDM630, SDM120, SDM72D, ABB_B23, EM340, EM24, DJSF1352, ORNO_WE517,
                                         IEM3155, ISKRA_WM3M4C, DTSU666, PRO380, FINDER_7M38)}
MODELS["abb_b24"] = ABB_B23  # B24 differs from B23 only in its pulse output and approvals
