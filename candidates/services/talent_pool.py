"""The talent pool: the entry and tags a move to the pool writes, HR's tags, and re-activation for another
job as a new application (R-PIPE-6)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require_perm
from hrsys.core.actors import require_visible as _visible

from ..models import Application, State, Tag, TalentPoolEntry
from .applications import _application_insert
from .jobs import _job_for_application
from .transitions import allowed_transitions


def system_tag(text) -> str:
    """A tag the system adds, worded in the organisation's language (``LANGUAGE_CODE``): a tag is shared data,
    listed and searched by every HR user whatever their own language, so it has one wording."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def _auto_tags(app, source) -> list[str]:
    tags = []
    if source == State.AI_NO_SHOW:
        tags.append(system_tag(gettext_lazy("AI interview no-show")))
    elif source in (State.REJECTED, State.WITHDRAWN):
        tags.append(system_tag(State(source).label))
    if app.match_score is not None:
        with translation.override(settings.LANGUAGE_CODE):
            tags.append(_("match %(score)s") % {"score": app.match_score // 10 * 10})
    return tags


def _tags(names) -> list[Tag]:
    out = []
    for name in dict.fromkeys(n.strip()[:60] for n in names if n and n.strip()):
        out.append(Tag.objects.get_or_create(name=name)[0])
    return out


def _pool_entry_add(app, source, reason):
    entry, _created = TalentPoolEntry.objects.update_or_create(
        application=app, defaults={"candidate_id": app.candidate_id, "note": reason, "added_at": timezone.now(),
                                   "reactivated_at": None, "reactivated_into": None})
    entry.tags.add(*_tags(_auto_tags(app, source)))
    app.tags.add(*entry.tags.all())
    return entry


@transaction.atomic
def talent_pool_tag(*, actor, entry_id: int, add=(), remove=()) -> TalentPoolEntry:
    """Add or remove tags of a talent-pool entry (R-PIPE-6)."""
    _require_perm(actor, "candidates.change_talentpoolentry")
    _visible(TalentPoolEntry, actor, entry_id)
    entry = TalentPoolEntry.objects.select_for_update().get(pk=entry_id)
    entry.tags.add(*_tags(add))
    entry.tags.remove(*Tag.objects.filter(name__in=list(remove)))
    audit_record(actor=actor, action="talent_pool.tag", obj=entry, changes={"tags": [list(remove), list(add)]})
    return entry


@transaction.atomic
def talent_pool_reactivate(*, actor, application_id: int, job_id: int, reason: str = "") -> Application:
    """Open a new application for ``job_id`` from a talent-pool application, keeping the old one and its
    history (R-PIPE-6)."""
    _require_perm(actor, "candidates.add_application")
    _visible(Application, actor, application_id)
    old = Application.objects.select_for_update().select_related("candidate").get(pk=application_id)
    if old.state != State.TALENT_POOL:
        raise Conflict(_("Only applications in the talent pool can be re-activated for another job."),
                       allowed=allowed_transitions(old, actor))
    job = _job_for_application(actor, job_id)
    new = _application_insert(actor=actor, candidate=old.candidate, job=job, source=old.source, reactivated_from=old)
    TalentPoolEntry.objects.filter(application=old).update(reactivated_at=timezone.now(), reactivated_into=new)
    audit_record(actor=actor, action="talent_pool.reactivate", obj=old,
                 changes={"reactivated_into": [None, new.pk], "job": [old.job_id, job.pk]}, reason=reason)
    return new
