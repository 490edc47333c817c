"""Unit tests of the chart images: the PNG writer and the shared renderer give the pixels matplotlib draws."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
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
