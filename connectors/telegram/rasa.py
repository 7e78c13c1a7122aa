"""Talking to Rasa's REST channel: the shared client of the chat-app connectors (``connectors/rasa_bridge.py``)."""
from connectors.rasa_bridge import REST_WEBHOOK_PATH, RasaClient, RasaUnavailable, parse_replies

__all__ = ["REST_WEBHOOK_PATH", "RasaClient", "RasaUnavailable", "parse_replies"]
