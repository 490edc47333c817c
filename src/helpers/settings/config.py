"""Read the configuration files, checked against schemas.

``config/rules.yml``, ``config/categories.yml``, ``config/kinds.yml`` and ``_quarto.yml``.

The schemas below say which keys the pipeline reads and what each must hold.
Every command checks both files when it starts (:func:`check_config`): a
missing, mistyped or ill-typed key is one :class:`~helpers.settings.errors.ConfigError`
(exit status 2) naming the file and the key, in Chinese. Keys the schemas do
not know are allowed (Quarto reads many), unless they look like a misspelling
of a known key. Rules are read from here only; no rule is a literal in code.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import paths
from .errors import ConfigError

# --------------------------------------------------------------------------- schemas (JSON Schema)

_WORDS = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
          "description": "一组文字（YAML 列表，写作 [甲, 乙]）"}
_TOKENS = {"type": "array", "items": {"type": ["string", "integer", "boolean"]}, "minItems": 1,
           "description": "一组写法，如 [是, \"1\", \"true\"]"}
_DAYS = {"type": "integer", "minimum": 1, "description": "天数（正整数）"}
_LENGTH = {"type": ["string", "number"], "pattern": r"^\s*[0-9.]+\s*(mm|cm|pt|in)\s*$",
           "description": "长度，如 37mm 或 16pt"}
_FONT_LIST = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
              "description": "字体名称列表，按优先顺序"}


def categories_schema() -> dict[str, Any]:
    """The schema of ``config/categories.yml``."""
    return {
        "type": "object",
        "required": ["categories"],
        "properties": {
            "prefixes": {"type": "array", "items": {"type": "string", "minLength": 1},
                         "description": "一组前缀文字（YAML 列表）"},
            "categories": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "description": "类别的中文名称"},
                        "short": {"type": "string", "minLength": 1, "description": "报告中使用的简称"},
                        "aliases": {"type": "array", "items": {"type": "string", "minLength": 1},
                                    "description": "一组别名（YAML 列表，每行一个）"},
                    },
                },
            },
        },
    }


_APPENDIX_BLOCKS = ["indicators", "handling", "ring", "trend", "channels", "categories", "months",
                    "chart.activities", "chart.months", "chart.trend", "chart.channels"]
# The problem finders written for the built-in tables; a counted table (helpers.read.schema.Table.counted)
# brings one more, named by its prefix: its section of config/rules.yml (counted_sections()).
_PROBLEMS = ["activities", "timeliness", "escalation", "satisfaction", "acceptance", "repeats"]
# The district summary's sections a kind may add (helpers.run.summary.SUMMARY_SECTIONS).
_SUMMARY_SECTIONS = ["channels"]
_IDS = {"type": "array", "items": {"type": "string", "pattern": r"^[a-z_]+(\.[^.\s]+)*\*?$"}, "minItems": 1,
        "description": "一组指标代码，如 [casework.total, activity.*]"}


def kinds_schema() -> dict[str, Any]:
    """The schema of ``config/kinds.yml`` (report kinds)."""
    problems = [*_PROBLEMS, *counted_sections()]
    return {
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"pattern": r"^[a-z][a-z0-9_]*$",
                          "description": "类别代码（小写字母、数字、下划线）"},
        "additionalProperties": {
            "type": "object",
            "required": ["name", "notebook", "title", "body", "figures"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "description": "类别的中文名称"},
                "notebook": {"type": "string", "pattern": r"^notebooks/.+\.ipynb$",
                             "description": "笔记本路径，如 notebooks/casework.ipynb"},
                "issuer": {"enum": ["party_org", "unit_name"], "description": "party_org 或 unit_name"},
                "title": {
                    "type": "object",
                    "required": ["year", "half", "quarter"],
                    "properties": {k: {"type": "string", "minLength": 1, "description": "标题中期间之后的文字"}
                                   for k in ("year", "half", "quarter")},
                },
                "body": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["section"],
                        "properties": {
                            "section": {"type": "string", "minLength": 1, "description": "文字材料中的小节名"},
                            "heading": {"type": "string", "minLength": 1, "description": "报告中的一级标题"},
                            "problems": {"type": "array", "items": {"enum": problems},
                                         "description": f"从数据发现的问题：{'、'.join(problems)}"},
                        },
                    },
                },
                "figures": _IDS,
                "headline": _IDS,
                "appendix": {"type": "array", "items": {"enum": _APPENDIX_BLOCKS},
                             "description": f"附件的表和图：{'、'.join(_APPENDIX_BLOCKS)}"},
                "summary": {"type": "array", "items": {"enum": _SUMMARY_SECTIONS},
                            "description": f"全区汇总中本类报告另加的部分：{'、'.join(_SUMMARY_SECTIONS)}"},
            },
        },
    }


# The section of config/rules.yml of a table counted kind by kind (helpers.read.schema.Table.counted), under the
# table's prefix: the kinds with the spellings offices use for each, and the minimums (prorated like the others).
COUNTED_SECTION: dict[str, Any] = {
    "type": "object",
    "required": ["categories"],
    "properties": {
        "categories": {"type": "object", "minProperties": 1, "additionalProperties": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1, "description": "类别名称"},
                           "aliases": _WORDS}}},
        "minimums": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["per_year", "rule"],
            "properties": {
                "per_year": {"type": "integer", "enum": [1, 2, 3, 4, 6, 12],
                             "description": "每年次数（1、2、3、4、6 或 12）"},
                "rule": {"type": "string", "minLength": 1, "description": "规定的原文"}}}},
    },
}


def counted_sections() -> list[str]:
    """The sections of ``config/rules.yml`` that belong to counted tables (the ones :func:`rules_schema` does not
    name), in the file's order."""
    named = rules_schema()["properties"]
    return [name for name in rules() if name not in named]


def rules_schema() -> dict[str, Any]:
    """The schema of ``config/rules.yml``."""
    codes = list(categories()["categories"])  # the activity categories of config/categories.yml

    return {
        "type": "object",
        "required": ["activity_minimums", "casework", "publicity", "phrasing", "reading", "data_quality"],
        # any other section is a counted table's (纪律教育 …): its kinds and their minimums
        "additionalProperties": COUNTED_SECTION,
        "properties": {
            "activity_minimums": {
                "type": "object",
                "propertyNames": {"enum": codes},
                "additionalProperties": {
                    "type": "object",
                    "required": ["per_year", "rule"],
                    "properties": {
                        "per_year": {"type": "integer", "enum": [1, 2, 3, 4, 6, 12],
                                     "description": "每年次数（1、2、3、4、6 或 12）"},
                        "rule": {"type": "string", "minLength": 1, "description": "规定的原文"},
                    },
                },
            },
            "casework": {
                "type": "object",
                "required": ["reply_days", "extended_reply_days", "escalation_levels",
                             "satisfied", "rated", "channels", "acceptance_days", "review_words",
                             "review_upheld_words"],
                "properties": {
                    "reply_days": _DAYS,
                    "extended_reply_days": _DAYS,
                    "acceptance_days": _DAYS,
                    "review_words": _WORDS,
                    "review_upheld_words": _WORDS,
                    "escalation_levels": _WORDS,
                    "satisfied": _WORDS,
                    "rated": _WORDS,
                    "channels": _WORDS,
                },
            },
            "reading": {
                "type": "object",
                "required": ["header_rows", "true_words", "false_words", "none_words", "total_words", "footer_words",
                             "note_words", "page_words", "ditto_words", "ditto_left_words", "cancel_words",
                             "remark_headers", "personal_headers", "petitioner_id_headers",
                             "petitioner_name_headers", "petitioner_phone_headers", "count_words", "earliest_year",
                             "latest_years_ahead"],
                "properties": {
                    "header_rows": {"type": "integer", "minimum": 1, "maximum": 50,
                                    "description": "在前几行中找表头（1 到 50 的整数）"},
                    "true_words": _TOKENS,
                    "false_words": _TOKENS,
                    "none_words": _TOKENS,
                    "total_words": _WORDS,
                    "footer_words": _WORDS,
                    "note_words": _WORDS,
                    "page_words": _WORDS,
                    "ditto_words": _WORDS,
                    "ditto_left_words": _WORDS,
                    "cancel_words": _WORDS,
                    "remark_headers": _WORDS,
                    "personal_headers": _WORDS,
                    "petitioner_id_headers": _WORDS,
                    "petitioner_name_headers": _WORDS,
                    "petitioner_phone_headers": _WORDS,
                    "count_words": _WORDS,
                    "earliest_year": {"type": "integer", "minimum": 1900, "maximum": 2100,
                                      "description": "最早的合理年份，如 2000"},
                    "latest_years_ahead": {"type": "integer", "minimum": 0, "maximum": 10,
                                           "description": "比今年晚几年以内的日期算合理（整数）"},
                },
            },
            "data_quality": {
                "type": "object",
                "required": ["max_rejected_share"],
                "properties": {"max_rejected_share": {"type": "number", "minimum": 0, "maximum": 1,
                                                      "description": "0 到 1 之间的比例，如 0.10"}},
            },
            "publicity": {
                "type": "object",
                "required": ["levels", "url_schemes"],
                "properties": {"levels": _WORDS, "url_schemes": _WORDS},
            },
            "phrasing": {
                "type": "object",
                "required": ["decimals"],
                "properties": {"decimals": {"type": "integer", "minimum": 0, "maximum": 4,
                                            "description": "小数位数（0 到 4 的整数）"}},
            },
        },
    }


# The PDF standards typst writes that nianbao offers (none: a plain PDF).
PDF_STANDARDS = ("a-2b", "a-2u", "a-2a", "a-3b", "a-3u", "a-3a", "a-4", "ua-1", "none")


def pdf_standard() -> str | None:
    """The PDF standard of ``_quarto.yml`` (``format.typst.pdf-standard``), ``None`` for a plain PDF."""
    value = str(quarto()["format"].get("typst", {}).get("pdf-standard", "a-2b"))
    return None if value == "none" else value


# What _quarto.yml may name: the font roles (helpers.settings.fonts) and the paper sizes (helpers.settings.layout).
FONT_ROLES = ("title", "body", "hei", "kai", "page-number", "chart")
PAPER_MM = {"a4": (210.0, 297.0), "a3": (297.0, 420.0), "b5": (176.0, 250.0)}


def quarto_schema() -> dict[str, Any]:
    """The schema of the parts of ``_quarto.yml`` nianbao reads."""
    positive = {"type": "number", "exclusiveMinimum": 0, "description": "正数"}
    return {
        "type": "object",
        "required": ["format", "nianbao"],
        "properties": {
            "format": {
                "type": "object",
                "properties": {
                    "typst": {
                        "type": "object",
                        "properties": {
                            "papersize": {"type": "string", "pattern": "(?i)^(" + "|".join(PAPER_MM) + ")$",
                                          "description": "纸张（" + "、".join(PAPER_MM) + "）"},
                            "margin": {"type": "object", "properties": {
                                side: _LENGTH for side in ("top", "bottom", "left", "right")}},
                            "fontsize": _LENGTH,
                            "pdf-standard": {"enum": list(PDF_STANDARDS),
                                             "description": "PDF 标准：" + "、".join(PDF_STANDARDS)
                                                            + "（none 为普通 PDF）"},
                        },
                    },
                },
            },
            "nianbao": {
                "type": "object",
                "required": ["grid", "sizes", "fonts"],
                "properties": {
                    "grid": {"type": "object", "required": ["lines", "chars"], "properties": {
                        "lines": {"type": "integer", "minimum": 1, "description": "每页行数（正整数）"},
                        "chars": {"type": "integer", "minimum": 1, "description": "每行字数（正整数）"}}},
                    "sizes": {"type": "object", "required": ["title", "body", "page-number", "table"],
                              "properties": {k: _LENGTH for k in ("title", "body", "page-number", "table")}},
                    "fonts": {"type": "object", "required": list(FONT_ROLES),
                              "properties": {role: _FONT_LIST for role in FONT_ROLES}},
                    "font-dirs": {"type": "array", "items": {"type": "string"}, "description": "文件夹列表"},
                    "cjk-test": {"type": "string", "minLength": 1, "description": "一段中文"},
                    "charts": {"type": "object", "properties": {
                        "dpi": {"type": "integer", "minimum": 50, "description": "不小于 50 的整数"},
                        "width-in": positive, "height-in": positive}},
                },
            },
        },
    }


# --------------------------------------------------------------------------- checking

_TYPES = {"integer": "整数", "number": "数字", "string": "文字", "array": "列表", "object": "映射（键: 值）",
          "boolean": "是/否（true/false）"}


def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "（顶层）"


def _join(parent: str, child: str) -> str:
    return child if parent == "（顶层）" else f"{parent}.{child}"


def _type_words(types) -> str:
    types = [types] if isinstance(types, str) else list(types)
    return "或".join(_TYPES.get(t, t) for t in types)


def _similar(name: str, known) -> str | None:
    match = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.75)
    return match[0] if match else None


def _message(error) -> str:
    """One jsonschema error in plain Chinese, naming the key."""
    where = _key(error.absolute_path)
    kind, expected, value = error.validator, error.validator_value, error.instance
    desc = error.schema.get("description")
    if "propertyNames" in error.schema_path:
        hint = _similar(value, expected) if kind == "enum" else None
        text = f"{_join(where, str(value))} 不是已知的键（可用：{'、'.join(map(str, expected))}）"
        return text + (f"，是否想写 {hint}？" if hint else "")
    if kind == "required":
        missing = [k for k in expected if k not in value]
        out = []
        for key in missing:
            typo = _similar(key, [k for k in value if k not in expected])
            text = f"缺少 {_join(where, key)}"
            out.append(text + (f"（文件中有 {_join(where, typo)}，是否拼错了？）" if typo else ""))
        return "；".join(out)
    if kind == "type":
        return f"{where} 应为{desc or _type_words(expected)}，现为 {value!r}"
    if kind == "enum":
        return f"{where} 应为 {'、'.join(map(str, expected))} 之一，现为 {value!r}"
    if kind in ("minimum", "exclusiveMinimum", "maximum"):
        return f"{where} 应为{desc or '合适的数'}，现为 {value!r}"
    if kind == "minItems":
        return f"{where} 至少要有 {expected} 项"
    if kind == "minLength":
        return f"{where} 不能为空"
    if kind == "pattern":
        return f"{where} 应为{desc or '规定的写法'}，现为 {value!r}"
    return f"{where} 不符合要求（{desc or kind}）"


def _misspelt(data: Any, schema: dict, path: tuple = ()) -> list[str]:
    """Unknown keys that look like a known optional key (``chart`` for ``charts``)."""
    out: list[str] = []
    if not isinstance(data, dict) or schema.get("type") != "object":
        return out
    known = schema.get("properties", {})
    for key, value in data.items():
        if key in known:
            out += _misspelt(value, known[key], (*path, key))
        elif known and "additionalProperties" not in schema and "propertyNames" not in schema:
            hint = _similar(key, known)
            if hint and hint not in data and hint not in schema.get("required", []):
                out.append(f"{_key((*path, key))} 不是已知的键，是否想写 {_key((*path, hint))}？")
        elif isinstance(schema.get("additionalProperties"), dict):
            out += _misspelt(value, schema["additionalProperties"], (*path, key))
    return out


def _shown(path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(paths.ROOT.resolve()).as_posix()
    except ValueError:
        return str(path)


def validate(data: dict[str, Any], schema: dict[str, Any], path: Path) -> None:
    """Check ``data`` read from ``path`` against ``schema``.

    Raises
    ------
    ConfigError
        Naming the file and every key that is missing, mistyped or ill-typed.
    """
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    problems = list(dict.fromkeys([_message(e) for e in errors] + _misspelt(data, schema)))
    if problems:
        if len(problems) == 1:
            text = f"配置文件 {_shown(path)} 有误：{problems[0]}"
        else:
            listed = "；".join(f"{i}) {p}" for i, p in enumerate(problems, 1))
            text = f"配置文件 {_shown(path)} 有 {len(problems)} 处错误：{listed}"
        raise ConfigError(text + ("" if text.endswith("？") else "。") + "请改正后再运行。")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            # libyaml's loader when PyYAML has it (ten times faster), else the pure-Python one
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"配置文件 {_shown(path)} 不存在。") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"配置文件 {_shown(path)} 不是 UTF-8 编码，请另存为 UTF-8。") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise ConfigError(f"配置文件 {_shown(path)} {where}不是有效的 YAML：{getattr(exc, 'problem', exc)}。") \
            from exc
    if not isinstance(data, dict):
        raise ConfigError(f"配置文件 {_shown(path)} 的顶层应为映射（键: 值）。")
    return data


@lru_cache(maxsize=4)
def rules(path: Path | None = None) -> dict[str, Any]:
    """Return the rules and thresholds (``config/rules.yml``), checked against :func:`rules_schema`.

    Parameters
    ----------
    path : Path, optional
        Another rules file; the project's by default.

    Returns
    -------
    dict
        The parsed file.

    Raises
    ------
    ConfigError
        When the file is missing, not YAML, or a key is missing or wrong.
    """
    path = Path(path or paths.RULES_CONFIG)
    data = _read_yaml(path)
    validate(data, rules_schema(), path)
    cw = data["casework"]
    if cw["extended_reply_days"] < cw["reply_days"]:
        raise ConfigError(f"配置文件 {_shown(path)} 有误：casework.extended_reply_days（{cw['extended_reply_days']}）"
                          f"不应小于 casework.reply_days（{cw['reply_days']}）。请改正后再运行。")
    return data


@lru_cache(maxsize=4)
def categories(path: Path | None = None) -> dict[str, Any]:
    """Return the activity categories and their office spellings (``config/categories.yml``).

    Parameters
    ----------
    path : Path, optional
        Another categories file; the project's by default.

    Returns
    -------
    dict
        ``prefixes`` (list) and ``categories``: code to ``name``, ``short``, ``aliases``.
    """
    path = Path(path or paths.CATEGORIES_CONFIG)
    data = _read_yaml(path)
    validate(data, categories_schema(), path)
    return data


@lru_cache(maxsize=4)
def quarto(path: Path | None = None) -> dict[str, Any]:
    """Return ``_quarto.yml`` (formats, layout and fonts), checked against :func:`quarto_schema`.

    Parameters
    ----------
    path : Path, optional
        Another Quarto project file; the project's by default.

    Raises
    ------
    ConfigError
        When the file is missing, not YAML, or a key nianbao reads is missing or wrong.
    """
    path = Path(path or paths.QUARTO_CONFIG)
    data = _read_yaml(path)
    validate(data, quarto_schema(), path)
    return data


def kinds_config(path: Path | None = None) -> dict[str, Any]:
    """Return the report kinds (``config/kinds.yml``), checked against :func:`kinds_schema`.

    Raises
    ------
    ConfigError
        When the file is missing, not YAML, or a key is missing or wrong.
    """
    return _kinds_config(Path(path or paths.KINDS_CONFIG))


@lru_cache(maxsize=4)
def _kinds_config(path: Path) -> dict[str, Any]:
    data = _read_yaml(path)
    validate(data, kinds_schema(), path)
    return data


def nianbao_settings() -> dict[str, Any]:
    """Return the ``nianbao:`` section of ``_quarto.yml`` (grid, sizes, fonts)."""
    return quarto()["nianbao"]


def decimals() -> int:
    """Decimals of rates and percentages in text and tables (``phrasing.decimals``)."""
    return int(rules()["phrasing"]["decimals"])


def check_config() -> None:
    """Check both configuration files (what every command does first).

    Raises
    ------
    ConfigError
        Naming the file and the key.
    """
    rules()
    quarto()
    categories()
    kinds_config()


def reload() -> None:
    """Forget the files read so far (after a change, or in tests)."""
    rules.cache_clear()
    quarto.cache_clear()
    categories.cache_clear()
    _kinds_config.cache_clear()
