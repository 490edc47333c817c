"""Report kinds: the registry read from ``config/kinds.yml``.

A kind is data: its notebook, its title in each period, the skeleton of its
body (headings and the prose section each takes, and the problems found in
the data it adds), its generic prose, the figures its tables show, its
headline figures and the blocks of its attachment. Everything that differs
between kinds is declared there, so a new kind touches its notebook, its
declaration and its prose (README, "How to add a report kind").
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from ..settings import paths
from ..settings.errors import ParameterError
from .periods import Period


@dataclass(frozen=True)
class Part:
    """One part of a report's body: a heading (none for the opening) and the prose section under it."""

    section: str
    heading: str | None = None
    problems: tuple[str, ...] = ()  # problem finders (helpers.words.sentences.PROBLEMS) added after the prose


@dataclass(frozen=True)
class Kind:
    """One report kind, as ``config/kinds.yml`` declares it."""

    id: str
    name: str
    notebook_path: str
    issuer: str
    titles: dict[str, str]
    body: tuple[Part, ...]
    figures: tuple[str, ...]
    headline: tuple[str, ...]
    appendix: tuple[str, ...]
    default: bool = False
    summary: tuple[str, ...] = ()  # the district summary's own sections (helpers.run.summary.SUMMARY_SECTIONS)

    @property
    def notebook(self) -> Path:
        """The kind's notebook in force (the project's, else the one shipped with nianbao)."""
        return paths.resource(self.notebook_path)

    @property
    def sections(self) -> tuple[str, ...]:
        """The prose sections of the kind, in order (``## 开篇`` …)."""
        return tuple(part.section for part in self.body)

    def generic_prose(self) -> Path:
        """The generic prose shipped with the package for this kind."""
        return paths.generic_prose(self.id)

    def title(self, period: Period) -> str:
        """The document's name without the issuer: ``2024年度意识形态工作专题报告``."""
        return f"{period.words}{self.titles[period.kind.family]}"

    def prose_file(self, data_dir: Path, unit: str, year: int, period: str = "year") -> Path:
        """The prose a report of this kind uses (:func:`helpers.settings.paths.narrative_file`)."""
        return paths.narrative_file(data_dir, unit, year, self.id, period, self.suffix())

    def suffix(self) -> str:
        """``.casework`` in prose file names (nothing for the first kind)."""
        return "" if self.default else f".{self.id}"

    def picks(self, key: str) -> bool:
        """Whether the indicator ``key`` is one of the kind's figures."""
        return any(fnmatch.fnmatchcase(key, pattern) for pattern in self.figures)

    def chosen(self, keys) -> list[str]:
        """The kind's figures among ``keys``, in the order of its declaration."""
        keys = list(keys)
        out: list[str] = []
        for pattern in self.figures:
            out += [k for k in keys if fnmatch.fnmatchcase(k, pattern) and k not in out]
        return out


_BUILT: tuple[dict, dict[str, Kind]] | None = None  # the kinds of the configuration last read


def _build(data: dict) -> dict[str, Kind]:
    out = {}
    for i, (kid, d) in enumerate(data.items()):
        body = tuple(Part(p["section"], p.get("heading"), tuple(p.get("problems", []))) for p in d["body"])
        out[kid] = Kind(kid, d["name"], d["notebook"], d.get("issuer", "party_org"), dict(d["title"]), body,
                        tuple(d["figures"]), tuple(d.get("headline", [])), tuple(d.get("appendix", [])),
                        default=(i == 0), summary=tuple(d.get("summary", [])))
    return out


def kinds() -> dict[str, Kind]:
    """Every report kind, in the order of ``config/kinds.yml`` (the first is the default)."""
    global _BUILT
    from ..settings.config import kinds_config

    data = kinds_config()  # cached there, and read again after config.reload()
    if _BUILT is None or _BUILT[0] is not data:
        _BUILT = (data, _build(data))
    return _BUILT[1]


def default_kind() -> str:
    """The first kind of ``config/kinds.yml`` (``ideology``)."""
    return next(iter(kinds()))


def get(kind: str | None) -> Kind:
    """One kind by its id (the default kind for ``None``).

    Raises
    ------
    ParameterError
        When no kind has that id.
    """
    known = kinds()
    kid = default_kind() if kind in (None, "") else str(kind).strip()
    if kid not in known:
        raise ParameterError(f"--kind '{kid}' 不是已声明的报告类别：可用 {'、'.join(known)} 或 all"
                             "（类别在 config/kinds.yml 中声明）")
    return known[kid]


def parse_kinds(text: str | None) -> list[str]:
    """``ideology``, ``ideology,casework`` or ``all`` to kind ids (each checked)."""
    text = str(text or default_kind()).strip()
    if text == "all":
        return list(kinds())
    return [get(part).id for part in text.split(",") if part.strip()]


__all__ = ["Kind", "Part", "default_kind", "get", "kinds", "parse_kinds"]
