"""Signals of the pipeline, for the stages after it (they depend on candidates, never the reverse)."""

from django.dispatch import Signal

#: Sent inside the transaction that closed an application (rejected, withdrawn, moved to the talent pool) so
#: later stages let go of what they hold for it: booked interviews and their reminders. Keyword arguments:
#: ``application``, ``transition``, ``actor``, ``reason``. A receiver that raises rolls the move back.
application_closed = Signal()

#: Sent inside the transaction that anonymised a candidate (retention or their own deletion request, R-SEC-5,
#: R-SEC-6) so later stages erase what they hold of the person (portal sessions, ...). Keyword arguments:
#: ``candidate``, ``actor``, ``now``.
candidate_anonymised = Signal()
