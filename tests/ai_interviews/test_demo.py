"""seed_demo's AI interview set-up: vendors, question bank, job policies; idempotent. Invitations and results come
from the demo story (tests/platform/test_demo_story.py)."""

from interviews.ai import demo
from interviews.ai.models import JobAIPolicy, Question, Vendor


def test_demo_seed_is_idempotent(db):
    from candidates import demo as candidates_demo
    from hrsys.accounts import demo as accounts_demo

    accounts_demo.seed()
    candidates_demo.seed()
    first = demo.seed()
    assert first["vendors"] == 2 and first["questions"] == 2 * len(demo.QUESTIONS)
    assert first["policies"] == JobAIPolicy.objects.count() == len(candidates_demo.JOBS)
    second = demo.seed()
    assert second == {"vendors": 0, "questions": 0, "policies": 0}
    assert Vendor.objects.count() == 2 and Question.objects.count() == 2 * len(demo.QUESTIONS)
