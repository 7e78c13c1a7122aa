"""Everything the bridge itself says to citizens (the conversation's own texts come from Rasa)."""
from connectors.rasa_bridge import BUSY, LOCATION_PLACEHOLDER, PHOTO_PLACEHOLDER

GREETING_MESSAGE = "你好"  # what /start relays to Rasa so the bot introduces itself
BUTTONS_ONLY_TEXT = "请选择："  # Telegram needs text above an inline keyboard

RATE_LIMITED = "您发送消息的速度太快了，请稍等一分钟后再继续。"
UNSUPPORTED = (
    "抱歉，目前只能处理文字、图片和位置信息。"
    "语音、贴纸、视频和文件暂不支持，请用文字描述您的问题，需要时可以发送照片或位置。"
)
BUTTON_EXPIRED = "这个按钮已失效，请直接输入您的回答。"
PHOTO_FAILED = "图片接收失败，请稍后重新发送，或用文字描述。"

__all__ = ["BUSY", "BUTTONS_ONLY_TEXT", "BUTTON_EXPIRED", "GREETING_MESSAGE", "LOCATION_PLACEHOLDER", "PHOTO_FAILED",
           "PHOTO_PLACEHOLDER", "RATE_LIMITED", "UNSUPPORTED"]
