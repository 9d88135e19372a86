from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.middleware import public
from accounts.views import set_language

urlpatterns = [
    path("", include("accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("households/", include("households.urls")),
    path("credit/", include("credit.urls")),
    path("risk/", include("risk.urls")),
    path("fieldwork/", include("fieldwork.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/v1/schema/", public(SpectacularAPIView.as_view()), name="api-schema"),
    path("api/v1/docs/", public(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]

handler403 = "accounts.views.error_403"
handler404 = "accounts.views.error_404"
handler500 = "accounts.views.error_500"

if settings.DEBUG:
    from django.views.generic import TemplateView

    # Error pages, viewable in development to check their look.
    urlpatterns += [
        path("__errors__/404/", public(TemplateView.as_view(template_name="404.html"))),
        path("__errors__/500/", public(TemplateView.as_view(template_name="500.html"))),
    ]
