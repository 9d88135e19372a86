"""The 54 officially recognised ethnic groups of Viet Nam with their two-digit codes.

The codes are those of the General Statistics Office's list of ethnic groups (Decision 121-TCTK/PPCĐ of 2 Mar 1979,
still the code list of the population censuses), in its order. Not from domain.md; general knowledge, checked
against the order the 2019 census publishes. Code ``01`` is Kinh; every other group is an ethnic minority (dân tộc
thiểu số). Pure Python: no Django import.
"""

from __future__ import annotations

import unicodedata

ETHNIC_GROUPS: tuple[tuple[str, str], ...] = (
    ("01", "Kinh"),
    ("02", "Tày"),
    ("03", "Thái"),
    ("04", "Hoa"),
    ("05", "Khơ Me"),
    ("06", "Mường"),
    ("07", "Nùng"),
    ("08", "Mông"),
    ("09", "Dao"),
    ("10", "Gia Rai"),
    ("11", "Ngái"),
    ("12", "Ê Đê"),
    ("13", "Ba Na"),
    ("14", "Xơ Đăng"),
    ("15", "Sán Chay"),
    ("16", "Cơ Ho"),
    ("17", "Chăm"),
    ("18", "Sán Dìu"),
    ("19", "Hrê"),
    ("20", "Mnông"),
    ("21", "Ra Glai"),
    ("22", "Xtiêng"),
    ("23", "Bru Vân Kiều"),
    ("24", "Thổ"),
    ("25", "Giáy"),
    ("26", "Cơ Tu"),
    ("27", "Gié Triêng"),
    ("28", "Mạ"),
    ("29", "Khơ Mú"),
    ("30", "Co"),
    ("31", "Tà Ôi"),
    ("32", "Chơ Ro"),
    ("33", "Kháng"),
    ("34", "Xinh Mun"),
    ("35", "Hà Nhì"),
    ("36", "Chu Ru"),
    ("37", "Lào"),
    ("38", "La Chí"),
    ("39", "La Ha"),
    ("40", "Phù Lá"),
    ("41", "La Hủ"),
    ("42", "Lự"),
    ("43", "Lô Lô"),
    ("44", "Chứt"),
    ("45", "Mảng"),
    ("46", "Pà Thẻn"),
    ("47", "Cờ Lao"),
    ("48", "Cống"),
    ("49", "Bố Y"),
    ("50", "Si La"),
    ("51", "Pu Péo"),
    ("52", "Brâu"),
    ("53", "Ơ Đu"),
    ("54", "Rơ Măm"),
)
KINH = "01"
NAMES: dict[str, str] = dict(ETHNIC_GROUPS)

# Other spellings met in commune records, mapped to the code.
ALIASES: dict[str, str] = {
    "khmer": "05",
    "h'mong": "08",
    "hmong": "08",
    "hmông": "08",
    "h'mông": "08",
    "mèo": "08",
    "ê-đê": "12",
    "ede": "12",
    "ba-na": "13",
    "bahnar": "13",
    "xơ-đăng": "14",
    "cơ-ho": "16",
    "m'nông": "20",
    "ra-glai": "21",
    "bru-vân kiều": "23",
    "vân kiều": "23",
    "cơ-tu": "26",
    "gié-triêng": "27",
    "khơ-mú": "29",
    "tà-ôi": "31",
    "chơ-ro": "32",
    "xinh-mun": "34",
    "hà nhì": "35",
    "chu-ru": "36",
    "la chi": "38",
    "phù lá": "40",
    "lô-lô": "43",
    "pà thẻn": "46",
    "cơ lao": "47",
    "bố-y": "49",
    "si-la": "50",
    "pu-péo": "51",
    "ơ-đu": "53",
    "rơ-măm": "54",
    "gia-rai": "10",
    "jrai": "10",
    "sán chay": "15",
    "cao lan": "15",
}


def fold(text: str) -> str:
    """Lower case without diacritics, đ → d: "Nguyễn Văn Đức" → "nguyen van duc" (for search and matching)."""
    text = unicodedata.normalize("NFD", text.strip().lower()).replace("đ", "d")
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Mn").split())


_BY_FOLDED: dict[str, str] = {fold(name): code for code, name in ETHNIC_GROUPS}
_BY_FOLDED.update({fold(alias): code for alias, code in ALIASES.items()})
_BY_FOLDED.update({fold(alias.replace("-", " ")): code for alias, code in ALIASES.items()})


def ethnicity_code(value: str | int) -> str | None:
    """The two-digit code of an ethnic group given by code ("2", "02") or name ("Tày", "tay", "H'Mông"), else None."""
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        code = f"{int(text):02d}"
        return code if code in NAMES else None
    folded = fold(text.replace("-", " "))
    return _BY_FOLDED.get(folded) or _BY_FOLDED.get(fold(text))


def is_ethnic_minority(code: str) -> bool:
    return code != KINH
