"""seed_demo: vendors, question bank, policies, invitations and results; idempotent."""

from interviews.ai import demo
from interviews.ai.models import AIInterviewResult, Question, Vendor


def test_demo_seed_is_idempotent(db):
    from candidates import demo as candidates_demo
    from hrsys.accounts import demo as accounts_demo

    accounts_demo.seed()
    candidates_demo.seed()
    first = demo.seed()
    assert first["vendors"] == 2 and first["questions"] == 2 * len(demo.QUESTIONS)
    assert first["results"] > 0
    second = demo.seed()
    assert second == {"vendors": 0, "questions": 0, "invitations": 0, "results": 0, "policies": 0}
    assert Vendor.objects.count() == 2 and Question.objects.count() == 2 * len(demo.QUESTIONS)
    assert AIInterviewResult.objects.count() == first["results"]
