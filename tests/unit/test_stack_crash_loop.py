"""`pressroom up` stops waiting for a process that exits at every start (pure part): tried as a
newcomer would, `pressroom up` with only PRESSROOM_COMMAND_KEYS_FILE exported started all but
the gateway, which exited at once with a clear message, and `up` then waited its whole 90 s."""

from __future__ import annotations

from dev_tools.stack.supervisor import crash_looping


def test_a_process_down_again_after_two_restarts_and_an_error_is_crash_looping() -> None:
    state: dict[str, dict[str, object]] = {
        "gateway": {"pid": None, "restarts": 2, "last_exit": 2},
        "drafting": {"pid": 41, "restarts": 2, "last_exit": 1},  # came back up: running
        "approval": {"pid": None, "restarts": 1, "last_exit": 2},  # one restart: may be a blip
        "embargo": {"pid": None, "restarts": 3, "last_exit": 0},  # stopped cleanly
        "projector": {"pid": None, "restarts": 5, "last_exit": -9},  # killed each time
        "publication": {"pid": 42, "restarts": 0, "last_exit": None},
    }
    assert crash_looping(state) == ["gateway", "projector"]


def test_an_empty_or_odd_state_file_names_nobody() -> None:
    assert crash_looping({}) == []
    assert crash_looping({"gateway": {"restarts": "two", "last_exit": None}}) == []
