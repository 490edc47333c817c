"""Charts of a report (matplotlib, Chinese labels in the configured chart font)."""

from __future__ import annotations

import math
import struct
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager, ft2font
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure

from ..figures.indicators import Indicators
from ..read import schema
from ..settings.config import nianbao_settings
from ..settings.fonts import resolve
from ..words.phrasing import number

if TYPE_CHECKING:
    from .report import Report

THIS_YEAR, LAST_YEAR = "#b22222", "#8c8c8c"
_REGISTERED: set[str] = set()


@dataclass
class Chart:
    """One rendered chart: its caption, PNG bytes and its figures in words (the image's alternative text)."""

    caption: str
    png: bytes
    figures: str = ""

    def alt(self, number: int) -> str:
        """The alternative text of the chart numbered ``number``: its caption, then the figures it draws.

        What a screen reader says, and what PDF/A-2a and PDF/UA require of every image.
        """
        return f"图{number}　{self.caption}" + (f"。{self.figures}。" if self.figures else "")


def figures_words(series: dict[str, list], labels: list[str], unit: str = "") -> str:
    """The figures a chart draws, in words: ``2024年：支部大会12次，…；2023年同期：…``.

    Parameters
    ----------
    series : dict
        Each series' name (as the legend says it) to its values, one per label;
        a missing value (``None`` or NaN) is left out.
    labels : list of str
        The category or year of each value.
    unit : str
        Written after each value (次, 件 …).
    """
    parts = []
    for name, values in series.items():
        shown = [f"{label}{number(v)}{unit}" for label, v in zip(labels, values) if v is not None and not pd.isna(v)]
        if shown:
            parts.append(f"{name}：" + "，".join(shown))
    return "；".join(parts)


def use_chart_font() -> str:
    """Register the chart font with matplotlib and make it the default; return its family."""
    choice = resolve("chart")
    if choice.family not in _REGISTERED:
        font_manager.fontManager.addfont(choice.path)
        _REGISTERED.add(choice.family)
    matplotlib.rcParams["font.family"] = [choice.family]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return choice.family


# What a thread keeps from one chart to the next (a Dask worker's threads each draw their own):
# its renderers by (width, height, dpi) and each chart's figure (see _figure).
_KEPT = threading.local()


def _kept(what: str) -> dict:
    """This thread's ``renderers`` or ``figures``."""
    return _KEPT.__dict__.setdefault(what, {})


class _TextCachingRenderer(RendererAgg):
    """An Agg renderer that lays out each text once and renders each glyph once per sub-pixel position.

    matplotlib (3.11) shapes every text it draws (``FT2Font._layout``) and has
    FreeType render every glyph of it, at the glyph's position to 1/64 of a pixel,
    each time; the charts draw the same tick labels, legends and titles report after
    report. This renderer keeps the shaped text by its string, font files, size and
    options, and each rendered glyph by its font, size, transform and the fractional
    part of its position: moved by whole pixels, FreeType's bitmap is the same, moved
    by as many pixels. The pixels are the ones matplotlib draws (a test compares every
    chart with a plain renderer's). Used only where matplotlib draws text this way
    (:data:`_TEXT_CACHE_WORKS`); each cache is emptied when it reaches its bound.
    """

    LAYOUTS_MAX = 5_000
    GLYPHS_MAX = 20_000  # about 0.3 KB a glyph at 200 dpi

    def __init__(self, width: float, height: float, dpi: float) -> None:
        super().__init__(width, height, dpi)
        self._layouts: dict[tuple, tuple] = {}
        self._glyphs: dict[tuple, tuple[np.ndarray, int, int]] = {}

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = get_hinting_flag()
        size = prop.get_size_in_points()
        files = font_manager.fontManager._find_fonts_by_props(prop)
        key = (s, tuple(str(f) for f in files), size, self.dpi, flags, _hashable(features), _hashable(language),
               matplotlib.rcParams.get("text.hinting_factor"), matplotlib.rcParams.get("text.kerning_factor"))
        items = self._layouts.get(key)
        if items is None:
            font = self._prepare_font(prop)
            items = tuple(font._layout(s, flags=flags, features=features, language=language))
            if len(self._layouts) >= self.LAYOUTS_MAX:
                self._layouts.clear()
            self._layouts[key] = items
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle, ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items), [])

    def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
        # matplotlib's own, with each glyph's bitmap kept (see the class)
        if boxes:  # mathtext's rules
            return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        antialiased = gc.get_antialiased()
        mode = ft2font.RenderMode.NORMAL if antialiased else ft2font.RenderMode.MONO
        matrices: dict[tuple, np.ndarray] = {}
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # dy is upwards
            matrix = matrices.get((slant, extend))
            if matrix is None:
                matrix = matrices[slant, extend] = (0x10000 * np.array([[cos, -sin], [sin, cos]])
                                                    @ [[extend, extend * slant], [0, 1]]).round().astype(int)
            px = round(0x40 * (x + dx * cos - dy * sin))
            py = round(0x40 * (self.height - y + dx * sin + dy * cos))  # FreeType's y is upwards
            key = (font, size, self.dpi, glyph_index, angle, slant, extend, px & 0x3F, py & 0x3F, load_flags,
                   antialiased)
            kept = self._glyphs.get(key)
            if kept is None:
                font.set_size(size, self.dpi)
                font._set_transform(matrix, [px, py])
                bitmap = font._render_glyph(glyph_index, load_flags, mode)
                buffer = np.array(bitmap.buffer)
                if not antialiased:
                    buffer *= 0xFF
                kept = (buffer, bitmap.left - (px >> 6), bitmap.top - (py >> 6))
                if len(self._glyphs) >= self.GLYPHS_MAX:
                    self._glyphs.clear()
                self._glyphs[key] = kept
            buffer, left, top = kept
            # draw_text_image's y is downwards and the bitmap's bottom side
            bottom = int(self.height) - top - (py >> 6) + buffer.shape[0]
            self._renderer.draw_text_image(buffer, left + (px >> 6), bottom, 0, gc)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _text_cache_works() -> bool:
    """Whether this matplotlib draws text as :class:`_TextCachingRenderer` expects (3.11's Agg text path)."""
    return (hasattr(RendererAgg, "_draw_text_glyphs_and_boxes") and hasattr(RendererAgg, "_prepare_font")
            and hasattr(font_manager.FontManager, "_find_fonts_by_props")
            and all(hasattr(ft2font.FT2Font, name) for name in ("_layout", "_render_glyph", "_set_transform"))
            and hasattr(ft2font, "RenderMode"))


_TEXT_CACHE_WORKS = _text_cache_works()


class _SharedCanvas(FigureCanvasAgg):
    """An Agg canvas that draws on this thread's renderer of its figure's size.

    matplotlib caches the size of each text it lays out per renderer; a canvas of
    its own per chart would start each chart with that cache empty. The charts
    share a size, so they share a renderer (cleared before each draw): the same
    pixels, the tick labels, legends and numbers measured once a thread.
    """

    def get_renderer(self) -> RendererAgg:
        w, h = self.figure.bbox.size
        key = (w, h, self.figure.dpi)
        renderers = _kept("renderers")
        if key not in renderers:
            renderers[key] = (_TextCachingRenderer if _TEXT_CACHE_WORKS else RendererAgg)(w, h, self.figure.dpi)
        self.renderer = renderers[key]
        return self.renderer


def _png(fig) -> bytes:
    """The figure as an RGB PNG at the configured dpi.

    No alpha channel (the charts are drawn on white): typst then embeds one image
    instead of an image and its soft mask, and the PNG is smaller in every format.
    """
    settings = nianbao_settings().get("charts", {})
    fig.set_dpi(settings.get("dpi", 200))
    canvas = _SharedCanvas(fig)
    # fixed margins (set in _figure): one draw per chart; a layout engine or
    # bbox_inches="tight" draws twice
    canvas.draw()
    return png_rgb(np.asarray(canvas.buffer_rgba()))


def png_rgb(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB PNG of ``pixels``, its rows unfiltered, deflated at level 1.

    ``pixels`` is height x width x 3 (RGB) or x 4 (RGBA, as Agg draws: the alpha
    channel is left out). Pillow chooses a filter for each row (it tries them all),
    which took about two thirds of a chart's PNG time; unfiltered rows give the same
    pixels in a file 1–29 % larger (the sample's charts), in a third of the time. The
    PDF is the same either way (typst decodes the image and compresses it again).
    """
    height, width, channels = pixels.shape
    rows = np.empty((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 0] = 0  # each row: filter type 0 (none), then its pixels
    if channels == 4 and pixels.dtype == np.uint8 and pixels.flags.c_contiguous:
        # each pixel's three colour bytes copied as one item: half the time of a copy byte by byte
        rows[:, 1:].view("V3")[...] = pixels.view([("rgb", "V3"), ("alpha", "u1")])[..., 0]["rgb"]
    else:
        rows[:, 1:] = np.asarray(pixels[:, :, :3], dtype=np.uint8).reshape(height, width * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, deflate, filtering, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1))
            + chunk(b"IEND", b""))


def _figure(left: float = 0.08, chart: str = ""):
    """A figure with one axes for ``chart``: the one this thread drew that chart on, emptied, or a new one.

    A new figure's axes makes its ticks, spines and grid lines (a fifth of a chart's
    time); the same chart drawn again for the next report keeps them and draws new
    bars, lines and words on them (:func:`_empty`): the same pixels as on a new figure.
    """
    settings = nianbao_settings().get("charts", {})
    size = (settings.get("width-in", 6.3), settings.get("height-in", 3.2))
    key = (chart, left, size)
    figures: dict[tuple, tuple[Figure, Axes]] = _kept("figures")
    if chart and key in figures:
        fig, ax = figures[key]
        _empty(ax)
        return fig, ax
    # matplotlib's object API, not pyplot: no global figure registry, no GUI or
    # inline backend, nothing to close, nothing left behind in a reused kernel
    fig = Figure(figsize=size)
    ax = fig.subplots()
    fig.subplots_adjust(left=left, right=0.98, top=0.96, bottom=0.14)
    if chart:
        figures[key] = (fig, ax)
    return fig, ax


def _empty(ax: Axes) -> None:
    """Take the last report's bars, lines, words and legend off ``ax``; its limits follow the next report's data."""
    for artist in (*ax.patches, *ax.lines, *ax.texts, *ax.collections, *ax.images):
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.containers.clear()
    ax.ignore_existing_data_limits = True  # the next artist's data sets the limits, as on a new axes
    ax.set_autoscale_on(True)  # a chart that set its limits turned the autoscaling off
    ax.set_xlabel("")
    ax.set_ylabel("")


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _period_name(ind: Indicators) -> str:
    """``2024年`` or ``2024年上半年``: how a legend names this period."""
    return f"{ind.year}年" if ind.period.is_year else ind.period.words


def activities_chart(r: Report) -> Chart:
    """Horizontal bars: each category this period against the same span last year."""
    ind = r.indicators
    use_chart_font()
    codes = list(schema.CATEGORIES)[::-1]
    labels = [schema.CATEGORY_SHORT[c] for c in codes]
    now = [ind[f"activity.{c}"].value for c in codes]
    before = [ind[f"activity.{c}"].prior for c in codes]
    fig, ax = _figure(left=0.27, chart="activities")
    y = range(len(codes))
    h = 0.38
    ax.barh([i + h / 2 for i in y], now, h, color=THIS_YEAR, label=_period_name(ind))
    if all(b is not None for b in before):
        ax.barh([i - h / 2 for i in y], before, h, color=LAST_YEAR, label=f"{ind.year - 1}年同期")
    for i, v in zip(y, now):
        ax.text(v + 0.2, i + h / 2, str(v), va="center", fontsize=8)
    ax.set_yticks(list(y), labels, fontsize=9)
    ax.set_xlabel("次数", fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    series = {_period_name(ind): now[::-1]}
    if all(b is not None for b in before):
        series[f"{ind.year - 1}年同期"] = before[::-1]
    return Chart(f"各类组织生活开展次数（{_period_name(ind)}与上年同期）", _png(fig),
                 figures_words(series, labels[::-1], "次"))


def months_chart(r: Report) -> Chart | None:
    """Petitions received per month of the period, against the same months last year."""
    ind = r.indicators
    frame = r.months
    if frame.empty:
        return None
    use_chart_font()
    fig, ax = _figure(chart="months")
    x = list(range(len(frame)))
    ax.plot(x, frame["本期"].to_numpy(), "-", marker="o", color=THIS_YEAR, label=_period_name(ind), linewidth=1.6)
    if frame["上年同期"].notna().all():
        ax.plot(x, frame["上年同期"].to_numpy(), "--", marker="o", color=LAST_YEAR, label=f"{ind.year - 1}年同期",
                linewidth=1.6)
    ax.set_xticks(x, list(frame.index), fontsize=8)
    ax.set_xlim(-0.5, len(x) - 0.5)
    ax.set_ylabel("件数", fontsize=9)
    ax.set_ylim(bottom=0, top=max(1, ax.get_ylim()[1]) * 1.25)  # room for the legend above the lines
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, frameon=False, loc="upper center", ncol=2)
    _style(ax)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    series = {_period_name(ind): list(frame["本期"])}
    if frame["上年同期"].notna().all():
        series[f"{ind.year - 1}年同期"] = list(frame["上年同期"])
    return Chart(f"群众来信来访按月收件情况（{_period_name(ind)}与上年同期）", _png(fig),
                 figures_words(series, [str(m) for m in frame.index], "件"))


def channels_chart(r: Report) -> Chart | None:
    """Horizontal bars: petitions by channel, this period against the same span last year."""
    ind = r.indicators
    items = [i for k, i in ind.items.items() if k.startswith("casework.channel.")][::-1]
    if not items or not ind["casework.total"].value:
        return None
    use_chart_font()
    fig, ax = _figure(left=0.18, chart="channels")
    y = range(len(items))
    h = 0.38
    ax.barh([i + h / 2 for i in y], [i.value for i in items], h, color=THIS_YEAR, label=_period_name(ind))
    if all(i.prior is not None for i in items):
        ax.barh([i - h / 2 for i in y], [i.prior for i in items], h, color=LAST_YEAR, label=f"{ind.year - 1}年同期")
    for i, item in zip(y, items):
        ax.text(item.value + 0.2, i + h / 2, str(item.value), va="center", fontsize=8)
    ax.set_yticks(list(y), [i.label for i in items], fontsize=9)
    ax.set_xlabel("件数", fontsize=9)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    series = {_period_name(ind): [i.value for i in items[::-1]]}
    if all(i.prior is not None for i in items):
        series[f"{ind.year - 1}年同期"] = [i.prior for i in items[::-1]]
    return Chart(f"信访形式分布（{_period_name(ind)}与上年同期）", _png(fig),
                 figures_words(series, [i.label for i in items[::-1]], "件"))


def trend_chart(r: Report) -> Chart | None:
    """The kind's first two headline counts in every year of :attr:`Report.trend`, same span each year."""
    trend, ind = r.trend, r.indicators
    if len(trend) < 2:
        return None
    keys = [k for k in r.kind.headline if k in ind.items and ind.items[k].kind == "count"][:2]
    if not keys:
        return None
    use_chart_font()
    frame = pd.DataFrame(
        {f"{ind.items[k].label}（{ind.items[k].unit}）": {y: i.items[k].value if k in i.items else None
                                                        for y, i in trend.items()} for k in keys}
    ).sort_index()
    fig, ax = _figure(chart="trend")
    for col, color, style in zip(frame.columns, (THIS_YEAR, "#1f4e79"), ("-", "--")):
        ax.plot(frame.index, frame[col], style, marker="o", color=color, label=col, linewidth=1.6)
        for x, v in frame[col].dropna().items():
            ax.annotate(str(int(v)), (x, v), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=8)
    ax.set_xticks(list(frame.index), [f"{y}年" for y in frame.index], fontsize=9)
    ax.set_xlim(frame.index.min() - 0.3, frame.index.max() + 0.3)
    ax.set_ylim(bottom=0, top=max(1, frame.max().max()) * 1.2)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    _style(ax)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    start = ind.period.start
    words = figures_words({col: list(frame[col]) for col in frame.columns}, [f"{y}年" for y in frame.index])
    return Chart(f"主要指标历年走势（各年{start.month}月{start.day}日至{ind.as_of.month}月{ind.as_of.day}日）",
                 _png(fig), words)


# The blocks of ``appendix:`` in config/kinds.yml that are charts, in the order a kind lists them.
CHARTS: dict[str, Callable[[Report], Chart | None]] = {
    "chart.activities": activities_chart,
    "chart.months": months_chart,
    "chart.channels": channels_chart,
    "chart.trend": trend_chart,
}

_DRAWN: dict[tuple, Chart | None] = {}  # the last charts drawn (see report_charts)
_DRAWN_KEPT = 8


def report_charts(r: Report) -> list[Chart]:
    """A report's charts, in the order its kind lists them (``appendix:``).

    The last few charts drawn are kept, keyed by the ledgers' digest and everything a
    chart shows, so that a re-run on a warm kernel after a prose edit (``nianbao
    preview``) draws nothing again, and a chart two kinds share (the petitions by
    month) is drawn once for a unit's reports of both kinds.
    """
    out = []
    for block in (b for b in r.kind.appendix if b in CHARTS):
        shown = r.kind.headline if block == "chart.trend" else ()  # the trend chart draws headline figures
        key = (r.ledgers.digest, str(r.ledgers.data_dir), r.unit["unit_id"], r.period, r.indicators.as_of, block,
               shown)
        if not r.ledgers.digest:
            chart = CHARTS[block](r)
        else:
            if key not in _DRAWN:
                _DRAWN[key] = CHARTS[block](r)
                while len(_DRAWN) > _DRAWN_KEPT:
                    _DRAWN.pop(next(iter(_DRAWN)))
            chart = _DRAWN[key]
        if chart is not None:
            out.append(chart)
    return out
