"""The English catalogue is complete: no empty and no fuzzy translation.

`make messages` (makemessages + compilemessages) adds every new Chinese msgid with an
empty msgstr, and marks changed ones fuzzy; either would show Chinese text (or a stale,
wrong English one) to an English user. This test reads the .po itself (no polib).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import sanzhang

PO = Path(sanzhang.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"

_FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def _unquote(text: str) -> str:
    # PO strings use C escapes (\" \\ \n \t), which a Python string literal reads alike.
    return ast.literal_eval(text)


def _entries(path: Path) -> list[dict]:
    """Each entry: {"flags": set, "fields": {key: text}, "line": first line number}."""
    entries: list[dict] = []
    current: dict | None = None
    key = None

    def start(lineno: int) -> dict:
        entry = {"flags": set(), "fields": {}, "line": lineno}
        entries.append(entry)
        return entry

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current, key = None, None
            continue
        if line.startswith("#~"):  # obsolete entries are not shown to anyone
            continue
        if line.startswith("#"):
            if current is None or current["fields"]:
                current = start(lineno)
            if line.startswith("#,"):
                current["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        match = _FIELD.match(line)
        if match:
            key = match.group(1)
            if current is None or (
                key in ("msgctxt", "msgid") and "msgid" in current["fields"]
            ):
                current = start(lineno)
            current["fields"][key] = _unquote(match.group(2))
        elif line.startswith('"') and current is not None and key is not None:
            current["fields"][key] += _unquote(line)
        else:
            raise AssertionError(f"{path.name}:{lineno}: cannot read {raw!r}")
    return entries


def test_every_ui_string_has_a_reviewed_english_translation():
    entries = [e for e in _entries(PO) if e["fields"].get("msgid", "") != ""]
    assert len(entries) > 100, "the catalogue looks empty or unreadable"
    problems = []
    for e in entries:
        fields = e["fields"]
        shown = fields["msgid"]
        if "fuzzy" in e["flags"]:
            problems.append(f"line {e['line']}: fuzzy: {shown!r}")
        msgstrs = [v for k, v in fields.items() if k.startswith("msgstr")]
        if not msgstrs or any(v == "" for v in msgstrs):
            problems.append(f"line {e['line']}: untranslated: {shown!r}")
    assert not problems, (
        f"{len(problems)} English translation(s) missing or fuzzy in {PO}; run "
        "`make messages`, translate them and remove the fuzzy flags:\n"
        + "\n".join(problems)
    )
