"""Charging profiles from the CSMS, their composite schedule, and the site's budget."""
