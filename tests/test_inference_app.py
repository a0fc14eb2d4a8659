"""dockerfiles/transformers-inference/app.py, the ModelArts inference service, with a stand-in
for transformers' pipeline: /health answers as ModelArts expects, /infer runs the pipeline."""

import importlib.util
import sys
import threading
import types

import flask  # noqa: F401  (the app imports it; in the test extra, at the images' pin: never skipped)
import pytest

from tests.conftest import REPO

APP = REPO / "dockerfiles/transformers-inference/app.py"


@pytest.fixture
def app_module(monkeypatch, tmp_path):
    """The app's module, imported with MODEL_DIR at tmp_path and a stand-in `transformers`
    whose pipeline echoes; the module-level app loads it in the background."""
    calls = []

    def pipeline(task, model, device):
        calls.append((task, model, device))
        return lambda inputs, **parameters: [{"generated_text": f"{inputs}!", "parameters": parameters}]

    monkeypatch.setitem(sys.modules, "transformers", types.SimpleNamespace(pipeline=pipeline))
    monkeypatch.setenv("MODEL_DIR", str(tmp_path))
    monkeypatch.delenv("MODEL_TASK", raising=False)
    spec = importlib.util.spec_from_file_location("transformers_inference_app", APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.app.extensions["model"].wait(10)
    module.loaded_with = calls
    return module


def test_health_is_200_true_once_the_model_is_loaded(app_module, tmp_path):
    client = app_module.app.test_client()
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"health": "true"}
    # text-generation by default, from MODEL_DIR, on the CPU here (no torch_npu)
    assert app_module.loaded_with == [("text-generation", str(tmp_path), "cpu")]


def test_infer_runs_the_pipeline_with_the_parameters(app_module):
    client = app_module.app.test_client()
    answer = client.post("/infer", json={"inputs": "hello", "parameters": {"max_new_tokens": 4}})
    assert answer.status_code == 200
    assert answer.get_json() == {"outputs": [{"generated_text": "hello!", "parameters": {"max_new_tokens": 4}}]}
    assert client.post("/infer", json={"text": "hello"}).status_code == 400
    assert client.post("/infer", json={"inputs": "x", "parameters": [1]}).status_code == 400


def test_health_is_503_while_loading_and_after_a_failed_load(app_module):
    release = threading.Event()

    def slow():
        release.wait(10)
        raise OSError("no config.json in /home/mind/model")

    loading = app_module.create_app(loader=slow)
    client = loading.test_client()
    answer = client.get("/health")
    assert answer.status_code == 503 and answer.get_json()["health"] == "false"
    assert client.post("/infer", json={"inputs": "x"}).status_code == 503
    release.set()
    loading.extensions["model"].wait(10)
    answer = client.get("/health")
    assert answer.status_code == 503
    assert "no config.json" in answer.get_json()["reason"]
