from django.dispatch import Signal

#: Sent after commit when a recipient acted on a message (confirmed, asked to reschedule,
#: opened a link). Stage apps connect to it; notifications knows none of them.
#: kwargs: action (CandidateAction), notification (Notification | None)
candidate_action_recorded = Signal()
