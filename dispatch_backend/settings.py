"""The backend's settings: the server's part of the ``dispatch`` section of :mod:`configuration`.

``python -m dispatch_backend`` reads ``rexian.yml`` and the ``REXIAN_DISPATCH_*`` variables like every other process
(docs/configuration.md); tests build :class:`Settings` directly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from configuration import DEV_DISPATCH_API_KEY as DEV_API_KEY
from configuration import DEV_WEBHOOK_SECRET, load_config
from configuration import DispatchServerSettings as Settings

logger = logging.getLogger(__name__)

__all__ = ["DEV_API_KEY", "DEV_WEBHOOK_SECRET", "Settings", "load_settings"]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The backend's settings from the configuration (``os.environ`` by default); warns in development mode."""
    settings = load_config(environ).dispatch.server()
    if settings.development:
        logger.warning("正在使用开发用 API key（%s）；生产环境必须设置 REXIAN_DISPATCH_API_KEY。", DEV_API_KEY)
    return settings
