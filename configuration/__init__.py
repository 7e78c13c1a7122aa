"""The one configuration of every Rexian process: ``rexian.yml`` (or the file ``REXIAN_CONFIG`` names) and the
``REXIAN_<SECTION>_<KEY>`` environment variables, read here and nowhere else (docs/configuration.md lists them all).

>>> from configuration import load_config
>>> load_config().dispatch.url
'http://127.0.0.1:8311'

Relative paths (and relative ``sqlite:///`` URLs) resolve against the project root, never the current directory.
``load_config()`` is cheap to call at every use: it reads again only when a ``REXIAN_*`` variable or the file changed.
This package sits just above ``domain`` and imports nothing else of the project.
"""

from .base import Section
from .console import DEV_CONSOLE_TOKEN, ConsoleSettings, ServiceHours
from .dispatch import (
    DEMO_DB_URL,
    DEV_DISPATCH_API_KEY,
    DEV_WEBHOOK_SECRET,
    DemoSettings,
    DispatchServerSettings,
    DispatchSettings,
)
from .hotline import EmergencySettings, IntakeSettings
from .language import AppealSettings, E5Settings, FaissSettings, JiebaSettings, KBSettings
from .loader import CONFIG_FILE_ENV, ENV_PREFIX, ConfigError, config_file, env_name, load_config
from .paths import PROJECT_ROOT, resolve_path, resolve_sqlite_url, service_url
from .services import (
    DEV_RASA_API_TOKEN,
    ActionsSettings,
    CallbacksSettings,
    RasaSettings,
    TelegramSettings,
    TrackerStoreSettings,
    WebchatSettings,
)
from .settings import Settings
from .wechat import WECHAT_MODES, WechatSettings

__all__ = [
    "CONFIG_FILE_ENV", "DEMO_DB_URL", "DEV_CONSOLE_TOKEN", "DEV_DISPATCH_API_KEY", "DEV_RASA_API_TOKEN",
    "DEV_WEBHOOK_SECRET", "ENV_PREFIX", "PROJECT_ROOT", "ActionsSettings", "AppealSettings", "CallbacksSettings",
    "ConfigError", "ConsoleSettings", "DemoSettings", "DispatchServerSettings", "DispatchSettings", "E5Settings",
    "EmergencySettings", "FaissSettings", "IntakeSettings", "JiebaSettings", "KBSettings", "RasaSettings", "Section",
    "ServiceHours", "Settings", "TelegramSettings", "TrackerStoreSettings", "WECHAT_MODES", "WebchatSettings",
    "WechatSettings", "config_file", "env_name", "load_config", "resolve_path", "resolve_sqlite_url", "service_url",
]
