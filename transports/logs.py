"""A logger for the WebSocket libraries that never shows an API key.

websockets logs every handshake header at DEBUG level, Authorization included. Both clients
and the mock server hand it this logger instead of their own; a filter replaces every key
registered with `keep_secret` before any handler sees the line.
"""

from __future__ import annotations

import logging
import weakref

import interhuman_stream as ih

_SECRETS: weakref.WeakSet[ih.ApiKey] = weakref.WeakSet()


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for key in list(_SECRETS):
            message = message.replace(key.reveal(), "***")
        record.msg, record.args = message, ()
        return True


LOGGER = logging.getLogger("transports.websockets")
LOGGER.addFilter(_Redact())


def keep_secret(key: ih.ApiKey) -> ih.ApiKey:
    """Redact this key from every line LOGGER writes, for as long as the key object lives."""
    _SECRETS.add(key)
    return key
