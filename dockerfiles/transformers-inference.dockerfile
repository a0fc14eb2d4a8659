# ModelArts real-time inference with Hugging Face transformers on an Ascend NPU: a Flask app
# served by gunicorn on 0.0.0.0:8080 that runs a transformers pipeline on npu:0.
#
# Parent: an image built from pytorch-npu.dockerfile. GET /health answers 200
# {"health":"true"} once the model is loaded (503 before), POST /infer runs the pipeline
# (dockerfiles/transformers-inference/app.py says how). ModelArts places the model under
# /home/mind/model (MODEL_DIR); MODEL_TASK names the pipeline. Logs go to stdout. The
# parent's torch, torch_npu, torchvision and numpy are held by a constraints file made from
# `pip freeze`, and the build fails if any of them moved.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    --mount=type=bind,source=dockerfiles/transformers-inference/requirements.txt,target=/tmp/requirements.txt \
    <<'EOF'
set -eux
pinned='^(torch|torch[-_]npu|torchvision|numpy)=='
constraints=/tmp/framework-constraints.txt
python -m pip freeze | grep -iE "$pinned" | sort > "$constraints"
cat "$constraints"
grep -qi '^torch==' "$constraints" || { echo "error: the parent image has no torch" >&2; exit 1; }

pip-install --constraint "$constraints" --requirement /tmp/requirements.txt

python -m pip freeze | grep -iE "$pinned" | sort > /tmp/framework-after.txt
changed=$(comm -23 "$constraints" /tmp/framework-after.txt)
if [ -n "$changed" ]; then
    echo "error: installing moved the parent's framework packages:" $changed >&2
    exit 1
fi
rm -f "$constraints" /tmp/framework-after.txt
python -c 'from importlib.metadata import version; print("transformers", version("transformers"), "gunicorn", version("gunicorn"))'
install -d -m 0755 /home/mind
install -d -o 1000 -g 100 -m 0755 /home/mind/model
rm -rf /root/.cache
EOF

# The code stays root-owned: the service account can read it, not change it.
COPY dockerfiles/transformers-inference/app.py /opt/transformers-inference/app.py

# Models come from MODEL_DIR, not from the Hugging Face Hub (ModelArts services often have no
# internet access).
ENV MODEL_DIR=/home/mind/model \
    MODEL_TASK=text-generation \
    HF_HUB_OFFLINE=1
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s \
    CMD ["curl", "-fsS", "http://127.0.0.1:8080/health"]

USER ma-user
WORKDIR /home/ma-user
CMD ["/usr/local/bin/python", "-m", "gunicorn", "--chdir", "/opt/transformers-inference", \
     "--bind", "0.0.0.0:8080", "--workers", "1", "--threads", "4", \
     "--access-logfile", "-", "--error-logfile", "-", "app:app"]
