"""Invented names for the synthetic province: people by ethnic group, communes and villages.

Every person's name is a family name, a middle name and a given name drawn from the short lists below; any match with
a real person is chance. Place names are combinations of common syllables of northern place names; the synthetic
province's codes (province 90) are used by no real unit.
"""

from __future__ import annotations

from .params import DAO, KINH, MONG, MUONG, NUNG, TAY, THAI

_KINH_FAMILY = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4), ("Vũ", 4), ("Đặng", 2),
    ("Bùi", 2), ("Đỗ", 2), ("Hồ", 1), ("Ngô", 1), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Đào", 1), ("Trịnh", 1),
    ("Lương", 1), ("Mai", 1), ("Tạ", 1),
)  # fmt: skip
_TAY_NUNG_FAMILY = (
    ("Hoàng", 14), ("Nông", 12), ("Lương", 6), ("Ma", 6), ("Hà", 5), ("Triệu", 5), ("Lục", 4), ("Vi", 4),
    ("Lăng", 3), ("Bế", 4), ("Đàm", 3), ("Hứa", 3), ("La", 3), ("Chu", 2), ("Lâm", 2), ("Mông", 2), ("Nguyễn", 8),
    ("Lộc", 2), ("Dương", 2), ("Nịnh", 2),
)  # fmt: skip
_DAO_FAMILY = (
    ("Triệu", 25), ("Bàn", 20), ("Lý", 15), ("Đặng", 12), ("Phùng", 8), ("Chảo", 8), ("Tẩn", 6), ("Lò", 3),
    ("Sần", 3),
)  # fmt: skip
_MONG_FAMILY = (
    ("Giàng", 16), ("Vàng", 14), ("Sùng", 12), ("Lù", 8), ("Hầu", 7), ("Thào", 10), ("Lý", 8), ("Mùa", 6),
    ("Vừ", 6), ("Hạng", 4), ("Sình", 3), ("Lầu", 3), ("Cứ", 2), ("Tráng", 3),
)  # fmt: skip
_THAI_FAMILY = (
    ("Lò", 18), ("Cầm", 12), ("Lường", 12), ("Quàng", 10), ("Điêu", 6), ("Tòng", 8), ("Vì", 8), ("Hoàng", 6),
    ("Lềm", 4), ("Bạc", 4), ("Hà", 6), ("Mè", 2),
)  # fmt: skip
_MUONG_FAMILY = (
    ("Bùi", 30), ("Đinh", 22), ("Quách", 12), ("Hà", 10), ("Xa", 6), ("Cao", 6), ("Bạch", 4), ("Nguyễn", 6),
    ("Trương", 4),
)  # fmt: skip

_KINH_MALE = (
    "Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Long", "Nam", "Phong", "Quân", "Sơn", "Thắng", "Trung", "Tùng", "Hiếu",
    "Đức", "Việt", "Khánh", "Huy", "An", "Bình", "Cường", "Đạt", "Hoàng", "Kiên", "Lâm", "Mạnh", "Nghĩa", "Phúc",
    "Quang", "Thành", "Toàn", "Vinh", "Thịnh", "Tiến", "Chiến", "Hưng",
)  # fmt: skip
_KINH_FEMALE = (
    "Lan", "Hương", "Hoa", "Mai", "Linh", "Trang", "Hà", "Huyền", "Thảo", "Ngọc", "Nhung", "Hạnh", "Hằng", "Phương",
    "Thủy", "Yến", "Vân", "Dung", "Loan", "Nga", "Oanh", "Quyên", "Tâm", "Thúy", "Uyên", "Xuân", "Anh", "Chi",
    "Diệp", "Giang", "Liên", "Thơm",
)  # fmt: skip
_KINH_MIDDLE_MALE = ("Văn", "Văn", "Văn", "Đức", "Minh", "Hữu", "Quang", "Thanh", "Ngọc", "Xuân", "Công", "Đình")
_KINH_MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Minh", "Bích", "Kim")
_DAO_MALE = (
    "Quý", "Sinh", "Tài", "Phin", "Chòi", "Kiềm", "Phấu", "Quẩy", "Vượng", "Nhất", "Nhị", "Tam", "Sơn", "Lở", "Pham",
    "Kiến", "Dền", "Vảng",
)  # fmt: skip
_DAO_FEMALE = ("Mẩy", "Phấy", "Nái", "Sành", "Xuân", "Liều", "Chài", "Mai", "Slim", "Quây", "Dủn", "Nhàn")
_DAO_MIDDLE_MALE = ("Văn", "Văn", "Tòn", "Phúc", "Kim")
_DAO_MIDDLE_FEMALE = ("Thị", "Thị", "Mùi", "Xuân")
_MONG_MALE = (
    "Páo", "Chứ", "Dình", "Tủa", "Sử", "Chư", "Lử", "Sính", "Pó", "Dế", "Chá", "Nhè", "Súa", "Phử", "Vư", "Lâu",
    "Tếnh", "Mảy", "Sàng", "Chơ",
)  # fmt: skip
_MONG_FEMALE = ("Mỷ", "Dua", "Chía", "Mái", "Dợ", "Dí", "Cở", "Ly", "Máy", "Pà", "Say", "Xúa", "Vá", "Sua", "Chi")
_MONG_MIDDLE_MALE = ("A", "A", "A", "Mí", "Seo", "Văn")
_MONG_MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Mỷ", "Seo")
_THAI_MALE = ("Khăm", "Piên", "Duyên", "Ún", "Bun", "Chăn", "Ngoan", "Thưởng", "Xuân", "Hùng", "Pấng", "Thoong")
_THAI_FEMALE = ("Ỏn", "Ánh", "Xuân", "Panh", "Bua", "Ngọc", "Hương", "Khằm", "Lả", "Pọm", "Xiêng", "Ượn")
_PLAIN_MIDDLE_MALE = ("Văn", "Văn", "Văn", "Đức", "Minh", "Thanh")
_PLAIN_MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thu", "Hồng")


def _weighted(pairs) -> tuple[tuple[str, ...], tuple[float, ...]]:
    total = sum(w for _n, w in pairs)
    return tuple(n for n, _w in pairs), tuple(w / total for _n, w in pairs)


def _uniform(names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    return names, tuple(1 / len(names) for _ in names)


#: By group: family names (with weights), then (middle, given) for men and women.
PEOPLE: dict[str, dict[str, tuple[tuple[str, ...], tuple[float, ...]]]] = {}
for _code, _family, _mm, _mf, _gm, _gf in (
    (KINH, _KINH_FAMILY, _KINH_MIDDLE_MALE, _KINH_MIDDLE_FEMALE, _KINH_MALE, _KINH_FEMALE),
    (TAY, _TAY_NUNG_FAMILY, _PLAIN_MIDDLE_MALE, _PLAIN_MIDDLE_FEMALE, _KINH_MALE, _KINH_FEMALE),
    (NUNG, _TAY_NUNG_FAMILY, _PLAIN_MIDDLE_MALE, _PLAIN_MIDDLE_FEMALE, _KINH_MALE, _KINH_FEMALE),
    (MUONG, _MUONG_FAMILY, _PLAIN_MIDDLE_MALE, _PLAIN_MIDDLE_FEMALE, _KINH_MALE, _KINH_FEMALE),
    (THAI, _THAI_FAMILY, _PLAIN_MIDDLE_MALE, _PLAIN_MIDDLE_FEMALE, _THAI_MALE, _THAI_FEMALE),
    (DAO, _DAO_FAMILY, _DAO_MIDDLE_MALE, _DAO_MIDDLE_FEMALE, _DAO_MALE, _DAO_FEMALE),
    (MONG, _MONG_FAMILY, _MONG_MIDDLE_MALE, _MONG_MIDDLE_FEMALE, _MONG_MALE, _MONG_FEMALE),
):
    PEOPLE[_code] = {
        "family": _weighted(_family),
        "middle_male": _uniform(_mm),
        "middle_female": _uniform(_mf),
        "given_male": _uniform(_gm),
        "given_female": _uniform(_gf),
    }

#: One table of every name part, so a person's name is three small integers (indexes into NAME_PARTS).
NAME_PARTS: tuple[str, ...] = tuple(
    sorted({name for parts in PEOPLE.values() for names, _w in parts.values() for name in names})
)
NAME_INDEX: dict[str, int] = {name: i for i, name in enumerate(NAME_PARTS)}

# --- places -----------------------------------------------------------------------------------------------------
COMMUNE_FIRST = (
    "Tân", "Minh", "Hồng", "Phúc", "Yên", "Đồng", "Thượng", "Hạ", "Quang", "Thanh", "Vĩnh", "Kim", "Ngọc", "Trung",
    "Xuân", "Hòa", "Bình", "An", "Nà", "Phiêng", "Khau", "Lũng", "Cao", "Sơn", "Thạch", "Tiên", "Bảo", "Lâm", "Nam",
    "Bắc", "Đông", "Tây", "Quảng", "Hữu", "Vân", "Mỹ", "Lạc", "Thái",
)  # fmt: skip
COMMUNE_SECOND = (
    "Minh", "Phong", "Lạc", "Sơn", "Thành", "Hưng", "Lập", "Tiến", "Thịnh", "Bình", "Yên", "Hòa", "Lương", "Phú",
    "Lộc", "Vinh", "Khánh", "Long", "Quang", "Tiên", "Lang", "Côn", "Khà", "Pục", "Hà", "Trạch", "Đức", "Hiệp",
    "Nghĩa", "Tường", "Xuyên", "Hải", "Sinh", "Mai", "Điền", "Cường",
)  # fmt: skip
VILLAGE_HIGHLAND_FIRST = (
    "Khuổi", "Nà", "Phiêng", "Khau", "Lũng", "Sín", "Mù", "Pác", "Cốc", "Bó", "Nặm", "Tả", "Séo", "Hấu", "Chải",
    "Thàng", "Pù", "Lao", "Ngàm", "Khun",
)  # fmt: skip
VILLAGE_HIGHLAND_SECOND = (
    "Pết", "Luông", "Vai", "Cả", "Chải", "Lầu", "Mạ", "Khà", "Pù", "Đon", "Slam", "Nưa", "Tát", "Ngòa", "Dìn",
    "Lùng", "Phìn", "Sán", "Ngài", "Cang", "Ngầu", "Mòn", "Tồng", "Vài", "Rịa", "Piẩu",
)  # fmt: skip
VILLAGE_PLAIN = (
    "Đoàn Kết", "Tân Tiến", "Hòa Bình", "Thống Nhất", "Tiền Phong", "Quyết Tiến", "Đồng Tâm", "Bình Minh",
    "Yên Bình", "Tân Lập", "Tân Thành", "Trung Tâm", "Thanh Xuân", "Làng Chùa", "Bản Mới", "Đồng Chằm", "Cầu Ngầm",
    "Làng Mới", "Tân Sơn", "Đồng Xa", "Khe Cạn", "Gốc Gạo", "Bãi Bằng", "Đầu Cầu", "Tiên Phong", "Đồng Bục",
    "Tân Hợp", "Cây Thị", "Na Hiên", "Phố Chợ", "An Thịnh", "Phú Thọ", "Làng Giữa", "Đồng Mát",
)  # fmt: skip
