from django.urls import path

from . import views

app_name = "risk"

urlpatterns: list = [
    path("commune/", views.commune_overview, name="commune_overview"),
    path("province/", views.province_overview, name="province_overview"),
    path("province/excel/", views.province_overview_excel, name="province_overview_excel"),
]
