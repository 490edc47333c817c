"""OFD (GB/T 33190-2016) from a finished PDF, page by page, from the PDF's own layout.

The PDF typst wrote is the layout: every glyph, rule and chart image is put in
the OFD where the PDF put it, so the two documents look the same. pdfminer.six
reads the PDF's objects (cross references, streams, resources); the page
content streams are run by a small interpreter of this module, which keeps only
what OFD needs (pdfminer's own interpreter takes about twice the time of the
whole conversion).

What is written:

- ``OFD.xml``: the document's metadata (``DocInfo``) and where its root is.
- ``Doc_0/Document.xml``: page area, resource files, the list of pages.
- ``Doc_0/PublicRes.xml``: the fonts. Each is the subset the PDF embeds
  (a CID-keyed CFF for typst's CJK fonts, or a TrueType subset), wrapped
  into an OpenType file with a ``cmap`` built from the PDF's ``ToUnicode``,
  so that an OFD reader maps the text back to the glyphs. Nothing is
  subset again.
- ``Doc_0/DocumentRes.xml``: the images (charts), as PNG or JPEG files.
- ``Doc_0/Pages/Page_N/Content.xml``: one layer of text, path and image
  objects per page, in the order the PDF paints them. Text keeps its
  Unicode; every glyph sits at its PDF position (``TextCode`` ``X``,
  ``Y`` = baseline, ``DeltaX``). A glyph that the font's ``cmap`` would not
  give for its text (a ligature, a second glyph for one character) is
  named by a ``CGTransform``.

Coordinates are millimetres from the page's top left corner (PDF points times
25.4/72, y flipped). The zip is written with fixed timestamps in sorted order:
the same PDF and metadata give the same bytes.

Not carried over: clipping paths, shadings and patterns (their area is left
empty), annotations and links, outlines, vertical writing, Type 3 fonts and
simple (non-CID) fonts; a PDF using the last three raises :class:`OfdError`.
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import io
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..settings.errors import OfdError

OFD_NS = "http://www.ofdspec.org/2016"
PT_TO_MM = 25.4 / 72
CREATOR = "nianbao"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # every entry's timestamp: the zip depends only on its content

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mult(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's row-vector convention: ``m × n``)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _num(value: float) -> str:
    """A number in OFD's text form: at most three decimals (1 µm), no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --------------------------------------------------------------------------- content stream tokens

_WS = b"\x00\t\n\x0c\r "
# One match per token, the white space and comments before it included.
_TOKEN = re.compile(
    rb"""(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*(?:
    (?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))
    |(?P<op>[A-Za-z'"*][^\x00\t\n\x0c\r ()<>\[\]{}/%]*)
    |/(?P<name>[^\x00\t\n\x0c\r ()<>\[\]{}/%]*)
    |(?P<str>\([^\\()]*(?:\\.[^\\()]*)*\))
    |(?P<dict><<|>>)
    |<(?P<hex>[0-9A-Fa-f\x00\t\n\x0c\r ]*)>
    |(?P<arr>[\[\]{}])
    |(?P<paren>\()
    |(?P<other>[^\x00\t\n\x0c\r ]))""",
    re.X | re.S,
)
_MCID = re.compile(rb"<</MCID \d+>>[\x00\t\n\x0c\r ]*BDC")
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|[\r\n]|.)", re.S)
# what Python's escape_decode reads as PDF does: \ddd, \n \r \t \b \f \\, \ before a newline
_PLAIN_ESCAPES = re.compile(rb"(?:[^\\]|\\[0-7nrtbf\\\n])*", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_NAME_HEX = re.compile(r"#([0-9A-Fa-f]{2})")


def _unescape(raw: bytes) -> bytes:
    def one(m: re.Match) -> bytes:
        s = m.group(1)
        if s[:1].isdigit():
            return bytes((int(s, 8) & 0xFF,))
        if s in (b"\r", b"\n", b"\r\n"):
            return b""
        return _ESCAPES.get(s, s)

    if b"\\" not in raw:
        return raw
    if _PLAIN_ESCAPES.fullmatch(raw):  # octal codes and \n-style escapes only: decoded in C
        return codecs.escape_decode(raw)[0]
    return _ESCAPE.sub(one, raw)


def _nested_string(data: bytes, pos: int) -> tuple[bytes, int]:
    """A literal string with unescaped nested parentheses, from the ``(`` at ``pos``."""
    depth, i, n = 0, pos, len(data)
    while i < n:
        ch = data[i]
        if ch == 0x5C:  # backslash
            i += 2
            continue
        if ch == 0x28:
            depth += 1
        elif ch == 0x29:
            depth -= 1
            if depth == 0:
                return _unescape(data[pos + 1:i]), i + 1
        i += 1
    return _unescape(data[pos + 1:]), n


def _operations(data: bytes) -> list[tuple[str, list]]:
    """``(operator, operands)`` of a content stream; inline images come as ``("BI", [dict, data])``.

    All tokens are found in one ``findall``; a stream with an inline image or a
    string with nested parentheses (neither of which typst writes) is read token
    by token instead.
    """
    out: list[tuple[str, list]] = []
    stack: list[list] = [[]]
    top = stack[0]
    data = _MCID.sub(b" BMC", data)  # typst tags every span: /Span<</MCID n>>BDC, a third of all tokens
    for num, op, name, string, dic, hexa, arr, paren, _other in _TOKEN.findall(data):
        if num:
            top.append(float(num) if b"." in num else int(num))
        elif string:
            top.append(_unescape(string[1:-1]) if b"\\" in string else string[1:-1])
        elif op:
            if len(stack) > 1:
                top.append({b"true": True, b"false": False}.get(op))
            elif op == b"BI":
                return list(_operations_slow(data))
            else:
                out.append((op.decode("latin-1"), top))
                top = stack[0] = []
        elif name or (not (dic or hexa or arr or paren or _other)):
            name = name.decode("latin-1")
            top.append(_NAME_HEX.sub(lambda h: chr(int(h.group(1), 16)), name) if "#" in name else name)
        elif arr:
            if arr in (b"[", b"{"):
                stack.append([])
            elif len(stack) > 1:
                items = stack.pop()
                stack[-1].append(items)
            top = stack[-1]
        elif dic:
            if dic == b"<<":
                stack.append([_DICT])
            elif len(stack) > 1:
                items = stack.pop()[1:]
                stack[-1].append(dict(zip(items[::2], items[1::2])))
            top = stack[-1]
        elif paren:
            return list(_operations_slow(data))
        elif _other:
            continue
        else:  # hex string (possibly empty)
            digits = re.sub(rb"[^0-9A-Fa-f]", b"", hexa)
            top.append(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
    return out


def _operations_slow(data: bytes) -> Iterator[tuple[str, list]]:
    """:func:`_operations` token by token, with inline images and nested parentheses."""
    stack: list[list] = [[]]
    pos, n = 0, len(data)
    while pos < n:
        restart = None
        for m in _TOKEN.finditer(data, pos):
            kind = m.lastgroup
            top = stack[-1]
            if kind == "num":
                text = m.group("num")
                top.append(float(text) if b"." in text else int(text))
            elif kind == "op":
                op = m.group("op").decode("latin-1")
                if len(stack) > 1:  # true, false, null inside an array or dictionary
                    top.append({"true": True, "false": False}.get(op))
                elif op == "BI":
                    restart = _inline_image(data, m.end())
                    yield "BI", restart[1]
                    stack = [[]]
                    break
                else:
                    yield op, top
                    stack = [[]]
            elif kind == "str":
                top.append(_unescape(m.group("str")[1:-1]))
            elif kind == "name":
                name = m.group("name").decode("latin-1")
                top.append(_NAME_HEX.sub(lambda h: chr(int(h.group(1), 16)), name) if "#" in name else name)
            elif kind == "arr":
                if m.group("arr") in (b"[", b"{"):
                    stack.append([])
                elif len(stack) > 1:
                    items = stack.pop()
                    stack[-1].append(items)
            elif kind == "dict":
                if m.group("dict") == b"<<":
                    stack.append([_DICT])
                elif len(stack) > 1:
                    items = stack.pop()[1:]
                    stack[-1].append(dict(zip(items[::2], items[1::2])))
            elif kind == "hex":
                digits = re.sub(rb"[^0-9A-Fa-f]", b"", m.group("hex"))
                top.append(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
            elif kind == "paren":  # a string with nested parentheses
                value, end = _nested_string(data, m.start("paren"))
                top.append(value)
                restart = (end, None)
                break
            # "other" (a stray delimiter) and trailing white space are skipped
        else:
            return
        pos = restart[0]


def _inline_image(data: bytes, pos: int) -> tuple[int, list]:
    """From after ``BI``: where the image ends (after ``EI``), and ``[dict, raw data]``."""
    n = len(data)
    end = data.find(b"ID", pos)
    if end < 0:
        return n, [{}, b""]
    pairs = next(iter(_operations_slow(data[pos:end] + b" x")), ("", []))[1]
    start = stop = end + 3
    while True:
        stop = data.find(b"EI", stop)
        if stop < 0 or (data[stop - 1:stop] in (b"\n", b"\r", b" ", b"\t")
                        and (stop + 2 >= n or data[stop + 2] in _WS)):
            break
        stop += 2
    stop = n if stop < 0 else stop
    return stop + 2, [dict(zip(pairs[::2], pairs[1::2])), data[start:stop]]


_DICT = object()


# --------------------------------------------------------------------------- PDF objects (pdfminer.six)


def _resolve(obj: Any) -> Any:
    from pdfminer.pdftypes import resolve1

    return resolve1(obj)


def _dict(obj: Any) -> dict:
    obj = _resolve(obj)
    return obj if isinstance(obj, dict) else {}


def _name(obj: Any) -> str:
    obj = _resolve(obj)
    return getattr(obj, "name", obj) if obj is not None else ""


def _stream(obj: Any):
    from pdfminer.pdftypes import PDFStream

    obj = _resolve(obj)
    return obj if isinstance(obj, PDFStream) else None


def _stream_data(obj: Any) -> bytes:
    stream = _stream(obj)
    return stream.get_data() if stream is not None else b""


# --------------------------------------------------------------------------- fonts

_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_HEXES = re.compile(rb"<([0-9A-Fa-f\s]*)>|\[([^\]]*)\]")


def _utf16(hexdigits: bytes) -> str:
    raw = bytes.fromhex(re.sub(rb"\s", b"", hexdigits).decode())
    return raw.decode("utf-16-be", "replace")


def parse_to_unicode(data: bytes) -> dict[int, str]:
    """Character code to text, from a ``ToUnicode`` CMap (``bfchar`` and ``bfrange`` sections)."""
    out: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        items = [m.group(1) for m in _HEXES.finditer(block)]
        for code, text in zip(items[::2], items[1::2]):
            if code is not None and text is not None:
                out[int(re.sub(rb"\s", b"", code) or b"0", 16)] = _utf16(text)
    for block in _BFRANGE.findall(data):
        items = list(_HEXES.finditer(block))
        for i in range(0, len(items) - 2, 3):
            lo = int(re.sub(rb"\s", b"", items[i].group(1) or b"0") or b"0", 16)
            hi = int(re.sub(rb"\s", b"", items[i + 1].group(1) or b"0") or b"0", 16)
            target = items[i + 2]
            if target.group(2) is not None:  # [<..> <..> ...]: one text per code
                texts = re.findall(rb"<([0-9A-Fa-f\s]*)>", target.group(2))
                for code, text in zip(range(lo, hi + 1), texts):
                    out[code] = _utf16(text)
            else:
                start = _utf16(target.group(1))
                if not start:
                    continue
                for k, code in enumerate(range(lo, min(hi, lo + 0xFFFF) + 1)):
                    out[code] = start[:-1] + chr(min(ord(start[-1]) + k, 0x10FFFF))
    return out


def _parse_widths(w: Any, scale: float) -> dict[int, float]:
    """A CIDFont's ``/W`` array: CID to advance width in text space (``scale`` = 1/1000)."""
    out: dict[int, float] = {}
    items = [_resolve(x) for x in (_resolve(w) or [])]
    i = 0
    while i + 1 < len(items):
        first, second = items[i], items[i + 1]
        if isinstance(second, list):
            for k, width in enumerate(second):
                out[int(first) + k] = float(_resolve(width)) * scale
            i += 2
        elif i + 2 < len(items):
            for cid in range(int(first), int(second) + 1):
                out[cid] = float(items[i + 2]) * scale
            i += 3
        else:
            break
    return out


@dataclass
class _Font:
    """A Type0 font of the PDF, as far as OFD needs it."""

    objid: int
    base_name: str
    widths: dict[int, float]
    default_width: float
    to_unicode: dict[int, str]
    kind: str  # "cff" (a bare CFF), "otf" (an OpenType file), "ttf" (TrueType)
    file: bytes
    cid_to_gid: dict[int, int] | None  # CIDFontType2 with a CIDToGIDMap stream; None for identity
    ascent: float
    descent: float
    bbox: tuple[float, float, float, float]
    italic: bool
    bold: bool
    res_id: int = 0
    # filled when the OpenType file is built
    glyph_of_cid: dict[int, int] = field(default_factory=dict)
    cmap: dict[int, int] = field(default_factory=dict)  # code point -> glyph id

    @property
    def family(self) -> str:
        name = self.base_name.split("+", 1)[-1] if "+" in self.base_name[:7] else self.base_name
        for suffix in ("-Identity-H", "-Identity-V"):
            name = name.removesuffix(suffix)
        return name

    def decode(self, data: bytes) -> list[int]:
        return list(struct.unpack(f">{len(data) // 2}H", data[: len(data) // 2 * 2]))

    def width(self, cid: int) -> float:
        return self.widths.get(cid, self.default_width)

    def text(self, cid: int) -> str:
        return self.to_unicode.get(cid, "\ufffd")


def _load_font(objid: int, spec: dict) -> _Font:
    subtype = _name(spec.get("Subtype"))
    base = _name(spec.get("BaseFont")) or f"F{objid}"
    if subtype != "Type0":
        raise OfdError(f"PDF 中的字体 {base} 是 {subtype or '未知'} 字体；OFD 转换只支持 Type0（CID）字体，"
                       "请用 nianbao 的 typst 排版重新生成 PDF")
    encoding = _name(spec.get("Encoding"))
    if encoding != "Identity-H":
        raise OfdError(f"PDF 中的字体 {base} 用的编码是 {encoding or '未知'}；OFD 转换只支持横排的 Identity-H 编码，"
                       "请用 nianbao 的 typst 排版重新生成 PDF")
    descendants = _resolve(spec.get("DescendantFonts")) or []
    cidfont = _dict(descendants[0]) if descendants else {}
    descriptor = _dict(cidfont.get("FontDescriptor"))
    kind, file = "", b""
    if _stream(descriptor.get("FontFile3")) is not None:
        stream = _stream(descriptor.get("FontFile3"))
        sub = _name(stream.get("Subtype"))
        kind = "otf" if sub == "OpenType" else "cff"
        file = stream.get_data()
    elif _stream(descriptor.get("FontFile2")) is not None:
        kind, file = "ttf", _stream_data(descriptor.get("FontFile2"))
    if not file:
        raise OfdError(f"PDF 没有嵌入字体 {base}；OFD 须嵌入所用字体，请重新生成 PDF（typst 会嵌入全部字体）")
    cid_to_gid = None
    gidmap = _stream(cidfont.get("CIDToGIDMap"))
    if gidmap is not None:
        raw = gidmap.get_data()
        cid_to_gid = dict(enumerate(struct.unpack(f">{len(raw) // 2}H", raw[: len(raw) // 2 * 2])))
    to_unicode = parse_to_unicode(_stream_data(spec.get("ToUnicode")))
    bbox = tuple(float(_resolve(v)) for v in (_resolve(descriptor.get("FontBBox")) or [0, -200, 1000, 900]))
    flags = int(_resolve(descriptor.get("Flags")) or 0)
    weight = float(_resolve(descriptor.get("FontWeight")) or 0)
    return _Font(
        objid=objid,
        base_name=base,
        widths=_parse_widths(cidfont.get("W"), 0.001),
        default_width=float(_resolve(cidfont.get("DW")) or 1000) * 0.001,
        to_unicode=to_unicode,
        kind=kind,
        file=file,
        cid_to_gid=cid_to_gid,
        ascent=float(_resolve(descriptor.get("Ascent")) or bbox[3]),
        descent=float(_resolve(descriptor.get("Descent")) or bbox[1]),
        bbox=(bbox + (0.0, -200.0, 1000.0, 900.0))[:4] if len(bbox) < 4 else bbox[:4],
        italic=bool(flags & 64),
        bold=bool(flags & 0x40000) or weight >= 600 or "bold" in base.lower(),
    )


def _cmap_of(font: _Font, glyph_of_cid: dict[int, int]) -> dict[int, int]:
    """Code point to glyph id: for each single-character ``ToUnicode`` text, the lowest CID's glyph."""
    cmap: dict[int, int] = {}
    for cid in sorted(font.to_unicode):
        text = font.to_unicode[cid]
        gid = glyph_of_cid.get(cid)
        if len(text) == 1 and gid and ord(text) not in cmap and not 0xD800 <= ord(text) <= 0xDFFF:
            cmap[ord(text)] = gid
    return cmap


def _font_file(font: _Font) -> tuple[bytes, str]:
    """The font as an OpenType (``.otf``) or TrueType (``.ttf``) file whose cmap maps text to glyphs.

    Raises
    ------
    OfdError
        When the embedded font program cannot be read.
    """
    try:
        if font.kind in ("cff", "otf"):
            return _otf_from_cff(font), "otf"
        return _ttf_with_cmap(font), "ttf"
    except OfdError:
        raise
    except Exception as exc:
        raise OfdError(f"PDF 嵌入的字体 {font.family} 无法读取（{type(exc).__name__}：{exc}）；"
                       "请重新生成 PDF") from None


def _base_tables(fb, font: _Font, order: list[str], upm: int, advance: dict[str, int]) -> None:
    """head, hhea, hmtx, maxp, OS/2, name, post and cmap for ``order`` (fixed timestamps)."""
    scale = upm / 1000
    x0, y0, x1, y1 = (round(v * scale) for v in font.bbox)
    ascent, descent = round(font.ascent * scale), round(font.descent * scale)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({cp: order[gid] for cp, gid in font.cmap.items()})
    fb.setupHorizontalMetrics({name: (advance.get(name, upm), 0) for name in order})
    fb.setupHorizontalHeader(ascent=ascent, descent=descent)
    style = "Bold" if font.bold else "Regular"
    ps = re.sub(r"[^A-Za-z0-9-]", "", font.family)[:60] or f"F{font.res_id}"
    fb.setupNameTable({"familyName": font.family, "styleName": style, "uniqueFontIdentifier": f"nianbao:{ps}",
                       "fullName": font.family, "psName": ps, "version": "Version 1.000"})
    fb.setupOS2(version=4, sTypoAscender=ascent, sTypoDescender=descent, sTypoLineGap=0, usWinAscent=max(y1, ascent),
                usWinDescent=max(-y0, -descent), achVendID="NONE", fsType=0,
                usWeightClass=700 if font.bold else 400, fsSelection=(0x20 if font.bold else 0x40) | 0x80,
                ulCodePageRange1=(1 << 18), ulUnicodeRange1=1, ulUnicodeRange2=(1 << 27) | (1 << 28))
    fb.setupPost(keepGlyphNames=False)
    fb.updateHead(xMin=x0, yMin=y0, xMax=x1, yMax=y1, created=0, modified=0, fontRevision=1.0,
                  macStyle=(1 if font.bold else 0) | (2 if font.italic else 0))


def _save(tt) -> bytes:
    tt.recalcBBoxes = False
    tt.recalcTimestamp = False
    buf = io.BytesIO()
    tt.save(buf, reorderTables=False)
    return buf.getvalue()


def _otf_from_cff(font: _Font) -> bytes:
    """The PDF's CFF program, byte for byte, as the ``CFF`` table of a new OpenType file."""
    from fontTools.cffLib import CFFFontSet
    from fontTools.fontBuilder import FontBuilder
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables.DefaultTable import DefaultTable

    if font.kind == "otf":  # already OpenType: take its CFF table
        cff = TTFont(io.BytesIO(font.file)).reader["CFF "]
    else:
        cff = font.file
    cffset = CFFFontSet()
    cffset.decompile(io.BytesIO(cff), None)
    top = cffset[cffset.fontNames[0]]
    order = list(top.getGlyphOrder())
    matrix = top.rawDict.get("FontMatrix") or [0.001]
    upm = max(16, min(16384, round(1 / matrix[0]))) if matrix[0] else 1000
    if "ROS" in top.rawDict:  # CID-keyed: glyph names are cidNNNNN
        glyph_of_cid = {0: 0, **{int(name[3:]): gid for gid, name in enumerate(order) if name.startswith("cid")}}
    else:
        glyph_of_cid = {gid: gid for gid in range(len(order))}
    font.glyph_of_cid = glyph_of_cid
    font.cmap = _cmap_of(font, glyph_of_cid)
    advance = {order[gid]: round(font.width(cid) * upm) for cid, gid in glyph_of_cid.items() if gid < len(order)}
    fb = FontBuilder(upm, isTTF=False)
    _base_tables(fb, font, order, upm, advance)
    fb.setupMaxp()
    raw = DefaultTable("CFF ")
    raw.data = cff
    fb.font["CFF "] = raw
    return _save(fb.font)


def _ttf_with_cmap(font: _Font) -> bytes:
    """The PDF's TrueType subset with a new ``cmap`` (and the tables a subset may lack)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.ttLib import TTFont

    tt = TTFont(io.BytesIO(font.file))
    order = tt.getGlyphOrder()
    n = len(order)
    if font.cid_to_gid is None:
        glyph_of_cid = {cid: cid for cid in range(n)}
    else:
        glyph_of_cid = {cid: gid for cid, gid in font.cid_to_gid.items() if gid < n}
    font.glyph_of_cid = glyph_of_cid
    font.cmap = _cmap_of(font, glyph_of_cid)
    upm = tt["head"].unitsPerEm
    fb = FontBuilder(font=tt, isTTF=True)
    fb.setupCharacterMap({cp: order[gid] for cp, gid in font.cmap.items()})
    if "name" not in tt or "OS/2" not in tt or "post" not in tt:
        scale = upm / 1000
        ascent, descent = round(font.ascent * scale), round(font.descent * scale)
        ps = re.sub(r"[^A-Za-z0-9-]", "", font.family)[:60] or f"F{font.res_id}"
        if "name" not in tt:
            fb.setupNameTable({"familyName": font.family, "styleName": "Bold" if font.bold else "Regular",
                               "psName": ps})
        if "OS/2" not in tt:
            fb.setupOS2(sTypoAscender=ascent, sTypoDescender=descent, usWinAscent=ascent,
                        usWinDescent=-descent, achVendID="NONE", fsType=0)
        if "post" not in tt:
            fb.setupPost(keepGlyphNames=False)
    tt["head"].created = tt["head"].modified = 0
    return _save(tt)


# --------------------------------------------------------------------------- page content


@dataclass
class _Glyph:
    font: _Font
    cid: int
    text: str
    x: float  # origin, PDF user space (points, y up)
    y: float
    size: float  # font size in user space (points)
    advance: float  # horizontal advance in user space
    style: tuple  # (fill RGB, stroke RGB, render mode, alpha, horizontal scale)


@dataclass
class _Path:
    segments: list[tuple]  # ("M", x, y) ("L", x, y) ("B", x1, y1, x2, y2, x3, y3) ("C",), user space
    stroke: bool
    fill: bool
    even_odd: bool
    line_width: float
    stroke_color: tuple[int, int, int]
    fill_color: tuple[int, int, int]
    cap: int
    join: int
    miter: float
    dash: tuple[list[float], float]
    alpha: int


@dataclass
class _Image:
    key: int  # the image resource's OFD ID
    ctm: Matrix


@dataclass
class _Media:
    res_id: int
    data: bytes
    ext: str  # "png" or "jpg"


# operators that set one field of the graphics or text state: operator -> (field, its value from the operand)
STATE_OPERATORS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "w": ("line_width", float), "J": ("cap", int), "j": ("join", int), "M": ("miter", float),
    "Tc": ("char_space", float), "Tw": ("word_space", float), "Tz": ("scaling", lambda v: float(v) / 100),
    "TL": ("leading", float), "Ts": ("rise", float), "Tr": ("render", int),
}


@dataclass
class _GState:
    ctm: Matrix = _IDENTITY
    line_width: float = 1.0
    cap: int = 0
    join: int = 0
    miter: float = 10.0
    dash: tuple = ((), 0.0)
    fill_space: str = "DeviceGray"
    stroke_space: str = "DeviceGray"
    fill: tuple[int, int, int] = (0, 0, 0)
    stroke: tuple[int, int, int] = (0, 0, 0)
    fill_alpha: int = 255
    stroke_alpha: int = 255
    # text state (part of the graphics state in PDF)
    font: _Font | None = None
    font_size: float = 0.0
    char_space: float = 0.0
    word_space: float = 0.0
    scaling: float = 1.0
    leading: float = 0.0
    rise: float = 0.0
    render: int = 0

    def copy(self) -> _GState:
        new = object.__new__(_GState)
        new.__dict__.update(self.__dict__)
        return new


# Operators that change nothing OFD keeps: marked content, clipping, rendering intent, flatness, shadings.
_IGNORED = frozenset({"BDC", "BMC", "EMC", "MP", "DP", "ET", "W", "W*", "ri", "i", "sh", "BX", "EX"})


def _components(space: Any) -> tuple[str, int]:
    """A colour space's family and number of components."""
    space = _resolve(space)
    if isinstance(space, list) and space:
        family = _name(space[0])
        if family == "ICCBased":
            stream = _stream(space[1])
            return family, int(_resolve(stream.get("N")) or 3) if stream is not None else 3
        if family in ("Indexed", "I"):
            return family, 1
        if family in ("Separation", "DeviceN", "Pattern"):
            return family, 1
        return _components(space[0])
    family = _name(space)
    return family, {"DeviceRGB": 3, "RGB": 3, "CalRGB": 3, "DeviceCMYK": 4, "CMYK": 4, "Lab": 3}.get(family, 1)


def _rgb(values: list, count: int, family: str = "") -> tuple[int, int, int]:
    nums = [float(v) for v in values if isinstance(v, (int, float))][:count] or [0.0]
    nums = [min(1.0, max(0.0, v)) for v in nums]
    if family == "Separation" and len(nums) == 1:  # a tint: 1 is full ink (taken as black)
        nums = [1 - nums[0]]
    if len(nums) >= 4:
        c, m, y, k = nums[:4]
        rgb = ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    elif len(nums) == 3:
        rgb = tuple(nums)
    else:
        rgb = (nums[0],) * 3
    return tuple(round(v * 255) for v in rgb)  # type: ignore[return-value]


class _Reader:
    """Runs the content streams of a PDF's pages, collecting glyphs, paths and images."""

    def __init__(self) -> None:
        self.fonts: dict[int, _Font] = {}
        self.media: dict[int, _Media] = {}  # image stream objid -> media
        self.next_id = 1  # OFD IDs of resources; pages and objects are numbered after them

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    # ---------------------------------------------------------------- resources
    def font(self, resources: dict, name: str) -> _Font:
        ref = _dict(resources.get("Font")).get(name)
        objid = getattr(ref, "objid", id(ref))
        if objid not in self.fonts:
            spec = _dict(ref)
            if not spec:
                raise OfdError(f"PDF 页面引用了不存在的字体 /{name}；PDF 已损坏，请重新生成")
            font = _load_font(objid, spec)
            font.res_id = self._new_id()
            self.fonts[objid] = font
        return self.fonts[objid]

    def image(self, ref: Any, stream) -> _Media:
        objid = getattr(ref, "objid", id(stream))
        if objid not in self.media:
            data, ext = _image_file(stream)
            self.media[objid] = _Media(self._new_id(), data, ext)
        return self.media[objid]

    # ---------------------------------------------------------------- pages
    def page(self, page) -> tuple[tuple[float, float, float, float], list]:
        box = [float(_resolve(v)) for v in (_resolve(page.cropbox) or _resolve(page.mediabox))]
        if int(_resolve(page.attrs.get("Rotate")) or 0) % 360:
            raise OfdError("PDF 页面带旋转（/Rotate）；OFD 转换只支持不旋转的页面，请重新生成 PDF")
        items: list = []
        data = b"".join(_stream_data(s) + b"\n" for s in (page.contents or []))
        self._run(data, _dict(page.resources), _GState(), items, depth=0)
        return (box[0], box[1], box[2], box[3]), items

    def _run(self, data: bytes, resources: dict, gs: _GState, items: list, depth: int) -> None:
        stack: list[_GState] = []
        path: list[tuple] = []
        tm = tlm = _IDENTITY
        fonts: dict[str, _Font] = {}
        spaces: dict[str, tuple[str, int]] = {}
        colors: dict[tuple, tuple[int, int, int]] = {}
        for op, args in _operations(data):
            if op in _IGNORED:
                continue
            try:
                if op in ("Tj", "TJ", "'", '"'):
                    if op == "'" or op == '"':
                        if op == '"':
                            gs.word_space, gs.char_space = float(args[0]), float(args[1])
                        tlm = tm = (tlm[0], tlm[1], tlm[2], tlm[3],
                                    tlm[4] - gs.leading * tlm[2], tlm[5] - gs.leading * tlm[3])
                    seq = args[-1] if op == "TJ" else [args[-1]]
                    tm = self._show(seq if isinstance(seq, list) else [seq], gs, tm, items)
                elif op == "Tm":
                    tlm = tm = tuple(float(v) for v in args[:6])  # type: ignore[assignment]
                elif op in ("Td", "TD"):
                    tx, ty = float(args[0]), float(args[1])
                    if op == "TD":
                        gs.leading = -ty
                    tlm = tm = (tlm[0], tlm[1], tlm[2], tlm[3],
                                tx * tlm[0] + ty * tlm[2] + tlm[4], tx * tlm[1] + ty * tlm[3] + tlm[5])
                elif op == "T*":
                    tlm = tm = (tlm[0], tlm[1], tlm[2], tlm[3],
                                tlm[4] - gs.leading * tlm[2], tlm[5] - gs.leading * tlm[3])
                elif op == "Tf":
                    gs.font = fonts.get(args[0]) or fonts.setdefault(args[0], self.font(resources, args[0]))
                    gs.font_size = float(args[1])
                elif op == "BT":
                    tm = tlm = _IDENTITY
                elif op == "q":
                    stack.append(gs.copy())
                elif op == "Q":
                    if stack:
                        gs = stack.pop()
                elif op == "cm":
                    gs.ctm = _mult(tuple(float(v) for v in args[:6]), gs.ctm)  # type: ignore[arg-type]
                elif op in ("m", "l"):
                    x, y = _apply(gs.ctm, float(args[0]), float(args[1]))
                    path.append(("M" if op == "m" else "L", x, y))
                elif op in ("c", "v", "y"):
                    pts = [float(v) for v in args]
                    last = path[-1][-2:] if path and path[-1][0] != "C" else (0.0, 0.0)
                    if op == "c":
                        p1, p2, p3 = _apply(gs.ctm, *pts[0:2]), _apply(gs.ctm, *pts[2:4]), _apply(gs.ctm, *pts[4:6])
                    elif op == "v":
                        p1, p2, p3 = last, _apply(gs.ctm, *pts[0:2]), _apply(gs.ctm, *pts[2:4])
                    else:
                        p1, p3 = _apply(gs.ctm, *pts[0:2]), _apply(gs.ctm, *pts[2:4])
                        p2 = p3
                    path.append(("B", *p1, *p2, *p3))
                elif op == "re":
                    x, y, w, h = (float(v) for v in args[:4])
                    corners = [_apply(gs.ctm, *p) for p in ((x, y), (x + w, y), (x + w, y + h), (x, y + h))]
                    path += [("M", *corners[0]), *(("L", *p) for p in corners[1:]), ("C",)]
                elif op == "h":
                    path.append(("C",))
                elif op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
                    if op in ("s", "b", "b*"):
                        path.append(("C",))
                    if op != "n" and path:
                        items.append(self._path(path, gs, stroke=op in ("S", "s", "B", "B*", "b", "b*"),
                                                fill=op not in ("S", "s"), even_odd=op.endswith("*")))
                    path = []
                elif op in STATE_OPERATORS:
                    name, convert = STATE_OPERATORS[op]
                    setattr(gs, name, convert(args[0]))
                elif op == "d":
                    gs.dash = ([float(v) for v in args[0]], float(args[1]))
                elif op in ("cs", "CS"):
                    family = args[0]
                    if family not in spaces:
                        spaces[family] = _components(_dict(resources.get("ColorSpace")).get(family, family))
                    fam, count = spaces[family]
                    if op == "cs":  # a new colour space starts at black
                        gs.fill_space, gs.fill = f"{fam}:{count}", (0, 0, 0)
                    else:
                        gs.stroke_space, gs.stroke = f"{fam}:{count}", (0, 0, 0)
                elif op in ("sc", "scn", "SC", "SCN"):
                    space = gs.fill_space if op in ("sc", "scn") else gs.stroke_space
                    key = (space, *args)
                    rgb = colors.get(key)
                    if rgb is None:
                        fam, _, count = space.partition(":")
                        rgb = colors[key] = _rgb(args, int(count or 1), fam)
                    if op in ("sc", "scn"):
                        gs.fill = rgb
                    else:
                        gs.stroke = rgb
                elif op in ("g", "G", "rg", "RG", "k", "K"):
                    count = {"g": 1, "rg": 3, "k": 4}[op.lower()]
                    space = {"g": "DeviceGray", "rg": "DeviceRGB", "k": "DeviceCMYK"}[op.lower()]
                    rgb = _rgb(args, count)
                    if op.islower():
                        gs.fill, gs.fill_space = rgb, f"{space}:{count}"
                    else:
                        gs.stroke, gs.stroke_space = rgb, f"{space}:{count}"
                elif op == "gs":
                    self._ext_gstate(_dict(_dict(resources.get("ExtGState")).get(args[0])), gs)
                elif op == "Do":
                    self._xobject(resources, args[0], gs, items, depth)
                elif op == "BI":
                    pass  # inline images: not carried over (typst does not write them)
                elif op in ("d0", "d1"):
                    raise OfdError("PDF 用了 Type 3 字体；OFD 转换不支持，请用 nianbao 的 typst 排版重新生成 PDF")
            except (IndexError, ValueError, TypeError, struct.error):
                continue  # a malformed operation is skipped, as viewers do

    def _ext_gstate(self, state: dict, gs: _GState) -> None:
        for key, value in state.items():
            value = _resolve(value)
            if key == "LW":
                gs.line_width = float(value)
            elif key == "LC":
                gs.cap = int(value)
            elif key == "LJ":
                gs.join = int(value)
            elif key == "ML":
                gs.miter = float(value)
            elif key == "D" and isinstance(value, list) and len(value) == 2:
                gs.dash = ([float(_resolve(v)) for v in _resolve(value[0])], float(_resolve(value[1])))
            elif key == "CA":
                gs.stroke_alpha = round(float(value) * 255)
            elif key == "ca":
                gs.fill_alpha = round(float(value) * 255)
            elif key == "Font" and isinstance(value, list) and len(value) == 2:
                ref = value[0]
                objid = getattr(ref, "objid", id(ref))
                if objid not in self.fonts:
                    font = _load_font(objid, _dict(ref))
                    font.res_id = self._new_id()
                    self.fonts[objid] = font
                gs.font, gs.font_size = self.fonts[objid], float(value[1])

    def _show(self, seq: list, gs: _GState, tm: Matrix, items: list) -> Matrix:
        font = gs.font
        if font is None:
            raise OfdError("PDF 在设定字体（Tf）之前就写了文字；PDF 已损坏，请重新生成")
        fs, th = gs.font_size, gs.scaling
        a, b, c, d, e, f = m = _mult(tm, gs.ctm)
        scale_y = math.hypot(c, d)
        size = fs * scale_y
        hscale = th * math.hypot(a, b) / scale_y if scale_y else 1.0
        style = (gs.fill, gs.stroke, gs.render % 4, gs.fill_alpha, round(hscale, 4))
        upright = abs(b) < 1e-9 and abs(c) < 1e-9 and a > 0 and d > 0
        if not upright:
            style = (*style, tuple(round(v / (scale_y or 1), 6) for v in m[:4]))
        rise, cs = gs.rise, gs.char_space
        x = 0.0
        for item in seq:
            if isinstance(item, (int, float)):
                x -= item / 1000 * fs * th
                continue
            if not isinstance(item, bytes):
                continue
            for cid in font.decode(item):
                width = font.width(cid)
                advance = (width * fs + cs) * th
                items.append(_Glyph(font, cid, font.text(cid), a * x + c * rise + e, b * x + d * rise + f,
                                    size, advance * a if upright else advance * math.hypot(a, b), style))
                x += advance
        return (tm[0], tm[1], tm[2], tm[3], tm[4] + x * tm[0], tm[5] + x * tm[1])

    def _path(self, path: list[tuple], gs: _GState, *, stroke: bool, fill: bool, even_odd: bool) -> _Path:
        ctm = gs.ctm
        scale = math.sqrt(abs(ctm[0] * ctm[3] - ctm[1] * ctm[2])) or 1.0
        dash, phase = gs.dash
        return _Path(list(path), stroke, fill, even_odd, gs.line_width * scale, gs.stroke, gs.fill, gs.cap,
                     gs.join, gs.miter, ([v * scale for v in dash], phase * scale),
                     gs.stroke_alpha if stroke and not fill else gs.fill_alpha)

    def _xobject(self, resources: dict, name: str, gs: _GState, items: list, depth: int) -> None:
        ref = _dict(resources.get("XObject")).get(name)
        stream = _stream(ref)
        if stream is None:
            return
        subtype = _name(stream.get("Subtype"))
        if subtype == "Image":
            media = self.image(ref, stream)
            items.append(_Image(media.res_id, gs.ctm))
        elif subtype == "Form" and depth < 16:
            matrix = tuple(float(_resolve(v)) for v in (_resolve(stream.get("Matrix")) or _IDENTITY))
            inner = gs.copy()
            inner.ctm = _mult(matrix, gs.ctm)  # type: ignore[arg-type]
            self._run(stream.get_data(), _dict(stream.get("Resources")) or resources, inner, items, depth + 1)


def _png(width: int, height: int, mode: int, raw: bytes, channels: int) -> bytes:
    """A PNG of 8-bit samples (colour type ``mode``: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA)."""
    stride = width * channels
    rows = b"".join(b"\x00" + raw[i:i + stride] for i in range(0, stride * height, stride))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", width, height, 8, mode, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", _deflate(rows))
            + chunk(b"IEND", b""))


def _deflate(data: bytes) -> bytes:
    """zlib at level 1: for charts (flat colours) a third larger than level 6, three times faster."""
    return zlib.compress(data, 1)


def _image_file(stream) -> tuple[bytes, str]:
    """An image XObject as a PNG or JPEG file.

    Raises
    ------
    OfdError
        For an image this module cannot write (a bit depth other than 8, an unknown filter).
    """
    filters = _resolve(stream.get("Filter"))
    filters = [_name(f) for f in (filters if isinstance(filters, list) else [filters] if filters else [])]
    if filters and filters[-1] in ("DCTDecode", "DCT"):
        if len(filters) == 1:
            return stream.get_rawdata(), "jpg"
        raise OfdError("PDF 中有经多重压缩的 JPEG 图片；OFD 转换不支持，请重新生成 PDF")
    width, height = int(_resolve(stream.get("Width"))), int(_resolve(stream.get("Height")))
    bpc = int(_resolve(stream.get("BitsPerComponent")) or 8)
    family, count = _components(stream.get("ColorSpace"))
    raw = stream.get_data()
    if bpc != 8 or family in ("Indexed", "I", "Separation", "DeviceN") or count not in (1, 3, 4):
        from PIL import Image

        try:
            mode = {1: "L", 3: "RGB", 4: "CMYK"}[count] if bpc == 8 else "1" if bpc == 1 else None
            if family in ("Indexed", "I"):
                return _indexed_png(stream, width, height, bpc, raw), "png"
            if mode is None:
                raise KeyError(bpc)
            img = Image.frombytes(mode, (width, height), raw)
        except Exception:
            raise OfdError(f"PDF 中有 OFD 转换不支持的图片（{family}，每分量 {bpc} 位）；"
                           "请把图表存为 8 位 RGB 的 PNG 后重新生成 PDF") from None
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "PNG")
        return buf.getvalue(), "png"
    if count == 4:  # CMYK to RGB
        from PIL import Image

        raw = Image.frombytes("CMYK", (width, height), raw).convert("RGB").tobytes()
        count = 3
    smask = _stream(stream.get("SMask"))
    if smask is not None and (int(_resolve(smask.get("Width"))), int(_resolve(smask.get("Height")))) == (width, height):
        alpha = smask.get_data()
        px = width * height
        merged = bytearray(px * (count + 1))
        for k in range(count):
            merged[k::count + 1] = raw[k:px * count:count]
        merged[count::count + 1] = alpha[:px]
        return _png(width, height, 4 if count == 1 else 6, bytes(merged), count + 1), "png"
    return _png(width, height, 0 if count == 1 else 2, raw, count), "png"


def _indexed_png(stream, width: int, height: int, bpc: int, raw: bytes) -> bytes:
    from PIL import Image

    space = _resolve(stream.get("ColorSpace"))
    base_family, base_count = _components(space[1])
    lookup = _resolve(space[3])
    table = lookup if isinstance(lookup, bytes) else _stream_data(lookup)
    size = (width, height)
    img = Image.frombytes("P", size, raw) if bpc == 8 else Image.frombytes("P", size, raw, "raw", f"P;{bpc}")
    palette = [v for i in range(0, len(table), base_count) for v in _rgb(
        [b / 255 for b in table[i:i + base_count]], base_count, base_family)]
    img.putpalette(palette)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "PNG")
    return buf.getvalue()


# --------------------------------------------------------------------------- OFD XML


def _runs(glyphs: list[_Glyph]) -> Iterator[list[_Glyph]]:
    """Glyphs in drawing order, cut where font, size, style or baseline change, or the text goes back."""
    run: list[_Glyph] = []
    for g in glyphs:
        if run:
            last = run[-1]
            if (g.font is not last.font or abs(g.size - last.size) > 1e-3 or g.style != last.style
                    or abs(g.y - last.y) > 0.01 or g.x < last.x - 0.01 or len(g.style) > 5):
                yield run
                run = []
        run.append(g)
    if run:
        yield run


def _words(run: list[_Glyph]) -> Iterator[list[_Glyph]]:
    """A run cut at gaps wider than a fifth of the font size (where typst left a space or a cell ends)."""
    word: list[_Glyph] = []
    for g in run:
        if word and g.x - (word[-1].x + word[-1].advance) > 0.2 * g.size:
            yield word
            word = []
        word.append(g)
    if word:
        yield word


class _Writer:
    """Builds the XML parts of one OFD package."""

    def __init__(self, first_id: int) -> None:
        from lxml import etree

        self.etree = etree
        self.next_id = first_id

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id - 1)

    def el(self, parent, tag: str, text: str | None = None, **attrs: str):
        node = self.etree.SubElement(parent, f"{{{OFD_NS}}}{tag}", attrs) if parent is not None else \
            self.etree.Element(f"{{{OFD_NS}}}{tag}", attrs, nsmap={"ofd": OFD_NS})
        if text is not None:
            node.text = text
        return node

    def tostring(self, root) -> bytes:
        return self.etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def page(self, box: tuple[float, float, float, float], items: list) -> bytes:
        x0, y0, x1, y1 = box
        width, height = (x1 - x0) * PT_TO_MM, (y1 - y0) * PT_TO_MM
        root = self.el(None, "Page")
        area = self.el(root, "Area")
        self.el(area, "PhysicalBox", f"0 0 {_num(width)} {_num(height)}")
        layer = self.el(self.el(root, "Content"), "Layer", ID=self.new_id(), Type="Body")

        def to_mm(x: float, y: float) -> tuple[float, float]:
            return (x - x0) * PT_TO_MM, (y1 - y) * PT_TO_MM

        glyphs: list[_Glyph] = []
        for item in [*items, None]:
            if isinstance(item, _Glyph):
                glyphs.append(item)
                continue
            for run in _runs(glyphs):
                self.text_object(layer, run, to_mm)
            glyphs = []
            if isinstance(item, _Path):
                self.path_object(layer, item, to_mm)
            elif isinstance(item, _Image):
                self.image_object(layer, item, to_mm, height, y1)
        return self.tostring(root)

    def text_object(self, layer, run: list[_Glyph], to_mm) -> None:
        first = run[0]
        font, size, style = first.font, first.size, first.style
        fill, stroke, mode, alpha, hscale = style[:5]
        size_mm = size * PT_TO_MM
        origins = [to_mm(g.x, g.y) for g in run]
        end = to_mm(run[-1].x + run[-1].advance, run[-1].y)[0]
        top = max(font.bbox[3], font.ascent) / 1000 * size_mm
        bottom = -min(font.bbox[1], font.descent) / 1000 * size_mm
        left = min(o[0] for o in origins) - 0.1 * size_mm
        right = max(end, max(o[0] for o in origins)) + 0.1 * size_mm
        base = origins[0][1]
        bx, by = round(left, 3), round(base - top, 3)
        attrs = {"ID": self.new_id(), "Boundary": f"{_num(bx)} {_num(by)} {_num(right - bx)} {_num(top + bottom)}",
                 "Font": str(font.res_id), "Size": _num(size_mm)}
        if len(style) > 5:  # rotated or skewed text: the glyphs' own matrix, origin at the first glyph
            a, b, c, d = style[5]
            attrs["CTM"] = f"{_num(a)} {_num(-b)} {_num(-c)} {_num(d)} {_num(origins[0][0] - bx)} {_num(base - by)}"
        if hscale != 1.0 and len(style) == 5:
            attrs["HScale"] = _num(hscale)
        if mode in (1, 2):
            attrs["Stroke"] = "true"
        if mode in (1, 3):
            attrs["Fill"] = "false"
        if alpha != 255:
            attrs["Alpha"] = str(alpha)
        obj = self.el(layer, "TextObject", **attrs)
        self.el(obj, "FillColor", Value=" ".join(map(str, fill)))
        if mode in (1, 2):
            self.el(obj, "StrokeColor", Value=" ".join(map(str, stroke)))
        position = 0
        codes = []
        # A run with a glyph named by CGTransform stays one TextCode: its CodePosition is then
        # unambiguous (the standard does not say whether it counts across TextCodes).
        named = any(len(g.text) != 1 or font.cmap.get(ord(g.text)) != font.glyph_of_cid.get(g.cid, 0) for g in run)
        for word in [run] if named else _words(run):
            text = "".join(g.text for g in word)
            xs = [round(to_mm(g.x, g.y)[0] - bx, 3) for g in word]
            # CGTransform: glyphs the cmap would not give for their text
            for k, g in enumerate(word):
                gid = font.glyph_of_cid.get(g.cid, 0)
                if len(g.text) != 1 or font.cmap.get(ord(g.text)) != gid:
                    cg = self.el(obj, "CGTransform", CodePosition=str(position + sum(len(w.text) for w in word[:k])),
                                 CodeCount=str(len(g.text)), GlyphCount="1")
                    self.el(cg, "Glyphs", str(gid))
            position += len(text)
            deltas = []
            for k in range(1, len(word)):  # one DeltaX per character after the first
                step = xs[k] - xs[k - 1]
                deltas += [0.0] * (len(word[k - 1].text) - 1) + [step]
            rotated = "CTM" in attrs
            code_attrs = {"X": "0" if rotated else _num(xs[0]), "Y": "0" if rotated else _num(round(base - by, 3))}
            if deltas:
                code_attrs["DeltaX"] = " ".join(_num(v) for v in deltas)
            codes.append((text, code_attrs))
        for text, code_attrs in codes:  # TextCode after every CGTransform (the schema's order)
            self.el(obj, "TextCode", text, **code_attrs)

    def path_object(self, layer, path: _Path, to_mm) -> None:
        points = [to_mm(s[i], s[i + 1]) for s in path.segments for i in range(1, len(s), 2)]
        if not points:
            return
        pad = path.line_width * PT_TO_MM / 2 + 0.1 if path.stroke else 0.1
        bx = round(min(p[0] for p in points) - pad, 3)
        by = round(min(p[1] for p in points) - pad, 3)
        bw = max(p[0] for p in points) + pad - bx
        bh = max(p[1] for p in points) + pad - by
        parts = []
        for s in path.segments:
            if s[0] == "C":
                parts.append("C")
                continue
            coords = [to_mm(s[i], s[i + 1]) for i in range(1, len(s), 2)]
            parts.append(" ".join([s[0], *(f"{_num(x - bx)} {_num(y - by)}" for x, y in coords)]))
        attrs = {"ID": self.new_id(), "Boundary": f"{_num(bx)} {_num(by)} {_num(bw)} {_num(bh)}",
                 "LineWidth": _num(path.line_width * PT_TO_MM)}
        if path.cap:
            attrs["Cap"] = ("Butt", "Round", "Square")[min(path.cap, 2)]
        if path.join:
            attrs["Join"] = ("Miter", "Round", "Bevel")[min(path.join, 2)]
        attrs["MiterLimit"] = _num(path.miter)
        dash, phase = path.dash
        if dash and any(dash):
            attrs["DashPattern"] = " ".join(_num(v * PT_TO_MM) for v in dash)
            if phase:
                attrs["DashOffset"] = _num(phase * PT_TO_MM)
        if path.alpha != 255:
            attrs["Alpha"] = str(path.alpha)
        attrs["Stroke"] = "true" if path.stroke else "false"
        attrs["Fill"] = "true" if path.fill else "false"
        if path.even_odd:
            attrs["Rule"] = "Even-Odd"
        obj = self.el(layer, "PathObject", **attrs)
        if path.stroke:
            self.el(obj, "StrokeColor", Value=" ".join(map(str, path.stroke_color)))
        if path.fill:
            self.el(obj, "FillColor", Value=" ".join(map(str, path.fill_color)))
        self.el(obj, "AbbreviatedData", " ".join(parts))

    def image_object(self, layer, image: _Image, to_mm, height_mm: float, y1: float) -> None:
        a, b, c, d, e, f = image.ctm
        corners = [to_mm(*_apply(image.ctm, u, v)) for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))]
        bx, by = round(min(p[0] for p in corners), 3), round(min(p[1] for p in corners), 3)
        bw = max(p[0] for p in corners) - bx
        bh = max(p[1] for p in corners) - by
        # unit square (row 0 at the top, OFD's v down) to the page, less the boundary's origin
        top_left = to_mm(*_apply(image.ctm, 0, 1))
        k = PT_TO_MM
        ctm = (a * k, -b * k, -c * k, d * k, top_left[0] - bx, top_left[1] - by)
        self.el(layer, "ImageObject", ID=self.new_id(), Boundary=f"{_num(bx)} {_num(by)} {_num(bw)} {_num(bh)}",
                CTM=" ".join(_num(v) for v in ctm), ResourceID=str(image.key))


# --------------------------------------------------------------------------- the package


def _creation_date(created: datetime.date | str) -> str:
    if isinstance(created, datetime.datetime):
        return created.date().isoformat()
    if isinstance(created, datetime.date):
        return created.isoformat()
    try:
        return datetime.date.fromisoformat(str(created).strip()[:10]).isoformat()
    except ValueError:
        raise OfdError(f"OFD 的创建日期“{created}”不是 YYYY-MM-DD 格式的日期，请改正") from None


def _zip(parts: dict[str, bytes]) -> bytes:
    """The package: entries in sorted order, fixed timestamps and attributes (byte-stable)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            stored = name.endswith((".png", ".jpg"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.writestr(info, parts[name], compresslevel=None if stored else 1 if name.startswith("Doc_0/Res/") else 6)
    return buf.getvalue()


def ofd_parts(pdf_bytes: bytes, *, title: str, author: str, created: datetime.date | str,
              keywords: Iterable[str]) -> dict[str, bytes]:
    """The files of the OFD package of a PDF, by their names in the zip.

    Parameters
    ----------
    pdf_bytes : bytes
        The PDF file's content.
    title, author, created, keywords
        As for :func:`pdf_to_ofd`.

    Returns
    -------
    dict of str to bytes
        ``OFD.xml``, ``Doc_0/Document.xml``, the resource files, one
        ``Content.xml`` per page, and the fonts and images under ``Doc_0/Res/``.

    Raises
    ------
    OfdError
        When the PDF cannot be read, or uses what OFD output does not support.
    """
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    keywords = [str(k) for k in keywords]
    date = _creation_date(created)
    try:
        document = PDFDocument(PDFParser(io.BytesIO(pdf_bytes)))
        pages = list(PDFPage.create_pages(document))
    except OfdError:
        raise
    except Exception as exc:
        raise OfdError(f"PDF 无法读取（{type(exc).__name__}：{str(exc)[:200]}）；请检查文件是否完整，或重新生成 PDF") \
            from None
    if not pages:
        raise OfdError("PDF 没有页面；请重新生成 PDF")
    reader = _Reader()
    read = [reader.page(page) for page in pages]
    parts: dict[str, bytes] = {}
    res_files: dict[int, str] = {}
    for font in sorted(reader.fonts.values(), key=lambda f: f.res_id):
        data, ext = _font_file(font)
        res_files[font.res_id] = f"font_{font.res_id}.{ext}"
        parts[f"Doc_0/Res/{res_files[font.res_id]}"] = data
    for media in sorted(reader.media.values(), key=lambda m: m.res_id):
        res_files[media.res_id] = f"image_{media.res_id}.{media.ext}"
        parts[f"Doc_0/Res/{res_files[media.res_id]}"] = media.data

    w = _Writer(reader.next_id)
    page_ids = [w.new_id() for _ in read]
    for n, (box, items) in enumerate(read):
        parts[f"Doc_0/Pages/Page_{n}/Content.xml"] = w.page(box, items)

    public = w.el(None, "Res", BaseLoc="Res")
    fonts = w.el(public, "Fonts")
    for font in sorted(reader.fonts.values(), key=lambda f: f.res_id):
        attrs = {"ID": str(font.res_id), "FontName": font.family, "FamilyName": font.family}
        if font.bold:
            attrs["Bold"] = "true"
        if font.italic:
            attrs["Italic"] = "true"
        w.el(w.el(fonts, "Font", **attrs), "FontFile", res_files[font.res_id])
    parts["Doc_0/PublicRes.xml"] = w.tostring(public)
    doc_res = w.el(None, "Res", BaseLoc="Res")
    if reader.media:
        medias = w.el(doc_res, "MultiMedias")
        for media in sorted(reader.media.values(), key=lambda m: m.res_id):
            node = w.el(medias, "MultiMedia", ID=str(media.res_id), Type="Image",
                        Format="PNG" if media.ext == "png" else "JPEG")
            w.el(node, "MediaFile", res_files[media.res_id])
    parts["Doc_0/DocumentRes.xml"] = w.tostring(doc_res)

    first_box = read[0][0]
    width, height = (first_box[2] - first_box[0]) * PT_TO_MM, (first_box[3] - first_box[1]) * PT_TO_MM
    doc = w.el(None, "Document")
    common = w.el(doc, "CommonData")
    w.el(common, "MaxUnitID", str(w.next_id - 1))
    w.el(w.el(common, "PageArea"), "PhysicalBox", f"0 0 {_num(width)} {_num(height)}")
    w.el(common, "PublicRes", "PublicRes.xml")
    w.el(common, "DocumentRes", "DocumentRes.xml")
    pages_el = w.el(doc, "Pages")
    for n, page_id in enumerate(page_ids):
        w.el(pages_el, "Page", ID=page_id, BaseLoc=f"Pages/Page_{n}/Content.xml")
    parts["Doc_0/Document.xml"] = w.tostring(doc)

    digest = hashlib.sha256(pdf_bytes)
    for value in (title, author, date, *keywords):
        digest.update(b"\x00" + value.encode("utf-8"))
    root = w.el(None, "OFD", Version="1.0", DocType="OFD")
    body = w.el(root, "DocBody")
    info = w.el(body, "DocInfo")
    w.el(info, "DocID", digest.hexdigest()[:32])
    w.el(info, "Title", title)
    if author:
        w.el(info, "Author", author)
    w.el(info, "CreationDate", date)
    if keywords:
        kw = w.el(info, "Keywords")
        for keyword in keywords:
            w.el(kw, "Keyword", keyword)
    w.el(info, "Creator", CREATOR)
    from importlib.metadata import PackageNotFoundError, version

    try:
        w.el(info, "CreatorVersion", version("nianbao"))
    except PackageNotFoundError:
        pass
    w.el(body, "DocRoot", "Doc_0/Document.xml")
    parts["OFD.xml"] = w.tostring(root)
    return parts


def pdf_to_ofd(pdf: Path, target: Path, *, title: str, author: str, created: datetime.date | str,
               keywords: list[str]) -> Path:
    """Write ``target``, an OFD document with the pages, text, fonts, rules and images of ``pdf``.

    Parameters
    ----------
    pdf : Path
        A PDF whose fonts are Type0 (CID) fonts with ``Identity-H`` encoding and
        embedded programs (as typst writes them).
    target : Path
        The ``.ofd`` file to write (replaced in one step; its folder is created).
    title, author : str
        The document's title and author (``DocInfo``).
    created : datetime.date or str
        The creation date (``YYYY-MM-DD`` when a string).
    keywords : list of str
        The document's keywords.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    OfdError
        When the PDF is missing or cannot be read, or uses what OFD output does
        not support (simple or Type 3 fonts, vertical text, rotated pages).
    """
    from ..settings.outdir import atomic_file

    pdf, target = Path(pdf), Path(target)
    try:
        data = pdf.read_bytes()
    except OSError as exc:
        raise OfdError(f"无法读取 PDF 文件 {pdf}（{exc.strerror or exc}）；请先生成 PDF 再转换为 OFD") from None
    package = _zip(ofd_parts(data, title=title, author=author, created=created, keywords=keywords))
    with atomic_file(target) as tmp:
        tmp.write_bytes(package)
    return target
