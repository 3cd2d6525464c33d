"""What a reader asks for: one options type, validated once, for every surface.

The API, the web pages, the CLI, batch and the OpenAPI document all take the names, choices and
limits of the reader options from here, so a new option (density, discovery…) is added in one
place. ``ReaderOptions.parse`` reads JSON-shaped values (API bodies, known-terms files);
``ReaderOptions.from_query`` reads strings (query parameters, form fields, ``?known=a,b``).
Every refusal is an ``OptionError`` naming the field, so each surface can say exactly what was
wrong (the API as ``422`` with ``field``, the CLI as a usage error).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

LANG_CHOICES = ("auto", "ja", "en")
LEVELS = (1, 2, 3)
#: How many of a term's occurrences are marked (docs/ARCHITECTURE.md, "Density"): ``calm`` once per
#: section and never in headings or page furniture, ``first`` once in the article body, ``all``
#: every one.  ``first_only`` is the old name of ``first``.
DENSITY_CHOICES = ("calm", "first", "all")
DEFAULT_DENSITY = "calm"
#: The kinds of candidate ``discover`` may ask for (``tadoru.discover.KINDS``; this floor cannot
#: import that one).  ``true`` asks for all of them.
DISCOVER_KINDS = ("definition", "acronym", "compound")
#: A reader's known list is long (the extension exports thousands) but bounded: every entry is
#: resolved on every request.
MAX_KNOWN = 10_000
#: A term id or label longer than this is no term of ours.
MAX_NAME = 200
#: Searching the glossary (``GET /api/v1/terms?q=&limit=``): the query's length, and how many cards
#: one answer holds by default and at most (above the lexicon's size, so one request lists them all).
MAX_QUERY = 200
SEARCH_LIMIT_DEFAULT = 20
SEARCH_LIMIT_MAX = 10_000
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


class OptionError(ValueError):
    """A reader option that cannot be used; ``field`` names it (``known[3]`` for one entry)."""

    def __init__(self, field: str, message: str, *, code: str = "invalid_field") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.code = code


class OptionTypeError(OptionError, TypeError):
    """An option of the wrong type (a ``TypeError`` too, for library callers)."""


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", tuple: "array", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(value), type(value).__name__)


@dataclass(frozen=True, slots=True)
class ReaderOptions:
    """How to annotate for one reader. Build with ``parse``/``from_query``; fields are checked."""

    lang: str = "auto"
    known: tuple[str, ...] = field(default=())
    level: int = 1
    #: The old name of ``density="first"``; after validation it says whether density is ``first``.
    first_only: bool = False
    #: ``""`` (not given) becomes ``first`` when ``first_only`` asks, else ``calm``.
    density: str = ""
    #: Also report candidate terms the lexicon lacks (``tadoru.discover``): ``True`` for every kind,
    #: or the kinds wanted (``("definition", "acronym")``); after validation, the tuple of kinds
    #: (empty: off).  The annotator itself ignores it: the surfaces that show candidates ask
    #: ``tadoru.discover`` for them.
    discover: bool | tuple[str, ...] = False

    #: The fields in the order the API documents them.
    FIELDS = ("lang", "known", "level", "density", "first_only", "discover")

    def __post_init__(self) -> None:
        _check_lang(self.lang)
        _check_known(self.known)
        _check_level(self.level)
        if not isinstance(self.first_only, bool):
            raise OptionTypeError("first_only", f"must be true or false, not {_type_name(self.first_only)}")
        object.__setattr__(self, "discover", _discover_kinds(self.discover))
        density = self.density
        if density != "":
            _check_density(density)
        if self.first_only and density not in ("", "first"):
            raise OptionError("first_only", f"is the old name of density=first and conflicts with density={density}")
        density = density or ("first" if self.first_only else DEFAULT_DENSITY)
        object.__setattr__(self, "density", density)  # frozen: settled once, here
        object.__setattr__(self, "first_only", density == "first")

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ReaderOptions:
        """From JSON-shaped values; a missing key or ``null`` means the default."""
        values = {name: data[name] for name in cls.FIELDS if data.get(name) is not None}
        known = values.get("known")
        if known is not None:
            if not isinstance(known, (list, tuple)):
                raise OptionTypeError("known", f"must be an array of term ids, not {_type_name(known)}")
            values["known"] = tuple(known)
        if isinstance(values.get("discover"), list):
            values["discover"] = tuple(values["discover"])
        return cls(**values)

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> ReaderOptions:
        """For library calls (``annotate_text(text, level=2)``): any iterable of names is a known list."""
        known = kwargs.get("known")
        if known is not None and not isinstance(known, (str, bytes, Mapping)) and isinstance(known, Iterable):
            kwargs["known"] = tuple(known)
        elif isinstance(known, str):
            raise OptionTypeError("known", "must be a list of term ids, not a single string")
        return cls.parse(kwargs)

    @classmethod
    def from_query(cls, args: Mapping[str, Any], *, getlist: Any = None) -> ReaderOptions:
        """From strings: ``lang=ja&level=2&first_only=true&known=lora,rag`` (``known`` may repeat).

        ``getlist(name)`` returns every value of a repeated parameter (Werkzeug's
        ``MultiDict.getlist``); without it, one value per name.
        """
        values: dict[str, Any] = {}
        if args.get("lang") not in (None, ""):
            values["lang"] = args["lang"]
        raw_level = args.get("level")
        if raw_level not in (None, ""):
            values["level"] = _int_from_text("level", raw_level)
        if args.get("first_only") is not None:
            values["first_only"] = _bool_from_text("first_only", args["first_only"])
        if args.get("discover") is not None:
            values["discover"] = _discover_from_text(args["discover"])
        if args.get("density") not in (None, ""):
            values["density"] = str(args["density"]).strip().lower()
        raw_known = getlist("known") if getlist is not None else ([args["known"]] if args.get("known") else [])
        names = [name.strip() for raw in raw_known for name in str(raw).split(",")]
        if any(names):
            values["known"] = tuple(name for name in names if name)
        return cls(**values)

    def with_known(self, known: Iterable[str]) -> ReaderOptions:
        return replace(self, known=tuple(known))

    def with_density(self, density: str) -> ReaderOptions:
        return replace(self, density=density, first_only=False)

    @property
    def discover_kinds(self) -> tuple[str, ...]:
        """The kinds of candidate asked for, in ``DISCOVER_KINDS`` order (empty: none)."""
        return self.discover if isinstance(self.discover, tuple) else ()

    def to_json(self) -> dict[str, Any]:
        kinds = self.discover_kinds
        discover: bool | list[str] = bool(kinds) if kinds in ((), DISCOVER_KINDS) else list(kinds)
        return {"lang": self.lang, "known": list(self.known), "level": self.level, "density": self.density,
                "first_only": self.first_only, "discover": discover}


def _check_lang(lang: Any) -> None:
    if not isinstance(lang, str):
        raise OptionTypeError("lang", f"must be a string, not {_type_name(lang)}")
    if lang not in LANG_CHOICES:
        raise OptionError("lang", f"must be one of {', '.join(LANG_CHOICES)} (got {lang[:40]!r})", code="unknown_lang")


def _check_known(known: Any) -> None:
    if not isinstance(known, tuple):
        raise OptionTypeError("known", f"must be an array of term ids, not {_type_name(known)}")
    if len(known) > MAX_KNOWN:
        raise OptionError("known", f"at most {MAX_KNOWN} term ids (got {len(known)})")
    for i, item in enumerate(known):
        if not isinstance(item, str):
            raise OptionTypeError(f"known[{i}]", f"must be a string, not {_type_name(item)}")
        if len(item) > MAX_NAME:
            raise OptionError(f"known[{i}]", f"term ids are at most {MAX_NAME} characters")


def _check_level(level: Any) -> None:
    if isinstance(level, bool) or not isinstance(level, int):
        raise OptionTypeError("level", f"must be the integer 1, 2 or 3, not {_type_name(level)}")
    if level not in LEVELS:
        raise OptionError("level", f"must be 1, 2 or 3 (got {level})")


def _check_density(density: Any) -> None:
    if not isinstance(density, str):
        raise OptionTypeError("density", f"must be a string, not {_type_name(density)}")
    if density not in DENSITY_CHOICES:
        raise OptionError("density", f"must be one of {', '.join(DENSITY_CHOICES)} (got {density[:40]!r})")


def _discover_kinds(value: Any) -> tuple[str, ...]:
    """``discover`` as the tuple of kinds it asks for: true → all, false → none, or the kinds named."""
    if isinstance(value, bool):
        return DISCOVER_KINDS if value else ()
    if not isinstance(value, tuple):
        raise OptionTypeError("discover", f"must be true, false or an array of kinds, not {_type_name(value)}")
    for i, kind in enumerate(value):
        if kind not in DISCOVER_KINDS:
            shown = kind[:40] if isinstance(kind, str) else _type_name(kind)
            raise OptionError(f"discover[{i}]", f"must be one of {', '.join(DISCOVER_KINDS)} (got {shown!r})")
    return tuple(kind for kind in DISCOVER_KINDS if kind in value)


def _discover_from_text(raw: Any) -> bool | tuple[str, ...]:
    """``discover=true``, ``=false`` or ``=definition,acronym`` (checked as kinds afterwards)."""
    text = str(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    return tuple(kind.strip() for kind in text.split(",") if kind.strip())


def _int_from_text(name: str, raw: Any) -> int:
    text = str(raw).strip()
    # Checked before int(): a 5,000-digit "number" is refused by length, not by CPython's limit.
    if len(text) > 3 or not text.lstrip("-").isdigit():
        raise OptionError(name, f"must be a whole number (got {text[:40]!r})")
    return int(text)


def _bool_from_text(name: str, raw: Any) -> bool:
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise OptionError(name, f"must be true or false (got {text[:40]!r})")


def openapi_properties() -> dict[str, Any]:
    """The JSON Schema of the reader options, for the OpenAPI document (generated, not retyped)."""
    return {
        "lang": {"type": ["string", "null"], "enum": [*LANG_CHOICES, None], "default": "auto",
                 "description": "`auto` (or null) picks the language from the text's script."},
        "known": {"type": ["array", "null"], "maxItems": MAX_KNOWN,
                  "items": {"type": "string", "maxLength": MAX_NAME},
                  "description": "Ids (or labels) the reader knows: not annotated. Unknown ids are ignored. "
                                 "null is the same as []."},
        "level": {"type": ["integer", "null"], "enum": [*LEVELS, None], "default": 1,
                  "description": "Hide terms below this level (1 everyday, 2 practitioner, 3 specialist). "
                                  "null is the same as 1."},
        "density": {"type": ["string", "null"], "enum": [*DENSITY_CHOICES, None], "default": DEFAULT_DENSITY,
                    "description": "How many occurrences are marked: `calm` a term at most once per section (the "
                                   "text between two headings, or about 2,000 characters) and never in headings, "
                                   "navigation, header/footer/aside, bylines, tag lists, URLs or code; `first` "
                                   "once, counted from the article body; `all` every occurrence. null is the same "
                                   "as calm (or first when first_only is true)."},
        "first_only": {"type": ["boolean", "null"], "default": False,
                       "description": "The old name of `density: first` (true conflicts with any other density). "
                                      "null is the same as false."},
        "discover": {"oneOf": [{"type": ["boolean", "null"]},
                               {"type": "array", "items": {"type": "string", "enum": list(DISCOVER_KINDS)},
                                "uniqueItems": True}],
                     "default": False,
                     "description": "Also list `candidates`: jargon the lexicon does not have yet (`definition`: "
                                    "spelled out in the text; `acronym`: coined names and acronyms; `compound`: a "
                                    "naming word before a known term), never overlapping an annotation. true asks "
                                    "for every kind, an array for the kinds named (in a query string: "
                                    "`discover=definition,acronym`). null or [] is the same as false."},
    }
