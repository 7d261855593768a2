"""The handshake: client_handshake's bearer and subprotocol forms, a credential read back from
a request, ApiKey; and the key never shows in a repr, str, exception or log line of anything
holding it (a real session's log lines are checked in test_transports.py).
"""

from __future__ import annotations

import logging
import pickle
import re
import uuid
from typing import Any

import pytest
from harness import ready_data

import interhuman_stream as ih


def test_handshake_bearer_and_subprotocol_forms() -> None:
    key = "ih_live_abcdef0123456789"
    bearer = ih.client_handshake(key, client_request_id="req-42")
    assert bearer.headers == (("Authorization", f"Bearer {key}"), ("X-Client-Request-Id", "req-42"))
    assert bearer.subprotocols == ()
    pair_form = ih.client_handshake(key, method="subprotocol")
    assert pair_form.subprotocols == ("access_token", key)
    bare = ih.client_handshake(key, method="subprotocol", subprotocol_form="bare")
    assert bare.subprotocols == (key,)

    read = ih.handshake.credential_from_request(dict(bearer.headers))
    assert read is not None and read.key == ih.ApiKey(key) and read.method == "bearer"
    read = ih.handshake.credential_from_request([], pair_form.subprotocols)
    assert read is not None and read.accept_subprotocol == "access_token" and read.form == "pair"
    read = ih.handshake.credential_from_request(
        [(b"sec-websocket-protocol", f"access_token, {key}".encode())]
    )
    assert read is not None and read.key.reveal() == key
    read = ih.handshake.credential_from_request({}, bare.subprotocols)
    assert read is not None and read.accept_subprotocol == key and read.form == "bare"
    assert ih.handshake.credential_from_request({}) is None
    assert ih.handshake.credential_from_request({"Authorization": "Basic abc"}) is None
    assert ih.handshake.credential_from_request({}, ["access_token"]) is None

    server = ih.ServerConnection(ready_data(), uuid.UUID(int=9))
    assert server.accept_handshake(dict(bearer.headers)) is not None
    headers = server.response_headers()
    assert ih.handshake.correlation_id_from_headers(headers) == str(uuid.UUID(int=9))
    assert ih.handshake.correlation_id_from_headers({"x-correlation-id": " abc "}) == "abc"


@pytest.mark.parametrize("bad", ["", "two words", "line\nbreak", "a,b"])
def test_unusable_keys_are_refused_without_showing_them(bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        ih.ApiKey(bad)
    if bad:
        assert bad not in str(caught.value)


def test_headers_may_be_a_one_shot_iterator() -> None:
    pairs = iter([("Host", "x"), ("Sec-WebSocket-Protocol", "access_token, k1")])
    credential = ih.handshake.credential_from_request(pairs)
    assert credential is not None and credential.key.reveal() == "k1"


def test_a_bad_request_id_is_refused_before_the_key_is_read() -> None:
    with pytest.raises(ValueError, match="client_request_id"):
        ih.client_handshake("ih_live_key", client_request_id="two\nlines")
    with pytest.raises(ValueError, match="unknown method"):
        ih.client_handshake("ih_live_key", method="cookie")  # type: ignore[arg-type]


# -- the key never shows ----------------------------------------------------------------


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


def test_a_key_that_is_no_token_cannot_travel_as_a_subprotocol() -> None:
    # The old example client raised "invalid subprotocol: <the key>" from websockets.
    key = "ih_live_abc=def/ghi"
    with pytest.raises(ValueError) as caught:
        ih.client_handshake(key, method="subprotocol")
    assert key not in str(caught.value) and "bearer" in str(caught.value)
    assert ih.client_handshake(key, method="bearer").headers[0][1].endswith(key)


# -- endpoints of each protocol version (D48, D49) ----------------------------------------


def test_each_version_has_its_endpoint() -> None:
    url = ih.handshake.endpoint_url
    assert url() == ih.handshake.DEFAULT_URL == "wss://api.interhuman.ai/v1/stream/analyze"
    assert url("v2") == "wss://api.interhuman.ai/v2/stream/analyze"
    assert url("v2", model="inter-2-audio") == (
        "wss://api.interhuman.ai/v2/stream/analyze?model=inter-2-audio"
    )
    assert url("v2", model="a model/new") == (
        "wss://api.interhuman.ai/v2/stream/analyze?model=a%20model%2Fnew"
    )
    # A staging API's https base becomes wss; a loopback http base ws.
    assert url("v2", base="https://staging-api.interhuman.ai") == (
        "wss://staging-api.interhuman.ai/v2/stream/analyze"
    )
    assert url(base="http://127.0.0.1:8080/") == "ws://127.0.0.1:8080/v1/stream/analyze"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"version": "v3"}, "version 'v3' is not one of v1, v2"),
        ({"model": "inter-2"}, "v1 takes no model (got 'inter-2'): only v2 choose a model"),
        ({"version": "v2", "model": ""}, "model is a non-empty model id, not ''"),
        (
            {"version": "v2", "model": "inter-2-deep"},
            "model 'inter-2-deep' cannot stream (upload only)",
        ),
        ({"base": "ftp://example.com"}, "base 'ftp://example.com' is not scheme://host[:port]"),
        ({"base": "https://example.com/api"}, "base 'https://example.com/api' is not"),
    ],
)
def test_an_endpoint_the_sources_rule_out_is_a_value_error(
    call: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ih.handshake.endpoint_url(**call)
