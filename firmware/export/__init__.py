"""The owner's data out of the charger in usable form (`evse export`), checked (`--verify`), and put
back onto a replacement unit (`evse import`). docs/export.md says what each file holds."""
