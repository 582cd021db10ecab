"""Words composed from HR's data for messages and letters, so a sentence never says a word twice.

Job titles often name their department already ("急诊科住院医师" in 急诊科): "市第一人民医院急诊科急诊科住院医师"
is what plain concatenation gives. ``position_name`` says the department only when the title does not.
"""

from django.utils import translation


def _is_chinese(language: str | None) -> bool:
    return (language or translation.get_language() or "zh-hans").lower().startswith("zh")


def position_name(job_title: str, department_name: str = "", *, language: str | None = None) -> str:
    """The position as a message names it: ``急诊科护士`` (zh, department and title joined), ``护士 (急诊科)`` (en),
    and the title alone when it already contains the department (``急诊科住院医师``)."""
    title, department = (job_title or "").strip(), (department_name or "").strip()
    if not department or department.casefold() in title.casefold():
        return title
    if not title:
        return department
    return f"{department}{title}" if _is_chinese(language) else f"{title} ({department})"
