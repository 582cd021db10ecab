from importlib import import_module

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic.base import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from hrsys.accounts import api as accounts_api
from hrsys.accounts import config_api as accounts_config_api
from hrsys.core import views as core_views

admin.site.site_header = _("hrsys HR back office")
admin.site.site_title = _("hrsys")
admin.site.index_title = _("Recruiting and HR")


def urls_of(module: str) -> list:
    return import_module(module).urlpatterns


api_v1 = [
    path("auth/token/", accounts_api.TokenObtainApi.as_view(), name="auth-token"),
    path("me/", accounts_api.MeApi.as_view(), name="me"),
    path("staff/", accounts_api.StaffListApi.as_view(), name="staff-list"),
    path("staff/export/", accounts_api.StaffExportApi.as_view(), name="staff-export"),
    path("staff/<int:pk>/", accounts_api.StaffDetailApi.as_view(), name="staff-detail"),
    path("departments/", accounts_config_api.DepartmentListApi.as_view(), name="department-list"),
    path("departments/<int:pk>/", accounts_config_api.DepartmentDetailApi.as_view(), name="department-detail"),
    path("system/task-probes/", core_views.TaskProbeCreateApi.as_view(), name="task-probe-create"),
    path("system/task-probes/<int:pk>/", core_views.TaskProbeDetailApi.as_view(), name="task-probe-detail"),
    # The apps' API patterns side by side in this one list, not each under an include: resolving a URL records
    # every pattern it tried, and a miss inside an include copies that include's whole record (0.15 ms for a
    # pattern behind the others).
    *urls_of("interviews.ai.api_urls"),  # first the modules whose first patterns serve machine clients
    *urls_of("attendance.api_urls"),
    *urls_of("notifications.api_urls"),
    *urls_of("candidates.api_urls"),
    *urls_of("interviews.api_urls"),
    *urls_of("hrsys.events.api_urls"),
    *urls_of("onboarding.api_urls"),
    *urls_of("employees.api_urls"),
    *urls_of("dashboard.api_urls"),
    path("public/", include("careers.api_urls")),  # the careers site as JSON: no sign-in (R-PIPE-8)
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("start/", core_views.start, name="start"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
    # before admin/: the admin's catch-all would answer first
    path("admin/notifications/dev-outbox/", include("notifications.dev_outbox")),
    # before admin/: the admin's login form, its "next" defaulting to the start page by role
    path("admin/login/", core_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("account/", include("hrsys.accounts.urls")),  # sign-in's second factor and the Security page (R-SEC-9)
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("portal/", include("portal.urls")),
    path("careers/", include("careers.urls")),  # the public careers site (R-PIPE-8)
    path("dashboard/", include("dashboard.urls")),
    path("interviews/", include("interviews.urls")),
    path("offers/", include("onboarding.urls")),
    path("workspace/", include("workspace.urls")),  # pipeline boards and the application page (R-UI-2, R-UI-3)
    path("", include("notifications.urls")),
]

# Under /api/ the one JSON error format (what the schema documents), Django's pages elsewhere.
handler400 = "hrsys.api.errors.bad_request"
handler404 = "hrsys.api.errors.page_not_found"
# A refused page: the API's JSON under /api/, elsewhere templates/403.html with the header and a way back.
handler403 = "hrsys.core.views.permission_denied"
# The database unreachable: 503 with Retry-After, never a traceback (R-SEC-8); other failures as above.
handler500 = "hrsys.core.views.server_error"
