"""Streaming Analyze v1 over asyncio and `websockets`: the shape to copy.

The protocol lives in ClientConnection (sans-IO); this file only moves frames. One task
sends (config once session.ready arrives, then the video chunks in order, then
session.close); the loop receives and yields each typed message until the server closes.

    session = AsyncStreamSession(url, api_key, chunks, include=["conversation_quality_overall"])
    async for message in session:
        print(message)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

from websockets.asyncio.client import ClientConnection as WebSocket
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import interhuman_stream as ih

from .logs import LOGGER, keep_secret


class HandshakeRejected(Exception):
    """The server refused the WebSocket upgrade (401: the credential was not accepted)."""

    def __init__(self, status: int) -> None:
        hint = " - check the API key" if status == 401 else ""
        super().__init__(f"the server refused the WebSocket upgrade with HTTP {status}{hint}")
        self.status = status


class AsyncStreamSession:
    """One session: iterate it to run it and receive every server message, typed."""

    def __init__(
        self,
        url: str,
        api_key: str,
        chunks: Iterable[bytes],
        *,
        include: list[ih.messages.IncludeFlag] | None = None,
        goal_dimensions: list[ih.messages.GoalDimension] | None = None,
        method: ih.handshake.AuthMethod = "bearer",
        client_request_id: str | None = None,
        pace_seconds: float = 0.0,
        connection: ih.ClientConnection | None = None,
    ) -> None:
        self.url = url
        self.connection = connection or ih.ClientConnection()
        self.correlation_id: str | None = None
        # The handshake keeps the key object, so it stays redacted for the session's life.
        self._handshake = ih.client_handshake(
            keep_secret(ih.ApiKey(api_key)), method=method, client_request_id=client_request_id
        )
        self._chunks = chunks
        self._include = include
        self._goal_dimensions = goal_dimensions
        self._pace = pace_seconds
        self._failure: Exception | None = None

    async def __aiter__(self) -> AsyncIterator[ih.ServerMessage | ih.UnknownMessage]:
        loop = asyncio.get_running_loop()
        try:
            websocket = await connect(
                self.url,
                additional_headers=list(self._handshake.headers),
                subprotocols=list(self._handshake.subprotocols) or None,  # type: ignore[arg-type]
                max_size=None,
                ping_interval=None,
                logger=LOGGER,
            )
        except InvalidStatus as error:
            raise HandshakeRejected(error.response.status_code) from None
        headers = websocket.response.headers.raw_items()  # type: ignore[union-attr]
        self.correlation_id = ih.handshake.correlation_id_from_headers(headers)
        ready = asyncio.Event()
        sender = asyncio.create_task(self._send(websocket, ready))
        try:
            async with websocket:
                async for frame in websocket:
                    message = self.connection.receive_message(frame, now=loop.time())
                    if isinstance(message, ih.messages.SessionReady):
                        ready.set()
                    yield message
        except ConnectionClosed:
            pass  # an abnormal close (a timeout, a reset): its code is in connection.close_code
        finally:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
            self.connection.connection_lost(websocket.close_code)
        if self._failure is not None:
            raise self._failure  # a send the protocol refused (LocalProtocolError), not lost

    async def _send(self, websocket: WebSocket, ready: asyncio.Event) -> None:
        try:
            await self._send_all(websocket, ready)
        except ConnectionClosed:
            pass  # the receiving side sees the close and ends the session
        except Exception as error:
            self._failure = error  # reported by the receiving side once it stops
            await websocket.close(1011, "client error")

    async def _send_all(self, websocket: WebSocket, ready: asyncio.Event) -> None:
        await ready.wait()  # no video before session.ready
        loop = asyncio.get_running_loop()
        connection = self.connection
        if self._include is not None or self._goal_dimensions is not None:
            frame = connection.send_config(self._include, self._goal_dimensions, now=loop.time())
            await websocket.send(frame)
        for chunk in self._chunks:
            if connection.state is not ih.SessionState.STREAMING:
                return  # the server ended the session; stop sending
            await websocket.send(connection.send_segment(chunk, now=loop.time()))
            if self._pace:
                await asyncio.sleep(self._pace)
        if connection.state is ih.SessionState.STREAMING:
            await websocket.send(connection.send_close(now=loop.time()))
