# LLM training layer: Hugging Face transformers, accelerate, peft and datasets on a PyTorch NPU
# image, for fine-tuning (full or LoRA) in ModelArts training jobs on Atlas A2 (910B).
#
# Parent: an image built from pytorch-npu.dockerfile on a CANN image with NNAL (ATB, the
# transformer acceleration library torch_npu's fused operators use); the build stops if
# ATB_HOME_PATH does not exist. The pins are releases of torch 2.8's time whose declared
# requirements accept the parent's torch (accelerate: torch >= 2.0, peft: >= 1.13) and
# numpy < 2 (CANN 8.x; all four ask numpy >= 1.17); the parent's torch, torch_npu,
# torchvision and numpy are held by a constraints file made from `pip freeze`, and the build
# fails if any of them moved.
#
# A ModelArts training job runs its boot command in /home/ma-user as ma-user, without a login
# shell; the CANN entrypoint still loads set_env.sh first. Hugging Face caches go to
# ~/.cache/huggingface; point HF_HOME at an SFS or OBS mount for large models.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

ARG TRANSFORMERS_VERSION=4.57.6
ARG ACCELERATE_VERSION=1.11.0
ARG PEFT_VERSION=0.17.1
ARG DATASETS_VERSION=4.4.1

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
test -d "${ATB_HOME_PATH:?the parent has no ATB_HOME_PATH: build it on a CANN image with nnal}"
pinned='^(torch|torch[-_]npu|torchvision|numpy)=='
constraints=/tmp/framework-constraints.txt
python -m pip freeze | grep -iE "$pinned" | sort > "$constraints"
cat "$constraints"
grep -qi '^torch[-_]npu==' "$constraints" || { echo "error: the parent image has no torch_npu" >&2; exit 1; }

pip-install --constraint "$constraints" \
    "transformers==${TRANSFORMERS_VERSION}" "accelerate==${ACCELERATE_VERSION}" \
    "peft==${PEFT_VERSION}" "datasets==${DATASETS_VERSION}"

python -m pip freeze | grep -iE "$pinned" | sort > /tmp/framework-after.txt
changed=$(comm -23 "$constraints" /tmp/framework-after.txt)
if [ -n "$changed" ]; then
    echo "error: installing moved the parent's framework packages:" $changed >&2
    exit 1
fi
rm -f "$constraints" /tmp/framework-after.txt
# Versions only: importing accelerate or peft loads torch_npu, which needs the host's driver.
python - <<'PY'
import os
from importlib.metadata import version

for name in ("transformers", "accelerate", "peft", "datasets"):
    expected = os.environ[name.upper() + "_VERSION"]
    assert version(name) == expected, (name, version(name), expected)
    print(name, version(name))
PY
rm -rf /root/.cache
EOF

USER ma-user
WORKDIR /home/ma-user
