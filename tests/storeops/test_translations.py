"""The zh-hans catalogue ships complete: every string translated, none fuzzy, compiled."""

from pathlib import Path

from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def entries(text: str) -> list[dict[str, str]]:
    """The catalogue's entries (msgid, msgstr or msgstr[0], flags), from the .po text."""
    found, current, field = [], {}, None
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if current:
                found.append(current)
            current, field = {}, None
        elif line.startswith("#,"):
            current["flags"] = line[2:]
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and field:
            current[field] += line.strip()[1:-1]
        else:
            key, _, value = line.partition(" ")
            field = "msgstr" if key in ("msgstr", "msgstr[0]") else key
            current[field] = current.get(field, "") + value.strip()[1:-1]
    return [entry for entry in found if entry.get("msgid")]  # drop the header


def test_every_string_is_translated_and_none_is_fuzzy():
    catalogue = entries((CATALOGUE / "django.po").read_text(encoding="utf-8"))

    untranslated = [entry["msgid"] for entry in catalogue if not entry.get("msgstr")]
    fuzzy = [entry["msgid"] for entry in catalogue if "fuzzy" in entry.get("flags", "")]

    assert len(catalogue) > 1000
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_is_shipped_and_used():
    assert (CATALOGUE / "django.mo").stat().st_size > 10_000
    with translation.override("zh-hans"):
        assert translation.gettext("Order console") != "Order console"
        assert translation.gettext("Purchase orders") != "Purchase orders"
