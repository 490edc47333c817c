"""Unit tests of the chart images: the PNG writer and the shared renderer give the pixels matplotlib draws."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from PIL import Image

from helpers.document import charts
from helpers.settings.config import nianbao_settings


def _pixels(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGB"  # no alpha channel: typst embeds one image, no soft mask
    return np.asarray(image)


def test_png_rgb_holds_the_pixels_given():
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
    png = charts.png_rgb(pixels)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert np.array_equal(_pixels(png), pixels)
    assert Image.open(io.BytesIO(png)).size == (53, 37)


def test_png_rgb_of_agg_rgba_pixels_leaves_the_alpha_out():
    rng = np.random.default_rng(8)
    rgba = rng.integers(0, 256, size=(29, 41, 4), dtype=np.uint8)
    png = charts.png_rgb(rgba)
    assert np.array_equal(_pixels(png), rgba[:, :, :3])
    assert png == charts.png_rgb(rgba[:, :, :3].copy())  # the same file either way


def _bars(values: list[int], label: str) -> Figure:
    fig, ax = charts._figure()
    ax.bar(range(len(values)), values, label=label)
    ax.set_xticks(range(len(values)), [f"{i + 1}月" for i in range(len(values))])
    ax.legend()
    return fig


def _alone(fig: Figure) -> np.ndarray:
    """The figure drawn on a canvas and renderer of its own, as matplotlib draws it by default."""
    fig.set_dpi(nianbao_settings().get("charts", {}).get("dpi", 200))
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()


def test_charts_drawn_one_after_another_on_the_shared_renderer_are_drawn_as_alone():
    charts.use_chart_font()
    first = _bars([3, 5, 2, 8], "2024年")
    second = _bars([1, 1, 4], "2023年同期")
    drawn = [_pixels(charts._png(first)), _pixels(charts._png(second))]  # the second on the first's renderer
    assert not np.array_equal(drawn[0], drawn[1])
    assert np.array_equal(drawn[1], _alone(_bars([1, 1, 4], "2023年同期")))
    assert np.array_equal(drawn[0], _alone(_bars([3, 5, 2, 8], "2024年")))


def _differing_reports(ledgers) -> list:
    """Four reports that differ in everything a chart shows: year, period (12, 6 or 3 months), unit, kind."""
    from helpers.document.report import Report

    return [Report.from_ledgers(ledgers, unit, year, kind=kind, period=period)
            for unit, year, period, kind in (("yeji-mzj", 2024, "year", "casework"),
                                             ("yeji-rsj", 2023, "Q1", "casework"),
                                             ("yeji-wjw", 2024, "H1", "ideology"),
                                             ("yeji-zjj", 2022, "Q4", "casework"))]


@pytest.mark.parametrize("block", sorted(charts.CHARTS))
def test_a_chart_drawn_again_on_its_figure_is_the_chart_drawn_on_a_new_one(sample_ledgers, block):
    """Each chart's figure is kept for the next report: emptied, it draws the same pixels as a new figure.

    The reports differ in everything a chart shows: the year, the period (12 months,
    6 or 3), the unit, so the number of bars, points and ticks and the limits.
    """
    reports = _differing_reports(sample_ledgers)
    charts._kept("figures").clear()
    again = [charts.CHARTS[block](r) for r in reports]  # each on the figure the one before drew on
    assert any(c is not None for c in again)
    for report, chart in zip(reports, again):
        charts._kept("figures").clear()
        fresh = charts.CHARTS[block](report)
        assert (chart is None) == (fresh is None)
        if chart is not None:
            assert chart.png == fresh.png and chart.figures == fresh.figures
    assert len({c.png for c in again if c is not None}) > 1


@pytest.mark.parametrize("block", sorted(charts.CHARTS))
def test_a_chart_drawn_with_its_words_kept_is_the_chart_matplotlib_draws(sample_ledgers, monkeypatch, block):
    """The renderer that keeps shaped words and glyphs draws the pixels of matplotlib's own renderer.

    Four reports one after another (the words of one kept for the next, at other
    places and sizes: other years, periods, units), each compared with the chart
    drawn by a plain Agg renderer.
    """
    assert charts._TEXT_CACHE_WORKS  # this matplotlib (pyproject's) draws text as the renderer expects
    reports = _differing_reports(sample_ledgers)
    charts._kept("renderers").clear()
    kept = [charts.CHARTS[block](r) for r in reports]
    renderer = next(iter(charts._kept("renderers").values()))
    assert isinstance(renderer, charts._TextCachingRenderer) and renderer._glyphs and renderer._layouts
    monkeypatch.setattr(charts, "_TEXT_CACHE_WORKS", False)
    for report, chart in zip(reports, kept):
        charts._kept("renderers").clear()
        plain = charts.CHARTS[block](report)
        assert (chart is None) == (plain is None)
        if chart is not None:
            assert type(next(iter(charts._kept("renderers").values()))) is RendererAgg
            assert chart.png == plain.png
    charts._kept("renderers").clear()


def test_each_thread_draws_on_figures_of_its_own():
    """A Dask worker's threads may draw at once: none draws on a figure or renderer another is drawing on."""
    import threading

    charts.use_chart_font()
    mine = charts._figure(chart="activities")
    got = []
    thread = threading.Thread(target=lambda: got.append(charts._figure(chart="activities")))
    thread.start()
    thread.join()
    assert got[0][0] is not mine[0]
    assert charts._figure(chart="activities")[0] is mine[0]  # this thread's, kept
