from django.urls import path

from . import api

# ``employees/<pk>/`` and ``employees/<pk>/exit/`` answer with the clock-in account and the probation review:
# they are mounted by ``attendance/api_urls.py`` (a later stage), under the same names as before.
urlpatterns = [
    path("employees/", api.EmployeeListApi.as_view(), name="employee-list"),
]
