"""Import and export of review files (pages). Filled by the import work."""

urlpatterns: list = []
