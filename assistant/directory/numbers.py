"""Numbers and decades written in words, turned into digits for the directory rules.

"con più di duecento dipendenti", "meno di dieci addetti", "more than two thousand
employees", "fondati negli anni '90", "nati negli anni ottanta", "in the 1990s": the
size and founding-year rules of :mod:`assistant.directory.query` read digits only, so
the folded question is rewritten first ("... 200 dipendenti", "tra il 1990 e il
1999"). Only number words next to a condition (a unit word, "di", "oltre", "tra"...)
are rewritten: "sei" is also a verb, "tre" an ordinary word in a title.
"""

from __future__ import annotations

import re

_UNITS = {"uno": 1, "un": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5,
          "sei": 6, "sette": 7, "otto": 8, "nove": 9}
_TEENS = {"dieci": 10, "undici": 11, "dodici": 12, "tredici": 13, "quattordici": 14,
          "quindici": 15, "sedici": 16, "diciassette": 17, "diciotto": 18, "diciannove": 19}
_TENS = {"venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50, "sessanta": 60,
         "settanta": 70, "ottanta": 80, "novanta": 90}
_EN = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
       "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
       "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
       "eighty": 80, "ninety": 90}
_EN_SCALE = {"hundred": 100, "thousand": 1000}
_UNIT_WORDS = {"dipendenti", "addetti", "lavoratori", "persone", "employees", "staff",
               "people", "workers"}
_BEFORE = {"di", "oltre", "almeno", "tra", "fra", "a", "e", "than", "least", "between",
           "over", "under", "and", "most", "sopra", "sotto", "i", "gli", "minimo", "massimo"}
_DECADE_WORDS = {"venti": 20, "trenta": 30, "quaranta": 40, "cinquanta": 50, "sessanta": 60,
                 "settanta": 70, "ottanta": 80, "novanta": 90, "twenties": 20, "thirties": 30,
                 "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70, "eighties": 80,
                 "nineties": 90}
_DECADE = re.compile(r"\b(?:negli|degli|agli|dagli|nei|in the|the) (?:anni )?"
                     r"(?:'?(\d{2})|(\d{4})|(\w+?))s?\b")


def italian_number(word: str) -> int | None:
    """The value of one Italian number word ("duecentocinquanta" -> 250), or None."""
    if not word:
        return 0
    if word in _UNITS or word in _TEENS:
        return _UNITS.get(word, _TEENS.get(word))
    if word.startswith("mille"):
        rest = italian_number(word[5:])
        return None if rest is None else 1000 + rest
    for sep, scale in (("mila", 1000), ("cento", 100)):
        i = word.find(sep)
        if i >= 0:
            head = italian_number(word[:i]) if i else 1
            rest = italian_number(word[i + len(sep):])
            if head is None or rest is None or (scale == 1000 and i == 0):
                return None
            return head * scale + rest
    for name, value in _TENS.items():
        for stem in (name, name[:-1]):  # "ventuno", "trentotto" drop the vowel
            unit = word[len(stem):]
            if word.startswith(stem) and unit in ("", *_UNITS) and (stem == name) != (
                    unit[:1] in ("u", "o")):
                return value + (_UNITS[unit] if unit else 0)
    return None


def _english(tokens: list[str]) -> int | None:
    total, current = 0, 0
    for t in tokens:
        if t in _EN:
            current += _EN[t]
        elif t == "hundred":
            current = max(current, 1) * 100
        elif t == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
    return total + current


def _value(tokens: list[str]) -> int | None:
    if len(tokens) == 1 and (n := italian_number(tokens[0])) is not None:
        return n
    return _english(tokens)


def _is_number_word(tok: str) -> bool:
    return tok in _EN or tok in _EN_SCALE or (italian_number(tok) or 0) > 0


def spell_digits(text: str) -> str:
    """Folded ``text`` with number words next to a condition written as digits."""
    toks = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(toks):
        j = i
        while j < len(toks) and _is_number_word(toks[j].strip("?,.!;:")):
            j += 1
        run = [t.strip("?,.!;:") for t in toks[i:j]]
        value = _value(run) if run else None
        after = toks[j].strip("?,.!;:") if j < len(toks) else ""
        before = out[-1] if out else ""
        if value and (after in _UNIT_WORDS or before in _BEFORE):
            out.append(str(value) + toks[j - 1][len(run[-1]):])
            i = j
        else:
            out.append(toks[i])
            i += 1
    return " ".join(out)


def _decade_start(m: re.Match[str]) -> int | None:
    two, four, word = m.groups()
    if two:
        n = int(two)
        return (1900 if n >= 30 else 2000) + n
    if four:
        return int(four) if int(four) % 10 == 0 else None
    return 1900 + _DECADE_WORDS[word] if word in _DECADE_WORDS else None


def decades(text: str) -> str:
    """"negli anni '90" / "anni novanta" / "in the 1990s" -> "tra il 1990 e il 1999"."""
    def sub(m: re.Match[str]) -> str:
        start = _decade_start(m)
        if start is None or ("anni" not in m.group(0) and not m.group(0).endswith("s")):
            return m.group(0)
        return f"tra il {start} e il {start + 9}"
    return _DECADE.sub(sub, text)


def normalise_numbers(text: str) -> str:
    """Both rewrites, decades first ("anni ottanta" is not a count of eighty)."""
    return spell_digits(decades(text))
