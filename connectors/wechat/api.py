"""The WeChat server APIs the connector calls: customer-service messages (客服消息, text and ``msgmenu``), template
messages, temporary media download, custom-menu creation.

wechatpy's ``WeChatClient`` builds every request (endpoint and JSON body: ``message.send_text``,
``message.send_msg_menu``, ``message.send_template``, ``media.download``, ``menu.create``); this module only
replaces its transport (``_request``) so that the request goes over httpx to ``wechat.api_base_url`` (a local fake
in tests) with the token every process shares (:class:`~connectors.wechat.tokens.TokenStore`), and so that a
refused token is refreshed once and the call retried once (wechatpy's own retry fetches a private token and retries
without end). WeChat's error codes surface as :class:`WeChatAPIError`; the ones a caller acts on are constants here.

The token travels in the query string (``?access_token=``), as WeChat requires: httpx's request log lines are
redacted (:class:`RedactCredentials`) and no error message carries a URL.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
from wechatpy import WeChatClient

from configuration import WechatSettings

from .tokens import AccessToken, TokenStore

logger = logging.getLogger(__name__)

#: The token is invalid (40001), not a token (40014) or expired (42001): refresh it and retry the call once.
CREDENTIAL_ERRORS = frozenset({40001, 40014, 42001})
#: "response out of time limit": a customer-service message outside 48 hours of the citizen's last message.
OUT_OF_SERVICE_WINDOW = 45015
#: Too many customer-service messages to this citizen since their last message.
TOO_MANY_CUSTOMER_SERVICE_MESSAGES = 45047
#: The media id is unknown or expired (WeChat keeps temporary media 3 days).
INVALID_MEDIA_ID = 40007
#: Not a WeChat code: the call got no WeChat answer (network error, HTTP error status, a body that is not JSON).
TRANSPORT_ERROR = -2

REQUEST_TIMEOUT = 10.0  # seconds; shorter than TokenStore's lock wait, so a fetch never outlives another's wait

_CREDENTIAL_IN_URL = re.compile(r"(access_token|secret)=[^&\s\"']*")


def redact(text: str) -> str:
    """``text`` with the values of ``access_token=`` and ``secret=`` replaced by ``***``."""
    return _CREDENTIAL_IN_URL.sub(r"\1=***", text)


class RedactCredentials(logging.Filter):
    """Removes the access token and the app secret from httpx's ``HTTP Request: GET <url>`` log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(redact(str(a)) if isinstance(a, (str, httpx.URL)) else a for a in args)
        record.msg = redact(str(record.msg))
        return True


_httpx_logger = logging.getLogger("httpx")
if not any(isinstance(f, RedactCredentials) for f in _httpx_logger.filters):
    _httpx_logger.addFilter(RedactCredentials())


class WeChatAPIError(Exception):
    """WeChat answered ``errcode`` (non-zero) with ``errmsg``, or (``TRANSPORT_ERROR``) did not answer."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class _Transport(WeChatClient):
    """wechatpy's client, whose requests :class:`WeChatAPI` sends."""

    def __init__(self, api: WeChatAPI) -> None:
        super().__init__(api.settings.app_id, api.settings.secret, auto_retry=False)
        self._api = api

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        return self._api._call(method, url_or_endpoint, params=kwargs.get("params") or {}, data=kwargs.get("data"))

    def fetch_access_token(self) -> dict[str, Any]:  # wechatpy's own would ask api.weixin.qq.com for a private one
        return {"access_token": self._api.access_token()}

    @property
    def access_token(self) -> str:
        return self._api.access_token()


class WeChatAPI:
    """The account's outbound API: every method raises :class:`WeChatAPIError` when WeChat refuses."""

    def __init__(self, settings: WechatSettings, tokens: TokenStore, *, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self.tokens = tokens
        self.cgi_url = settings.api_base_url.rstrip("/") + "/cgi-bin/"
        self._own_http = http is None
        self._http = http or httpx.Client(timeout=REQUEST_TIMEOUT)
        self._client = _Transport(self)

    # -- what the connector sends -------------------------------------------------------------------------------
    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (within 48 hours of the citizen's last message)."""
        self._client.message.send_text(openid, text)

    def send_menu(self, openid: str, head: str, options: list[tuple[str, str]], tail: str) -> None:
        """A customer-service ``msgmenu``: ``head``, one tappable line per ``(id, text)`` option, ``tail``; a tap
        comes back as a text message whose ``bizmsgmenuid`` is the option's id."""
        msgmenu = {"head_content": head, "list": [{"id": str(key), "content": text} for key, text in options],
                   "tail_content": tail}
        self._client.message.send_msg_menu(openid, msgmenu)

    def send_template(self, openid: str, template_id: str, data: dict[str, Any], url: str | None = None) -> None:
        """A template message (allowed outside the 48-hour window); ``data`` maps the template's keys to
        ``{"value": ...}``."""
        self._client.message.send_template(openid, template_id, data, url=url)

    def download_media(self, media_id: str) -> tuple[bytes, str]:
        """The bytes and content type of a temporary medium (a citizen's photo or voice)."""
        response = self._client.media.download(media_id)
        if not isinstance(response, httpx.Response):
            raise WeChatAPIError(TRANSPORT_ERROR, "media/get answered JSON instead of a file (e.g. a video)")
        content_type = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        return response.content, content_type

    def create_menu(self, menu: dict[str, Any]) -> None:
        """Publish the account's custom menu (``{"button": [...]}``)."""
        self._client.menu.create(menu)

    def access_token(self) -> str:
        """The shared access token (fetched when there is none or it is about to expire)."""
        return self.tokens.get(self.settings.app_id, self._fetch_token)

    def close(self) -> None:
        if self._own_http:
            self._http.close()

    # -- the transport ----------------------------------------------------------------------------------------
    def _fetch_token(self) -> AccessToken:
        params = {"grant_type": "client_credential", "appid": self.settings.app_id, "secret": self.settings.secret}
        result = self._send("GET", self.cgi_url + "token", params, None)
        if not isinstance(result, dict) or not result.get("access_token"):
            raise WeChatAPIError(TRANSPORT_ERROR, "cgi-bin/token answered without an access token")
        return AccessToken(str(result["access_token"]), float(result.get("expires_in") or 7200))

    def _call(self, method: str, endpoint: str, *, params: dict[str, Any], data: Any) -> Any:
        """One API call with the shared token; an invalid-credential answer refreshes the token and retries once."""
        url = endpoint if endpoint.startswith(("http://", "https://")) else self.cgi_url + endpoint
        body = json.dumps(data, ensure_ascii=False).encode("utf-8") if isinstance(data, dict) else data
        for attempt in (1, 2):
            token = self.access_token()
            try:
                return self._send(method, url, {**params, "access_token": token}, body)
            except WeChatAPIError as exc:
                if exc.errcode not in CREDENTIAL_ERRORS or attempt == 2:
                    raise
                logger.info("WeChat refused the access token (%s); refreshing it and retrying once", exc.errcode)
                self.tokens.invalidate(self.settings.app_id, token)
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, params: dict[str, Any], body: bytes | None) -> Any:
        """The decoded JSON answer (a file's response when it is not JSON); raises :class:`WeChatAPIError`."""
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else None
        endpoint = url.removeprefix(self.cgi_url)
        try:
            response = self._http.request(method.upper(), url, params=params, content=body, headers=headers)
        except httpx.HTTPError as exc:  # its message may hold the URL, hence the token: only its kind is kept
            raise WeChatAPIError(TRANSPORT_ERROR, f"{endpoint}: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise WeChatAPIError(TRANSPORT_ERROR, f"{endpoint}: HTTP {response.status_code}")
        result = _decode(response)
        if isinstance(result, dict) and int(result.get("errcode") or 0) != 0:
            errcode, errmsg = int(result["errcode"]), str(result.get("errmsg", ""))
            logger.info("WeChat %s answered errcode %s (%s)", endpoint, errcode, redact(errmsg))
            raise WeChatAPIError(errcode, redact(errmsg))
        return result


def _decode(response: httpx.Response) -> Any:
    """JSON (WeChat answers errors as JSON, sometimes labelled text/plain), else the response itself (a file)."""
    content_type = response.headers.get("content-type", "")
    if content_type.startswith(("image/", "audio/", "video/")) or not response.content.lstrip().startswith(b"{"):
        return response
    try:
        return json.loads(response.content.decode("utf-8", "replace"), strict=False)
    except ValueError:
        return response
