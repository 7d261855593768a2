# Generated - do not edit. Change the sources and run `nox -s regen`.
# Sources: spec/errors.json, spec/v2.overlay.json
# Template: codegen/templates/_catalog.py.jinja2

"""The error catalog: what each documented `error` code means for the session.

This version's catalog is v1's with the entries its overlay adds or changes."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from .._catalog import ERROR_CATALOG as SHARED_CATALOG
from .._catalog import ErrorInfo

ERROR_CATALOG: Final[Mapping[str, ErrorInfo]] = MappingProxyType(
    {
        **SHARED_CATALOG,
        "ih2003": ErrorInfo(
            code="ih2003",
            title="Missing stream scope, or a model the credential may not select",
            meaning="The credential lacks the stream scope (at session open: close 4003, no session.ready), or a config switched to a model it may not select (the session goes on, on its model).",
            category="auth",
            ends_session=None,
            close_code=None,
            verdict="unknown",
            sources=("SK-V2", "PYSDK"),
        ),
        "ih4005": ErrorInfo(
            code="ih4005",
            title="Invalid model",
            meaning="The model query parameter names a model the server does not serve for a stream; the session is refused before session.ready.",
            category="request",
            ends_session=True,
            close_code=1008,
            verdict="fatal",
            sources=("SK-V2",),
        ),
    }
)


def error_info(code: str) -> ErrorInfo | None:
    """The catalog entry for an error code, or None for a code the catalog does not list."""
    return ERROR_CATALOG.get(code)
