"""Everything the WeChat connector itself says to citizens (the conversation's own texts come from Rasa)."""
from connectors.rasa_bridge import BUSY

SUBSCRIBED = (
    "您好，欢迎关注12345政务服务热线！我是智能客服，可以为您：\n"
    "1. 解答政策和办事问题，例如“居住证怎么办理”；\n"
    "2. 受理投诉举报、求助和意见建议并登记工单，可以附上照片和位置；\n"
    "3. 查询工单办理进度；\n"
    "4. 需要真人服务时，回复“转人工”。\n"
    "请直接发送文字描述您的问题，也可以使用下方菜单。"
    "如遇火灾、燃气泄漏、人身危险等紧急情况，请立即拨打110、119或120。"
)
CONSULT_PROMPT = "请直接输入您想咨询的问题，例如“居住证怎么办理”，我会为您查找答案。"
VOICE_NOT_RECOGNISED = "抱歉，没能识别这条语音。请用文字描述您的问题，需要时可以发送照片或位置。"
UNSUPPORTED = (
    "抱歉，目前只能处理文字、图片、位置和语音信息。"
    "视频、文件和链接暂不支持，请用文字描述您的问题，需要时可以发送照片或位置。"
)
EMPTY_TEXT = "请用文字描述您的问题，我会尽力为您解答或登记。"
INVITATION_FIRST = "您好，12345政务服务热线有一条给您的新消息（例如对您所反映问题办理结果的回访）。"
INVITATION_REMARK = "请进入本公众号，回复任意内容即可查看。"

__all__ = ["BUSY", "CONSULT_PROMPT", "EMPTY_TEXT", "SUBSCRIBED", "INVITATION_FIRST", "INVITATION_REMARK",
           "UNSUPPORTED", "VOICE_NOT_RECOGNISED"]
