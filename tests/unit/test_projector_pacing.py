"""The projector's batch size follows its lag: small when caught up, growing when behind."""

from services.projector.pacing import MAX_RECORDS, MIN_RECORDS, next_batch_size


def test_a_caught_up_projector_takes_small_batches() -> None:
    assert next_batch_size(0) == MIN_RECORDS


def test_a_projector_behind_takes_what_waits_up_to_the_ceiling() -> None:
    assert next_batch_size(1_234) == 1_234
    assert next_batch_size(1_000_000) == MAX_RECORDS


def test_the_batch_never_shrinks_below_the_floor_nor_grows_past_the_ceiling() -> None:
    sizes = [next_batch_size(lag) for lag in range(0, 3 * MAX_RECORDS, 97)]
    assert sizes == sorted(sizes)
    assert min(sizes) == MIN_RECORDS and max(sizes) == MAX_RECORDS
