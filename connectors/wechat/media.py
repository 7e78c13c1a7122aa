"""Citizens' photos as links of our own: ``GET /media/<signed id>``.

A photo a citizen sends is a WeChat ``media_id``; downloading it needs the access token, which must never reach a
work order. So an order gets :func:`media_url` — this connector's public URL with the media id signed (HMAC-SHA256
with ``wechat.media_secret``, derived from the app secret when unset) — and :func:`media_router` serves it: a link
whose signature does not verify is 404, otherwise the bytes come from the disk cache (``var/wechat_media``) or, the
first time, from WeChat's media API. WeChat keeps temporary media three days, so the connector warms the cache when
the photo arrives (:meth:`MediaCache.fetch`) and the link keeps working after WeChat forgot it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import threading
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from configuration import WechatSettings

from .api import INVALID_MEDIA_ID, WeChatAPI, WeChatAPIError

logger = logging.getLogger(__name__)

MAX_MEDIA_BYTES = 10 * 1024 * 1024  # WeChat's own limit for a temporary image
SIGNATURE_CHARS = 32                  # base64url characters of the HMAC kept in a link (192 bits)
INLINE_TYPES = ("image/", "audio/", "video/")
_CONTENT_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class MediaSigner:
    """Signs a media id into the last segment of a link and verifies it back."""

    def __init__(self, key: str | bytes) -> None:
        if not key:
            raise ValueError("the media signing key must not be empty")
        self._key = key.encode("utf-8") if isinstance(key, str) else key

    @classmethod
    def from_settings(cls, settings: WechatSettings) -> MediaSigner:
        return cls(settings.effective_media_secret)

    def _mac(self, media_id: str) -> str:
        digest = hmac.new(self._key, b"wechat-media:" + media_id.encode("utf-8"), hashlib.sha256).digest()
        return _b64(digest)[:SIGNATURE_CHARS]

    def sign(self, media_id: str) -> str:
        """``<media id, base64url>.<signature>``: safe in a URL path, unforgeable without the key."""
        return f"{_b64(media_id.encode('utf-8'))}.{self._mac(media_id)}"

    def verify(self, signed: str) -> str | None:
        """The media id of a signed segment, or None when it is malformed or forged."""
        encoded, dot, mac = signed.partition(".")
        if not dot or not encoded or len(mac) != SIGNATURE_CHARS:
            return None
        try:
            media_id = _unb64(encoded).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
        return media_id if hmac.compare_digest(mac, self._mac(media_id)) else None


def media_url(base_url: str, media_id: str, signer: MediaSigner) -> str:
    """The link a work order carries for the photo ``media_id``: ``<base_url>/media/<signed id>``
    (``base_url`` is ``wechat.effective_public_url``)."""
    return f"{base_url.rstrip('/')}/media/{signer.sign(media_id)}"


class MediaTooLarge(Exception):
    """WeChat's file is larger than the proxy serves."""


def default_cache_dir(settings: WechatSettings) -> Path:
    """``wechat_media/`` next to the connector's database (``var/wechat_media``)."""
    return Path(settings.db).parent / "wechat_media"


class MediaCache:
    """Media bytes and content type on disk, downloaded through the API the first time they are asked for."""

    def __init__(self, api: WeChatAPI, directory: str | Path, *, max_bytes: int = MAX_MEDIA_BYTES) -> None:
        self.api = api
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def fetch(self, media_id: str) -> tuple[bytes, str]:
        """The medium's bytes and content type; raises :class:`WeChatAPIError` (e.g. ``INVALID_MEDIA_ID`` once
        WeChat forgot it and it was never cached) or :class:`MediaTooLarge`."""
        with self._lock_of(media_id):  # two requests for a new photo make one download
            cached = self._read(media_id)
            if cached is not None:
                return cached
            data, content_type = self.api.download_media(media_id)
            if len(data) > self.max_bytes:
                raise MediaTooLarge(f"{len(data)} bytes")
            content_type = content_type if _CONTENT_TYPE.match(content_type) else "application/octet-stream"
            self._write(media_id, data, content_type)
            return data, content_type

    def _lock_of(self, media_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(media_id, threading.Lock())

    def _paths(self, media_id: str) -> tuple[Path, Path]:
        name = hashlib.sha256(media_id.encode("utf-8")).hexdigest()
        return self.directory / f"{name}.bin", self.directory / f"{name}.type"

    def _read(self, media_id: str) -> tuple[bytes, str] | None:
        data_path, type_path = self._paths(media_id)
        try:
            return data_path.read_bytes(), type_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None

    def _write(self, media_id: str, data: bytes, content_type: str) -> None:
        """The type first, then the bytes, each renamed into place: a half-written file is never read."""
        self.directory.mkdir(parents=True, exist_ok=True)
        data_path, type_path = self._paths(media_id)
        for path, content in ((type_path, content_type.encode("utf-8")), (data_path, data)):
            temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_bytes(content)
            os.replace(temporary, path)


def media_router(api: WeChatAPI, signer: MediaSigner, *, cache: MediaCache | None = None) -> APIRouter:
    """``GET /media/{signed}``: the photo behind a signed link (cache in ``default_cache_dir`` unless given)."""
    cache = cache or MediaCache(api, default_cache_dir(api.settings))
    router = APIRouter()

    @router.get("/media/{signed}")
    def serve_media(signed: str) -> Response:
        media_id = signer.verify(signed)
        if media_id is None:
            return PlainTextResponse("链接无效，找不到这张图片。", status_code=404)
        try:
            data, content_type = cache.fetch(media_id)
        except WeChatAPIError as exc:
            if exc.errcode == INVALID_MEDIA_ID:
                return PlainTextResponse("这张图片已无法获取（微信只保存临时素材三天）。", status_code=404)
            logger.warning("could not fetch a WeChat medium: errcode %s", exc.errcode)
            return PlainTextResponse("暂时无法从微信获取这张图片，请稍后再试。", status_code=502)
        except MediaTooLarge:
            return PlainTextResponse("这个文件太大，无法显示。", status_code=502)
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=86400"}
        if not content_type.startswith(INLINE_TYPES):
            headers["Content-Disposition"] = "attachment"
        return Response(data, media_type=content_type, headers=headers)

    return router
