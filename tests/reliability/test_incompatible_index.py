"""Case 6: an index of another dimension or format version is named, with the fix (another model:
tests/test_cli.py and tests/test_app.py)."""

from __future__ import annotations

import dataclasses
import json

import faiss
import numpy as np
import pytest
from typer.testing import CliRunner

from rag import store
from rag.cli import app

pytestmark = pytest.mark.integration

runner = CliRunner()


@pytest.fixture
def index_dir(cli_corpus, tmp_path):
    """A built index, for the tests to make incompatible; returns its folder."""
    assert runner.invoke(app, ["index"]).exit_code == 0
    return tmp_path / "index"


def search_fails_with(*expected: str) -> None:
    result = runner.invoke(app, ["search", "Wat is WikiStad?"])
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert all(part in output for part in expected), output
    assert "Traceback" not in output and isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("version", [1, 99], ids=["older format (vectors.npy, no BM25)", "newer format"])
def test_an_index_of_another_format_is_refused_and_rebuilt_on_request(index_dir, version):
    build = store.live_build(index_dir)
    data = json.loads((build / "manifest.json").read_text("utf-8"))
    (build / "manifest.json").write_text(json.dumps({**data, "format_version": version}), "utf-8")
    if version == 1:  # as version 1 wrote it: vectors beside FAISS, BM25 built at the first query
        index = faiss.read_index(str(build / "faiss.index"))
        np.save(build / "vectors.npy", index.reconstruct_n(0, index.ntotal))
        (build / "slots.npy").unlink()
        (build / "bm25.npz").unlink()

    search_fails_with(f"format version {version}", f"reads {store.FORMAT_VERSION}", "rag index --rebuild")
    status = " ".join(runner.invoke(app, ["status"]).output.split())
    assert f"format {version}, this one reads {store.FORMAT_VERSION}): run `rag index --rebuild`" in status
    assert "Up to date" not in status
    rebuilt = runner.invoke(app, ["index"])
    assert rebuilt.exit_code == 0 and f"format version {version}" in " ".join(rebuilt.output.split())
    assert runner.invoke(app, ["search", "Wat is WikiStad?"]).exit_code == 0


def test_an_index_with_vectors_of_another_dimension_is_refused_and_rebuilt(index_dir, embedder):
    index = store.load(index_dir)
    vectors = index.vectors.matrix()[:, :256]
    short = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    manifest = dataclasses.replace(index.manifest, dimension=256)
    store.save(store.IndexStore.build(manifest, index.chunks, short, index.documents), index_dir)

    search_fails_with("256-dimensional", f"{embedder.dimension}-dimensional", "rag index --rebuild")
    rebuilt = runner.invoke(app, ["index"])
    assert rebuilt.exit_code == 0
    assert "vector dimension changed from 256" in " ".join(rebuilt.output.split())
    assert store.read_manifest(index_dir).dimension == embedder.dimension
