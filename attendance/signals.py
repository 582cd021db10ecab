"""Signals other apps may listen to (attendance imports none of them back)."""

from django.dispatch import Signal

#: an attendance account's effective date moved: kwargs ``account``, ``old``, ``new``, ``actor`` (R-ATT-2)
start_date_moved = Signal()
