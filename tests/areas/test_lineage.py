from areas.models import Commune


def test_lineage_includes_predecessors_of_predecessors(province):
    a = province["a"]
    older = Commune.objects.create(
        province=province["province"],
        code="90201",
        name="Xã Rất Cũ",
        valid_to="2019-12-31",
        merged_into=province["old"],
    )
    assert set(a.lineage_ids()) == {a.pk, province["old"].pk, older.pk}
    assert province["b"].lineage_ids() == [province["b"].pk]
    assert list(a.merged_from.all()) == [province["old"]]


def test_is_current(province):
    from datetime import date

    assert province["a"].is_current(date(2026, 1, 1))
    assert not province["old"].is_current(date(2025, 7, 1))
    assert province["old"].is_current(date(2025, 6, 30))
