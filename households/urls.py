from django.urls import path

from . import views, views_import, views_reports

app_name = "households"

urlpatterns = [
    path("chairman/", views.chairman_home, name="chairman_home"),
    path("province/", views.province_home, name="province_home"),
    *views_import.urlpatterns,
    *views_reports.urlpatterns,
]
