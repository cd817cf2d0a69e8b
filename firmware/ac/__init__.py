"""AC connectors beyond basic charging: ISO 15118-2 AC over the EV link (hlc_connector)."""
