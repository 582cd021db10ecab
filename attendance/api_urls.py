from django.urls import path

from . import api, config_api

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
    # configuration (R-INT-4)
    path("attendance/devices/", config_api.DeviceListApi.as_view(), name="attendance-device-list"),
    path("attendance/devices/<int:pk>/", config_api.DeviceDetailApi.as_view(), name="attendance-device-detail"),
    path("attendance/devices/<int:pk>/deactivate/", config_api.DeviceDeactivateApi.as_view(),
         name="attendance-device-deactivate"),
    path("attendance/devices/<int:pk>/rotate-credential/", config_api.DeviceCredentialRotateApi.as_view(),
         name="attendance-device-rotate-credential"),
    path("attendance/shift-templates/", config_api.ShiftTemplateListApi.as_view(),
         name="attendance-shift-template-list"),
    path("attendance/shift-templates/<int:pk>/", config_api.ShiftTemplateDetailApi.as_view(),
         name="attendance-shift-template-detail"),
    path("attendance/door-groups/", config_api.DoorAccessGroupListApi.as_view(), name="attendance-door-group-list"),
    path("attendance/door-groups/<int:pk>/", config_api.DoorAccessGroupDetailApi.as_view(),
         name="attendance-door-group-detail"),
    # the employee file with its clock-in account and probation review (the list is in employees/api_urls.py)
    path("employees/<int:pk>/", api.EmployeeDetailApi.as_view(), name="employee-detail"),
    path("employees/<int:pk>/exit/", api.EmployeeExitApi.as_view(), name="employee-exit"),
]
