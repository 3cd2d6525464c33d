"""The surface forms a label takes in running text, beyond what normalisation already covers.

Normalisation makes case, width, hyphens and the long-vowel mark irrelevant; what is left is
word-level variation: ``fine tuning`` written as ``finetuning``, English plurals
(``embeddings``, ``GPUs``, ``matrices``) and the ``-ing`` → ``-ed`` participle
(``fine-tuning`` → ``fine-tuned``), and for prefixed verbs the bare verb (``fine-tune``,
``pre-trains``, ``overfit``).  spaCy's lookup lemmatiser misses most of these for
jargon (spaCy's lookup lemmatiser misses embeddings, LLMs, fine-tuned), so the rules live here, small and tested.
"""

from __future__ import annotations

import re

from tadoru.text.normalize import normalize_label

_LATIN_WORD_END = re.compile(r"[a-z]{3,}$", re.IGNORECASE)
_IRREGULAR_PLURALS = {
    "matrix": "matrices",
    "index": "indices",
    "vertex": "vertices",
    "hypothesis": "hypotheses",
    "analysis": "analyses",
    "criterion": "criteria",
    "phenomenon": "phenomena",
    "datum": "data",
    "child": "children",
}
#: ``-ed`` forms that are everyday words with another meaning, never produced automatically.
_PARTICIPLE_DENYLIST = frozenset({"embedded", "learned", "modeled", "labeled", "prompted", "clustered", "featured"})


def plural(word_form: str) -> str | None:
    """English plural of a label's last word, or ``None`` when the label does not inflect."""
    m = _LATIN_WORD_END.search(word_form)
    if m is None:
        if re.search(r"[A-Z]{2,}$", word_form):  # acronyms: GPU → GPUs, LLM → LLMs
            return word_form + "s"
        return None
    last = m.group()
    lower = last.lower()
    head = word_form[: m.start()]
    for singular, plural_form in _IRREGULAR_PLURALS.items():
        if lower.endswith(singular):
            return head + last[: len(last) - len(singular)] + _same_case(plural_form, last)
    if last.isupper():
        return word_form + "s"
    if lower.endswith("y") and lower[-2] not in "aeiou":
        return head + last[:-1] + "ies"
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return word_form + "es"
    return word_form + "s"


def participle(word_form: str) -> str | None:
    """``fine-tuning`` → ``fine-tuned``; ``None`` unless the label ends in ``-ing``."""
    if not re.search(r"[a-z]{2}ing$", word_form):
        return None
    out = word_form[:-3] + "ed"
    return None if out.split(" ")[-1].split("-")[-1].lower() in _PARTICIPLE_DENYLIST else out


#: Prefixes that make a compound verb of an ``-ing`` word (``fine-tune``, ``pre-train``,
#: ``overfit``).  Without a prefix the bare verb is too often an everyday word ("train",
#: "scale"), and "machine learning" has no verb "machine learn", so the rule stays this narrow.
_VERB_PREFIX = re.compile(r"^(fine|pre|re|post|up|over|de)([- ]?)([a-z]+ing)$", re.IGNORECASE)
#: ``-ing`` → bare verb where dropping ``-ing`` alone is wrong (``tuning`` → ``tune``).
_BARE_VERBS = {"tuning": "tune", "training": "train", "fitting": "fit", "scaling": "scale", "ranking": "rank",
               "processing": "process", "noising": "noise"}


def bare_verbs(word_form: str) -> list[str]:
    """``fine-tuning`` → ``fine-tune``, ``fine-tunes``; empty unless a known prefixed verb."""
    m = _VERB_PREFIX.match(word_form)
    if m is None or m.group(3).lower() not in _BARE_VERBS:
        return []
    prefix, sep, ing = m.groups()
    verb = _same_case(_BARE_VERBS[ing.lower()], ing)
    third_person = verb + ("es" if verb.lower().endswith(("s", "sh", "ch", "x", "z")) else "s")
    third_person = _same_case(third_person, ing)
    return [prefix + sep + verb, prefix + sep + third_person]


def _same_case(replacement: str, model: str) -> str:
    return replacement.upper() if model.isupper() else replacement


def surface_forms(label: str, lang: str) -> list[str]:
    """The label and its inflected forms, as written (not yet normalised)."""
    forms = [label]
    if lang == "en" or _is_latin(label):
        for make in (plural, participle):
            form = make(label)
            if form and form not in forms:
                forms.append(form)
        forms.extend(form for form in bare_verbs(label) if form not in forms)
    return forms


def match_keys(label: str, lang: str) -> list[tuple[str, str]]:
    """What the matcher searches for: ``(key, written)`` for every surface form, spaced and joined.

    ``key`` is case-folded; ``written`` keeps the label's casing (without spaces) so that
    case-sensitive labels can be checked against the text as written.
    """
    keys: list[tuple[str, str]] = []
    for form in surface_forms(label, lang):
        key = normalize_label(form)
        if not key:
            continue
        written = normalize_label(form, fold=False).replace(" ", "")
        for variant in _spacings(key):
            if all(variant != k for k, _ in keys):
                keys.append((variant, written))
    return keys


def _spacings(key: str) -> list[str]:
    """``pre trained model`` → also ``pretrained model``, ``pre trainedmodel``, ``pretrainedmodel``.

    Writers drop or keep each hyphen/space independently, so every combination counts; labels
    with many words only get the fully spaced and fully joined forms.
    """
    words = key.split(" ")
    if len(words) == 1:
        return [key]
    if len(words) > 4:
        return [key, "".join(words)]
    out = []
    for mask in range(2 ** (len(words) - 1)):
        pieces = [words[0]]
        for i, word in enumerate(words[1:]):
            pieces.append(("" if mask >> i & 1 else " ") + word)
        out.append("".join(pieces))
    return out


def _is_latin(label: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 .+\-'/]*", label))
