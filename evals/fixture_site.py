"""A small cluster website served on 127.0.0.1, for the sync tests and benchmark.

Real HTTP (``http.server`` in a thread), with what a real site has: a sitemap
index pointing to a plain and a gzipped sitemap, an RSS feed, article pages with
navigation, a cookie banner, related links and a footer around the article,
``ETag``/``Last-Modified`` with 304 answers, and a ``robots.txt``. Some pages
misbehave on purpose: one is disallowed by robots.txt, one is missing (404),
one answers too slowly, one has words glued by scraping. ``site.pages`` can be
edited between two syncs; ``site.hits`` counts the responses by path and status.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

SLOW_S = 6.0


@dataclass
class Article:
    title: str
    date: str
    author: str
    paragraphs: list[str]
    version: int = 1  # bump to change Last-Modified with the text


def page_html(base: str, path: str, a: Article, related: list[tuple[str, str]]) -> str:
    """An article page wrapped in the boilerplate of a typical cluster website."""
    menu = "".join(f'<li><a href="{base}/{p}">{t}</a></li>' for p, t in (
        ("", "Home"), ("chi-siamo", "Chi siamo"), ("news", "News"), ("eventi", "Eventi"),
        ("soci", "Soci"), ("contatti", "Contatti")))
    rel = "".join(f'<li><a href="{base}{p}">{escape(t)}</a></li>' for p, t in related)
    body = "".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="it"><head><meta charset="utf-8">
<title>{escape(a.title)} | Cluster VITALIA</title>
<link rel="canonical" href="{base}{path}">
<meta name="author" content="{escape(a.author)}">
<meta property="article:published_time" content="{a.date}T09:00:00+01:00">
<meta property="og:title" content="{escape(a.title)}">
</head><body>
<div id="cookie-banner" class="cookie-consent"><p>Questo sito utilizza cookie tecnici e, previo
consenso, cookie di profilazione di terze parti. Cliccando su Accetta acconsenti all'uso dei
cookie.</p><button>Accetta</button><button>Rifiuta</button></div>
<header><a href="{base}/" class="logo">Cluster VITALIA</a><nav><ul>{menu}</ul></nav>
<form action="/cerca"><input name="q" placeholder="Cerca nel sito"></form></header>
<main><div class="breadcrumb"><a href="{base}/">Home</a> / <a href="{base}/news">News</a></div>
<article><h1>{escape(a.title)}</h1>
<p class="meta">Pubblicato il <time datetime="{a.date}">{a.date}</time> da {escape(a.author)}</p>
{body}
<div class="share">Condividi: Facebook · LinkedIn · X · Email</div>
</article>
<aside class="related"><h2>Articoli correlati</h2><ul>{rel}</ul></aside></main>
<footer><p>Cluster VITALIA – Associazione per le scienze della vita · Via dell'Innovazione 12,
Milano · P.IVA 01234567890</p><ul><li><a href="{base}/privacy">Privacy policy</a></li>
<li><a href="{base}/cookie">Cookie policy</a></li><li><a href="{base}/newsletter">Iscriviti
alla newsletter</a></li></ul><p>© 2025 Cluster VITALIA. Tutti i diritti riservati.</p></footer>
</body></html>"""


def _urlset(base: str, paths: list[str]) -> str:
    urls = "".join(f"<url><loc>{base}{p}</loc><changefreq>weekly</changefreq></url>"
                   for p in paths)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')


@dataclass
class Site:
    """The site's content; edit ``articles`` / ``news_sitemap`` between syncs."""

    articles: dict[str, Article]
    news_sitemap: list[str]
    events_sitemap: list[str]
    feed_items: list[str]
    robots: str = "User-agent: *\nDisallow: /riservato/\n"
    slow: set[str] = field(default_factory=set)
    base: str = ""
    hits: Counter[tuple[str, int]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def response(self, path: str) -> tuple[int, bytes, str, float]:
        """(status, body, content type, Last-Modified epoch) for ``path``."""
        b = self.base
        if path == "/robots.txt":
            return 200, self.robots.encode(), "text/plain", 0
        if path == "/sitemap_index.xml":
            maps = "".join(f"<sitemap><loc>{b}{p}</loc></sitemap>"
                           for p in ("/sitemap-news.xml", "/sitemap-eventi.xml.gz"))
            return 200, ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://'
                         f'www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
                         ).encode(), "application/xml", 0
        if path == "/sitemap-news.xml":
            return 200, _urlset(b, self.news_sitemap).encode(), "application/xml", 0
        if path == "/sitemap-eventi.xml.gz":
            return (200, gzip.compress(_urlset(b, self.events_sitemap).encode(), mtime=0),
                    "application/gzip", 0)
        if path == "/feed.xml":
            return 200, self._feed().encode(), "application/rss+xml", 0
        a = self.articles.get(path.split("?")[0])
        if a is None:
            return 404, b"<html><body><h1>Pagina non trovata</h1></body></html>", "text/html", 0
        related = [(p, x.title) for p, x in self.articles.items() if p != path][:3]
        return (200, page_html(b, path.split("?")[0], a, related).encode(),
                "text/html; charset=utf-8", 1_700_000_000 + 86400 * a.version)

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>{escape(self.articles[p.split('?')[0]].title)}</title>"
            f"<link>{self.base}{escape(p)}</link><guid isPermaLink=\"false\">{i}</guid></item>"
            for i, p in enumerate(self.feed_items))
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                f"<title>Cluster VITALIA</title><link>{self.base}/</link>{items}</channel></rss>")


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            path = self.path
            if path.split("?")[0] in site.slow:
                time.sleep(SLOW_S)
            with site.lock:
                status, body, ctype, modified = site.response(path)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            headers = {"Content-Type": ctype, "ETag": etag}
            if modified:
                headers["Last-Modified"] = formatdate(modified, usegmt=True)
            if status == 200 and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            with site.lock:
                site.hits[(path, status)] += 1
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

    return Handler


@contextmanager
def serve_site(site: Site) -> Iterator[str]:
    """Serve ``site`` on a free port of 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site.base
    finally:
        server.shutdown()
        server.server_close()


GLUED = [
    "Una delle principali mission di ClusterVITALIA è connettere e fare rete: siamo lieti di "
    "dare voce a due soci che hanno partecipato insieme a unamissione internazionale in "
    "occasione di Japan Health, rapporto che il cluster ha conpiacere facilitato.",
    "La regione del Kansai rappresenta unimportante polo per le scienze della vita, conuna "
    "solida rete di istituti di ricerca e aziende. La delegazione ha incontrato oltre70 "
    "stakeholder giapponesi in tre giorni di incontri a Osaka.",
]


def _articles() -> dict[str, Article]:
    """The site's own articles (the misbehaving pages included), by path."""
    return {
        "/news/bando-ponti": Article(
            "Bando Ponti di Innovazione 2025", "2025-02-10", "Redazione VITALIA",
            ["Il bando Ponti di Innovazione ha una dotazione di 1,2 milioni di euro e finanzia "
             "progetti collaborativi tra soci di regioni diverse.",
             "Le domande si presentano entro il 30 aprile 2025 sul portale del cluster; ogni "
             "progetto riceve al massimo 150.000 euro."]),
        "/news/missione-osaka": Article(
            "Due soci del cluster alla missione Japan Health di Osaka", "2025-06-20",
            "Ufficio internazionalizzazione", GLUED),
        "/news/piano-attivita": Article(
            "Piano di attività 2025", "2025-01-15", "Segreteria generale",
            ["Il piano di attività 2025 prevede quattro gruppi di lavoro tematici: medicina "
             "rigenerativa, dispositivi medici, salute digitale e nutraceutica.",
             "L'assemblea dei soci lo ha approvato all'unanimità il 14 gennaio."]),
        "/news/archivio-2019": Article(
            "Assemblea annuale 2019", "2019-05-03", "Segreteria generale",
            ["L'assemblea annuale 2019 si è svolta a Pavia con ottanta soci presenti.",
             "È stato rinnovato il consiglio direttivo per il triennio successivo."]),
        "/eventi/forum-biotech": Article(
            "Forum Biotech Nord 2025", "2025-09-18", "Ufficio eventi",
            ["Il Forum Biotech Nord si tiene a Trento il 18 settembre 2025 con sessioni di "
             "partnering tra startup e investitori.",
             "La partecipazione è gratuita per i soci previa registrazione."]),
        "/news/webinar-brevetti": Article(
            "Webinar sui brevetti biotech", "2025-03-05", "Ufficio trasferimento tecnologico",
            ["Il webinar sui brevetti biotech spiega come proteggere un'invenzione prima di "
             "pubblicarla e quanto costa un deposito europeo.",
             "Relatori: due consulenti in proprietà industriale del network del cluster."]),
        "/riservato/verbale": Article(
            "Verbale riservato del consiglio", "2025-11-03", "Segreteria",
            ["Contenuto riservato ai membri del consiglio direttivo: non va indicizzato."]),
        "/eventi/lento": Article(
            "Evento con pagina lenta", "2025-10-01", "Ufficio eventi",
            ["Questa pagina risponde troppo lentamente e deve risultare fallita."]),
    }


def cluster_site(extra_pages: int = 0) -> Site:
    """The fixture site; ``extra_pages`` adds that many ordinary articles (benchmark)."""
    art = _articles()
    for i in range(extra_pages):
        art[f"/news/notizia-{i:04d}"] = Article(
            f"Notizia numero {i} dal cluster", "2025-04-01", "Redazione VITALIA",
            [f"La notizia numero {i} racconta un progetto dei soci sulla salute digitale "
             f"avviato nel 2025 con un budget di {10 + i} mila euro.",
             "I partner si incontrano ogni mese per fare il punto delle attività."])
    news = ["/news/bando-ponti", "/news/missione-osaka", "/news/piano-attivita",
            "/news/archivio-2019", "/riservato/verbale", "/news/pagina-mancante",
            *[p for p in art if p.startswith("/news/notizia-")]]
    return Site(articles=art, news_sitemap=news,
                events_sitemap=["/eventi/forum-biotech", "/eventi/lento"],
                feed_items=["/news/bando-ponti?utm_source=rss", "/news/webinar-brevetti"],
                slow={"/eventi/lento"})


ALLOWED = ["/news/bando-ponti", "/news/missione-osaka", "/news/piano-attivita",
           "/news/archivio-2019", "/eventi/forum-biotech", "/news/webinar-brevetti"]
