"""Code generator: spec/ -> generated/interhuman_stream.

`python -m codegen` rewrites the generated package; `python -m codegen --check` exits 1 and
prints a diff when the committed package differs from what spec/ and the templates produce.
"""

from ._render import OUTPUT_DIR, REGEN_COMMAND, render_all
from ._spec import SpecError, load_spec

__all__ = ["OUTPUT_DIR", "REGEN_COMMAND", "SpecError", "load_spec", "render_all"]
