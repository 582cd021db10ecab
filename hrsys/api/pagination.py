"""One page size policy for every list of the API (R-INT-1): ``?page=N&page_size=M`` (M at most 200),
answered as ``{"count", "next", "previous", "results"}``. A page past the end answers 404."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response_schema(self, schema):
        """The body ``get_paginated_response`` really answers: all four keys are always present."""
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "minimum": 0, "example": 123,
                          "description": "Number of results on all pages."},
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
