"""ada-t5: translate between molecules and natural language with T5 models.

Nothing heavy happens at import time; submodules load torch, transformers and RDKit when used.
"""

__version__ = "0.1.0"

from ada_t5.quiet import install_log_filters as _install_log_filters

_install_log_filters()  # logging filters only: two library messages that never tell the user anything

def load(path_or_hub_id, **kwargs):
    """Load a trained checkpoint for captioning / molecule generation (see `ada_t5.inference`)."""
    from ada_t5.inference import load as _load

    return _load(path_or_hub_id, **kwargs)
