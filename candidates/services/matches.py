"""Match scores: an application's fit to its job, stored and recomputed when the job's requirements or the
candidate's data change (R-PIPE-5)."""

from django.utils import timezone

from .. import matching
from ..models import Application, State


def _store_matches(applications) -> int:
    rows = []
    today = timezone.localdate()
    for app in applications:
        app.match_score, app.match_breakdown = matching.compute_match(app.job, app.candidate, today=today)
        rows.append(app)
    # bulk_update (not save): a score never races a concurrent state change.
    Application.objects.bulk_update(rows, ["match_score", "match_breakdown"], batch_size=500)
    return len(rows)


def application_recompute_match(*, application_id: int) -> Application:
    app = Application.objects.select_related("job", "candidate").prefetch_related("candidate__credentials").get(
        pk=application_id)
    _store_matches([app])
    return app


def job_recompute_matches(*, job_id: int) -> int:
    """Rescore every open application of a job (after its requirements changed)."""
    qs = (Application.objects.filter(job_id=job_id).exclude(state__in=[State.EMPLOYEE])
          .select_related("job", "candidate").prefetch_related("candidate__credentials"))
    return _store_matches(qs.iterator(chunk_size=500))


def candidate_recompute_matches(*, candidate_id: int) -> int:
    qs = (Application.objects.filter(candidate_id=candidate_id).select_related("job", "candidate")
          .prefetch_related("candidate__credentials"))
    return _store_matches(list(qs))
