from django.urls import path

from . import views

app_name = "credit"

urlpatterns = [
    path("", views.home, name="home"),
    path("group/", views.group_home, name="group_home"),
    path("chairman/", views.chairman, name="chairman"),
    path("loans/", views.loan_list, name="loans"),
    path("loans/new/", views.loan_new, name="loan_new"),
    path("loans/<int:pk>/", views.loan_detail, name="loan"),
    path("loans/<int:pk>/<slug:action>/", views.loan_action, name="loan_action"),
    path("applications/", views.applications, name="applications"),
    path("groups/", views.group_list, name="groups"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/sheet/", views.sheet, name="sheet"),
    path("overdue/", views.overdue, name="overdue"),
    path("overdue/refresh/", views.refresh, name="refresh"),
    path("risk-debt/", views.risk_debt, name="risk_debt"),
    path("use-checks/", views.use_checks, name="use_checks"),
    path("use-checks/<int:pk>/", views.use_check_record, name="use_check"),
]
