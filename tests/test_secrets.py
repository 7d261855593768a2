"""An API key never shows in a repr, str, exception or log line of anything holding it."""

from __future__ import annotations

import logging
import pickle
import uuid

import pytest
from harness import ready_data

import interhuman_stream as ih

KEY = "ih_live_S3cr3tK3yThatMustNeverLeak"


def holders() -> list[object]:
    bearer = ih.client_handshake(KEY, client_request_id="req-1")
    pair = ih.client_handshake(KEY, method="subprotocol")
    bare = ih.client_handshake(KEY, method="subprotocol", subprotocol_form="bare")
    server = ih.ServerConnection(ready_data(), uuid.UUID(int=1))
    server.accept_handshake(dict(bearer.headers))
    return [
        ih.ApiKey(KEY),
        bearer,
        pair,
        bare,
        ih.handshake.credential_from_request(dict(bearer.headers)),
        ih.handshake.credential_from_request({}, pair.subprotocols),
        ih.handshake.credential_from_request({}, bare.subprotocols),
        server,
        server.credential,
    ]


def test_no_repr_or_str_shows_the_key() -> None:
    for holder in holders():
        assert holder is not None
        for text in (repr(holder), str(holder), f"{holder}", f"{holder!r}", repr([holder])):
            assert KEY not in text, type(holder).__name__


def test_no_log_line_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("interhuman_stream.test")
    with caplog.at_level(logging.DEBUG, logger="interhuman_stream.test"):
        for holder in holders():
            logger.debug("holder %s %r", holder, holder)
            logger.info("holder %s", {"value": holder})
    assert caplog.records
    assert KEY not in caplog.text


def test_errors_about_keys_do_not_show_them() -> None:
    for bad in (KEY + " ", KEY + "\n", "a," + KEY):
        with pytest.raises(ValueError) as caught:
            ih.ApiKey(bad)
        assert KEY not in str(caught.value) and KEY not in repr(caught.value)


def test_a_key_cannot_be_pickled_into_a_log_or_cache() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(ih.ApiKey(KEY))


def test_the_key_is_still_there_for_the_one_place_that_needs_it() -> None:
    handshake = ih.client_handshake(KEY)
    assert handshake.headers[0] == ("Authorization", f"Bearer {KEY}")
    credential = ih.handshake.credential_from_request(dict(handshake.headers))
    assert credential is not None and credential.key.reveal() == KEY
    assert credential.key == ih.ApiKey(KEY) and credential.key != ih.ApiKey(KEY + "x")
