"""The application state machine: every legal and every illegal move (R-PIPE-2, R-HOSP-1, R-HOSP-2)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from candidates import services
from candidates.models import TRANSITION_NAMES, Application, State, TalentPoolEntry, TransitionLog
from hrsys.api.errors import Conflict
from hrsys.audit.models import AuditEvent
from tests.candidates.factories import CredentialFactory, app_in_state

pytestmark = pytest.mark.django_db

# The specification, written out by hand: (move, from, to). The model must match it exactly.
OPEN = ["new", "screening", "ai_invited", "ai_completed", "ai_no_show", "ai_review", "interviewing", "offer"]
LEGAL = [
    ("screen", "new", "screening"),
    ("invite_ai", "screening", "ai_invited"),
    ("reinvite_ai", "ai_no_show", "ai_invited"),
    ("ai_complete", "ai_invited", "ai_completed"),
    ("ai_no_show", "ai_invited", "ai_no_show"),
    ("ai_review", "ai_completed", "ai_review"),
    ("advance_to_interview", "screening", "interviewing"),
    ("advance_to_interview", "ai_completed", "interviewing"),
    ("advance_to_interview", "ai_review", "interviewing"),
    ("make_offer", "interviewing", "offer"),
    ("hire", "offer", "hired"),
    ("become_employee", "hired", "employee"),
    *[("reject", s, "rejected") for s in OPEN],
    *[("withdraw", s, "withdrawn") for s in [*OPEN, "hired"]],
    *[("to_talent_pool", s, "talent_pool") for s in ["screening", "ai_no_show", "ai_review", "rejected", "withdrawn"]],
    ("reactivate", "talent_pool", "screening"),
    ("leave_talent_pool", "talent_pool", "withdrawn"),
]
LEGAL_PAIRS = {(name, src) for name, src, _ in LEGAL}
ILLEGAL = [(name, s) for name in TRANSITION_NAMES for s in State.values if (name, s) not in LEGAL_PAIRS]


def test_machine_matches_the_specification():
    field = Application._meta.get_field("state")
    actual = {(t.name, t.source, t.target) for t in field.get_all_transitions(Application)}
    assert actual == set(LEGAL)
    assert set(State.values) == {"new", "screening", "ai_invited", "ai_completed", "ai_no_show", "ai_review",
                                 "interviewing", "offer", "hired", "employee", "rejected", "withdrawn", "talent_pool"}


@pytest.mark.parametrize(("name", "source", "target"), LEGAL, ids=[f"{n}:{s}" for n, s, _ in LEGAL])
def test_legal_move_logs_and_audits(users, er_job, name, source, target):  # R-PIPE-2, R-HOSP-2
    app = app_in_state(source, job=er_job)
    CredentialFactory(candidate=app.candidate)
    moved = services.application_transition(actor=users.hr, application_id=app.pk, transition=name,
                                            reason="理由 reason")
    assert moved.state == target
    assert Application.objects.get(pk=app.pk).state == target
    log = TransitionLog.objects.get(application=app)
    assert (log.actor, log.from_state, log.to_state, log.transition, log.reason) == (
        users.hr, source, target, name, "理由 reason")
    event = AuditEvent.objects.get(action=f"application.{name}", object_id=str(app.pk))
    assert event.changes == {"state": [source, target]} and event.actor == users.hr


@pytest.mark.parametrize(("name", "source"), ILLEGAL, ids=[f"{n}:{s}" for n, s in ILLEGAL])
def test_illegal_move_is_a_conflict_listing_allowed_moves(users, er_job, name, source):  # R-PIPE-2
    app = app_in_state(source, job=er_job)
    CredentialFactory(candidate=app.candidate)
    with pytest.raises(Conflict) as exc:
        services.application_transition(actor=users.hr, application_id=app.pk, transition=name, reason="x")
    expected = sorted(n for n, s in LEGAL_PAIRS if s == source)
    assert sorted(exc.value.allowed) == expected
    assert Application.objects.get(pk=app.pk).state == source
    assert not TransitionLog.objects.exists()


@pytest.mark.parametrize("name", ["reinvite_ai", "advance_to_interview", "make_offer", "hire"])
def test_missing_credential_blocks_gated_moves_naming_it(users, er_job, name):  # R-HOSP-1
    source = {"reinvite_ai": "ai_no_show", "advance_to_interview": "screening", "make_offer": "interviewing",
              "hire": "offer"}[name]
    app = app_in_state(source, job=er_job)
    with pytest.raises(Conflict) as exc:
        services.application_transition(actor=users.hr, application_id=app.pk, transition=name)
    assert "Nurse practising licence" in str(exc.value.detail) and "missing" in str(exc.value.detail)
    assert name not in exc.value.allowed and "reject" in exc.value.allowed
    assert Application.objects.get(pk=app.pk).state == source


def test_expired_credential_blocks_with_its_date(users, er_job):  # R-HOSP-1
    import datetime

    app = app_in_state("interviewing", job=er_job)
    CredentialFactory(candidate=app.candidate, expires_on=datetime.date(2020, 5, 1))
    with pytest.raises(Conflict) as exc:
        services.application_transition(actor=users.hr, application_id=app.pk, transition="make_offer")
    assert "expired on 2020-05-01" in str(exc.value.detail)


def test_a_job_may_leave_a_move_ungated(users, er_job):  # R-HOSP-1
    er_job.credential_checkpoints = ["hire"]
    er_job.save()
    app = app_in_state("screening", job=er_job)
    services.application_transition(actor=users.hr, application_id=app.pk, transition="advance_to_interview")
    assert Application.objects.get(pk=app.pk).state == "interviewing"


@pytest.mark.parametrize("name", ["reject", "withdraw", "to_talent_pool"])
def test_moves_that_need_a_reason(users, er_job, name):
    app = app_in_state("screening", job=er_job)
    with pytest.raises(ValidationError) as exc:
        services.application_transition(actor=users.hr, application_id=app.pk, transition=name, reason="  ")
    assert "reason" in exc.value.message_dict
    assert Application.objects.get(pk=app.pk).state == "screening"


def test_unknown_move_names_the_field(users, er_job):
    app = app_in_state("new", job=er_job)
    with pytest.raises(ValidationError) as exc:
        services.application_transition(actor=users.hr, application_id=app.pk, transition="teleport")
    assert "transition" in exc.value.message_dict


def test_manager_may_not_move_and_other_departments_do_not_exist(users, er_job, it_job):  # R-SEC-1
    app = app_in_state("new", job=er_job)
    with pytest.raises(PermissionDenied):
        services.application_transition(actor=users.er_manager, application_id=app.pk, transition="screen")
    with pytest.raises(Http404):
        services.application_transition(actor=users.it_manager, application_id=app.pk, transition="screen")
    assert services.allowed_transitions(app, users.er_manager) == []
    assert Application.objects.get(pk=app.pk).state == "new"


def test_machine_actor_is_logged_by_label(er_job):
    app = app_in_state("ai_invited", job=er_job)
    services.application_transition(actor="vervoe", application_id=app.pk, transition="ai_complete")
    log = TransitionLog.objects.get(application=app)
    assert log.actor is None and log.actor_label == "vervoe"
    assert AuditEvent.objects.get(action="application.ai_complete").actor_label == "vervoe"


def test_protected_state_cannot_be_assigned(er_job):
    app = app_in_state("new", job=er_job)
    with pytest.raises(AttributeError):
        app.state = "hired"


def test_talent_pool_keeps_tags_and_reactivates_for_another_job(users, er_job, org):  # R-PIPE-6
    from tests.candidates.factories import JobFactory

    app = app_in_state("ai_no_show", job=er_job, match_score=83)
    services.application_transition(actor=users.hr, application_id=app.pk, transition="to_talent_pool",
                                    reason="no show twice")
    entry = TalentPoolEntry.objects.get(application=app)
    assert {"AI interview no-show", "match 80"} <= {t.name for t in entry.tags.all()}
    other = JobFactory(department=org.ward, title="病区护士")
    new = services.talent_pool_reactivate(actor=users.hr, application_id=app.pk, job_id=other.pk, reason="fits")
    assert new.job == other and new.state == "new" and new.reactivated_from_id == app.pk
    entry.refresh_from_db()
    assert entry.reactivated_into_id == new.pk
    assert Application.objects.get(pk=app.pk).state == "talent_pool"  # history kept
    assert TransitionLog.objects.filter(application=app).count() == 1
    with pytest.raises(Conflict):
        services.talent_pool_reactivate(actor=users.hr, application_id=new.pk, job_id=other.pk)


def test_reactivate_refuses_when_another_application_is_active(users, er_job):
    old = app_in_state("talent_pool", job=er_job)
    app_in_state("screening", job=er_job, candidate=old.candidate)
    with pytest.raises(Conflict) as exc:
        services.application_transition(actor=users.hr, application_id=old.pk, transition="reactivate")
    assert "reactivate" not in exc.value.allowed


def test_each_move_records_the_time_spent_in_the_stage_it_left_R_DASH_1(users, er_job, time_machine):
    """The dashboards' time in stage reads this column: entering the stage to leaving it."""
    import datetime as dt

    time_machine.move_to(dt.datetime(2025, 5, 1, 2, 0, tzinfo=dt.UTC), tick=False)
    app = app_in_state("new", job=er_job)
    CredentialFactory(candidate=app.candidate)
    time_machine.move_to(dt.datetime(2025, 5, 3, 2, 0, tzinfo=dt.UTC), tick=False)
    services.application_transition(actor=users.hr, application_id=app.pk, transition="screen")
    time_machine.move_to(dt.datetime(2025, 5, 3, 8, 30, tzinfo=dt.UTC), tick=False)
    services.application_transition(actor=users.hr, application_id=app.pk, transition="advance_to_interview")
    assert list(TransitionLog.objects.filter(application=app).values_list("from_state", "stage_seconds")) == [
        ("new", 2 * 86400), ("screening", 6 * 3600 + 1800)]
    # a row written without the figure (an import, a fixture) gets it from the previous move
    later = TransitionLog.objects.create(application=app, from_state="interviewing", to_state="rejected",
                                         transition="reject", at=dt.datetime(2025, 5, 4, 8, 30, tzinfo=dt.UTC))
    assert later.stage_seconds == 86400


def test_system_tags_are_words_in_the_organisations_language(users, er_job, settings):  # R-PIPE-6, issue 15
    """The tags the system adds are shared data: worded once, in LANGUAGE_CODE, whatever language the HR user
    who made the move reads; a closed application's tag is its stage in words, never the state code."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    no_show = app_in_state("ai_no_show", job=er_job, match_score=83)
    rejected = app_in_state("rejected", job=er_job, match_score=None)
    with translation.override("en"):  # the HR user's own language
        for app in (no_show, rejected):
            services.application_transition(actor=users.hr, application_id=app.pk, transition="to_talent_pool",
                                            reason="keep")
    tags = {app.pk: {t.name for t in TalentPoolEntry.objects.get(application=app).tags.all()}
            for app in (no_show, rejected)}
    assert tags[no_show.pk] == {"AI 面试未参加", "匹配度 80"}
    assert tags[rejected.pk] == {"未通过"}
