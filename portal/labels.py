"""What the candidate reads about their application, interviews and offers (issue 15 point 6, R-PORTAL-2).

The models' state labels are written for HR ("AI result under HR review", "Sent to the candidate"); the portal
says the same thing from the candidate's side ("Being assessed", "Waiting for your answer") and never shows an
internal step the candidate cannot act on. One table per kind of thing, in the message context "portal status"
so the words stay the portal's own in every language.
"""

from django.utils.translation import pgettext_lazy

from candidates.models import State as AppState
from interviews.models import State as InterviewState
from onboarding.models import OfferState


def _p(text):
    return pgettext_lazy("portal status", text)


#: The application's stage, said to the candidate. The AI steps after the interview read as one step.
APPLICATION = {
    AppState.NEW: _p("Application received"),
    AppState.SCREENING: _p("We are reading your application"),
    AppState.AI_INVITED: _p("AI interview: waiting for you"),
    AppState.AI_COMPLETED: _p("AI interview done, being assessed"),
    AppState.AI_REVIEW: _p("AI interview done, being assessed"),
    AppState.AI_NO_SHOW: _p("AI interview not taken"),
    AppState.INTERVIEWING: _p("Interviews"),
    AppState.OFFER: _p("Offer stage"),
    AppState.HIRED: _p("Offer accepted"),
    AppState.EMPLOYEE: _p("You have joined us"),
    AppState.REJECTED: _p("Not successful this time"),
    AppState.WITHDRAWN: _p("Withdrawn"),
    AppState.TALENT_POOL: _p("Kept in our talent pool"),
}

#: An interview's status, said to the candidate; "scheduled" is what the candidate still has to do.
INTERVIEW = {
    InterviewState.PROPOSED: _p("Time being arranged"),
    InterviewState.SCHEDULED: _p("Please confirm"),
    InterviewState.CONFIRMED: _p("Confirmed by you"),
    InterviewState.COMPLETED: _p("Done"),
    InterviewState.NO_SHOW: _p("Missed"),
    InterviewState.CANCELLED: _p("Cancelled"),
    InterviewState.RESCHEDULED: _p("Moved to a new time"),
}

#: An offer's status; the candidate only sees offers that were sent to them.
OFFER = {
    OfferState.SENT: _p("Waiting for your answer"),
    OfferState.ACCEPTED: _p("Accepted by you"),
    OfferState.DECLINED: _p("Declined by you"),
    OfferState.EXPIRED: _p("Expired"),
    OfferState.WITHDRAWN: _p("Withdrawn by the hospital"),
}


def application_status(state: str) -> str:
    return str(APPLICATION.get(state, _p("In progress")))


def interview_status(state: str) -> str:
    return str(INTERVIEW.get(state, _p("In progress")))


def offer_status(state: str) -> str:
    return str(OFFER.get(state, _p("In progress")))


def application_timeline(app, logs) -> list[dict]:
    """The application's steps in the candidate's words: received, then each stage reached, a step that reads
    the same as the one before it (AI completed -> AI review) shown once."""
    steps = [{"at": app.created_at, "label": application_status(AppState.NEW)}]
    for log in logs:
        label = application_status(log.to_state)
        if label != steps[-1]["label"]:
            steps.append({"at": log.at, "label": label})
    return steps
