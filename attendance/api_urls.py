from django.urls import path

from . import api

urlpatterns = [
    # devices (per-device token or HMAC)
    path("attendance/punches/", api.PunchBatchApi.as_view(), name="attendance-punches"),
    path("attendance/device/accounts/", api.DeviceAccountsApi.as_view(), name="attendance-device-accounts"),
    # staff (scoped)
    path("attendance/accounts/", api.AccountListApi.as_view(), name="attendance-account-list"),
    path("attendance/accounts/<int:pk>/reschedule/", api.AccountRescheduleApi.as_view(),
         name="attendance-account-reschedule"),
    path("attendance/accounts/<int:pk>/revoke/", api.AccountRevokeApi.as_view(), name="attendance-account-revoke"),
    path("attendance/shift-assignments/", api.ShiftAssignApi.as_view(), name="attendance-shift-assign"),
    path("attendance/leave-requests/", api.LeaveCreateApi.as_view(), name="attendance-leave-create"),
    path("attendance/leave-requests/<int:pk>/decide/", api.LeaveDecideApi.as_view(), name="attendance-leave-decide"),
    path("attendance/probation/", api.ProbationReportApi.as_view(), name="attendance-probation-report"),
    path("attendance/probation/<int:pk>/decide/", api.ProbationDecideApi.as_view(),
         name="attendance-probation-decide"),
    path("attendance/reports/monthly/", api.MonthlyReportApi.as_view(), name="attendance-monthly-report"),
    path("attendance/devices/<int:pk>/import/", api.PunchImportApi.as_view(), name="attendance-punch-import"),
    # the employee file with its clock-in account and probation review (the list is in employees/api_urls.py)
    path("employees/<int:pk>/", api.EmployeeDetailApi.as_view(), name="employee-detail"),
    path("employees/<int:pk>/exit/", api.EmployeeExitApi.as_view(), name="employee-exit"),
]
