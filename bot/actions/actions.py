"""The action server's entry module: ``python -m rasa_sdk --actions bot.actions.actions``.

Importing it registers every action with rasa-sdk (the router ``action_respond`` in :mod:`.router`, the intake in
:mod:`.intake_actions`, the survey in :mod:`.survey_actions`) and builds the services (:mod:`.container`): the
knowledge base, the appeal classifier on the backend's category tree and the address tables are loaded before the
server reports healthy, not on the first citizen's message. Tests import the action modules themselves and install
services of their own.
"""
from __future__ import annotations

from bot.actions import intake_actions, router, survey_actions  # noqa: F401  (registers the actions with rasa-sdk)
from bot.actions.container import services
from bot.actions.offload import enable
from configuration import load_config

services()
enable(load_config().actions.threads)
