"""``python -m assistant.ui [--host H] [--port P]``: the UI on its own, against a running API.

The API is ``ASSISTANT_API_URL`` (default ``http://127.0.0.1:8000``).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from assistant.ui.app import build_ui, launch_options  # noqa: E402

DEFAULT_API = "http://127.0.0.1:8000"


def main(argv: list[str] | None = None) -> None:
    """Serve the UI until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m assistant.ui", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--api-url", default=os.environ.get("ASSISTANT_API_URL") or DEFAULT_API,
                        help="the API to talk to (default: $ASSISTANT_API_URL or %(default)s)")
    args = parser.parse_args(argv)
    secret = os.environ.get("ASSISTANT_UI_SECRET") or None  # the API's, to sign end users
    build_ui(args.api_url, client_secret=secret).launch(
        server_name=args.host, server_port=args.port, **launch_options())


if __name__ == "__main__":
    main()
