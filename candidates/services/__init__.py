"""Every write of the hiring pipeline (R-PIPE-1..6, R-HOSP-1, R-SEC-1..3), one module per sub-domain; every public
name is importable from here (``from candidates.services import application_transition``).

The modules: ``intake`` (candidates, duplicates, merges, résumés), ``jobs``, ``applications`` (new ones),
``pipeline`` (stage moves, the portal withdrawal), ``transitions`` (the moves by name), ``talent_pool``,
``credentials`` and ``matches`` (match scores).

Application moves
-----------------
Other apps move applications only through::

    application_transition(*, actor, application_id, transition, reason="")

``actor`` is a staff ``User`` (scope and the ``candidates.change_application``
permission are checked) or a string naming a machine ("vervoe", "hr_tick":
trusted, guards still apply). Transition names are stable:

==========================  ==========================================  ======================
name                        from                                        to
==========================  ==========================================  ======================
``screen``                  new                                         screening
``invite_ai``               screening                                   ai_invited
``reinvite_ai``             ai_no_show                                  ai_invited
``ai_complete``             ai_invited                                  ai_completed
``ai_no_show``              ai_invited                                  ai_no_show
``ai_review``               ai_completed                                ai_review (borderline)
``advance_to_interview``    screening, ai_completed, ai_review          interviewing
``make_offer``              interviewing                                offer
``hire``                    offer                                       hired
``become_employee``         hired                                       employee
``reject``                  any open stage (new .. offer)               rejected (reason needed)
``withdraw``                any open stage, hired                       withdrawn (reason needed)
``to_talent_pool``          screening, ai_no_show, ai_review,           talent_pool (reason needed)
                            rejected, withdrawn
``reactivate``              talent_pool                                 screening (same job)
==========================  ==========================================  ======================

A job lists in ``credential_checkpoints`` which of invite_ai, reinvite_ai,
advance_to_interview, make_offer and hire need its required credentials held
and unexpired (R-HOSP-1). An illegal move raises ``hrsys.api.errors.Conflict``
whose ``allowed`` names the moves this actor may make now (the API answers 409).
``talent_pool_reactivate`` opens a *new* application for another job, keeping
the old one and its history.
"""

from hrsys.core.actors import require_perm as _require_perm
from hrsys.core.actors import staff_user as _user

from ..models import TRANSITION_NAMES
from .applications import application_create
from .credentials import credential_add, credential_problems_in_words
from .intake import (
    CANDIDATE_FIELDS,
    RESUME_CONFIRMABLE,
    DuplicateCandidate,
    candidate_create,
    candidate_merge,
    candidate_update,
    clean_candidate_fields,
    find_duplicates,
    resume_confirm,
    resume_upload,
)
from .jobs import (
    JOB_FIELDS,
    REQUIREMENT_FIELDS,
    _job_for_application,
    job_backup_pool_set,
    job_create,
    job_publish,
    job_update,
)
from .matches import application_recompute_match, candidate_recompute_matches, job_recompute_matches
from .pipeline import application_transition, application_withdraw_by_candidate
from .privacy import (
    candidate_anonymise,
    candidate_on_hold,
    held_candidates,
    legal_hold_place,
    legal_hold_release,
)
from .talent_pool import system_tag, talent_pool_reactivate, talent_pool_tag
from .transitions import allowed_transitions, transition_label

__all__ = [
    "CANDIDATE_FIELDS", "JOB_FIELDS", "REQUIREMENT_FIELDS", "RESUME_CONFIRMABLE", "TRANSITION_NAMES",
    "DuplicateCandidate",
    "_job_for_application", "_require_perm", "_user",  # the bulk import checks as candidate_create does
    "allowed_transitions", "application_create", "application_recompute_match", "application_transition",
    "application_withdraw_by_candidate", "candidate_anonymise", "candidate_create", "candidate_on_hold",
    "held_candidates",
    "legal_hold_place", "legal_hold_release", "candidate_merge", "candidate_recompute_matches",
    "candidate_update", "clean_candidate_fields", "credential_add", "credential_problems_in_words",
    "find_duplicates", "job_backup_pool_set", "job_create", "job_publish", "job_recompute_matches", "job_update", "resume_confirm", "resume_upload",
    "system_tag", "talent_pool_reactivate", "talent_pool_tag", "transition_label",
]
