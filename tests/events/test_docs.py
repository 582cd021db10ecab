"""The worked signature example of docs/events.md is what hrsys computes (R-INT-2): the doc cannot drift."""

import re
import time
from pathlib import Path

from hrsys.events.signing import signature_header

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_r_int_2_the_worked_example_in_the_docs_is_the_signature_hrsys_sends():
    text = DOC.read_text()
    secret = re.search(r"With the secret `([^`]+)`", text).group(1)
    timestamp = int(re.search(r"the timestamp `(\d+)`", text).group(1))
    body = re.search(r"\n\n(\{.*\})\n```", text).group(1).encode()
    header = re.search(r"X-Hrsys-Signature: (t=\d+,v1=[0-9a-f]{64})", text).group(1)
    expected = re.search(r"\nv1=([0-9a-f]{64})\n", text).group(1)
    assert signature_header(secret, timestamp, body) == header == f"t={timestamp},v1={expected}"
    event_id = re.search(r"X-Hrsys-Event-Id: (\S+)", text).group(1)
    assert f'"id":"{event_id}"' in body.decode()


def test_r_int_2_the_docs_recipe_verifies_what_hrsys_sends():
    text = DOC.read_text()
    recipe = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(recipe, namespace)  # noqa: S102 - the documented code itself
    body = b'{"id":"x","type":"employee.created"}'
    header = signature_header("s3cret-s3cret-s3cret", int(time.time()), body)
    assert namespace["verify"]("s3cret-s3cret-s3cret", header, body)
    assert not namespace["verify"]("another-secret-value", header, body)
    assert not namespace["verify"]("s3cret-s3cret-s3cret", header, body + b" ")


def test_r_int_2_the_docs_table_documents_every_event_type_with_its_keys():
    """The emitter tests (tests/*/test_outgoing_events.py) compare each payload with this table's keys."""
    from hrsys.events.types import EVENT_TYPES
    from tests.events.emitted import documented_keys

    keys = documented_keys()
    assert list(keys) == list(EVENT_TYPES)
    assert all(keys.values()) and keys["offer.declined"] == keys["offer.approved"]
    assert keys["employee.exited"] == ["employee_id", "employee_no", "department_id", "exit_date", "attrition_reason",
                                       "state"]
