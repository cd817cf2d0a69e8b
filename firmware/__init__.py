"""EV charge controller firmware."""

__version__ = "0.1.0"
