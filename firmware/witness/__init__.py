"""The witness test (`evse witness`): this charger, on this firmware, against a given CSMS, through a
matrix of what operators depend on, with the OCPP frames as evidence and a signed report
(docs/witness.md)."""

DEPTHS = ("workplace", "semi-public", "fleet", "multi-site", "cpo")  # the buyer scenarios, each adding to the last
