import pytest
from django.core.management import CommandError, call_command

from areas import services
from areas.models import Commune, Province, Village

HEADER = "level,code,name,parent_code,area_type,valid_from,valid_to,merged_into_code\n"

GOOD = HEADER + (
    "province,90,Tỉnh Thử,,,2025-07-01,,\n"
    "commune,90001,Xã Mới,90,rural,2025-07-01,,\n"
    "commune,90101,Xã Cũ,90,rural,,2025-06-30,90001\n"
    "village,90001-01,Thôn Một,90001,,2025-07-01,,\n"
    "village,90101-01,Thôn Cũ,90101,,,2025-06-30,90001-01\n"
)


@pytest.mark.django_db
def test_good_file_imports_with_lineage():
    result = services.areas_import_csv(data=GOOD.encode())
    assert result.ok, result.errors
    assert result.created == {"province": 1, "commune": 2, "village": 2}
    new = Commune.objects.get(code="90001")
    assert Commune.objects.get(code="90101").merged_into == new
    assert set(new.lineage_ids()) == {new.pk, Commune.objects.get(code="90101").pk}
    # A second import updates, never duplicates.
    again = services.areas_import_csv(data=GOOD.replace("Xã Mới", "Xã Mới Đổi").encode())
    assert again.created == {"province": 0, "commune": 0, "village": 0}
    assert again.updated["commune"] == 2
    assert Commune.objects.get(code="90001").name == "Xã Mới Đổi"


BAD_ROWS = [
    # (line, expected column, expected message fragment)
    ("county,1,X,,,,,", "level", "Unknown level county"),
    ("commune,,Xã Không Mã,90,rural,,,", "code", "A value is required"),
    ("commune,90009,,90,rural,,,", "name", "A value is required"),
    ("commune,90001,Xã Trùng,90,rural,,,", "code", "appears again (first on row 3)"),
    ("commune,90010,Xã Mồ Côi,99,rural,,,", "parent_code", "No province with code 99"),
    ("province,92,Tỉnh Có Cha,90,,,,", "parent_code", "A province has no parent"),
    ("commune,90011,Xã Lạ,90,suburban,,,", "area_type", "Unknown area type suburban"),
    ("commune,90012,Xã Trống,90,,,,", "area_type", "A value is required"),
    ("village,90001-09,Thôn Thành Thị,90001,urban,,,", "area_type", "Only a commune has an area type"),
    ("commune,90013,Xã Ngày Sai,90,rural,01/07/2025,,", "valid_from", "is not a date"),
    ("commune,90014,Xã Ngược,90,rural,2025-07-01,2025-01-01,", "valid_to", "is before valid_from"),
    ("commune,90015,Xã Tự Nhập,90,rural,,2025-06-30,90015", "merged_into_code", "cannot merge into itself"),
    ("commune,90016,Xã Nhập Vào Đâu,90,rural,,2025-06-30,99999", "merged_into_code", "No commune with code 99999"),
    ("commune,90017,Xã Chưa Kết Thúc,90,rural,,,90001", "valid_to", "needs the date it ended"),
    ("village,90001-08,Thôn Không Xã,,,,,", "parent_code", "A value is required"),
]


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_nothing_is_written():
    lines = [HEADER.strip(), "province,90,Tỉnh Thử,,,2025-07-01,,", "commune,90001,Xã Mới,90,rural,2025-07-01,,"]
    lines += [line for line, _, _ in BAD_ROWS]
    result = services.areas_import_csv(data=("\n".join(lines) + "\n").encode())
    assert not result.ok
    got = {(e.row, e.field): e.message for e in result.errors}
    for offset, (_line, column, fragment) in enumerate(BAD_ROWS):
        row = 4 + offset
        assert (row, column) in got, f"row {row} ({_line}) not reported on {column}: {result.errors}"
        assert fragment in got[(row, column)]
    assert Province.objects.count() == Commune.objects.count() == Village.objects.count() == 0


@pytest.mark.django_db
def test_merger_cycle_is_refused():
    data = HEADER + "province,90,T,,,,,\ncommune,1,A,90,rural,,2025-06-30,2\ncommune,2,B,90,rural,,2025-06-30,1\n"
    result = services.areas_import_csv(data=data.encode())
    assert any("cycle" in e.message for e in result.errors)
    assert Commune.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"level,code,name\nprovince,90,T\n", "Missing column(s): parent_code"),
        ((HEADER.strip() + ",colour\n").encode(), "Unknown column(s): colour"),
        (b"", "The file is empty"),
        ((HEADER + "province,90,T\u1ec9nh,,,,,\n").encode("utf-16"), "not UTF-8"),
        ((HEADER + "province,90,Thôn Đông,,,,,\n").encode("cp1258"), "not UTF-8"),
    ],
)
def test_file_level_errors(data, fragment):
    result = services.areas_import_csv(data=data)
    assert any(fragment in e.message for e in result.errors), result.errors
    assert Province.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    result = services.areas_import_csv(data=GOOD.encode(), dry_run=True)
    assert result.ok and result.created["village"] == 2
    assert Village.objects.count() == 0


@pytest.mark.django_db
def test_command_reports_rows_and_fails(tmp_path, capsys):
    path = tmp_path / "areas.csv"
    path.write_text(HEADER + "province,90,T,,,,,\ncommune,90001,X,90,hilly,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_areas", str(path))
    err = capsys.readouterr().err
    assert "3" in err and "area_type" in err and "hilly" in err
    assert Province.objects.count() == 0
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    call_command("import_areas", str(good))
    assert Village.objects.count() == 2
