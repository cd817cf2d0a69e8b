"""OCPP 2.0.1 over the charger model (in progress: the device model and its policy first)."""
