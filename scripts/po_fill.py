"""Fill locale/vi/LC_MESSAGES/django.po from JSON files of {"msgid": "msgstr"} (plural: {"msgid": ["one", ...]}).

Usage: python scripts/po_fill.py translations.json [more.json ...]; prints the msgids still untranslated.
"""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "vi" / "LC_MESSAGES" / "django.po"

table: dict = {}
for name in sys.argv[1:]:
    table.update(json.loads(Path(name).read_text(encoding="utf-8")))
po = polib.pofile(str(PO))
for entry in po:
    if entry.msgid in table:
        value = table[entry.msgid]
        if entry.msgid_plural:
            entry.msgstr_plural = {0: value if isinstance(value, str) else value[0]}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
po.metadata.update(
    {"Language": "vi", "Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=1; plural=0;"}
)
po.save()
missing = [e.msgid for e in po if not (e.msgstr or any(e.msgstr_plural.values())) or "fuzzy" in e.flags]
print(f"{len(missing)} untranslated")
for msgid in missing:
    print("  ", msgid)
