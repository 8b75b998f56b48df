"""Keep the index in step with websites: sitemaps, feeds and pages -> articles.

:func:`assistant.websync.run.sync_sites` is what ``assistant sync``, the API's
``POST /v1/sync`` and ``assistant serve --sync-every`` run (see README and
docs/deploy.md). Nothing heavy is imported here, so the CLI starts fast.
"""
