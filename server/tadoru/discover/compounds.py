"""Compounds whose head is a known concept: 教師モデル, 線形アテンション, "ring attention".

Terms are coined by putting a word in front of a term readers already have; the compound is a
deeper term under that head (``Candidate.head``), and the head's card is the place to start
reading.  The head is an annotation the annotator made, so its choices (the page is about AI;
the label is a word of its own, not part of 富裕層) carry over; the work here is deciding
how far the modifier reaches to the left and whether it names a kind of thing or just points
at one ("our model", 最新モデル).

Japanese modifiers are Sudachi's noun run (through the shared tokenizer, on a window of a few
dozen characters around the head).  English has no part-of-speech model here, so a modifier word
(found with spaCy's rule tokenizer) must be a content word the field's own terms use (the words
of the lexicon's multi-word labels), or rare in general English, or, if common, stand right
after a determiner, where verbs do not ("the student model", not "to compare embeddings").  A
modifier may also be a known term of its own (方策モデル, "video generation models").  Neither
pass reads the whole page: each starts from a head annotation and most end at a set look-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from tadoru.discover.shapes import words, zipf
from tadoru.lexicon.model import Lexicon

#: English words that point at or grade a thing rather than name a kind of it.
EN_GENERIC = frozenset(words("""
new old large small big huge tiny good better best bad worse worst simple final whole same different other
first second third last next previous original existing proposed current standard single multiple several
many few more most less own full entire specific general popular powerful modern traditional typical
underlying custom open closed public private local remote official famous latest recent early earlier later
future past initial main key basic advanced complex larger smaller bigger faster slower cheaper stronger
weaker strong weak fast slow cheap expensive free similar various available possible actual real true false
overall total global common special particular certain important major minor high low higher lower top
bottom such another every each additional extra optional default example sample toy demo production
research commercial enterprise internal external proprietary flagship compact efficient lightweight capable
smart intelligent human generic dedicated separate specialized baseline trained pretrained tuned learned
underlying resulting corresponding respective entire unified novel naive vanilla plain classic classical
conventional famous leading cutting-edge state-of-the-art art frontier hosted deployed shared chosen given
favorite favourite preferred whole entire main primary secondary auxiliary full-size full-sized mid-size
open-source open-weight closed-source company team user users customer their our your my his her its
using via per versus
short long raw median mean average minimum maximum min max peak native net gross daily weekly monthly yearly
annual hundred thousand million billion trillion dozen hundreds thousands millions billions
"""))

#: Japanese modifiers that point at or grade a thing (最新モデル, 既存モデル), not a kind of it.
JA_GENERIC = frozenset(words("""
最新 従来 既存 提案 独自 大型 小型 主要 一般 複数 各種 同様 全体 自社 同社 他社 今回 前回 次回 次世代 元 対象 高性能
汎用 軽量 大規模 小規模 中規模 公開 商用 社内 自前 最終 最初 初期 基本 標準 上位 下位 新型 旧型 従来型 最先端 先端
最強 人気 有名 代表 話題 注目 一部 全部 自分 自身 本番 実際 実験 候補 無料 有料 特定 専用 独立 単一 同一 別 他
通常 既定 デフォルト オリジナル カスタム ベース シンプル 複雑 高速 低速 高精度 巨大 最大 最小 大量 少量 全 各
改正 新設 当社 弊社 御社 貴社 我々 私 私たち 両 諸 前者 後者 以下 以上 上記 下記 前述 後述 同種 異種 多数 少数 様々
"""))

_KANJI_OR_KANA = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff々]")
#: A character that can continue a Japanese noun run (kanji, katakana, Latin letters, digits).
JA_RUN_CHAR = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fffー々A-Za-z0-9]")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_SENTENCE_END = frozenset(".!?:;")
MAX_MODIFIER_WORDS = 3
MAX_JA_MODIFIER = 12
COMMON_WORD_ZIPF = 5.5


# --------------------------------------------------------------------------- heads


@lru_cache(maxsize=8)
def head_concepts(lexicon: Lexicon) -> frozenset[str]:
    """Concepts a compound may be built on: kinds of thing, not names.

    Read off the lexicon rather than listed by hand, so a new lexicon brings its own heads: a
    concept heads a compound when another concept's label ends in one of its labels ("reward
    model", 報酬モデル → model), or when one of its labels is a single lower-case English word
    (distillation, attention), a common noun that can take a modifier.  Names (products,
    libraries) never are.
    """
    return frozenset(_heads(lexicon))


#: Heads that name material a method works on rather than a method or a kind of model: a word in
#: front of them says what the material is about (personal data, 評価データ, tabular datasets,
#: text prompts, random matrices), which is description, not a coined term.
MATERIAL_LABELS = frozenset(words("data dataset corpus label weight matrix prompt benchmark"))


@lru_cache(maxsize=8)
def compound_heads(lexicon: Lexicon) -> frozenset[str]:
    """The heads a compound on the page may end in: ``head_concepts`` but material (``MATERIAL_LABELS``).

    ``propose`` still guesses material heads ("synthetic data" → data) as a draft's deeper term:
    there a person reads the guess; on the page a reader would be shown "personal data" as jargon.
    """
    material = {c.id for c in lexicon if any(label.lower() in MATERIAL_LABELS for label in c.labels["en"])}
    return head_concepts(lexicon) - material


@lru_cache(maxsize=8)
def broad_heads(lexicon: Lexicon) -> frozenset[str]:
    """Heads that end five or more other concepts' labels (model, 学習): so general that a
    compound made *with* them as modifier (モデル学習, "model training") is not a kind of anything."""
    return frozenset(cid for cid, n in _heads(lexicon).items() if n >= 5)


@lru_cache(maxsize=8)
def _heads(lexicon: Lexicon) -> dict[str, int]:
    """Head concept id → how many other concepts have a label ending in one of its labels."""
    en_suffixes: dict[str, set[str]] = {}
    ja_suffixes: dict[str, set[str]] = {}
    for concept in lexicon:
        for label in concept.labels["en"]:
            words = re.split(r"[ \-]", label.lower())
            for k in range(1, len(words)):
                en_suffixes.setdefault(" ".join(words[k:]), set()).add(concept.id)
        for label in concept.labels["ja"]:
            for k in range(1, len(label) - 1):
                ja_suffixes.setdefault(label[k:], set()).add(concept.id)
    heads: dict[str, int] = {}
    for concept in lexicon:
        if concept.category in NAME_CATEGORIES:
            continue
        others: set[str] = set()
        for label in concept.labels["en"]:
            others |= en_suffixes.get(label.lower(), set())
        for label in concept.labels["ja"]:
            if len(label) >= 2:
                others |= ja_suffixes.get(label, set())
        others.discard(concept.id)
        common_noun = any(_COMMON_NOUN.fullmatch(label) for label in concept.labels["en"])
        if others or common_noun:
            heads[concept.id] = len(others)
    return heads


_COMMON_NOUN = re.compile(r"[a-z]{4,}")


@lru_cache(maxsize=8)
def term_vocabulary(lexicon: Lexicon) -> frozenset[str]:
    """Every word of the lexicon's multi-word English labels (causal, sparse, reward, teacher):
    the words this field builds terms with, so a modifier the field has used before is trusted."""
    words: set[str] = set()
    for concept in lexicon:
        for label in concept.labels["en"]:
            parts = re.split(r"[ \-/]+", label.lower())
            if len(parts) > 1:
                words.update(p for p in parts if p.isalpha())
    return frozenset(words - _en_stop_words() - EN_GENERIC)


@lru_cache(maxsize=1)
def never_modifiers() -> frozenset[str]:
    """Words that never start an English compound, in the spellings a page has them (the, The):
    the first test each head annotation meets, a set look-up, because most fail it."""
    base = _en_stop_words() | EN_GENERIC
    return frozenset(base | {w.capitalize() for w in base} | {w.upper() for w in base})


#: Words after which the next word is a verb, not a modifier ("to compare embeddings", "we train
#: models", "can run models").
_VERB_CONTEXT = frozenset(words("""
to can could will would shall should may might must do does did not we you they i he she it who
also often then just still usually rarely never always simply
"""))
RARE_WORD_ZIPF = 3.5
#: A common content word (ring, student) may modify too, but only right after a determiner ("a
#: ring attention …", "the student model"): that is where verbs ("to compare embeddings", "can
#: handle data") never stand.
COMMON_MODIFIER_ZIPF = 5.1
#: ("that" is left out: "firms that handle data" is a relative clause.)
DETERMINERS = frozenset(words("a an the this these those each every our their its his her your my no any some "
                              "another"))


# --------------------------------------------------------------------------- Japanese


@lru_cache(maxsize=4096)
def _ja_tokens(window: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, part of speech) of Sudachi's morphemes in ``window``, cached: pages repeat."""
    from tadoru.discover.pipelines import japanese

    doc = japanese().tokenizer(window)
    return tuple((t.idx, t.idx + len(t.text), t.tag_) for t in doc)


def japanese_modifier(text: str, head_start: int, head_end: int, taken: Iterable[tuple[int, int]]) -> int | None:
    """Where the noun run that ends in the head ``text[head_start:head_end]`` starts, or None.

    None when the head is not a word of its own in Sudachi's eyes, when the run goes on after
    the head (モデル化, モデルサイズ: then the head is something else), or when no naming
    modifier is left once pointers and grades (本, 最新, 既存) are taken off.  ``taken`` are
    the spans of other annotations: a modifier never reaches into one.
    """
    if head_start == 0 or not JA_RUN_CHAR.match(text[head_start - 1]):
        return None
    lo = head_start
    floor = max(0, head_start - 2 * MAX_JA_MODIFIER)
    while lo > floor and JA_RUN_CHAR.match(text[lo - 1]):
        lo -= 1
    for a_start, a_end in taken:
        if a_end <= head_start and a_end > lo:
            lo = a_end  # another term stands right before: the modifier stops at it
    if lo >= head_start:
        return None
    hi = min(len(text), head_end + 6)
    tokens = _ja_tokens(text[lo:hi])
    rel_start, rel_end = head_start - lo, head_end - lo
    starts = [t[0] for t in tokens]
    if rel_start not in starts:
        return None
    after = [t for t in tokens if t[0] == rel_end]
    if not any(t[1] == rel_end for t in tokens):
        return None
    if after and after[0][2].startswith(("名詞", "接尾辞")):
        return None
    k = starts.index(rel_start)
    begin = rel_start
    while k > 0:
        s, e, tag = tokens[k - 1]
        surface = text[lo + s : lo + e]
        if not tag.startswith(("名詞", "形状詞", "接尾辞-名詞的")) or tag.startswith(
                ("名詞-数詞", "名詞-固有名詞-人名", "名詞-固有名詞-地名")):
            break
        if surface in JA_GENERIC:
            break
        begin = s
        k -= 1
    if k > 0 and (tokens[k - 1][2].startswith("名詞-数詞") or text[lo + tokens[k - 1][1] - 1].isdigit()):
        return None  # 4ビットモデル, 3層ネットワーク: a size, not a kind
    modifier = text[lo + begin : head_start]
    while modifier and modifier[0] in "本同各当該全両新旧次諸某他":
        modifier, begin = modifier[1:], begin + 1  # single-kanji pointers stay outside
    if len(modifier) < 2 or len(modifier) > MAX_JA_MODIFIER or not _KANJI_OR_KANA.search(modifier):
        return None
    if modifier in JA_GENERIC:
        return None
    return lo + begin


# --------------------------------------------------------------------------- English


@lru_cache(maxsize=4096)
def _en_tokens(window: str) -> tuple[tuple[int, str, bool, bool], ...]:
    """(start, text, is_stop, is space-separated-after) of spaCy's rule tokens in ``window``."""
    from tadoru.discover.pipelines import english

    doc = english().tokenizer(window)
    return tuple((t.idx, t.text, t.is_stop, bool(t.whitespace_)) for t in doc)


def _generic_en(word: str) -> bool:
    lw = word.lower()
    if lw in EN_GENERIC or len(lw) < 3:
        return True
    return lw.endswith(("ly", "'s", "’s"))


def quick_reject_en(text: str, head_start: int) -> bool:
    """The cheap test before any tokenising: is the word before the head a pointer, a function
    word, a verb form or a very common word?  Most heads ("the model", "our model") end here."""
    if head_start < 2 or text[head_start - 1] not in " -":
        return True
    left = max(0, head_start - 40)
    m = None
    for m in _EN_WORD.finditer(text, left, head_start - 1):
        pass
    if m is None or m.end() != head_start - 1:
        return True
    word = m.group().split("-")[-1] if text[head_start - 1] == " " else m.group()
    lw = word.lower()
    if _generic_en(word) or lw in _en_stop_words():
        return True
    return "-" not in m.group() and verb_form(lw)


def verb_form(word: str) -> bool:
    """Is ``word`` an -ing or -ed form of a common verb (using, tried, grouped), not a noun that
    only ends that way (ring, string, speed, embed)?  Asked of the stem's frequency."""
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) >= len(suffix) + 3:
            stem = word[: -len(suffix)]
            stems = {stem, stem + "e"}
            if len(stem) > 2 and stem[-1] == stem[-2]:
                stems.add(stem[:-1])  # running, embedded
            if suffix == "ed" and stem.endswith("i"):
                stems.add(stem[:-1] + "y")  # tried
            return any(zipf(s) >= 3.5 for s in stems)
    return False


@lru_cache(maxsize=1)
def _en_stop_words() -> frozenset[str]:
    from tadoru.discover.pipelines import english

    return frozenset(english().Defaults.stop_words)


def english_modifier(text: str, head_start: int, head_end: int, taken: Iterable[tuple[int, int]],
                     head_capitalised: bool, vocabulary: frozenset[str] = frozenset()) -> int | None:
    """Where the modifier words before the head start, or None (see ``quick_reject_en``).

    Up to three words, each a content word (not a stop word, not generic, not an adverb, not a
    very common word); hyphenated words count as one (sliding-window, grouped-query); an
    ``-ing`` or ``-ed`` word only inside a hyphenated word or a Title Case name.  A capitalised
    word before a lower-case head is a name (the Llama model), not part of a term.  The word
    after the head must end the phrase (a stop word, punctuation), else the head is not the
    head ("attention mechanism").
    """
    if quick_reject_en(text, head_start):
        return None
    if head_end < len(text) and text[head_end].isalnum():
        return None  # "models" glued on: the annotation is not a word of its own
    nxt = _NEXT_EN_WORD.match(text, head_end)
    following = nxt.group(1) if nxt is not None else ""
    if following and not phrase_may_end(text[head_start:head_end], following, following in _en_stop_words()):
        return None  # "attention mechanism": the phrase goes on, its head is further right
    single = _single_word_modifier(text, head_start)
    if single is not None:
        word = text[single : head_start - 1]
        ok = _modifier_ok(text, single, word, head_capitalised, vocabulary) or (
            needs_determiner(word, vocabulary)
            and _modifier_ok(text, single, word, head_capitalised, vocabulary, shape_only=True)
            and _previous_word(text, single).lower() in DETERMINERS)
        if not ok or _after_verb_context(text, single) or any(
                a_start < head_start and a_end > single for a_start, a_end in taken):
            return None
        return single
    lo = max(0, head_start - 48)
    hi = min(len(text), head_end + 16)
    window = text[lo:hi]
    tokens = _en_tokens(window)
    rel_start, rel_end = head_start - lo, head_end - lo
    index = {t[0]: k for k, t in enumerate(tokens)}
    if rel_start not in index:
        return None
    after = [t for t in tokens if t[0] >= rel_end]
    if after and after[0][0] == rel_end and after[0][1][:1].isalnum():
        return None  # "models" glued on: the annotation is not a word of its own
    if after and not phrase_may_end(text[head_start:head_end], after[0][1], after[0][2]):
        return None  # "attention mechanism": the phrase goes on, its head is further right
    # words before the head, right to left; a hyphen token glues two words into one
    k = index[rel_start] - 1
    words: list[tuple[int, str]] = []  # (start in window, word)
    while k >= 0 and len(words) < MAX_MODIFIER_WORDS:
        start, tok, _stop, _space = tokens[k]
        if tok == "-" and k > 0 and words and not tokens[k - 1][3] and tokens[k - 1][1][:1].isalnum():
            prev_start, prev_tok = tokens[k - 1][0], tokens[k - 1][1]
            glued = prev_tok + "-" + words[-1][1]
            words[-1] = (prev_start, glued)
            k -= 2
            continue
        if not tok[:1].isalpha() or not tokens[k][3]:
            break
        words.append((start, tok))
        k -= 1
    begin: int | None = None
    for n, (start, word) in enumerate(words):
        abs_start = lo + start
        if any(a_start < head_start and a_end > abs_start for a_start, a_end in taken):
            break
        if not _modifier_ok(text, abs_start, word, head_capitalised, vocabulary):
            if n == 0 and needs_determiner(word, vocabulary) and _modifier_ok(
                    text, abs_start, word, head_capitalised, vocabulary, shape_only=True) and (
                    _previous_word(text, abs_start).lower() in DETERMINERS):
                begin = abs_start  # "the student model": one common word, after a determiner
            break
        begin = abs_start
    if begin is not None and _after_verb_context(text, begin):
        return None  # "to compare embeddings": the first word was a verb
    return begin


def _single_word_modifier(text: str, head_start: int) -> int | None:
    """Start of the one plain word before the head when nothing that could extend the modifier
    stands before it (a stop word, punctuation, the start of a sentence): the common case,
    decided without tokenising.  None when the words need spaCy's tokenizer (hyphens, runs)."""
    if text[head_start - 1] != " ":
        return None
    j = text.rfind(" ", max(0, head_start - 40), head_start - 1)
    word = text[j + 1 : head_start - 1]
    if not word.isalpha() or j < 0:
        return None
    before = _previous_word(text, j + 1)
    if before in never_modifiers() or _sentence_start(text, j + 1) or (before and not before[-1].isalpha()):
        return j + 1
    return None


def _previous_word(text: str, start: int) -> str:
    if start < 2 or text[start - 1] != " ":
        return ""
    j = text.rfind(" ", max(0, start - 20), start - 1)
    return text[j + 1 : start - 1]


def _after_verb_context(text: str, start: int) -> bool:
    return _previous_word(text, start).lower() in _VERB_CONTEXT


_VERDICTS: dict[int, tuple[frozenset[str], dict[str, bool]]] = {}
_MAX_VERDICTS = 100_000


def first_word_verdicts(vocabulary: frozenset[str]) -> dict[str, bool]:
    """The cache of ``first_word_verdict`` for this vocabulary (one per lexicon, kept across calls)."""
    entry = _VERDICTS.get(id(vocabulary))
    if entry is None or entry[0] is not vocabulary:
        entry = _VERDICTS[id(vocabulary)] = (vocabulary, {})
    if len(entry[1]) > _MAX_VERDICTS:
        entry[1].clear()
    return entry[1]


def first_word_verdict(word: str, vocabulary: frozenset[str]) -> bool:
    """May the word right before a head start a compound?  The pre-test every head annotation
    meets before any tokenising, so it is answered once per word and cached.

    Stop words and generic words never; a lower-case word only if ``_modifier_ok`` takes it;
    a capitalised word maybe (that depends on where it stands: the slow path decides).
    """
    if word in never_modifiers() or not word[-1:].isalpha():
        verdict = False  # also "OpenAI's", "25", "budget.\n\nA" (the caller splits on spaces only)
    elif word.islower() or (word[:1].isupper() and word[1:].islower()):
        # A Title Case word is a sentence start (judged as its lower case) or a name, which
        # only a Title Case head takes (Ring Attention): rare enough to let its lower case decide.
        lw = word.lower()
        verdict = _modifier_ok("", 1, lw, False, vocabulary, sentence_start=False) or (
            _modifier_ok("", 1, lw, False, frozenset(), sentence_start=False, shape_only=True)
            and needs_determiner(lw, vocabulary))
    else:
        verdict = False  # acronyms and camel case: names, or candidates of their own
    first_word_verdicts(vocabulary)[word] = verdict
    return verdict


def _modifier_ok(text: str, start: int, word: str, head_capitalised: bool, vocabulary: frozenset[str],
                 sentence_start: bool | None = None, shape_only: bool = False) -> bool:
    """One modifier word: a content word, and either one the field's terms use (``vocabulary``),
    or rare in general English (RARE_WORD_ZIPF), or part of a Title Case name before a Title
    Case head.  "perfect model", "handle data", "personal data" fail; "teacher model",
    "disaggregated prefill", "sliding-window attention" pass."""
    parts = word.split("-")
    hyphenated = len(parts) > 1
    last = parts[-1]
    lw = word.lower()
    if lw in _en_stop_words() or _generic_en(word) or _generic_en(last):
        return False
    if any(c.isdigit() for c in word) or word.isupper():
        return False  # numbers and acronyms: versions and names, or candidates of their own
    if sentence_start is None:
        sentence_start = start == 0 or _sentence_start(text, start)
    capitalised = word[:1].isupper() and not sentence_start
    if capitalised and not head_capitalised:
        return False  # "the Llama model": a name in front of a generic head
    if not hyphenated and not capitalised and verb_form(lw):
        return False
    if not hyphenated and not capitalised and lw.endswith("s") and not lw.endswith(("ss", "us", "is", "ics")):
        return False  # "masks tokens", "experts model": a verb, or a plural, which English modifiers are not
    if not hyphenated and not capitalised and zipf(lw) >= COMMON_WORD_ZIPF:
        return False
    if capitalised or shape_only:
        return True
    return all(p in vocabulary or _rare_noun_like(p) for p in lw.split("-") if p)


def needs_determiner(word: str, vocabulary: frozenset[str]) -> bool:
    """Is ``word`` a modifier only after a determiner: a common word the field's terms do not use?"""
    parts = [p for p in word.lower().split("-") if p]
    return not all(p in vocabulary or _rare_noun_like(p) for p in parts) and all(
        p in vocabulary or _rare_noun_like(p) or _common_noun_like(p) for p in parts)


def _common_noun_like(word: str) -> bool:
    return (word.isalpha() and zipf(word) < COMMON_MODIFIER_ZIPF and not word.endswith(_ADJECTIVE_ENDINGS)
            and not _comparative(word))


def _comparative(word: str) -> bool:
    """simpler, larger, easier: a comparative of a very common adjective (not router, encoder)."""
    if word.endswith("ier"):
        return zipf(word[:-3] + "y") >= 5.0
    if word.endswith("er") and len(word) > 4:
        stems = {word[:-2], word[:-1]}
        if len(word) > 5 and word[-3] == word[-4]:
            stems.add(word[:-3])  # bigger
        return any(zipf(stem) >= 5.0 for stem in stems)
    return False


#: Endings of English adjectives that grade or describe ("hypothetical AI", "numerous models"):
#: a rare word with one of them is trusted as a modifier only if the field's terms use it.
_ADJECTIVE_ENDINGS = ("ical", "ous", "ful", "less", "able", "ible", "ive", "ish")


def _rare_noun_like(word: str) -> bool:
    return word.isalpha() and zipf(word) < RARE_WORD_ZIPF and not word.endswith(_ADJECTIVE_ENDINGS)


def _sentence_start(text: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and text[k] in " \t\"'“(":
        k -= 1
    return k < 0 or text[k] in _SENTENCE_END or text[k] == "\n"


def verb_head(surface: str) -> bool:
    """Is the head written as a past participle (fine-tuned, quantized, distilled)?  Then it is
    the verb of the clause ("retrieval models fine-tuned on…"), not the noun a compound ends in."""
    lw = surface.lower()
    return len(lw) >= 5 and lw.endswith("ed") and not lw.endswith("eed")


def capitalised_head(surface: str) -> bool:
    """Is the head written in Title Case (Ring Attention), which lets Title Case modifiers in?"""
    return surface[:1].isupper() and not surface.isupper()


#: Categories whose terms are names (products, libraries, models): "PyTorch model", "BERTモデル"
#: name an instance of the head, not a kind of it.
NAME_CATEGORIES = frozenset({"tools-products"})
_EN_LOWER_PHRASE = re.compile(r"[a-z][a-z\- ]*")
_NEXT_EN_WORD = re.compile(r" ([A-Za-z]+)")


def annotated_modifier(text: str, modifier: Any, head: Any, lexicon: Lexicon, japanese: bool) -> bool:
    """May the annotation ``modifier``, right before the head annotation, be the compound's modifier?

    Two known terms make a new one (方策モデル, オンポリシー蒸留, "video generation models")
    when the first is a common-noun concept, not a name (``NAME_CATEGORIES``, acronyms, Latin
    words in Japanese) and not itself a head (モデル学習 is model training, not a kind of
    training), and when the phrase ends with the head.
    """
    if modifier.term == head.term or modifier.term in broad_heads(lexicon):
        return False
    concept = lexicon.get(modifier.term)
    if concept is None or concept.category in NAME_CATEGORIES:
        return False
    after = text[head.end : head.end + 1]
    surface = modifier.surface
    if japanese:
        if modifier.end != head.start or not _KANJI_OR_KANA.search(surface) or any(c.isascii() for c in surface):
            return False
        return not (after and JA_RUN_CHAR.match(after))
    if text[modifier.end : head.start] not in (" ", "-"):
        return False
    if surface.lower() in EN_GENERIC:
        return False  # "median latency", "native API": the term grades the head, it does not name a kind
    if verb_head(surface):
        return False  # "fine-tuned model", "quantized weights": a state the head is in, as "trained model" is
    lowered = surface[0].lower() + surface[1:] if _sentence_start(text, modifier.start) else surface
    if not _EN_LOWER_PHRASE.fullmatch(lowered):
        return False
    if after[:1].isalnum():
        return False
    m = _NEXT_EN_WORD.match(text, head.end)
    return m is None or phrase_may_end(head.surface, m.group(1), m.group(1) in _en_stop_words())


def phrase_may_end(head: str, following: str, following_is_stop: bool) -> bool:
    """Can the noun phrase end with ``head`` when ``following`` comes next?

    Yes before punctuation, a stop word, a capitalised word, a verb form (-s, -ed).  After a
    plural head ("classifiers screen prompts") the next word is most often the verb: English
    puts plurals at the end of a compound, so the phrase ends there.
    """
    if not following[:1].isalpha() or not following.islower() or following_is_stop:
        return True
    if head.endswith("s") and not head.endswith("ss"):
        return True
    if following.endswith("ed"):
        return True
    return following.endswith("s") and not following.endswith(("ss", "us", "is"))
