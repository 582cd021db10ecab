"""Signals of the pipeline, for the stages after it (they depend on candidates, never the reverse)."""

from django.dispatch import Signal

#: Sent inside the transaction that closed an application (rejected, withdrawn, moved to the talent pool) so
#: later stages let go of what they hold for it: booked interviews and their reminders. Keyword arguments:
#: ``application``, ``transition``, ``actor``, ``reason``. A receiver that raises rolls the move back.
application_closed = Signal()
