"""Satisfaction callbacks (回访): after each closure of a work order, invite the citizen to a survey on their chat
channel — exactly once per closure, across restarts and with several scheduler processes on one store.

Run it with ``python -m callbacks``; see docs/callbacks.md.
"""

from .config import CallbackConfig
from .quiet import QuietHours
from .rasa import DEV_RASA_TOKEN, RasaClient, RasaUnavailable
from .scheduler import RoundReport, Scheduler, run_once
from .store import Survey, SurveyState, SurveyStore

__all__ = [
           "DEV_RASA_TOKEN",
           "CallbackConfig",
           "QuietHours",
           "RasaClient",
           "RasaUnavailable",
           "RoundReport",
           "Scheduler",
           "Survey",
           "SurveyState",
           "SurveyStore",
           "run_once",
]
