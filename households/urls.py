from django.urls import path

from . import views, views_import, views_reports

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/reviews/new/", views.review_new, name="review_new"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/members/new/", views.member_new, name="member_new"),
    path("reviews/", views.review_workflow, name="workflow"),
    path("reviews/advance/", views.review_workflow_advance, name="workflow_advance"),
    path("reviews/<int:pk>/", views.review_detail_redirect, name="review"),
    path("requests/", views.review_requests, name="requests"),
    path("requests/<int:pk>/decide/", views.review_request_decide, name="request_decide"),
    *views_import.urlpatterns,
    *views_reports.urlpatterns,
]
