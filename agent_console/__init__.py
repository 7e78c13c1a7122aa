"""The seat-agent console (坐席助手, issue 14): a web app for the hotline's human agents (话务员) and supervisors (班长).

The bot hands a conversation over on ``POST /internal/handoff`` (:mod:`agent_console.contract`); it waits in a
queue (emergencies first, then by waiting time) until an agent takes it. The agent reads the transcript with the
bot's understanding of each citizen message, replies (through the citizen's connector, :mod:`connectors.push`) and
hands the conversation back to the bot (Rasa's ``resume`` event). Accounts, server-side sessions, CSRF tokens and
an audit log of every agent action live in one SQL database (SQLite by default). See docs/console.md.

Modules: ``settings`` (knobs), ``contract`` (the internal API the bot calls, with a small client), ``passwords``,
``models`` + ``store`` (tables and queries), ``masking`` (phone numbers), ``events`` (live updates, SSE),
``outbound`` (``ReplySender`` / ``BotResumer``), ``assist`` (suggested answers: the ``Assist`` extension point),
``suggesting`` (suggestions pushed live for each citizen message, and what agents did with them) + ``usage`` (their
counts), ``prefill`` (the pre-filled work order), ``desk`` (the dispatch backend), ``ordering`` (filing once,
similar orders and 催办, the service summary) + ``summary`` + ``similarity``, ``service`` (what agents and the bot
can do, call assist), ``auth`` (sessions, CSRF, roles), ``pages`` + ``static/`` (the UI), ``app`` (the FastAPI app),
``cli`` (``python -m agent_console``).
"""
