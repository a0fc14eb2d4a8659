"""ModelArts real-time inference with a Hugging Face transformers pipeline on an Ascend NPU.

ModelArts routes requests to 0.0.0.0:8080, probes GET /health, reads the service's logs from
stdout, and places the model files under /home/mind/model (MODEL_DIR). The model is loaded
once, in the background, when the service starts: until it is ready GET /health answers 503
{"health": "false"} (ModelArts sends no traffic yet), then 200 {"health": "true"}; if
loading fails, it stays 503 and says why. POST /infer takes {"inputs": ..., "parameters":
{...}} and returns the pipeline's output. MODEL_TASK names the pipeline (default
text-generation); the device is npu:0 when torch_npu finds an NPU, else the CPU.
"""

import logging
import os
import sys
import threading

from flask import Flask, jsonify, request

MODEL_DIR = os.environ.get("MODEL_DIR", "/home/mind/model")
MODEL_TASK = os.environ.get("MODEL_TASK", "text-generation")

logging.basicConfig(
    stream=sys.stdout,
    level=os.environ.get("LOG_LEVEL", "INFO"),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)
log = logging.getLogger("transformers-inference")


def pick_device() -> str:
    try:
        import torch
        import torch_npu  # noqa: F401  (registers the npu device)
    except Exception as exc:  # no torch_npu, or no driver mounted
        log.warning("no NPU (%s): running on the CPU", exc)
        return "cpu"
    return "npu:0" if torch.npu.is_available() else "cpu"


def load_pipeline():
    from transformers import pipeline

    device = pick_device()
    log.info("loading %s pipeline from %s on %s", MODEL_TASK, MODEL_DIR, device)
    return pipeline(MODEL_TASK, model=MODEL_DIR, device=device)


class Model:
    """The pipeline, loaded in a background thread; `error` says why it is not there."""

    def __init__(self, loader):
        self.pipeline = None
        self.error = "loading"
        self._thread = threading.Thread(target=self._load, args=(loader,), daemon=True)
        self._thread.start()

    def _load(self, loader):
        try:
            self.pipeline = loader()
            self.error = None
            log.info("model ready")
        except Exception as exc:
            self.error = f"loading the model failed: {exc}"
            log.exception("loading the model from %s failed", MODEL_DIR)

    def wait(self, timeout=None):
        self._thread.join(timeout)


def create_app(loader=load_pipeline) -> Flask:
    app = Flask(__name__)
    model = Model(loader)
    app.extensions["model"] = model

    @app.get("/health")
    def health():
        if model.error:
            return jsonify(health="false", reason=model.error), 503
        return jsonify(health="true")

    @app.post("/infer")
    def infer():
        if model.error:
            return jsonify(error=model.error), 503
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict) or "inputs" not in payload:
            return jsonify(error='expected a JSON body {"inputs": ..., "parameters": {...}}'), 400
        parameters = payload.get("parameters") or {}
        if not isinstance(parameters, dict):
            return jsonify(error='"parameters" must be an object'), 400
        return jsonify(outputs=model.pipeline(payload["inputs"], **parameters))

    return app


if __name__ == "__main__":
    # Development server; the image runs gunicorn (see transformers-inference.dockerfile).
    create_app().run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
else:
    app = create_app()
