"""DC charging: the power path of a CCS connector (cable check, pre-charge, current demand, stop,
welding check) over the HAL's power modules, contactors and insulation monitor."""
