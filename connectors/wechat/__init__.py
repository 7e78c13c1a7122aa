"""The WeChat Official Account channel (微信公众号): a FastAPI connector between WeChat and Rasa's REST channel.

Run it with ``python -m connectors.wechat`` (settings from ``rexian.yml`` / ``REXIAN_WECHAT_*``; ``make up`` starts
it when ``wechat.app_id`` is set). WeChat posts every message of the account to ``wechat.path``; the connector
checks the signature (plaintext, compatible and safe modes, with wechatpy's helpers), ignores WeChat's retries,
relays the message to Rasa with the sender id ``wx:<openid>`` and answers within WeChat's 5 seconds — passively, or
through the customer-service API when the bot is slower. It serves the push contract (``connectors/push.py``) for
surveys and agents' answers and the photo proxy ``/media/<signed id>``. See ``docs/wechat.md``.

Modules: ``app`` (HTTP), ``envelope`` (signatures, encryption), ``bridge`` (the 5-second rule, pushes and the
48-hour rule), ``inbound`` (message types), ``replies`` / ``options`` (texts, numbered options, msgmenu),
``dedupe`` (retries), ``contacts`` (last messages, kept messages), ``api`` / ``tokens`` / ``media`` / ``menu``
(WeChat's API, the shared access token, the photo proxy, the custom menu).
"""
