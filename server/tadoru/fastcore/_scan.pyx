# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The compiled text path: fold, scan, resolve and filter in one C pass (issue 20).

It does what ``CompiledLexicon.find`` → ``resolve_overlaps`` → ``not_names_or_code`` →
``Annotator._in_context`` → ``Annotator._for_reader`` do in Python, with identical output (the
differential test, tests/unit/test_fastcore.py, holds the two together); the Python path stays
the reference and the fallback.  Why it is faster:

* the text is folded through a per-character table straight into a buffer with the map back,
  so no normalised ``str`` and no segment map are made;
* a key is looked up only where one can start: a Latin key never starts inside a Latin word,
  so the ~40% of automaton hits that are short keys inside words never arise;
* candidates, the overlap resolution and the filters work on C structs, and only the
  annotations a reader sees become Python objects.

Python is called back only for what is rare: characters whose normal form needs more than the
table (ligatures, combining sequences, astral characters), case-sensitive labels written with
such characters, Sudachi's word edges at Japanese edges in doubt, and acronyms next to a
capitalised word.  The scan itself runs without the GIL.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport int32_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport qsort
from libc.string cimport memset

cdef extern from "Python.h":
    int PyObject_GenericSetAttr(object o, object name, object value) except -1
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISALPHA(Py_UCS4 ch) nogil
    Py_UCS4* PyUnicode_AsUCS4Copy(object text) except NULL

#: Bumped whenever the tables' layout changes: ``tadoru.fastcore`` refuses tables of another one.
LAYOUT = 1

# Fold-table codes (built by tadoru.fastcore.fold_codes from tadoru.text.normalize's classes),
# character classes (tadoru.matcher.char_class / japanese_script) and the characters ー and ・.
cdef extern from *:
    """
    #define TADORU_IRREG 0x80000000u   /* normal form needs a cluster (or context: ー, ・) */
    #define TADORU_COMB 0x40000000u    /* a combining mark: joins the character before it */
    #define TADORU_EXPAND 0x20000000u  /* normal form of three or more characters */
    #define TADORU_SIMPLE 0x10000000u  /* irregular, but its normal form is the character in the low bits */
    #define TADORU_CP_MASK 0x001FFFFFu
    """
    const uint32_t IRREG "TADORU_IRREG"
    const uint32_t COMB "TADORU_COMB"
    const uint32_t EXPAND "TADORU_EXPAND"
    const uint32_t SIMPLE "TADORU_SIMPLE"
    const uint32_t CP_MASK "TADORU_CP_MASK"

cdef enum:
    LATIN = 1
    JAPANESE = 2
    OTHER = 3
    HIRAGANA = 1
    KATAKANA = 2
    KANJI = 3
    LONG_VOWEL = 0x30FC
    NAKAGURO = 0x30FB

cdef uint32_t _EMPTY[1]  # the address given for an empty table (never read)


cdef inline int japanese_script(Py_UCS4 ch) noexcept nogil:
    if 0x3041 <= ch <= 0x309F:
        return HIRAGANA
    if 0x30A0 <= ch <= 0x30FF or 0x31F0 <= ch <= 0x31FF or 0xFF66 <= ch <= 0xFF9F:
        return KATAKANA
    if (0x4E00 <= ch <= 0x9FFF or 0x3400 <= ch <= 0x4DBF or 0xF900 <= ch <= 0xFAFF
            or ch == 0x3005 or ch == 0x3006 or ch == 0x30F6):
        return KANJI
    return 0


cdef inline int char_class(Py_UCS4 ch) noexcept nogil:
    if ch < 0x80:  # str.isalnum on ASCII, without the call into the Unicode database
        return LATIN if (0x61 <= ch <= 0x7A or 0x30 <= ch <= 0x39 or 0x41 <= ch <= 0x5A) else OTHER
    if japanese_script(ch):
        return JAPANESE
    if 0xC0 <= ch <= 0x24F and Py_UNICODE_ISALPHA(ch):
        return LATIN
    return OTHER


cdef inline bint same_word_risk(Py_UCS4 left, Py_UCS4 right) noexcept nogil:
    cdef int a = japanese_script(left)
    return a != 0 and a == japanese_script(right)


cdef inline bint is_katakana(Py_UCS4 ch) noexcept nogil:
    return 0x30A1 <= ch <= 0x30FA or ch == LONG_VOWEL or 0x31F0 <= ch <= 0x31FF


cdef inline uint32_t code_of(const uint32_t* table, Py_UCS4 ch) noexcept nogil:
    if ch < 0x10000:
        return table[ch]
    return IRREG | EXPAND


cdef extern from *:
    int popcount64 "__builtin_popcountll"(unsigned long long x) nogil


cdef struct Node:
    int32_t lo     # its edges: edge_cp[lo:lo + count], sorted (ASCII ones first)
    int32_t count
    int32_t key    # the key that ends here, or -1
    int32_t n_ascii
    uint64_t ascii_lo  # bit c: an edge for ASCII character c (< 64)
    uint64_t ascii_hi  # bit c - 64: an edge for ASCII character c (64–127)


cdef struct Copy:
    Py_UCS4* s      # the folded copy
    int32_t* ostart  # for each copy character, the original span it came from
    int32_t* oend
    Py_ssize_t length
    Py_ssize_t capacity


cdef struct Cand:
    int32_t start
    int32_t end
    int32_t copy_i
    int32_t copy_j
    int32_t concept
    int32_t key
    int32_t entry   # >= 0: the case check of this entry still needs Python (then the rest of the key's entries)
    uint8_t ambiguous
    uint8_t ja_start  # Japanese edges still to be confirmed by Sudachi
    uint8_t ja_end


cdef struct Cands:
    Cand* items
    Py_ssize_t length
    Py_ssize_t capacity


cdef int copy_reserve(Copy* c, Py_ssize_t extra) except -1:
    cdef Py_ssize_t need = c.length + extra
    cdef Py_ssize_t cap
    if need <= c.capacity:
        return 0
    cap = max(need, c.capacity * 2, 64)
    c.s = <Py_UCS4*> PyMem_Realloc(c.s, cap * sizeof(Py_UCS4))
    c.ostart = <int32_t*> PyMem_Realloc(c.ostart, cap * sizeof(int32_t))
    c.oend = <int32_t*> PyMem_Realloc(c.oend, cap * sizeof(int32_t))
    if c.s == NULL or c.ostart == NULL or c.oend == NULL:
        raise MemoryError()
    c.capacity = cap
    return 0


cdef inline void copy_push(Copy* c, Py_UCS4 ch, int32_t a, int32_t b) noexcept:
    c.s[c.length] = ch
    c.ostart[c.length] = a
    c.oend[c.length] = b
    c.length += 1


cdef inline void cluster_char(Copy* c, Py_UCS4 ch, int32_t a, int32_t b) noexcept:
    """One character of a cluster's normal form, with the rules for ー and ・ (normalize._Builder.cluster)."""
    cdef Py_UCS4 prev = c.s[c.length - 1] if c.length else 0
    if ch == LONG_VOWEL and is_katakana(prev):
        c.oend[c.length - 1] = b  # the mark belongs to the word before it
        return
    if ch == NAKAGURO:
        if is_katakana(prev):
            return
        ch = 0x20
    copy_push(c, ch, a, b)


cdef int cands_push(Cands* cs, Cand* cand) except -1 nogil:
    cdef Py_ssize_t cap
    if cs.length == cs.capacity:
        cap = max(cs.capacity * 2, 256)
        with gil:
            cs.items = <Cand*> PyMem_Realloc(cs.items, cap * sizeof(Cand))
            if cs.items == NULL:
                raise MemoryError()
        cs.capacity = cap
    cs.items[cs.length] = cand[0]
    cs.length += 1
    return 0


cdef int by_length_then_start(const void* pa, const void* pb) noexcept nogil:
    """resolve_overlaps' order: longest first, then earliest; ties as the automaton reported them."""
    cdef const Cand* a = <const Cand*> pa
    cdef const Cand* b = <const Cand*> pb
    cdef int32_t la = a.end - a.start
    cdef int32_t lb = b.end - b.start
    if la != lb:
        return -1 if la > lb else 1
    if a.start != b.start:
        return -1 if a.start < b.start else 1
    if a.copy_j != b.copy_j:  # pyahocorasick: by end in the copy, the longest key first
        return -1 if a.copy_j < b.copy_j else 1
    if a.copy_i != b.copy_i:
        return -1 if a.copy_i < b.copy_i else 1
    return 0


cdef int by_start(const void* pa, const void* pb) noexcept nogil:
    cdef const Cand* a = <const Cand*> pa
    cdef const Cand* b = <const Cand*> pb
    return -1 if a.start < b.start else (1 if a.start > b.start else 0)


cdef class Core:
    """The compiled tables of one lexicon (made by ``tadoru.fastcore.build``; immutable, shared by threads)."""

    cdef object _arrays  # keeps the buffers below alive
    cdef const uint32_t* fold
    cdef const uint32_t* unfold
    cdef const int32_t* root_bmp
    cdef Node* nodes  # child_lo, child_hi and node_key side by side: one cache line per step
    cdef const uint32_t* edge_cp
    cdef const int32_t* edge_node
    cdef const int32_t* key_lo
    cdef const int32_t* key_hi
    cdef const int32_t* ent_concept
    cdef const int32_t* ent_cased
    cdef const uint8_t* ent_amb
    cdef const int32_t* cased_lo
    cdef const int32_t* cased_hi
    cdef const uint32_t* cased_chars
    cdef const int32_t* concept_level
    cdef const uint8_t* concept_library
    cdef Py_ssize_t n_concepts
    cdef readonly list concept_ids
    cdef object map_cluster, check_growth, written

    def __init__(self, dict arrays, list concept_ids, map_cluster, check_growth, written):
        """``arrays``: the tables as ``array.array`` objects; the callables are the Python rules for the rare cases."""
        self._arrays = arrays
        self.fold = <const uint32_t*> _address(arrays["fold"], 65536)
        self.unfold = <const uint32_t*> _address(arrays["unfold"], 65536)
        self.root_bmp = <const int32_t*> _address(arrays["root_bmp"], 65536)
        self.edge_cp = <const uint32_t*> _address(arrays["edge_cp"], 0)
        self.edge_node = <const int32_t*> _address(arrays["edge_node"], 0)
        cdef const int32_t* child_lo = <const int32_t*> _address(arrays["child_lo"], 1)
        cdef const int32_t* child_hi = <const int32_t*> _address(arrays["child_hi"], len(arrays["child_lo"]))
        cdef const int32_t* node_key = <const int32_t*> _address(arrays["node_key"], len(arrays["child_lo"]))
        cdef Py_ssize_t k, n_nodes = len(arrays["child_lo"])
        PyMem_Free(self.nodes)  # __init__ called again: the old tables go
        self.nodes = <Node*> PyMem_Malloc(n_nodes * sizeof(Node))
        if self.nodes == NULL:
            raise MemoryError()
        cdef const uint32_t* edge_cp = self.edge_cp
        cdef Py_ssize_t e
        for k in range(n_nodes):
            self.nodes[k].lo = child_lo[k]
            self.nodes[k].count = child_hi[k] - child_lo[k]
            self.nodes[k].key = node_key[k]
            self.nodes[k].n_ascii = 0
            self.nodes[k].ascii_lo = 0
            self.nodes[k].ascii_hi = 0
            for e in range(child_lo[k], child_hi[k]):
                if edge_cp[e] < 64:
                    self.nodes[k].ascii_lo |= (<uint64_t> 1) << edge_cp[e]
                    self.nodes[k].n_ascii += 1
                elif edge_cp[e] < 128:
                    self.nodes[k].ascii_hi |= (<uint64_t> 1) << (edge_cp[e] - 64)
                    self.nodes[k].n_ascii += 1
        self.key_lo = <const int32_t*> _address(arrays["key_lo"], 0)
        self.key_hi = <const int32_t*> _address(arrays["key_hi"], 0)
        self.ent_concept = <const int32_t*> _address(arrays["ent_concept"], 0)
        self.ent_cased = <const int32_t*> _address(arrays["ent_cased"], 0)
        self.ent_amb = <const uint8_t*> _address(arrays["ent_amb"], 0)
        self.cased_lo = <const int32_t*> _address(arrays["cased_lo"], 0)
        self.cased_hi = <const int32_t*> _address(arrays["cased_hi"], 0)
        self.cased_chars = <const uint32_t*> _address(arrays["cased_chars"], 0)
        self.concept_level = <const int32_t*> _address(arrays["concept_level"], len(concept_ids))
        self.concept_library = <const uint8_t*> _address(arrays["concept_library"], len(concept_ids))
        self.n_concepts = len(concept_ids)
        self.concept_ids = concept_ids
        self.map_cluster = map_cluster
        self.check_growth = check_growth
        self.written = written

    def __dealloc__(self):
        PyMem_Free(self.nodes)

    # ------------------------------------------------------------------ fold

    cdef int _fold(self, str text, const Py_UCS4* orig, Py_ssize_t n, Py_ssize_t limit, Copy* c) except -1:
        """The folded copy of ``text``; returns 1 when it passes ``limit`` (the caller falls back)."""
        cdef Py_ssize_t i = 0, q, k
        cdef Py_UCS4 ch, m
        cdef uint32_t code
        cdef bint bounded = n * 18 > limit  # normalize(): only then can the copy pass the limit
        cdef Py_ssize_t expanders = 0
        cdef const uint32_t* table = self.fold
        cdef str mapped
        copy_reserve(c, n + 16)
        while i < n:
            ch = orig[i]
            code = code_of(table, ch)
            if i + 1 < n and code_of(table, orig[i + 1]) & COMB:
                q = i + 2
                while q < n and code_of(table, orig[q]) & COMB:
                    q += 1
                for k in range(i, q):
                    if code_of(table, orig[k]) & EXPAND:
                        expanders += 1
                mapped = self.map_cluster(text[i:q])
                copy_reserve(c, len(mapped))
                for m in mapped:
                    cluster_char(c, m, <int32_t> i, <int32_t> q)
                i = q
            elif not code & IRREG:
                if c.length == c.capacity:
                    copy_reserve(c, 1)
                copy_push(c, code & CP_MASK, <int32_t> i, <int32_t> (i + 1))
                i += 1
            else:
                if code & EXPAND:
                    expanders += 1
                if code & SIMPLE:
                    copy_reserve(c, 1)
                    cluster_char(c, code & CP_MASK, <int32_t> i, <int32_t> (i + 1))
                else:
                    mapped = self.map_cluster(text[i])
                    copy_reserve(c, len(mapped))
                    for m in mapped:
                        cluster_char(c, m, <int32_t> i, <int32_t> (i + 1))
                i += 1
            if bounded and c.length > limit:
                return 1
        if expanders:
            self.check_growth(text, expanders, limit)  # the pre-count normalize() makes, on the same terms
        return 0

    # ------------------------------------------------------------------ scan

    cdef int _scan(self, Copy* c, const Py_UCS4* orig, Py_ssize_t n, const uint8_t* brk, bint has_breaks,
                   Cands* out, Py_ssize_t max_candidates) except -1 nogil:
        """Every candidate span (CompiledLexicon.find); returns 1 past ``max_candidates``."""
        cdef Py_ssize_t L = c.length, i, j, e, lo, hi, mid, k
        cdef const Py_UCS4* s = c.s
        cdef int32_t node, key, start, end
        cdef int start_cls, end_cls
        cdef bint glued_start, glued_end, ja_start, ja_end, ok
        cdef Py_UCS4 ch
        cdef Cand cand
        for i in range(L):
            ch = s[i]
            start_cls = char_class(ch)
            glued_start = False
            ja_start = False
            if i > 0:
                if start_cls == LATIN:
                    glued_start = char_class(s[i - 1]) == LATIN
                    if glued_start and (not has_breaks or not brk[c.ostart[i]]):
                        continue  # inside a word: no Latin key starts here
                elif start_cls == JAPANESE:
                    ja_start = same_word_risk(s[i - 1], ch)
            node = self.root_bmp[ch] if ch < 0x10000 else self._child(0, ch)
            j = i + 1
            while node >= 0:
                key = self.nodes[node].key
                if key >= 0:
                    end_cls = char_class(s[j - 1])
                    glued_end = False
                    ja_end = False
                    if j < L:
                        if end_cls == LATIN:
                            glued_end = char_class(s[j]) == LATIN
                        elif end_cls == JAPANESE:
                            ja_end = same_word_risk(s[j - 1], s[j])
                    ok = not ((glued_start or glued_end) and not has_breaks)
                    if ok:
                        start = c.ostart[i]
                        end = c.oend[j - 1]
                        cand.ja_start = ja_start
                        cand.ja_end = ja_end
                        if has_breaks:
                            if (glued_start and not brk[start]) or (glued_end and not brk[end]):
                                ok = False
                            else:
                                for k in range(start + 1, end):
                                    if brk[k]:
                                        ok = False
                                        break
                                cand.ja_start = ja_start and not brk[start]
                                cand.ja_end = ja_end and not brk[end]
                    if ok:
                        cand.start = start
                        cand.end = end
                        cand.copy_i = <int32_t> i
                        cand.copy_j = <int32_t> j
                        cand.key = key
                        cand.entry = -1
                        for e in range(self.key_lo[key], self.key_hi[key]):
                            if self.ent_cased[e] >= 0:
                                k = self._cased_matches(orig, start, end, self.ent_cased[e])
                                if k == 0:
                                    continue
                                if k < 0:  # needs Python: decided after the scan
                                    cand.entry = <int32_t> e
                                    cands_push(out, &cand)
                                    break
                            cand.concept = self.ent_concept[e]
                            cand.ambiguous = self.ent_amb[e]
                            cands_push(out, &cand)
                            break
                        if out.length >= max_candidates:
                            return 1
                if j >= L:
                    break
                node = self._child(node, s[j])
                j += 1
        return 0

    cdef inline int32_t _child(self, int32_t node, Py_UCS4 ch) noexcept nogil:
        """The child of ``node`` along ``ch``, or -1.

        ASCII: the node's bitmap says whether the edge exists and, counting the bits below it,
        where it is (no search).  Other characters: a branch-free binary search of the rest.
        """
        cdef const Node* nd = &self.nodes[node]
        cdef uint64_t below
        cdef const uint32_t* base
        cdef Py_ssize_t n, half
        cdef unsigned int c = <unsigned int> ch
        if c < 64:
            if not ((nd.ascii_lo >> c) & 1):
                return -1
            below = nd.ascii_lo & (((<uint64_t> 1) << c) - 1)
            return self.edge_node[nd.lo + popcount64(below)]
        if c < 128:
            if not ((nd.ascii_hi >> (c - 64)) & 1):
                return -1
            below = nd.ascii_hi & (((<uint64_t> 1) << (c - 64)) - 1)
            return self.edge_node[nd.lo + popcount64(nd.ascii_lo) + popcount64(below)]
        n = nd.count - nd.n_ascii
        if n == 0:
            return -1
        base = self.edge_cp + nd.lo + nd.n_ascii
        while n > 1:
            half = n >> 1
            base = base + half if base[half] <= ch else base
            n -= half
        if base[0] == ch:
            return self.edge_node[base - self.edge_cp]
        return -1

    cdef int _cased_matches(self, const Py_UCS4* orig, int32_t start, int32_t end, int32_t cased) noexcept nogil:
        """1 if the text is written as the case-sensitive label, 0 if not, -1 if only Python can tell."""
        cdef Py_ssize_t p = self.cased_lo[cased], hi = self.cased_hi[cased]
        cdef int32_t k
        cdef uint32_t code
        cdef Py_UCS4 m
        for k in range(start, end):  # first: can the table tell? (a combining mark changes what comes before it)
            if code_of(self.unfold, orig[k]) & IRREG:
                return -1
        for k in range(start, end):
            m = code_of(self.unfold, orig[k]) & CP_MASK
            if m == 0x20:
                continue  # normalize(...).text.replace(" ", "")
            if p >= hi or self.cased_chars[p] != m:
                return 0
            p += 1
        return 1 if p == hi else 0

    # ------------------------------------------------------------------ the whole path

    def annotate(self, str text, breaks, known_ids, int level, bint first_only, dict known_found,
                 edges_factory, acronym_in_name, annotation, Py_ssize_t max_candidates, Py_ssize_t limit,
                 Py_ssize_t window, int min_terms):
        """The reader's annotations of ``text`` (``Annotator._annotate``), or ``None`` when the
        Python path must decide: past ``max_candidates`` or when the copy passes ``limit``, whose
        exact errors and partial results are the Python path's."""
        cdef Py_ssize_t n = len(text)
        cdef Copy c
        cdef Cands cs
        cdef Py_UCS4* orig = NULL
        cdef uint8_t* brk = NULL
        cdef uint8_t* taken = NULL
        cdef bint has_breaks = False
        cdef int status
        cdef Py_ssize_t b
        memset(&c, 0, sizeof(Copy))
        memset(&cs, 0, sizeof(Cands))
        if n == 0:
            return []
        try:
            orig = PyUnicode_AsUCS4Copy(text)
            if self._fold(text, orig, n, limit, &c):
                return None
            brk = <uint8_t*> PyMem_Malloc(n + 1)
            taken = <uint8_t*> PyMem_Malloc(n + 1)
            if brk == NULL or taken == NULL:
                raise MemoryError()
            memset(brk, 0, n + 1)
            memset(taken, 0, n + 1)
            for b in breaks:
                has_breaks = True
                if 0 <= b <= n:
                    brk[b] = 1
            with nogil:
                status = self._scan(&c, orig, n, brk, has_breaks, &cs, max_candidates)
            if status:
                return None
            self._decide_pending(text, &cs)
            return self._choose(text, orig, n, &cs, taken, known_ids, level, first_only, known_found,
                                edges_factory, acronym_in_name, annotation, window, min_terms)
        finally:
            PyMem_Free(c.s)
            PyMem_Free(c.ostart)
            PyMem_Free(c.oend)
            PyMem_Free(cs.items)
            PyMem_Free(orig)
            PyMem_Free(brk)
            PyMem_Free(taken)

    cdef int _decide_pending(self, str text, Cands* cs) except -1:
        """Case checks the tables could not settle: Python's rule, then the key's next entries."""
        cdef Py_ssize_t r, w = 0, e, hi
        cdef Cand cand
        cdef object written = None
        for r in range(cs.length):
            cand = cs.items[r]
            if cand.entry >= 0:
                written = self.written(text, cand.start, cand.end)
                e = cand.entry
                hi = self.key_hi[cand.key]
                cand.entry = -1
                while e < hi:
                    if self.ent_cased[e] < 0 or written == self._cased_str(self.ent_cased[e]):
                        break
                    e += 1
                if e == hi:
                    continue
                cand.concept = self.ent_concept[e]
                cand.ambiguous = self.ent_amb[e]
            cs.items[w] = cand
            w += 1
        cs.length = w
        return 0

    cdef str _cased_str(self, int32_t cased):
        cdef Py_ssize_t p
        return "".join([chr(self.cased_chars[p]) for p in range(self.cased_lo[cased], self.cased_hi[cased])])

    cdef object _choose(self, str text, const Py_UCS4* orig, Py_ssize_t n, Cands* cs, uint8_t* taken,
                        known_ids, int level, bint first_only, dict known_found, edges_factory, acronym_in_name,
                        annotation, Py_ssize_t window, int min_terms):
        cdef Py_ssize_t r, k, m = 0, p
        cdef Cand* it
        cdef bint free_span
        cdef object edges = None
        if cs.length == 0:
            return []
        qsort(cs.items, cs.length, sizeof(Cand), by_length_then_start)
        # resolve_overlaps: longest first; a winner with Japanese edges in doubt asks Sudachi.
        for r in range(cs.length):
            it = &cs.items[r]
            free_span = True
            for p in range(it.start, it.end):
                if taken[p]:
                    free_span = False
                    break
            if not free_span:
                continue
            if it.ja_start or it.ja_end:
                if edges is None:
                    edges = edges_factory(text)
                if it.ja_start and not edges.is_edge(it.start):
                    continue
                if it.ja_end and not edges.is_edge(it.end):
                    continue
            memset(taken + it.start, 1, it.end - it.start)
            cs.items[m] = it[0]
            m += 1
        qsort(cs.items, m, sizeof(Cand), by_start)
        m = self._not_names_or_code(text, orig, n, cs.items, m, acronym_in_name)
        m = _in_context(cs.items, m, window, min_terms)
        return self._for_reader(text, cs.items, m, known_ids, level, first_only, known_found, annotation)

    cdef Py_ssize_t _not_names_or_code(self, str text, const Py_UCS4* orig, Py_ssize_t n, Cand* items,
                                       Py_ssize_t m, acronym_in_name) except -1:
        """annotate.not_names_or_code, its common cases in C (the name-word test stays in Python)."""
        cdef Py_ssize_t r, w = 0
        cdef int32_t start, end
        cdef Py_UCS4 after, before, ch
        cdef bint keep
        for r in range(m):
            start = items[r].start
            end = items[r].end
            after = orig[end] if end < n else 0
            before = orig[start - 1] if start else 0
            keep = True
            if after == 0x2E or before == 0x2E or after == 0x20 or before == 0x20:
                if (after == 0x2E and end + 1 < n and _identifier_start(orig[end + 1])) or (
                        before == 0x2E and start >= 2 and (Py_UNICODE_ISALNUM(orig[start - 2]) or orig[start - 2] == 0x5F)):
                    keep = self.concept_library[items[r].concept] != 0
                elif _is_acronym(orig, start, end) and acronym_in_name(text, start, end):
                    keep = False
            if keep:
                items[w] = items[r]
                w += 1
        return w

    cdef object _for_reader(self, str text, Cand* items, Py_ssize_t m, known_ids, int level, bint first_only,
                            dict known_found, annotation):
        cdef Py_ssize_t r
        cdef int32_t concept
        cdef uint8_t* known = NULL
        cdef uint8_t* seen = NULL
        cdef list out = []
        cdef list ids = self.concept_ids
        cdef str cid
        cdef object obj
        # A frozen slots dataclass whose __init__ only stores its four fields is filled as that
        # __init__ does (object.__setattr__), minus its Python frame: a third of the cost per term.
        cdef bint direct = getattr(annotation, "__dataclass_fields__", None) is not None and not hasattr(
            annotation, "__post_init__") and tuple(annotation.__dataclass_fields__) == ("start", "end", "surface", "term")
        new = annotation.__new__
        try:
            known = <uint8_t*> PyMem_Malloc(self.n_concepts + 1)
            seen = <uint8_t*> PyMem_Malloc(self.n_concepts + 1)
            if known == NULL or seen == NULL:
                raise MemoryError()
            memset(known, 0, self.n_concepts + 1)
            memset(seen, 0, self.n_concepts + 1)
            for concept in known_ids:
                if 0 <= concept < self.n_concepts:
                    known[concept] = 1
            for r in range(m):
                concept = items[r].concept
                if self.concept_level[concept] < level:
                    continue
                if known[concept]:
                    cid = ids[concept]
                    known_found[cid] = known_found.get(cid, 0) + 1
                    continue
                if first_only:
                    if seen[concept]:
                        continue
                    seen[concept] = 1
                if direct:
                    obj = new(annotation)
                    PyObject_GenericSetAttr(obj, "start", items[r].start)
                    PyObject_GenericSetAttr(obj, "end", items[r].end)
                    PyObject_GenericSetAttr(obj, "surface", text[items[r].start:items[r].end])
                    PyObject_GenericSetAttr(obj, "term", ids[concept])
                    out.append(obj)
                else:
                    out.append(annotation(items[r].start, items[r].end, text[items[r].start:items[r].end], ids[concept]))
            return out
        finally:
            PyMem_Free(known)
            PyMem_Free(seen)


cdef inline bint _identifier_start(Py_UCS4 ch) noexcept nogil:
    return (0x41 <= ch <= 0x5A) or (0x61 <= ch <= 0x7A) or ch == 0x5F


cdef inline bint _is_acronym(const Py_UCS4* orig, int32_t start, int32_t end) noexcept nogil:
    """``[A-Z][A-Z0-9]{1,3}`` over the whole span."""
    cdef int32_t k
    if end - start < 2 or end - start > 4 or not (0x41 <= orig[start] <= 0x5A):
        return False
    for k in range(start + 1, end):
        if not ((0x41 <= orig[k] <= 0x5A) or (0x30 <= orig[k] <= 0x39)):
            return False
    return True


cdef Py_ssize_t _in_context(Cand* items, Py_ssize_t m, Py_ssize_t window, int min_terms) except -1:
    """Annotator._in_context: an ambiguous word needs ``min_terms`` distinct unambiguous terms near it."""
    cdef Py_ssize_t r, w = 0, a = 0, lo, hi, mid, k
    cdef bint any_ambiguous = False
    cdef int32_t* starts = NULL
    cdef int32_t* concepts = NULL
    cdef int32_t* next_other = NULL  # for anchor k: the first anchor after it with another concept
    cdef Py_ssize_t distinct
    for r in range(m):
        if items[r].ambiguous:
            any_ambiguous = True
            break
    if not any_ambiguous:
        return m
    if min_terms > 2:
        raise ValueError("the compiled core counts at most two distinct terms")
    try:
        starts = <int32_t*> PyMem_Malloc((m + 1) * sizeof(int32_t))
        concepts = <int32_t*> PyMem_Malloc((m + 1) * sizeof(int32_t))
        next_other = <int32_t*> PyMem_Malloc((m + 1) * sizeof(int32_t))
        if starts == NULL or concepts == NULL or next_other == NULL:
            raise MemoryError()
        for r in range(m):
            if not items[r].ambiguous:
                starts[a] = items[r].start
                concepts[a] = items[r].concept
                a += 1
        if a:
            next_other[a - 1] = <int32_t> a
            for k in range(a - 2, -1, -1):
                next_other[k] = <int32_t> (k + 1) if concepts[k + 1] != concepts[k] else next_other[k + 1]
        for r in range(m):
            if items[r].ambiguous:
                lo = _bisect_left(starts, a, items[r].start - window)
                hi = _bisect_right(starts, a, items[r].end + window)
                if lo >= hi:
                    distinct = 0
                elif min_terms <= 1 or next_other[lo] < hi:
                    distinct = 2
                else:
                    distinct = 1
                if distinct < min_terms:
                    continue
            items[w] = items[r]
            w += 1
        return w
    finally:
        PyMem_Free(starts)
        PyMem_Free(concepts)
        PyMem_Free(next_other)


cdef inline Py_ssize_t _bisect_left(const int32_t* a, Py_ssize_t n, Py_ssize_t x) noexcept nogil:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline Py_ssize_t _bisect_right(const int32_t* a, Py_ssize_t n, Py_ssize_t x) noexcept nogil:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


cdef const void* _address(object array, Py_ssize_t at_least) except NULL:
    """The buffer of an ``array.array`` (kept alive by the Core), checked to hold ``at_least`` items."""
    cdef const unsigned char[::1] view
    if len(array) < at_least:
        raise ValueError(f"a table of the compiled core is too short ({len(array)} < {at_least})")
    if len(array) == 0:
        return <const void*> _EMPTY
    view = memoryview(array).cast("B")
    return <const void*> &view[0]



# --------------------------------------------------------------------------- PDFium's character boxes

ctypedef int (*_box_function)(void* textpage, int index, void* rect) noexcept nogil

cdef struct _RectF:  # PDFium's FS_RECTF
    float left
    float top
    float right
    float bottom


def pdfium_boxes(size_t function, size_t textpage, Py_ssize_t count, int rotation, double left, double bottom,
                 double right, double top, size_t out_x0, size_t out_y0, size_t out_x1, size_t out_y1):
    """PDFium's loose box of characters ``0 … count-1`` of ``textpage``, turned as the page is shown.

    PDFium has no bulk call for character boxes, and one ctypes call per character, then a Python
    pass per coordinate, were a third of reading a paper (tadoru.pdf.read): this makes the same
    calls to ``FPDFText_GetLooseCharBox`` (at address ``function``) from C, without the GIL (the
    caller holds PDFium's own lock), and writes x0, y0, x1, y1 from the displayed page's top-left
    into four float32 buffers of ``count`` items.  A box PDFium refuses comes out empty (zeros).
    ``rotation`` is the page's ``/Rotate`` (0, 90, 180, 270); ``left … top`` its bounding box.
    """
    cdef _box_function call = <_box_function> function
    cdef float* x0 = <float*> out_x0
    cdef float* y0 = <float*> out_y0
    cdef float* x1 = <float*> out_x1
    cdef float* y1 = <float*> out_y1
    cdef _RectF r
    cdef Py_ssize_t i
    if not function or not textpage or not (out_x0 and out_y0 and out_x1 and out_y1):
        raise ValueError("pdfium_boxes needs the function, the text page and four buffers")
    if rotation not in (0, 90, 180, 270):
        raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")
    with nogil:
        for i in range(count):
            if not call(<void*> textpage, <int> i, &r):
                x0[i] = y0[i] = x1[i] = y1[i] = 0
                continue
            if rotation == 90:  # the page's top is on the right: x' = y - bottom, y' = x - left
                x0[i] = <float> (r.bottom - bottom); y0[i] = <float> (r.left - left)
                x1[i] = <float> (r.top - bottom); y1[i] = <float> (r.right - left)
            elif rotation == 180:  # upside down: x' = right - x, y' = y - bottom
                x0[i] = <float> (right - r.right); y0[i] = <float> (r.bottom - bottom)
                x1[i] = <float> (right - r.left); y1[i] = <float> (r.top - bottom)
            elif rotation == 270:  # the page's top is on the left: x' = top - y, y' = right - x
                x0[i] = <float> (top - r.top); y0[i] = <float> (right - r.right)
                x1[i] = <float> (top - r.bottom); y1[i] = <float> (right - r.left)
            else:
                x0[i] = <float> (r.left - left); y0[i] = <float> (top - r.top)
                x1[i] = <float> (r.right - left); y1[i] = <float> (top - r.bottom)
        _place_empty_boxes(x0, y0, x1, y1, count)


cdef void _place_empty_boxes(float* x0, float* y0, float* x1, float* y1, Py_ssize_t count) noexcept nogil:
    """tadoru.pdf.read._place_empty_boxes: a box without ink moves to the right edge of the last
    inked character before it (those before the first inked one: to its left edge), still empty."""
    cdef Py_ssize_t i, last = -1, first = -1, k
    for i in range(count):
        if x1[i] <= x0[i] or y1[i] <= y0[i]:
            if last >= 0:
                x0[i] = x1[last]; x1[i] = x1[last]; y0[i] = y0[last]; y1[i] = y1[last]
        else:
            last = i
            if first < 0:
                first = i
    if first > 0:
        for k in range(first):
            x0[k] = x0[first]; x1[k] = x0[first]; y0[k] = y0[first]; y1[k] = y1[first]
