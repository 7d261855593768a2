# Hand-written runtime module: edit codegen/runtime/clients/__init__.py (regen copies it here verbatim).
# ruff: noqa: E501, RUF100 - the line above is the exact header regen requires

"""Ready-made clients over real WebSocket libraries (optional extras).

Each module imports its library, so the core package never does: install the extra first.

- `interhuman_stream.clients.aio`: asyncio over `websockets`
  (`pip install "interhuman-stream[asyncio]"`).
"""
