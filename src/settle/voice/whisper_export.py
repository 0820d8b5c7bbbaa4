"""`settle models export-whisper-pt`: an openai-whisper checkpoint rebuilt from a CTranslate2 Whisper model.

openai-whisper cannot read CTranslate2 folders; its `load_model(path)` takes a
`.pt` of `{"dims", "model_state_dict"}`. The tensors are the same, named
differently, with CTranslate2's fused attention projections (query+key+value
in self-attention, key+value in cross-attention) split back apart. Keys carry
no bias in Whisper: CTranslate2 stores zeros there, which are dropped.

The CTranslate2 `model.bin` layout (binary version 6): a header (version, spec
name, revision), then each variable as name, rank, dims, dtype id, byte count
and bytes, then aliases. Only float weights are exported; a model quantized at
conversion time (int8 weights with scales) is refused.
"""
from __future__ import annotations

import mmap
import re
import struct
from pathlib import Path

import numpy as np

# CTranslate2's DataType enum, in order (include/ctranslate2/types.h)
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


class ExportError(ValueError):
    pass


def read_ctranslate2(model_bin: Path) -> tuple[str, dict[str, np.ndarray]]:
    """The spec name and the variables of a CTranslate2 model.bin (arrays are copies)."""
    with open(model_bin, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        offset = 0

        def take(fmt: str):
            nonlocal offset
            values = struct.unpack_from("<" + fmt, data, offset)
            offset += struct.calcsize("<" + fmt)
            return values[0]

        def text() -> str:
            nonlocal offset
            length = take("H")
            value = bytes(data[offset : offset + length - 1]).decode("utf-8")
            offset += length
            return value

        version = take("I")
        if version != 6:
            raise ExportError(f"{model_bin}: CTranslate2 binary version {version} is not supported (expected 6)")
        spec, _revision = text(), take("I")
        variables: dict[str, np.ndarray] = {}
        for _ in range(take("I")):
            name = text()
            shape = tuple(take("I") for _ in range(take("B")))
            dtype_id, size = take("B"), take("I")
            if dtype_id not in _DTYPES:
                raise ExportError(f"{model_bin}: variable {name} has CTranslate2 dtype {dtype_id}, which is not exported")
            variables[name] = np.frombuffer(data, dtype=_DTYPES[dtype_id], count=size // np.dtype(_DTYPES[dtype_id]).itemsize,
                                            offset=offset).reshape(shape).copy()
            offset += size
    return spec, variables


def _count_layers(variables: dict[str, np.ndarray], stack: str) -> int:
    return len({name.split("/")[1] for name in variables if re.match(rf"{stack}/layer_\d+/", name)})


def _linear(state: dict, target: str, weight: np.ndarray, bias: np.ndarray | None) -> None:
    state[f"{target}.weight"] = weight
    if bias is not None:
        state[f"{target}.bias"] = bias


def _norm(state: dict, target: str, variables: dict, source: str) -> None:
    state[f"{target}.weight"] = variables[f"{source}/gamma"]
    state[f"{target}.bias"] = variables[f"{source}/beta"]


def _attention(state: dict, target: str, variables: dict, source: str, fused: list[str], out: str) -> None:
    """Split CTranslate2's fused projections (`fused`: the linears, each holding those projections) back out."""
    for linear, names in zip(("linear_0", "linear_1"), fused):
        weight, bias = variables[f"{source}/{linear}/weight"], variables[f"{source}/{linear}/bias"]
        projections = names.split("+")
        for name, w, b in zip(projections, np.split(weight, len(projections)), np.split(bias, len(projections))):
            _linear(state, f"{target}.{name}", w, None if name == "key" else b)
    _linear(state, f"{target}.out", variables[f"{source}/{out}/weight"], variables[f"{source}/{out}/bias"])


def whisper_checkpoint(model_dir: Path) -> dict:
    """{"dims", "model_state_dict"} of numpy arrays, from a CTranslate2 Whisper folder."""
    spec, v = read_ctranslate2(Path(model_dir) / "model.bin")
    if spec != "WhisperSpec":
        raise ExportError(f"{model_dir} holds a {spec}, not a Whisper model")
    state: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        _linear(state, f"encoder.{conv}", v[f"encoder/{conv}/weight"], v[f"encoder/{conv}/bias"])
    state["encoder.positional_embedding"] = v["encoder/position_encodings/encodings"]
    encoder_layers, decoder_layers = _count_layers(v, "encoder"), _count_layers(v, "decoder")
    for i in range(encoder_layers):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        _norm(state, f"{dst}.attn_ln", v, f"{src}/self_attention/layer_norm")
        _attention(state, f"{dst}.attn", v, f"{src}/self_attention", ["query+key+value"], "linear_1")
        _norm(state, f"{dst}.mlp_ln", v, f"{src}/ffn/layer_norm")
        _linear(state, f"{dst}.mlp.0", v[f"{src}/ffn/linear_0/weight"], v[f"{src}/ffn/linear_0/bias"])
        _linear(state, f"{dst}.mlp.2", v[f"{src}/ffn/linear_1/weight"], v[f"{src}/ffn/linear_1/bias"])
    _norm(state, "encoder.ln_post", v, "encoder/layer_norm")
    state["decoder.token_embedding.weight"] = v["decoder/embeddings/weight"]
    state["decoder.positional_embedding"] = v["decoder/position_encodings/encodings"]
    for i in range(decoder_layers):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        _norm(state, f"{dst}.attn_ln", v, f"{src}/self_attention/layer_norm")
        _attention(state, f"{dst}.attn", v, f"{src}/self_attention", ["query+key+value"], "linear_1")
        _norm(state, f"{dst}.cross_attn_ln", v, f"{src}/attention/layer_norm")
        _attention(state, f"{dst}.cross_attn", v, f"{src}/attention", ["query", "key+value"], "linear_2")
        _norm(state, f"{dst}.mlp_ln", v, f"{src}/ffn/layer_norm")
        _linear(state, f"{dst}.mlp.0", v[f"{src}/ffn/linear_0/weight"], v[f"{src}/ffn/linear_0/bias"])
        _linear(state, f"{dst}.mlp.2", v[f"{src}/ffn/linear_1/weight"], v[f"{src}/ffn/linear_1/bias"])
    _norm(state, "decoder.ln", v, "decoder/layer_norm")
    conv1 = v["encoder/conv1/weight"]
    dims = {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(v["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(conv1.shape[0]),
        "n_audio_head": int(v["encoder/num_heads"]),
        "n_audio_layer": encoder_layers,
        "n_vocab": int(v["decoder/embeddings/weight"].shape[0]),
        "n_text_ctx": int(v["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(v["decoder/embeddings/weight"].shape[1]),
        "n_text_head": int(v["decoder/num_heads"]),
        "n_text_layer": decoder_layers,
    }
    return {"dims": dims, "model_state_dict": state}


def export_whisper_pt(model_dir: Path, out: Path) -> dict:
    """Write the checkpoint (fp16 tensors, as stored) where openai-whisper's `load_model(out)` reads it; returns dims."""
    try:
        import torch
    except ImportError:
        raise RuntimeError("exporting a .pt checkpoint needs torch: install the dev extras (`make .venv/.installed-dev`)") from None
    checkpoint = whisper_checkpoint(model_dir)
    tensors = {name: torch.from_numpy(array) for name, array in checkpoint["model_state_dict"].items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"dims": checkpoint["dims"], "model_state_dict": tensors}, out)
    return checkpoint["dims"]
