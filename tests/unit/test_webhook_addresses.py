"""Where a webhook may point (events/webhook_addresses.py) and how its secret is sealed
(services/kit/sealing.py): pure checks, no I/O."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from events.webhook_addresses import address_refusal, embedded, literal_address
from services.kit.sealing import SealingError, SecretBox, secret_box
from tests.sealing_support import OTHER_KEY, SECRET, TEST_SECRET_KEYS


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2852039166", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("127.1", "127.0.0.1"),
        ("[::ffff:169.254.169.254]", "::ffff:a9fe:a9fe"),
        ("newswire.example", None),
        ("deadbeef.example", None),
    ],
)
def test_every_numeric_spelling_of_an_address_is_read_as_that_address(
    host: str, address: str | None
) -> None:
    found = literal_address(host)
    assert (str(found) if found else None) == address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1",
        "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1",
    ],
)  # fmt: skip
def test_no_webhook_goes_to_an_address_that_is_not_public(address: str) -> None:
    assert address_refusal(ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:84e5", "8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert address_refusal(ip_address(address)) is None


def test_a_deployment_may_allow_networks_by_name_and_mapped_forms_follow() -> None:
    allowed = ("127.0.0.0/8",)
    assert address_refusal(ip_address("127.0.0.1"), allowed) is None
    assert address_refusal(ip_address("::ffff:127.0.0.1"), allowed) is None
    assert address_refusal(ip_address("::1"), allowed) is not None
    assert address_refusal(ip_address("10.0.0.1"), allowed) is not None


def test_ipv6_forms_that_carry_an_ipv4_address_are_judged_by_it() -> None:
    assert str(embedded(ip_address("::ffff:10.0.0.1"))) == "10.0.0.1"
    assert str(embedded(ip_address("64:ff9b::a9fe:a9fe"))) == "169.254.169.254"
    assert str(embedded(ip_address("2606:4700::1"))) == "2606:4700::1"


def test_a_sealed_secret_opens_with_its_key_and_holds_no_trace_of_the_secret() -> None:
    box = SecretBox((TEST_SECRET_KEYS,))
    sealed = box.seal(SECRET)
    assert SECRET not in sealed and SECRET.removeprefix("whsec_") not in sealed
    assert box.open(sealed) == SECRET


def test_keys_rotate_the_new_one_seals_and_the_old_one_still_opens() -> None:
    old, new = SecretBox((TEST_SECRET_KEYS,)), SecretBox((OTHER_KEY, TEST_SECRET_KEYS))
    sealed_before = old.seal(SECRET)
    assert new.open(sealed_before) == SECRET
    with pytest.raises(SealingError):
        old.open(new.seal(SECRET))


def test_the_fingerprint_is_keyed_stable_and_says_nothing_of_the_secret() -> None:
    box, other = SecretBox((TEST_SECRET_KEYS,)), SecretBox((OTHER_KEY,))
    assert box.fingerprint(SECRET) == box.fingerprint(SECRET)
    assert box.fingerprint(SECRET) != other.fingerprint(SECRET)
    assert len(box.fingerprint(SECRET)) == 16


def test_no_key_means_no_box_and_a_bad_key_is_a_clear_error() -> None:
    assert secret_box("") is None
    with pytest.raises(SealingError, match="not a Fernet key"):
        secret_box("not-a-key")
