from areas.models import Commune


def test_history_records_the_acting_user(client, users, province):
    """A change made through a request records who made it (simple_history's request middleware)."""
    client.force_login(users["admin"])
    commune = province["a"]
    response = client.post(
        f"/admin/areas/commune/{commune.pk}/change/",
        {
            "code": commune.code,
            "name": "Xã An Bình Mới",
            "province": commune.province_id,
            "kind": "xa",
            "area_type": "rural",
            "valid_from": "",
            "valid_to": "",
            "merged_into": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    latest = Commune.history.filter(id=commune.pk).latest()
    assert latest.name == "Xã An Bình Mới"
    assert latest.history_user == users["admin"]
    assert latest.prev_record.name == "Xã An Bình"
