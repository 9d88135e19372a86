from django.urls import NoReverseMatch, reverse

from .roles import ROLE_LABELS, ROLE_NAVIGATION, user_roles


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    items, seen = [], set()
    for role in roles:
        for label, name in ROLE_NAVIGATION.get(role, []):
            if name in seen:
                continue
            seen.add(name)
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            items.append({"label": label, "url": url, "active": False})
    if user.is_superuser:
        items.append({"label": "Admin", "url": reverse("admin:index"), "active": False})
    # The current item is the one whose URL is the longest prefix of the path (/households/reports/ is "Reports").
    matches = [item for item in items if request.path.startswith(item["url"]) and item["url"] != "/"]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return {
        "nav_items": items,
        "user_roles": roles,
        "role_labels": [ROLE_LABELS[r] for r in roles],
    }
