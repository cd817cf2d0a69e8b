"""Energy meters over Modbus RTU/TCP: register maps, the bus, the meter driver."""
