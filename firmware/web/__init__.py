"""The installer's local web page and its JSON API (DESIGN.md: web/).

The page serves a handful of requests a minute, so aiohttp and its helper
libraries run their pure-Python code paths: that keeps about 1.7 MB of
compiled parsers out of the board's memory (docs/web.md, footprint). It has
to be said before aiohttp is first imported; on the bench, the bench API has
imported it already and the compiled paths stay in use.
"""

import os

for _name in ("AIOHTTP_NO_EXTENSIONS", "MULTIDICT_NO_EXTENSIONS", "YARL_NO_EXTENSIONS", "FROZENLIST_NO_EXTENSIONS",
              "PROPCACHE_NO_EXTENSIONS"):
    os.environ.setdefault(_name, "1")
