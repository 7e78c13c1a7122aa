"""Local stand-ins for outside services (Telegram Bot API, Rasa's REST channel) used by the tests."""
