"""A counted table's own check (纪律教育台账 …): the office's spellings of the kinds it counts, as their codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import schema

if TYPE_CHECKING:
    from .ledgers import Checking


def check(c: Checking) -> None:
    """Map the table's category column to the codes of its section of ``config/rules.yml``
    (a spelling that is none of them stays as written)."""
    lookup = schema.counted_lookup(c.table)
    c.typed["category"] = c.distinct(c.frame["category"], lambda v: schema.counted_code(v, lookup) or v)
