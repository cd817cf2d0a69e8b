"""What the hardware can go wrong with, as exceptions drivers raise."""


class HalError(Exception):
    """Any hardware failure; the controller turns it into a fault, never a crash."""


class MeterError(HalError):
    """The meter did not answer, or answered nonsense."""


class SigningError(MeterError):
    """A signing meter refused or failed its signed transaction. `kind` says what the operator must
    look at: "clock" (the meter's legal clock is not synchronized), "signature" (the meter reported
    its signature as failed) or "state" (the meter was not in the transaction state asked for)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
