# Hand-written runtime: edit codegen/runtime/clients/__init__.py (regen copies it verbatim).

"""Network clients for the Streaming Analyze protocol: optional extras that import more than
msgspec (`pip install "interhuman-stream[asyncio]"` or `[sync]`). The sans-IO core, the rest
of the package, needs none of them."""
