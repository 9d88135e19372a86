from django.urls import path

from . import views

app_name = "fieldwork"

urlpatterns = [path("", views.home, name="home")]
