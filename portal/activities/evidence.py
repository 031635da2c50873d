"""Evidence files (photos, PDF): what we accept, decided from the bytes alone. Pure: no Flask, no database.

The browser's content type and the file's name are the uploader's claims; only the magic numbers
decide. A PDF named .jpg is a PDF (stored and served as one, its download name corrected); an HTML
page named .jpg is refused, as is anything else that is not JPEG, PNG or PDF, an empty file, a file
over the limit, and a PDF that carries scripts or launch actions.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MB

# content type -> (magic prefix, extension used for the download name)
TYPES = {
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "application/pdf": (b"%PDF-", ".pdf"),
}
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|SubmitForm|ImportData|XFA)\b")
_PDF_ACTIVE_NAMES = frozenset({"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
                               "/SubmitForm", "/ImportData", "/XFA"})
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


class EvidenceRefused(ValueError):
    """The file is not accepted as evidence; ``message`` is for the operator (Chinese / English)."""

    def __init__(self, zh: str, en: str, code: str):
        super().__init__(f"{zh} / {en}")
        self.message, self.code = f"{zh} / {en}", code


@dataclass(frozen=True)
class EvidenceFile:
    filename: str  # cleaned, with the extension of the real type
    data: bytes
    content_type: str


def sniff(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The content type of an acceptable evidence file, or EvidenceRefused."""
    if not data:
        raise EvidenceRefused("文件是空的，请重新选择", "the file is empty", "empty")
    if len(data) > max_bytes:
        raise EvidenceRefused(f"文件大小超过上限{max_bytes / MB:.0f} MB，请压缩图片或拆分PDF后再上传",
                              f"the file is over the {max_bytes / MB:.0f} MB limit", "too_large")
    for content_type, (magic, _ext) in TYPES.items():
        if data.startswith(magic):
            break
    else:
        raise EvidenceRefused("只接受JPEG、PNG照片或PDF文件（按文件内容判断，不看扩展名）",
                              "only JPEG, PNG or PDF files are accepted (judged by the content, not the name)",
                              "type")
    if content_type == "image/png" and data[12:16] != b"IHDR":
        raise EvidenceRefused("PNG图片已损坏", "the PNG image is damaged", "corrupt")
    if content_type == "image/jpeg" and len(data) < 128:
        raise EvidenceRefused("JPEG图片已损坏", "the JPEG image is damaged", "corrupt")
    if content_type == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise EvidenceRefused("PDF文件不完整或已损坏，请重新导出", "the PDF is truncated or damaged", "corrupt")
        if _pdf_is_active(data):
            raise EvidenceRefused("PDF含有脚本、附件或启动动作，不予接收；请“打印为PDF”后重新上传",
                                  "the PDF carries scripts, attachments or launch actions", "active_pdf")
    return content_type


def _pdf_is_active(data: bytes) -> bool:
    """Whether the PDF carries scripts, attachments, forms that send or launch actions.

    Names may be written with #xx escapes (/J#61vaScript is /JavaScript) and objects may sit compressed in
    object streams, so the bytes are searched with escapes decoded, and a PDF with object streams has its
    parsed object tree walked from the trailer (pypdf decodes names and object streams) for any of those
    names, as a key or a value; if it cannot be parsed it is refused as damaged.
    """
    decoded = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    if _PDF_ACTIVE.search(decoded):
        return True
    if b"/ObjStm" not in decoded:  # every object is written out in the bytes just searched
        return False
    import io

    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        stack, seen = [reader.trailer], set()
        while stack:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                if (obj.idnum, obj.generation) in seen:
                    continue
                seen.add((obj.idnum, obj.generation))
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject):
                for key, value in obj.items():
                    if key in _PDF_ACTIVE_NAMES or (isinstance(value, NameObject) and value in _PDF_ACTIVE_NAMES):
                        return True
                    stack.append(value)
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)
            elif isinstance(obj, NameObject) and obj in _PDF_ACTIVE_NAMES:
                return True
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise EvidenceRefused("PDF文件已损坏，无法读取，请重新导出", "the PDF is damaged and cannot be read",
                              "corrupt") from exc
    return False


def clean_filename(filename: str, content_type: str) -> str:
    """A display name safe in a header and on a page: no path, no control characters, the real extension."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*;')
    stem = name.rsplit(".", 1)[0].strip(" .") if "." in name else name.strip(" .")
    return (stem[:100] or "evidence") + TYPES[content_type][1]


def check(filename: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> EvidenceFile:
    content_type = sniff(data, max_bytes=max_bytes)
    return EvidenceFile(clean_filename(filename, content_type), data, content_type)
