"""One page size policy for every list of the API (R-INT-1): ``?page=N&page_size=M`` (M at most 200),
answered as ``{"count", "count_exact", "next", "previous", "results"}``. A page past the end answers 404.

``count`` is bounded: exact up to ``COUNT_LIMIT`` (1,000) results, else ``COUNT_LIMIT`` with ``count_exact``
false ("1000+"). Counting every row of a large scoped list (100,000 applications) costs more than the page
itself and grows with the table; counting at most 1,001 rows does not. ``next`` is known without any count:
the page is read with one row more than it shows."""

from django.core.exceptions import EmptyResultSet
from django.core.paginator import InvalidPage
from django.db.models import IntegerField, Value
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

#: Lists longer than this are answered with ``count`` = this and ``count_exact`` = false.
COUNT_LIMIT = 1000


#: the highest page number asked for that is looked up (10 million pages of 200): past it the page does not exist
MAX_PAGE = 10_000_000


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    count_limit = COUNT_LIMIT
    #: Optional: the same rows as the list without the joins its columns need. Set, the bounded count reads
    #: it (one index, not the joins) inside the page's query: page and count in one round trip.
    count_queryset = None

    def paginate_queryset(self, queryset, request, view=None):
        """The page (one query for ``page_size + 1`` rows) and, only when the page is full, a bounded count
        (one more query, reading at most ``count_limit + 1`` rows; none with ``count_queryset``): the queries
        do not depend on the page size, and their cost not on the size of the table."""
        self.request = request
        count_queryset = self.count_queryset
        page_size = self.get_page_size(request)
        raw_number = request.query_params.get(self.page_query_param) or 1
        try:
            number = int(raw_number)
            if number < 1 or number > MAX_PAGE:  # beyond any table: refused before it becomes an OFFSET
                raise InvalidPage
        except (TypeError, ValueError, InvalidPage):
            raise NotFound(_("Invalid page.")) from None
        offset = (number - 1) * page_size
        counted = None
        if count_queryset is not None:  # the bounded count rides along with the page: one round trip
            queryset = queryset.annotate(**{_COUNTED: _bounded_count_expression(count_queryset, self.count_limit + 1)})
        rows = list(queryset[offset:offset + page_size + 1])
        if not rows and number > 1:
            raise NotFound(_("Invalid page."))
        if count_queryset is not None:
            counts = [_pop(row, _COUNTED) for row in rows]
            counted = counts[0] if counts else 0
        self.number, self.has_next = number, len(rows) > page_size
        rows = rows[:page_size]
        if not self.has_next:
            total = offset + len(rows)  # the last page: the count is known
        elif offset + page_size > self.count_limit:
            total = self.count_limit + 1
        elif counted is not None:
            total = counted
        else:
            total = _bounded_count(queryset, self.count_limit + 1)
        self.count, self.count_exact = min(total, self.count_limit), total <= self.count_limit
        return rows

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response({"count": self.count, "count_exact": self.count_exact, "next": self.get_next_link(),
                         "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        """The body ``get_paginated_response`` really answers: all five keys are always present."""
        return {
            "type": "object",
            "required": ["count", "count_exact", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "minimum": 0, "maximum": self.count_limit, "example": 123,
                          "description": f"Number of results on all pages, counted up to {self.count_limit}: "
                                         f"a longer list answers {self.count_limit} with count_exact false "
                                         f"(read it as \"{self.count_limit}+\"; follow next to the end, or "
                                         "narrow the filters for an exact figure)."},
                "count_exact": {"type": "boolean", "example": True,
                                "description": f"false when there are more than {self.count_limit} results "
                                               "and count is only the lower bound."},
                "next": {"type": "string", "format": "uri", "nullable": True,
                         "example": "https://hr.example.org/api/v1/candidates/?page=4",
                         "description": "URL of the next page; null on the last one."},
                "previous": {"type": "string", "format": "uri", "nullable": True,
                             "example": "https://hr.example.org/api/v1/candidates/?page=2",
                             "description": "URL of the previous page; null on the first one."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": self.page_query_param, "required": False, "in": "query",
             "description": "A page number within the paginated result set (a page past the end answers 404).",
             "schema": {"type": "integer", "minimum": 1}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Number of results per page (default {self.page_size}, at most {self.max_page_size}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
        ]


_COUNTED = "_bounded_count"


def _pop(row, name):
    return row.pop(name) if isinstance(row, dict) else row.__dict__.pop(name)


def _bounded_count_expression(queryset, limit: int):
    """``(SELECT COUNT(*) FROM (<queryset's ids> LIMIT limit))``: a constant the database computes once per
    query, so the page and its count are read in one round trip."""
    try:
        sql, params = queryset.order_by().values("pk")[:limit].query.sql_with_params()
    except EmptyResultSet:  # a scope or filter that matches nothing (``pk IN ()``)
        return Value(0, output_field=IntegerField())
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) bounded", params, output_field=IntegerField())


def _bounded_count(queryset, limit: int) -> int:
    """How many rows, counting no further than ``limit``: ``SELECT COUNT(*) FROM (... LIMIT limit)``."""
    if isinstance(queryset, list | tuple):
        return min(len(queryset), limit)
    return queryset.order_by().values("pk")[:limit].count()
