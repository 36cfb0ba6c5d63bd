"""The local stack's supervisor waits longer after each failure in a row, up to a ceiling."""

from dev_tools.stack.supervisor import FIRST_DELAY_S, MAX_DELAY_S, restart_delay


def test_a_first_death_is_restarted_soon() -> None:
    assert restart_delay(1) == FIRST_DELAY_S


def test_a_crash_loop_backs_off_doubling_up_to_the_ceiling() -> None:
    delays = [restart_delay(n) for n in range(1, 12)]
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0]
    assert delays[-1] == MAX_DELAY_S and delays == sorted(delays)
