"""Issue #13, uploads: a PDF's scripts are found in its parsed object tree, however the names are written
(#xx escapes) and wherever the objects sit (compressed object streams)."""
from __future__ import annotations

import struct
import zlib

import pytest

from portal.activities.evidence import EvidenceRefused, sniff


def _classic(catalog_extra: bytes, extra_objects: bytes = b"") -> bytes:
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" + extra_objects)
    return body + b"trailer<</Root 1 0 R/Size 5>>\n%%EOF\n"


def _with_object_stream(action: bytes) -> bytes:
    """Object 4 (the OpenAction) compressed inside object stream 3, found through an xref stream."""
    head = b"%PDF-1.5\n"
    objects = [b"1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>endobj\n",
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"]
    prefix = b"4 0 "
    packed = zlib.compress(prefix + action)
    objects.append(b"3 0 obj<</Type/ObjStm/N 1/First %d/Filter/FlateDecode/Length %d>>stream\n" % (len(prefix), len(packed))
                   + packed + b"\nendstream endobj\n")
    offsets, data = [], head
    for obj in objects:
        offsets.append(len(data))
        data += obj
    xref_offset = len(data)
    rows = [struct.pack(">BIH", 0, 0, 65535)] + [struct.pack(">BIH", 1, o, 0) for o in offsets] \
        + [struct.pack(">BIH", 2, 3, 0), struct.pack(">BIH", 1, xref_offset, 0)]
    stream = b"".join(rows)
    data += (b"5 0 obj<</Type/XRef/Size 6/W[1 4 2]/Root 1 0 R/Length %d>>stream\n" % len(stream) + stream
             + b"\nendstream endobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset)
    return data


@pytest.mark.parametrize("pdf", [
    _classic(b"/OpenAction<</S/J#61vaScript/JS(app.alert(1))>>"),
    _classic(b"/OpenAction<</S/#4A#61#76#61#53#63#72#69#70#74/J#53(app.alert(1))>>"),
    _classic(b"/OpenAction<</S/#4Caunch/F(cmd.exe)>>"),
    _classic(b"/Names<</#45mbeddedFiles 3 0 R>>", b"3 0 obj<</Names[]>>endobj\n"),
    _with_object_stream(b"<</S/JavaScript/JS(app.alert(1))>>"),
], ids=["J#61vaScript", "all-escaped", "Launch", "EmbeddedFiles", "object-stream"])
def test_a_pdf_with_an_active_part_is_refused_however_it_is_written(pdf):
    with pytest.raises(EvidenceRefused) as refused:
        sniff(pdf)
    assert refused.value.code == "active_pdf"


def test_the_object_stream_really_hides_the_name_from_a_byte_search():
    assert b"JavaScript" not in _with_object_stream(b"<</S/JavaScript/JS(app.alert(1))>>")


@pytest.mark.parametrize("pdf", [_classic(b""), _with_object_stream(b"<</S/GoTo/D[2 0 R/Fit]>>")],
                         ids=["plain", "object-stream-goto"])
def test_a_plain_pdf_is_accepted(pdf):
    assert sniff(pdf) == "application/pdf"
