"""The whole configuration: one typed section per ``rexian.yml`` section."""

from __future__ import annotations

from pydantic import Field

from .base import Section
from .console import ConsoleSettings
from .dispatch import DemoSettings, DispatchSettings
from .hotline import EmergencySettings, IntakeSettings
from .language import AppealSettings, E5Settings, FaissSettings, JiebaSettings, KBSettings
from .services import (
    ActionsSettings,
    CallbacksSettings,
    RasaSettings,
    TelegramSettings,
    TrackerStoreSettings,
    WebchatSettings,
)
from .wechat import WechatSettings


class Settings(Section):
    """Every setting of every process. The section and key names are those of ``rexian.yml`` and of the
    ``REXIAN_<SECTION>_<KEY>`` variables (docs/configuration.md lists them all)."""

    kb: KBSettings = Field(default_factory=KBSettings)
    jieba: JiebaSettings = Field(default_factory=JiebaSettings)
    faiss: FaissSettings = Field(default_factory=FaissSettings)
    e5: E5Settings = Field(default_factory=E5Settings)
    appeal: AppealSettings = Field(default_factory=AppealSettings)
    rasa: RasaSettings = Field(default_factory=RasaSettings)
    actions: ActionsSettings = Field(default_factory=ActionsSettings)
    webchat: WebchatSettings = Field(default_factory=WebchatSettings)
    tracker_store: TrackerStoreSettings = Field(default_factory=TrackerStoreSettings)
    dispatch: DispatchSettings = Field(default_factory=DispatchSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    emergency: EmergencySettings = Field(default_factory=EmergencySettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    callbacks: CallbacksSettings = Field(default_factory=CallbacksSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    wechat: WechatSettings = Field(default_factory=WechatSettings)
