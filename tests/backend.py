"""The real dispatch backend started for tests: the embedded service with the test clock on and the sweeper off."""
from __future__ import annotations

from pathlib import Path

from dispatch_backend.launcher import BackendProcess, start_backend

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def start_test_backend(db_url: str, port: int, log_path: Path, *, api_key: str, webhook_url: str = "",
                       webhook_secret: str = "", extra_env: dict[str, str] | None = None) -> BackendProcess:
    """``python -m dispatch_backend`` on ``port`` with the project's routing config, the ``X-Rexian-Test-Now`` clock
    honoured and no background deadline sweeper (tests drive time themselves)."""
    env = {
        "REXIAN_DISPATCH_API_KEY": api_key,
        "REXIAN_DISPATCH_TEST_CLOCK": "1",
        "REXIAN_DISPATCH_SWEEP_SECONDS": "0",
        "REXIAN_DISPATCH_CONFIG_DIR": str(PROJECT_ROOT / "dispatch_backend" / "config"),
        "REXIAN_DISPATCH_WEBHOOK_URLS": webhook_url,
        "REXIAN_DISPATCH_WEBHOOK_SECRET": webhook_secret,
        **(extra_env or {}),
    }
    return start_backend(db_url, port, log_path, env)
