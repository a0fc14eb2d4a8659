"""ModelArts real-time inference service skeleton.

ModelArts routes requests to 0.0.0.0:8080, probes GET /health for a 200 answer with
{"health": "true"}, reads the service's logs from stdout, and places the model files
under /home/mind/model (MODEL_DIR). Replace `infer` with the model's own code.
"""

import logging
import os
import sys

from flask import Flask, jsonify, request

MODEL_DIR = os.environ.get("MODEL_DIR", "/home/mind/model")

logging.basicConfig(
    stream=sys.stdout,
    level=os.environ.get("LOG_LEVEL", "INFO"),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)
log = logging.getLogger("flask-api")

app = Flask(__name__)


@app.get("/health")
def health():
    return jsonify(health="true")


@app.post("/infer")
def infer():
    """Placeholder: echoes the JSON request."""
    payload = request.get_json(silent=True)
    if payload is None:
        return jsonify(error="expected a JSON body"), 400
    log.info("infer: %d bytes", request.content_length or 0)
    return jsonify(model_dir=MODEL_DIR, echo=payload)


if __name__ == "__main__":
    # Development server; the image runs gunicorn (see flask.dockerfile).
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
