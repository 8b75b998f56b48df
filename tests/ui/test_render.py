"""Escaping and citation rendering, without a browser."""

from __future__ import annotations

import re

from assistant.ui import views
from assistant.ui.client import parse_sse
from assistant.ui.handlers import apply_event, build_filters, history
from assistant.ui.i18n import STRINGS, t
from assistant.ui.render import markdown, safe_url, sources
from assistant.ui.staff import body_of, upload_id

EVIL = ('<script>alert(1)</script> <img src=x onerror=alert(2)> {{7*7}} ${7*7} '
        '[x](javascript:alert(3)) ![i](http://evil.example/p.png)')


def test_markdown_escapes_html_and_drops_unsafe_links_and_images() -> None:
    out = markdown(EVIL + " [ok](https://example.org/a?b=1) [1]", "t1", {1})
    assert "<script" not in out and "<img" not in out and "&lt;script&gt;" in out
    assert 'href="javascript' not in out and "src=" not in out.replace("img src=x", "")
    assert '<a href="https://example.org/a?b=1" target="_blank" ' \
           'rel="noopener noreferrer nofollow">ok</a>' in out
    assert "{" not in out and "}" not in out and "$" not in out  # no template syntax left
    assert '<a class="cite" href="#t1-src-1" data-target="t1-src-1"' in out


def test_citations_link_only_known_numbers_and_references_are_not_links() -> None:
    out = markdown("Vale 1,2 milioni [1][2] e non [7].\n\n[1]: http://evil.example", "a", {1, 2})
    assert out.count('href="#a-src-1"') == 2 and out.count('href="#a-src-2"') == 1
    assert "[7]" in out and 'href="http://evil' not in out  # no reference links


def test_sources_panel_escapes_passages_titles_and_unsafe_urls() -> None:
    cite = {"n": 1, "doc_id": "a/<b>.md", "title": "<img src=x onerror=alert(1)>",
            "doc_type": "article", "passage": "<script>x()</script>", "date": "2025-01-02",
            "url": "javascript:alert(1)"}
    html = sources([cite], "t9", "it")
    assert "<script" not in html and "<img" not in html and "javascript:" not in html
    assert 'id="t9-src-1"' in html and "Articolo · 2025-01-02" in html
    safe = sources([{**cite, "url": "https://example.org/x"}], "t9", "en")
    assert 'rel="noopener noreferrer nofollow"' in safe and "open the page" in safe


def test_safe_url() -> None:
    assert safe_url("https://a.example/x") == "https://a.example/x"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//a.example", "/relative",
                "http://a b", "", None, "https:///nohost"):
        assert safe_url(bad) is None


def test_chat_view_states() -> None:
    assert "chat-empty" in views.chat([], "it")
    turn = {"id": "t1", "question": "<b>q</b>", "answer": "", "citations": [],
            "pending": True}
    assert "Sto cercando" in views.chat([turn], "it") and "&lt;b&gt;q" in views.chat([turn],
                                                                                      "it")
    turn.update(pending=False, answer="Non lo so.", grounded=False, answer_id="abc")
    html = views.chat([turn], "it")
    assert t("not_found", "it") in html and 'data-answer="abc"' in html
    turn["rating"] = "up"
    assert t("fb_thanks", "it") in views.chat([turn], "it")


def test_apply_event_and_history() -> None:
    turn: dict = {"id": "t1", "question": "q", "answer": ""}
    for kind, data in [("token", {"text": "Ciao "}), ("reset", {}), ("token", {"text": "A"}),
                       ("citations", {"citations": [{"n": 1}]}),
                       ("done", {"answer": "A [1]", "answer_id": "x", "citations": [{"n": 1}],
                                 "grounded": True})]:
        apply_event(turn, kind, data, "it")
    assert turn["answer"] == "A [1]" and turn["answer_id"] == "x"
    assert history([turn, {"question": "p", "answer": "", "error": "e"}]) == [
        {"role": "user", "content": "q"}, {"role": "assistant", "content": "A [1]"}]
    apply_event(turn, "error", {"status": 504, "detail": "slow"}, "en")
    assert turn["error"] == t("err_504", "en")


def test_filters() -> None:
    assert build_filters("both", [], None, "", "") is None
    assert build_filters("member", ["bandi"], "Lombardia", "2024-01-01", "") == {
        "doc_type": "member", "tags": ["bandi"], "region": "Lombardia",
        "date_from": "2024-01-01"}
    for bad in ("2024-13-01", "01/02/2024", "2024"):
        try:
            build_filters("both", [], None, bad, "")
        except ValueError:
            continue
        raise AssertionError(bad)


def test_sse_parser() -> None:
    lines = ["event: token", 'data: {"text": "Ci"}', "", ": ping", "", "event: done",
             'data: {"answer": "x"}', ""]
    assert list(parse_sse(iter(lines))) == [("token", {"text": "Ci"}), ("done", {"answer": "x"})]


def test_every_string_has_both_languages_and_no_gradio_english() -> None:
    for key, (it, en) in STRINGS.items():
        assert it and en, key
        assert set(re.findall(r"{(\w+)}", it)) == set(re.findall(r"{(\w+)}", en)), key


def test_draft_helpers() -> None:
    assert body_of("# T\n\nTesto [1].\n\n## Fonti\n\n1. A") == "# T\n\nTesto [1]."
    assert upload_id("/tmp/x/Nota interna <v2>.md") == "uploads/Nota-interna-v2-.md"
