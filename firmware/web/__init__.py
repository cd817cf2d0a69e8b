"""The installer's local web page and its JSON API (DESIGN.md: web/)."""
