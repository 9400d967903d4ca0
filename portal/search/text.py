"""Chinese text for search: jieba segmentation, and the boolean query a visitor's words become.

Why segmentation: SQLite FTS5 and PostgreSQL full-text search split text on spaces and
punctuation. Written Chinese has neither between words, so "河湟精品民宿 西纳川农家院" reaches the
index as two opaque tokens and a search for 民宿 finds nothing. Both the indexed text and the query
are cut into words by jieba and re-joined with spaces, so each engine's own tokeniser sees words:

* index time: jieba's search-engine mode, which emits a long word *and* the dictionary words
  inside it, so 精品民宿 is indexed as 精品 / 民宿 / 精品民宿, and both a search
  for 民宿 and one for 精品民宿 match;
* query time: jieba's precise mode; a compound query word may also match as its parts
  (精品民宿 → 精品民宿, or 精品 + 民宿), and for autocomplete the last, half-typed piece is a prefix.

`dictionary.txt` beside this file holds the local names jieba's general dictionary lacks (窎沟,
西纳川…). Nothing here touches the database: portal/search/sqlite.py and postgres.py render the
query tree for their engine.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

DICTIONARY = Path(__file__).resolve().parent / "dictionary.txt"

# A query is cut to this many characters and words: enough for any real search, and it keeps the
# SQL of an absurd 10,000-character query small.
MAX_QUERY_CHARS = 100
MAX_QUERY_WORDS = 12

# Words too common to narrow a search; dropped from queries (not from the index) unless the query
# has nothing else. PostgreSQL's "english" configuration drops English ones itself; SQLite does not.
STOP_WORDS = frozenset("的 了 和 与 及 之 或 是 在 也 a an and the of in on at to for with by or is".split())

_NON_WORD = re.compile(r"[\W_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_tokenizer = None
_tokenizer_lock = threading.Lock()


def tokenizer():
    """The jieba tokenizer with the portal's dictionary, built on first use.

    Lazily, because loading jieba's dictionary takes about a second: management commands and
    pages that never search should not pay for it. The prefix-dictionary cache goes to a writable
    temporary directory (settings.PORTAL_JIEBA_CACHE_DIR, default the system one), so the second
    process starts in a fraction of that.
    """
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)  # "Building prefix dict…" on every start otherwise
                tk = jieba.Tokenizer()
                tk.tmp_dir = getattr(settings, "PORTAL_JIEBA_CACHE_DIR", None) or tempfile.gettempdir()
                tk.cache_file = "jieba.portal.cache"
                tk.initialize()
                for word, freq, tag in read_dictionary():
                    tk.add_word(word, freq, tag)
                _tokenizer = tk
    return _tokenizer


def read_dictionary(path: Path = DICTIONARY):
    """(word, freq or None, tag or None) for each entry of a jieba-style user dictionary that may
    also hold comments, which jieba's own `load_userdict` would add as words."""
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[-1] if len(parts) > 1 and not parts[-1].isdigit() else None
        yield parts[0], freq, tag


def normalise(text: str) -> str:
    """Full-width letters and digits to ASCII (ＹＡＫ → yak), lower case: the form both sides use."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _words(tokens) -> list[str]:
    """jieba's tokens without spaces and punctuation; a token with symbols inside (3.5km, e-bike)
    is split at them, so only letters, digits and Han characters ever reach the FTS syntax."""
    words = []
    for token in tokens:
        words.extend(w for w in _NON_WORD.split(token) if w)
    return words


def segment_for_index(text) -> str:
    """Text as the index should see it: search-engine-mode words separated by spaces."""
    text = normalise(str(text))
    if not text.strip():
        return ""
    return " ".join(_words(search_engine_cut(text)))


def search_engine_cut(text: str):
    """jieba's search-engine mode, extended to dictionary words of every length inside a word.

    `cut_for_search` adds only the two- and three-character dictionary words inside a longer
    word, so 青海藏文化馆 yields 文化馆 but not 藏文化馆; this adds those too. Only Chinese words
    are scanned (rarely longer than six characters: a handful of dictionary lookups each).
    """
    tk = tokenizer()
    for word in tk.cut(text):
        inner = range(2, len(word)) if len(word) <= 16 and is_han(word) else ()
        for size in inner:
            for start in range(len(word) - size + 1):
                gram = word[start : start + size]
                if tk.FREQ.get(gram):
                    yield gram
        yield word


def query_words(text: str) -> list[str]:
    """The words of a query in precise mode, stop words dropped (unless nothing else is left);
    used for building the query and for highlighting matches."""
    words = _words(tokenizer().cut(normalise(text)[:MAX_QUERY_CHARS]))
    kept = [w for w in words if w not in STOP_WORDS]
    return _unique(kept or words)[:MAX_QUERY_WORDS]


def _unique(items):
    return list(dict.fromkeys(items))


def is_han(word: str) -> bool:
    return bool(_HAN.search(word))


def word_parts(word: str) -> list[str]:
    """How `word` splits into shorter dictionary words (精品民宿 → 精品 + 民宿, 牦牛酸奶 → 牦牛 + 酸奶),
    or [] when it does not split into words of two or more characters.

    jieba's best route through the word's DAG without the whole-word edge: a document may say
    "精品的民宿" or segment differently, and a query for a compound should still find it. Names do
    not split into single characters (塔尔寺 is not 塔尔 + 寺): a lone character matches almost anything.
    """
    if len(word) < 3 or not is_han(word):
        return []
    tk = tokenizer()
    dag = tk.get_DAG(word)
    dag[0] = [end for end in dag[0] if end != len(word) - 1] or [0]
    route: dict = {}
    tk.calc(word, dag, route)
    parts, i = [], 0
    while i < len(word):
        end = route[i][1] + 1
        parts.append(word[i:end])
        i = end
    if len(parts) < 2 or any(len(p) == 1 for p in parts):
        return []
    return parts


# --- query tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool = False


@dataclass(frozen=True)
class All:
    parts: tuple


@dataclass(frozen=True)
class AnyOf:
    parts: tuple


def _join(cls, parts):
    parts = tuple(_unique(p for p in parts if p is not None))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else cls(parts)


def _word_node(word: str) -> Term | AnyOf:
    parts = word_parts(word)
    if not parts:
        return Term(word)
    return AnyOf((Term(word), All(tuple(Term(p) for p in parts))))


def build_query(text: str, operator: str = "and", prefix_last: bool = False):
    """The boolean query for `text`, or None when it holds no searchable word.

    With `prefix_last` (autocomplete) the last piece the visitor is typing may be unfinished: it
    matches either as a prefix as a whole (西纳 → 西纳川) or as finished words plus a prefix
    (窎沟民 → 窎沟 + 民俗…).
    """
    text = normalise(text)[:MAX_QUERY_CHARS]
    chunks = [c for c in _NON_WORD.split(text) if c]
    if not chunks:
        return None
    tail = None
    if prefix_last:
        last = chunks[-1]
        last_words = _words(tokenizer().cut(last))
        words = query_words(" ".join(chunks[:-1]))
        whole = Term(last, prefix=True)
        split = All((*(Term(w) for w in last_words[:-1]), Term(last_words[-1], prefix=True))) if len(last_words) > 1 else None
        tail = _join(AnyOf, [whole, split])
    else:
        words = query_words(" ".join(chunks))
    nodes = [_word_node(w) for w in words] + ([tail] if tail else [])
    return _join(AnyOf if operator == "or" else All, nodes)


def to_fts5(node) -> str:
    """SQLite FTS5 query syntax; every word is a quoted string, so no word is read as an operator."""
    if node is None:
        return '""'  # an empty phrase: matches no row
    if isinstance(node, Term):
        quoted = '"' + node.word.replace('"', '""') + '"'
        return quoted + "*" if node.prefix else quoted
    joiner = " AND " if isinstance(node, All) else " OR "
    return "(" + joiner.join(to_fts5(p) for p in node.parts) + ")"


def to_tsquery(node) -> str:
    """PostgreSQL to_tsquery syntax; words are quoted lexemes, so none is read as an operator."""
    if node is None:
        return ""  # to_tsquery('') matches nothing (with a NOTICE)
    if isinstance(node, Term):
        quoted = "'" + node.word.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + ":*" if node.prefix else quoted
    joiner = " & " if isinstance(node, All) else " | "
    return "(" + joiner.join(to_tsquery(p) for p in node.parts) + ")"
