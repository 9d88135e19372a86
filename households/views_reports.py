"""The multidimensional-poverty (Alkire-Foster) report and official rates (pages). Filled by the report work."""

urlpatterns: list = []
