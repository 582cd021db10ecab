"""The moves of the pipeline by name: which exist, which an actor may make now, and their labels."""

from hrsys.core.actors import staff_user as _user

from ..models import TRANSITION_NAMES, Application


def _transition_meta(name):
    return getattr(Application, name)._django_fsm


def allowed_transitions(application: Application, actor) -> list[str]:
    """Names of the moves ``actor`` may make on ``application`` now (state, guards and permission)."""
    user = _user(actor)
    names = []
    for name in TRANSITION_NAMES:
        meta = _transition_meta(name)
        if not meta.has_transition(application.state) or not meta.conditions_met(application, application.state):
            continue
        if user is not None and not meta.has_transition_perm(application, application.state, user):
            continue
        names.append(name)
    return names


def transition_label(name: str) -> str:
    t = _transition_meta(name).transitions
    return str(next(iter(t.values())).custom.get("label", name))
