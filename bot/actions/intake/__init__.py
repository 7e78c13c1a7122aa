"""Intake of complaints, help requests, suggestions and consultations that become work orders.

The dialogue logic is plain Python (:mod:`.machine`), driven turn by turn by the Rasa actions in
:mod:`bot.actions.intake_actions`; its state is one JSON-able dict kept in the ``intake_state`` slot.
"""
