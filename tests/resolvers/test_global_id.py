import base64

import pytest

from resolvers import global_id
from resolvers.errors import BadUserInputError


def test_an_id_round_trips_to_its_type_and_key() -> None:
    encoded = global_id.encode("Person", 42)
    assert global_id.decode(encoded) == ("Person", 42)
    assert global_id.decode_as("Person", encoded) == 42


def test_an_id_carries_only_the_surrogate_key_never_a_personal_id() -> None:
    raw = base64.urlsafe_b64decode(global_id.encode("Person", 7) + "==").decode()
    assert raw == "v1:Person:7"


@pytest.mark.parametrize(
    "bad",
    ["", "x", "djE6UGVyc29uOjA", "djE6UGVyc29uOi0x", "djE6UGVyc29uOmFi", "djI6UGVyc29uOjE", "é"],
)
def test_malformed_ids_are_bad_user_input(bad: str) -> None:
    with pytest.raises(BadUserInputError, match="not a valid id"):
        global_id.decode(bad)


def test_the_id_of_another_type_is_refused_where_a_person_is_expected() -> None:
    with pytest.raises(BadUserInputError, match="not the id of a Person"):
        global_id.decode_as("Person", global_id.encode("Organization", 1))


def test_an_id_beyond_the_bigint_keys_was_never_issued() -> None:
    beyond = base64.urlsafe_b64encode(b"v1:Person:9223372036854775808").decode()
    with pytest.raises(BadUserInputError, match="not a valid id"):
        global_id.decode(beyond)
    assert global_id.decode(global_id.encode("Person", 2**63 - 1)) == ("Person", 2**63 - 1)


@pytest.mark.parametrize("bad", ["", "0", "-1", "+1", " 1", "١", "9223372036854775808", "1e3"])
def test_a_consent_id_is_canonical_digits_of_a_bigint_key(bad: str) -> None:
    with pytest.raises(BadUserInputError, match="not a valid id"):
        global_id.decode_key(bad)
    assert global_id.decode_key("42") == 42
