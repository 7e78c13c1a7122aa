"""The media proxy (connectors/wechat/media.py): a work order's photo link is ours, signed, served from the disk
cache after the first download through the fake WeChat API, and a forged link is refused."""
from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from configuration import WechatSettings
from connectors.wechat.api import WeChatAPI
from connectors.wechat.media import MediaCache, MediaSigner, default_cache_dir, media_router, media_url
from connectors.wechat.tokens import TokenStore
from tests.fakes.servers import ThreadedServer
from tests.fakes.wechat_api import APP_ID, APP_SECRET, FakeWeChatAPI

PHOTO = b"\xff\xd8\xff\xe0" + b"fake jpeg bytes " * 100


@pytest.fixture(scope="module")
def fake():
    server = FakeWeChatAPI().start()
    yield server
    server.stop()


@pytest.fixture
def proxy(fake, tmp_path):
    """(base URL of a connector app serving /media, its signer, its API)."""
    settings = WechatSettings(app_id=APP_ID, secret=APP_SECRET, api_base_url=fake.base_url,
                              db=tmp_path / "wechat.sqlite3")
    api = WeChatAPI(settings, TokenStore(settings.db))
    signer = MediaSigner.from_settings(settings)
    app = FastAPI()
    app.include_router(media_router(api, signer))
    server = ThreadedServer(app)
    server.start()
    yield server.url, signer, api
    server.stop()
    api.close()


def test_a_signed_link_serves_the_photo_with_its_type(fake, proxy):
    base, signer, _ = proxy
    fake.register_media("photo-a", PHOTO, "image/jpeg")
    url = media_url(base, "photo-a", signer)
    answer = httpx.get(url)
    assert answer.status_code == 200
    assert answer.content == PHOTO
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "access_token" not in url and fake.current_token not in url


def test_a_forged_link_is_404_and_never_reaches_wechat(fake, proxy):
    base, signer, _ = proxy
    fake.register_media("photo-b", PHOTO)
    forged = media_url(base, "photo-b", MediaSigner("not the key"))
    answer = httpx.get(forged)
    assert answer.status_code == 404 and "链接无效" in answer.text
    assert httpx.get(f"{base}/media/photo-b").status_code == 404
    assert fake.media_downloads("photo-b") == 0


def test_the_photo_is_downloaded_once_and_outlives_wechat(fake, proxy, tmp_path):
    base, signer, api = proxy
    fake.register_media("photo-c", PHOTO, "image/png")
    url = media_url(base, "photo-c", signer)
    assert httpx.get(url).content == PHOTO
    assert httpx.get(url).content == PHOTO
    assert fake.media_downloads("photo-c") == 1
    fake.forget_media("photo-c")  # three days later
    answer = httpx.get(url)
    assert answer.status_code == 200 and answer.content == PHOTO and answer.headers["content-type"] == "image/png"
    # the cache is on disk: another process of the connector (a new cache on the same directory) serves it too
    assert MediaCache(api, default_cache_dir(api.settings)).fetch("photo-c") == (PHOTO, "image/png")
    assert fake.media_downloads("photo-c") == 1


def test_warming_the_cache_at_receipt_makes_the_link_work_later(fake, proxy):
    base, signer, api = proxy
    fake.register_media("photo-d", PHOTO)
    MediaCache(api, default_cache_dir(api.settings)).fetch("photo-d")  # what the connector does on receipt
    fake.forget_media("photo-d")
    assert httpx.get(media_url(base, "photo-d", signer)).content == PHOTO


def test_a_photo_wechat_no_longer_has_is_404_with_a_reason(proxy):
    base, signer, _ = proxy
    answer = httpx.get(media_url(base, "photo-never-cached", signer))
    assert answer.status_code == 404 and "三天" in answer.text


def test_wechat_refusing_is_502_and_nothing_is_cached(fake, proxy):
    base, signer, _ = proxy
    fake.register_media("photo-e", PHOTO)
    fake.fail_next("media/get", 45009)  # api freq out of limit
    url = media_url(base, "photo-e", signer)
    answer = httpx.get(url)
    assert answer.status_code == 502 and "稍后再试" in answer.text
    assert httpx.get(url).content == PHOTO


def test_a_file_over_the_size_limit_is_refused_and_not_cached(fake, proxy, tmp_path):
    _, signer, api = proxy
    fake.register_media("photo-big", PHOTO)
    cache = MediaCache(api, tmp_path / "small", max_bytes=100)
    app = FastAPI()
    app.include_router(media_router(api, signer, cache=cache))
    server = ThreadedServer(app)
    server.start()
    try:
        answer = httpx.get(media_url(server.url, "photo-big", signer))
    finally:
        server.stop()
    assert answer.status_code == 502 and "太大" in answer.text
    assert not any((tmp_path / "small").glob("*.bin"))


def test_a_file_that_is_not_media_is_served_as_a_download(fake, proxy):
    base, signer, _ = proxy
    fake.register_media("page", b"<script>alert(1)</script>", "text/html")
    answer = httpx.get(media_url(base, "page", signer))
    assert answer.headers["content-disposition"] == "attachment"
    assert answer.headers["x-content-type-options"] == "nosniff"
