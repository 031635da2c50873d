"""Every user-facing string has an English translation (Chinese is the source language)."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-o", str(pot), "."],
                   cwd=ROOT, check=True)
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "portal/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    untranslated = sorted(i for i in wanted if catalog.get(i) is None or not catalog.get(i).string)
    assert untranslated == [], "run `make translations-update` and translate these"
    assert len(wanted) > 100


def test_no_message_is_in_the_catalog_twice():
    """Babel compiles the first of two entries of one msgid and silently drops the other (msgfmt refuses the
    file): a translation corrected in the second copy would never reach a page. 505 msgids were there twice."""
    import re

    text = (ROOT / "portal/translations/en/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    ids = re.findall(r'^msgid ((?:".*"\n)+)', text, re.M)
    twice = sorted({i for i in ids if ids.count(i) > 1})
    assert twice == [] and len(ids) > 1000
