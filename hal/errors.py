"""What the hardware can go wrong with, as exceptions drivers raise."""


class HalError(Exception):
    """Any hardware failure; the controller turns it into a fault, never a crash."""


class MeterError(HalError):
    """The meter did not answer, or answered nonsense."""
