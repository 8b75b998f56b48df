"""Website sync benchmark on the fixture site (``python -m evals.bench_sync``).

Serves :mod:`evals.fixture_site` with ``--pages`` extra articles on 127.0.0.1 and
syncs it twice into a fresh index: cold (every page fetched, extracted, embedded)
and again unchanged (conditional GETs answered 304, nothing embedded). Prints
pages/s of the cold run and the seconds of the unchanged one. The slow page is
left out (its timeout would measure the timeout); the 404 and the robots.txt-
disallowed page stay. Politeness delay 0 (loopback), 2 requests at once per host.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path


def bench_sync(workdir: Path, pages: int) -> list[tuple[str, str]]:
    """Cold and unchanged sync of the fixture site with ``pages`` extra articles."""
    from assistant.ingest.index import Index
    from assistant.settings import Settings
    from assistant.websync.fetch import FetchOptions
    from assistant.websync.run import SyncOptions, sync_sites
    from evals.fixture_site import cluster_site, serve_site

    shutil.rmtree(workdir, ignore_errors=True)
    site = cluster_site(extra_pages=pages)
    site.slow.clear()
    site.events_sitemap.remove("/eventi/lento")
    rows: list[tuple[str, str]] = []
    with serve_site(site) as base:
        opts = SyncOptions([base + "/sitemap_index.xml", base + "/feed.xml"],
                           fetch=FetchOptions(delay_s=0.0, per_host=2))
        idx = Index(Settings(corpus_dir=workdir / "corpus", index_dir=workdir / "index"))
        try:
            for label in ("cold", "unchanged"):
                r = sync_sites(idx, opts)
                n = len(r.new) + len(r.updated) + len(r.unchanged)
                rows.append((f"sync {label}: pages", f"{n} ({len(r.new)} new, "
                             f"{len(r.unchanged)} unchanged, {len(r.failed)} failed)"))
                rows.append((f"sync {label}: seconds", f"{r.seconds:.2f}"))
                rows.append((f"sync {label}: pages/s", f"{n / r.seconds:.1f}"))
                rows.append((f"sync {label}: HTTP requests / embedding calls",
                             f"{r.requests} / {r.embed_calls}"))
        finally:
            idx.close()
    return rows


def bench_sync_rows(pages: int = 40) -> list[tuple[str, str, str]]:
    """The rows for ``make bench`` (evals/bench.py): a temporary index, then removed."""
    how = f"fixture site on 127.0.0.1, {pages} extra articles, fresh index and cache"
    with tempfile.TemporaryDirectory() as tmp:
        return [(k, v, how) for k, v in bench_sync(Path(tmp) / "sync", pages)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=40, help="extra articles on the site")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = bench_sync(Path(tmp) / "sync", args.pages)
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
