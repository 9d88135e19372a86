from django.urls import path

from . import views

app_name = "households"

urlpatterns = [
    path("chairman/", views.chairman_home, name="chairman_home"),
    path("province/", views.province_home, name="province_home"),
]
