"""``python -m callbacks``: the callback scheduler loop (stops cleanly on SIGTERM / Ctrl-C); ``--list`` prints the
latest surveys with their invitations and delivery paths."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from configuration import ConfigError, load_config
from domain import BEIJING
from dispatch_client import DispatchClient, Outbox

from .config import CallbackConfig
from .scheduler import Scheduler
from .store import Push, Survey, SurveyStore

logger = logging.getLogger("callbacks")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m callbacks", description="回访调度：办结后邀请市民参加满意度回访")
    parser.add_argument("--once", action="store_true", help="只运行一轮后退出")
    parser.add_argument("--list", type=int, nargs="?", const=20, metavar="N",
                        help="列出最近 N 条回访记录（默认 20）及每次邀请的送达方式，然后退出")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO: those carry the citizen's sender id and Rasa's API token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_config()
        config = CallbackConfig.from_settings(settings)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    if args.list is not None:
        return list_surveys(config, args.list)
    if not config.enabled:
        logger.info("回访已关闭（callbacks.enabled: false）")
        return 0
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        logger.info("收到信号 %d，本轮结束后退出", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    dispatch = DispatchClient(config.dispatch_url, config.dispatch_api_key, timeout=config.dispatch_timeout,
                              retries=1)
    outbox = Outbox(dispatch, settings.dispatch.outbox)  # the bot's outbox file: either process may send an entry
    try:
        with Scheduler(config, outbox=outbox, dispatch=dispatch) as scheduler:
            if not args.once:
                outbox.start()
            logger.info("回访调度已启动：每 %.0f 秒一轮（认领者 %s）", config.poll_seconds, scheduler.owner)
            while not stop.is_set():
                try:
                    report = scheduler.run_once()
                except Exception:
                    logger.exception("回访调度本轮出错")
                else:
                    if any((report.scheduled, report.invited, report.no_reply, report.delivered)):
                        logger.info("本轮：新排期 %d，邀请 %d，无人应答 %d，补交写入 %d", report.scheduled,
                                    report.invited, report.no_reply, report.delivered)
                if args.once:
                    break
                stop.wait(config.poll_seconds)
    finally:
        outbox.close()
        dispatch.close()
    logger.info("回访调度已退出")
    return 0


PATH_LABELS = {"customer_service": "客服消息", "template": "模板消息"}


def push_line(push: Push) -> str:
    how = PATH_LABELS.get(push.path, push.path) or "—"
    state = "已送达" if push.delivered else "已排队"
    return f"    第 {push.attempt} 次邀请 {push.at.astimezone(BEIJING):%Y-%m-%d %H:%M}  {state}  送达方式：{how}"


def survey_line(survey: Survey) -> str:
    return (f"{survey.service_request_id}  第 {survey.closure + 1} 次办结  {survey.state.value}  "
            f"渠道 {survey.channel or '—'}  邀请 {survey.attempts} 次  下次 {survey.due_at.astimezone(BEIJING):%m-%d %H:%M}")


def list_surveys(config: CallbackConfig, limit: int) -> int:
    """Print the latest surveys (newest first) and each invitation's delivery path; never the citizen's id."""
    store = SurveyStore(config.store_url)
    try:
        found = store.recent(limit)
    finally:
        store.close()
    if not found:
        print("暂无回访记录。")
    for survey, pushes in found:
        print(survey_line(survey))
        for push in pushes:
            print(push_line(push))
    return 0


if __name__ == "__main__":
    sys.exit(main())
