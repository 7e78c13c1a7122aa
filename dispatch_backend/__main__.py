"""``python -m dispatch_backend``: run the embedded dispatch backend with uvicorn.

Environment: REXIAN_DISPATCH_DB_URL, REXIAN_DISPATCH_HOST, REXIAN_DISPATCH_PORT,
REXIAN_DISPATCH_CONFIG_DIR, REXIAN_DISPATCH_API_KEY, REXIAN_DISPATCH_WEBHOOK_URLS,
REXIAN_DISPATCH_WEBHOOK_SECRET, REXIAN_DISPATCH_SWEEP_SECONDS (see docs/dispatch.md).
"""

from __future__ import annotations

import logging

import uvicorn

from .app import create_app
from .settings import load_settings


def main() -> None:
    """Migrate the database and serve the API."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
