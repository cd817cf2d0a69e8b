"""The safety core: pilot, session machine, connector tick, supervisor, fault matrix, recovery,
limits, the control loop and its guard.

One rule holds for everything in here (DESIGN.md, arrow 1): it imports nothing
of OCPP, the web page, the witness or the bench, and never waits on network,
disk, Modbus or a lock that those hold. tests/unit/test_architecture.py keeps it so.
"""
