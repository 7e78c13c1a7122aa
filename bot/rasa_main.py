"""Rasa's command line with one performance fix, run in Rasa's own environment (``.venv/rasa``, Python 3.10).

``python -m bot.rasa_main run …`` is ``rasa run …`` except that the answer of the action server is checked against
a validator built once: Rasa 3.6 calls ``jsonschema.validate`` for every custom-action result
(``RemoteAction._validate_action_result``), which re-checks the constant response schema against its meta-schema
each time — about 48 ms of CPU per turn on Rasa's event loop, two thirds of a whole turn (measured with cProfile on
this project, see docs/deploy.md). The result is validated against exactly the same schema, and an invalid result
raises the same ``ValidationError`` with Rasa's hint appended. Everything else is Rasa's own ``main``.

Imports only Rasa and the standard library: this module runs in Rasa's environment, never in the app's.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, Text


@functools.lru_cache(maxsize=None)
def _response_validator(action_class: type) -> Any:
    from jsonschema import validators

    schema = action_class.action_response_format_spec()  # a constant (a static method)
    validators.validator_for(schema).check_schema(schema)
    return validators.validator_for(schema)(schema)


def install() -> None:
    """Replace ``RemoteAction._validate_action_result`` by the same check with a validator built once."""
    from jsonschema import ValidationError, exceptions
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        error = exceptions.best_match(_response_validator(type(self)).iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
