"""What a short form or a technical name looks like, and which look-alikes are everyday tokens.

Shared by the definitions (the short form of "Long Form (ABBR)") and the acronym source: both
ask "is this token shaped like an acronym or a mixed-case technical name?" and "is it one of the
short tokens every page has (US, CEO, PDF, GB, IV, Q3)?".  The answers are cached: a page
repeats its tokens, and ``wordfreq`` is slow next to a dict look-up.
"""

from __future__ import annotations

import re
from functools import lru_cache


#: Tokens shaped like acronyms that are general language, institutions, units, formats, time
#: zones, currencies, titles and grades: never jargon of the field, whatever their frequency.
def words(text: str) -> list[str]:
    """The whitespace-separated words of ``text``: word lists here are written as prose blocks."""
    return text.split()


STOPLIST = frozenset(words("""
US USA UK EU ID OK GB UAE UN NATO WHO NASA FBI CIA NSA IRS FDA EPA SEC FTC DOJ DOD NHS BBC CNN NBC
CBS ABC NPR NYT WSJ AP AFP NHK JR NTT KDDI JP CN KR DE FR IT ES TW HK SG IN AU CA NZ RU BR MX
CEO CFO CTO COO CIO CMO CPO CSO CHRO VP SVP EVP HR PR IR IPO M&A LLC INC LTD PLC CO GmbH AG SA
PhD MBA MSc BSc MD JD DDS RN BA MA BS MS MPH
PDF HTML CSS URL URI FAQ FAQs PNG JPG JPEG GIF SVG CSV TSV XML JSON YAML ZIP MP3 MP4 DOCX XLSX PPTX
USB HDMI DVD CD TV PC OS iOS macOS IT ICT SNS SMS MMS DM PS RSVP ASAP FYI TBD TBA DIY ETA AKA FAQ
AM PM UTC GMT JST EST EDT PST PDT CST CET BST IST KST
USD JPY EUR GBP CNY CHF AUD CAD KRW INR BTC ETH
KB MB GB TB PB Kb Mb Gb Tb KiB MiB GiB TiB Hz kHz MHz GHz THz kW kWh MW MWh GW GWh mAh mW kg mg
km cm mm nm ml mL dB RPM FPS fps PSI psi BPM kcal Kcal
YoY QoQ MoM YTD FY EPS ROI ROE GDP CPI PPI PMI ETF ETFs REIT NAV NASDAQ NYSE TSE TOPIX DOW
NBA NFL MLB NHL FIFA UEFA NCAA MVP ERA RBI NPB PGA ATP WTA UFC F1 KO TKO
DNA RNA mRNA ATP HIV COVID PCR CT MRI ICU ER BMI
TODO FIXME NOTE NB PS AI
HTTP HTTPS TCP UDP IP IPv4 IPv6 DNS SSH SSL TLS VPN LAN WAN WiFi SSO SAML OAuth OpenID JWT REST SOAP SQL NoSQL
CRUD UI UX GUI IDE AWS GCP SaaS PaaS IaaS DevOps CI CD QA SLA KPI OKR B2B B2C CRM ERP POS SEO SEM ROAS
CTA DAU MAU ARR MRR GA4 RSS RAM ROM SSD HDD NFC GPS LTE LED LCD OLED USB-C
"""))

#: Roman numerals as pages use them (Part II, Phase IV, Chapter XII); only I, V and X, so that
#: ``CLI`` or ``MLX`` (valid numerals, but names) are not thrown away.
_ROMAN = re.compile(r"(?=[XVI]{2,})X{0,3}(?:IX|IV|V?I{0,3})")
_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9+\-]{1,11}")
_UPPER_RUN = re.compile(r"[A-Z]{2}")
_LOWER_UPPER = re.compile(r"[a-z][A-Z]")
#: One capital and a number: hardware and product numbers (H100, A100, M2, T4), quarters and
#: halves (Q3, H1); also a number with a unit or a suffix (4K, 5G, 7B, 2nd).
_MODEL_NUMBER = re.compile(r"[A-Z]\d+[A-Za-z]?|\d+[A-Za-z]{1,2}|[A-Z]\d+[A-Z]\d*")


def short_form_shape(token: str) -> bool:
    """Is ``token`` shaped like an abbreviation: two capitals, or a capital inside a word?

    ``DPO``, ``MoE``, ``vLLM``, ``DSPy``, ``FP4``, ``A2A`` are; ``Fig``, ``Japanese``, ``e.g.``,
    ``2023``, ``x`` are not.  Plural ``LLMs`` is (the ``s`` is checked off by ``base_form``).
    """
    if not _SHAPE.fullmatch(token) or token[-1] in "-+" and not token.endswith("+"):
        return False
    letters = sum(c.isalpha() for c in token)
    if letters < 2:
        return False
    upper = sum(c.isupper() for c in token)
    return upper >= 2 or (upper >= 1 and _LOWER_UPPER.search(token) is not None)


def base_form(token: str) -> str:
    """``LLMs`` → ``LLM``: the plural of an all-capitals acronym names the same thing."""
    if len(token) > 2 and token.endswith("s") and token[:-1].isupper():
        return token[:-1]
    return token


def is_noise(token: str) -> bool:
    """Stoplisted tokens, roman numerals, model and quarter numbers (H100, Q3, 4K): never candidates."""
    base = base_form(token)
    if token in STOPLIST or base in STOPLIST or base.upper() in _STOP_UPPER:
        return True
    if _ROMAN.fullmatch(base):
        return True
    return _MODEL_NUMBER.fullmatch(base) is not None


_STOP_UPPER = frozenset(t.upper() for t in STOPLIST if t.isupper())


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """``wordfreq``'s Zipf frequency of ``word`` in English (0 = never seen, 7 = "the"), cached."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


#: A token whose lower-case form is at least this frequent is a general word (``gdp`` 4.0,
#: ``etf`` 3.1, ``nasa`` 4.2); the technical ones sit below (``dpo`` 2.2, ``llm`` 2.3).  Mixed
#: case (``MoE``, ``LoRA``) is itself a strong sign of a coined name, so it gets more room,
#: while a camel-case word (``YouTube``, ``PayPal``) gets less: brands are camel-case too.
ALL_CAPS_MAX_ZIPF = 3.0
MIXED_CASE_MAX_ZIPF = 3.6
CAMEL_MAX_ZIPF = 2.5


@lru_cache(maxsize=65536)
def technical_token(token: str) -> bool:
    """Is ``token`` an acronym or mixed-case technical name rather than a general-language token?

    Shape first (``short_form_shape``), then the stoplist and noise patterns, then the token's
    frequency in general English: ``DPO``, ``GRPO``, ``LiteLLM``, ``FastMCP``, ``ChromaDB`` pass;
    ``USA``, ``CEO``, ``PDF``, ``GDP``, ``IV``, ``H100``, ``YouTube`` do not.
    """
    if not short_form_shape(token) or is_noise(token):
        return False
    base = base_form(token)
    letters = "".join(c for c in base if c.isalpha())
    if base.isupper() or not any(c.islower() for c in letters):
        limit = ALL_CAPS_MAX_ZIPF
    elif _UPPER_RUN.search(base) or base[-1].isupper() or base[0].islower():
        limit = MIXED_CASE_MAX_ZIPF  # MoE, LoRA, vLLM, DSPy, LiteLLM
    else:
        limit = CAMEL_MAX_ZIPF  # LangGraph, YouTube
    return zipf(base.lower()) < limit
