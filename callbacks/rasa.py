"""The two calls of Rasa's HTTP API (``rasa run --enable-api --auth-token …``) that start a survey.

* ``GET /conversations/{sender}/tracker?token=…`` — ``active_loop`` is ``{}`` or ``{"name": "<form>", …}``.
* ``POST /conversations/{sender}/trigger_intent?token=…&output_channel=collector`` with
  ``{"name": "start_survey", "entities": {"survey_order": "<id>"}}``. Rasa 3.6 answers
  ``{"tracker": {…}, "messages": [{"recipient_id", "text", "buttons": [{"title", "payload"}], …}]}``:
  ``output_channel`` names a registered *input* channel whose output channel should send the replies; a name that
  matches none (``collector``) makes Rasa collect the bot's replies and return them under ``messages``, which this
  scheduler then pushes through the citizen's own connector.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from configuration import DEV_RASA_API_TOKEN

DEV_RASA_TOKEN = DEV_RASA_API_TOKEN  # development only; production sets rasa.api_token
SURVEY_INTENT = "start_survey"
SURVEY_ENTITY = "survey_order"
COLLECTING_OUTPUT_CHANNEL = "collector"


class RasaUnavailable(Exception):
    """Rasa could not be reached or answered with an error."""


def effective_rasa_token(configured: str) -> str:
    return configured or DEV_RASA_TOKEN


class RasaClient:
    """Blocking client of the two endpoints."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._token = effective_rasa_token(token)
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def _path(self, sender_id: str, tail: str) -> str:
        # Rasa (Sanic) does not percent-decode the conversation id: "web%3Aabc" would be another conversation
        # than "web:abc". Keep ':' (and the other sub-delimiters of our sender ids) as they are.
        return f"/conversations/{quote(sender_id, safe=':@+=')}/{tail}"

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        params = {"token": self._token, **kwargs.pop("params", {})}
        try:
            response = self._http.request(method, path, params=params, **kwargs)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa 无法访问：{type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise RasaUnavailable(f"Rasa 返回 HTTP {response.status_code}：{response.text[:200]}")
        body = response.json()
        if not isinstance(body, dict):
            raise RasaUnavailable("Rasa 的回答不是 JSON 对象")
        return body

    def active_loop(self, sender_id: str) -> str | None:
        """The name of the form the citizen is in the middle of, or None."""
        tracker = self._call("GET", self._path(sender_id, "tracker"), params={"include_events": "NONE"})
        loop = tracker.get("active_loop") or {}
        name = loop.get("name") if isinstance(loop, dict) else None
        return str(name) if name else None

    def start_survey(self, sender_id: str, service_request_id: str) -> list[dict[str, Any]]:
        """Trigger the survey intent; returns the bot messages Rasa collected."""
        body = self._call("POST", self._path(sender_id, "trigger_intent"),
                          params={"output_channel": COLLECTING_OUTPUT_CHANNEL},
                          json={"name": SURVEY_INTENT, "entities": {SURVEY_ENTITY: service_request_id}})
        messages = body.get("messages") or []
        return [m for m in messages if isinstance(m, dict)]
