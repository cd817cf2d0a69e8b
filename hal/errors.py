"""What the hardware can go wrong with, as exceptions drivers raise."""


class HalError(Exception):
    """Any hardware failure; the controller turns it into a fault, never a crash."""


class MeterError(HalError):
    """The meter did not answer, or answered nonsense."""


class ContactorFault(HalError):
    """The contactor's auxiliary contact disagrees with its command."""


class ContactorWelded(ContactorFault):
    """Commanded open, still closed: the contacts are welded."""


class ContactorStuckOpen(ContactorFault):
    """Commanded closed, never closed."""


class LockFault(HalError):
    """The connector lock did not reach the commanded position."""


class ReaderFault(HalError):
    """The RFID reader stopped answering."""
