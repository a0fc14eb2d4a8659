# ModelArts real-time inference skeleton: a Flask app served by gunicorn on 0.0.0.0:8080.
#
# Parent: an image built from python.dockerfile. GET /health answers {"health":"true"}
# (ModelArts' health check); POST /infer is a placeholder to replace. Logs go to stdout.
# ModelArts places the model under /home/mind/model (MODEL_DIR).

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    --mount=type=bind,source=dockerfiles/flask-api/requirements.txt,target=/tmp/requirements.txt \
    <<'EOF'
set -eux
pip-install --requirement /tmp/requirements.txt
install -d -m 0755 /home/mind
install -d -o 1000 -g 100 -m 0755 /home/mind/model
EOF

# The code stays root-owned: the service account can read it, not change it.
COPY dockerfiles/flask-api/app.py /opt/flask-api/app.py

ENV MODEL_DIR=/home/mind/model
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
    CMD ["curl", "-fsS", "http://127.0.0.1:8080/health"]

USER ma-user
WORKDIR /home/ma-user
CMD ["/usr/local/bin/python", "-m", "gunicorn", "--chdir", "/opt/flask-api", \
     "--bind", "0.0.0.0:8080", "--workers", "1", "--threads", "4", \
     "--access-logfile", "-", "--error-logfile", "-", "app:app"]
