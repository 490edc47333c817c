"""The 组织生活台账's own check: each activity's category, as the office spells it, mapped to its code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from . import schema

if TYPE_CHECKING:
    from .ledgers import Checking


def check(c: Checking) -> None:
    """Map the 活动类别 column to the codes of ``config/categories.yml``.

    A spelling close to a category but not one of its names (``党课学习``) is
    neither counted in that category nor apart: its rows are unsettled until
    the office maps the spelling (``nianbao validate`` says what it probably means).
    """
    frame = c.frame
    lookup = schema.category_lookup()
    codes = pd.Series(frame["category"].unique(), dtype=object)
    mapped = {v: schema.category_code(v, lookup) for v in codes}
    c.typed["category"] = frame["category"].map(mapped).fillna(frame["category"])
    near = {v: schema.category_near(v, lookup) for v in codes if v and mapped[v] is None}
    near = {v: code for v, code in near.items() if code}
    if near:
        hit = frame["category"].isin(list(near))
        c.unsettle(hit, "category", frame.loc[hit, "category"], frame.loc[hit, "category"].map(near))
