"""The 宣传信息台账's own check: a link is a web address."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ledgers import Checking


def check(c: Checking) -> None:
    """Set aside a row whose 链接 does not start with one of ``publicity.url_schemes`` (``https://`` …)."""
    schemes = c.rules["publicity"]["url_schemes"]
    pattern = "|".join(re.escape(s) for s in schemes)
    url = c.frame["url"]
    bad = (url != "") & ~url.str.match(rf"(?i)^(?:{pattern})://\S+$")
    c.set_aside(bad, "url", f"链接应以 {' 或 '.join(s + '://' for s in schemes)} 开头")
