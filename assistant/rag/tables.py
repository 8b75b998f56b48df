"""Markdown table rows read as sentences.

A row's cells mean nothing without their header: "| OlioLongevo | Oleabio … |
98.000 € |" answers "quanto ha preso OlioLongevo?" only read with the header
"Progetto | Partner | Contributo". Each data row becomes one sentence of labelled
cells ("Progetto: OlioLongevo; Partner: …; Contributo: 98.000 €."), quoted and
scored like any other sentence, cited at the row's place in the passage.
"""

from __future__ import annotations

import re

from assistant.text import is_table_line

_RULE = re.compile(r":?-+:?")


def table_rows(text: str, header_line: str | None = None) -> dict[int, str]:
    """Offset of each data row of the Markdown tables in ``text`` → the row as a
    sentence with its header's labels (header lines and rules are not rows).
    ``header_line``: the header of a table ``text`` starts inside of (a passage cut
    from the middle of a long table; see the chunk's ``table_header``)."""
    out: dict[int, str] = {}
    header = _cells(header_line) if header_line and is_table_line(text) else None
    offset = 0
    for raw in text.splitlines(keepends=True):
        start, offset = offset, offset + len(raw)
        line = raw.strip()
        if not is_table_line(line):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            header = cells
        elif not all(_RULE.fullmatch(c) for c in cells if c):
            row = "; ".join(f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=False))
            # one sentence: "S.r.l. (Veneto)" inside a row must not end it
            out[start + len(raw) - len(raw.lstrip())] = re.sub(r"\.(?=\s)", "\u2024", row) + "."
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]
