from django.urls import path

from . import views

app_name = "credit"

urlpatterns = [
    path("", views.home, name="home"),
    path("group/", views.group_home, name="group_home"),
]
