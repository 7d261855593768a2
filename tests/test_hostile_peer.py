"""A hostile or broken peer (issue 12): refused moves change nothing, odd data never raises
an undocumented exception."""

from __future__ import annotations

import pytest
from harness import EPOCH, Pair

import interhuman_stream as ih


def test_finish_refused_by_the_contract_leaves_the_session_unchanged() -> None:
    # The audit's reproducer: a server ending on its own with the reason that only answers a
    # close used to apply the final signal.ended, then refuse session.ended.
    pair = Pair()
    pair.start()
    pair.flush()
    pair.server_sends("signal.detected", ih.messages.SignalData(signal_type="interest", start=1.0))
    pair.flush()
    before = (pair.server.state, dict(pair.server.active_signals), pair.server.violations)
    with pytest.raises(ih.LocalProtocolError) as caught:
        pair.server.finish(timestamp=EPOCH, at=5.0, reason="client_shutdown")
    assert caught.value.rule == "ended-after-closing"
    assert (pair.server.state, dict(pair.server.active_signals), pair.server.violations) == before
    frames = pair.server.finish(timestamp=EPOCH, at=5.0, reason="server_shutdown")
    kinds = [type(ih.decode_server_message(frame)).__name__ for frame in frames]
    assert kinds == ["SignalEnded", "SessionEnded"]


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1.8e308", "123456789" * 40])
def test_an_unknown_type_decodes_whatever_its_data_holds(number: str) -> None:
    frame = (
        '{"type": "future.x", "timestamp": "2026-01-01T00:00:00Z", '
        '"correlation_id": "00000000-0000-0000-0000-000000000007", '
        f'"data": {{"v": {number}, "ok": [1, 2]}}}}'
    )
    message = ih.decode_server_message(frame)
    assert isinstance(message, ih.UnknownMessage)
    assert message.type == "future.x"
    if isinstance(message.data, str):  # kept as its JSON text when no Python value fits
        assert number in message.data
    else:
        assert message.data["ok"] == [1, 2]
    client = ih.ClientConnection()
    assert isinstance(client.receive_message(frame), ih.UnknownMessage)


def test_an_unknown_type_with_bytes_that_are_not_utf8_in_its_data_is_a_decode_error() -> None:
    # Found by the fuzzer: the raw data of an unknown envelope is only read as text when it
    # is decoded, and invalid UTF-8 there escaped as a UnicodeDecodeError.
    frame = b'{"type": "future.x", "data": {"v": "\xf6\xff"}}'
    with pytest.raises(ih.DecodeError, match="UTF-8"):
        ih.decode_server_message(frame)
