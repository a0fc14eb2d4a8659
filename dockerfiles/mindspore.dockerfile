# MindSpore layer: Huawei's MindSpore framework on a CANN image, for Ascend NPUs.
#
# Parent: an image built from cann.dockerfile. MINDSPORE_VERSION must be a MindSpore release
# for the parent's CANN (MindSpore's version list, e.g. 2.7.2 for CANN 8.5.0; `bakegen check`
# knows the pairs: the mindspore section of bakegen's compatibility table). The PyPI wheel
# serves CPU and Ascend; on Ascend it uses the CANN Python packages on the image's PYTHONPATH
# and needs numpy < 2, which the CANN layer installed: numpy is held at the parent's version.
# Running MindSpore needs the host's driver, so the build checks the version only.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

ARG MINDSPORE_VERSION

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# mindspore joins runtime-pip's pinned list: packages installed when a container starts may
# not replace it.
RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
: "${MINDSPORE_VERSION:?set the build arg MINDSPORE_VERSION}"
test -d "${ASCEND_TOOLKIT_HOME:?the parent has no ASCEND_TOOLKIT_HOME: build it on a CANN image}"
constraints=/tmp/numpy-constraint.txt
python -m pip freeze | grep -i '^numpy==' > "$constraints"
pip-install --constraint "$constraints" "mindspore==${MINDSPORE_VERSION}"
python -c 'import os; from importlib.metadata import version; assert version("mindspore") == os.environ["MINDSPORE_VERSION"], version("mindspore"); print("mindspore", version("mindspore"), "numpy", version("numpy"))'
rm -f "$constraints"
printf '%s\n' "# MindSpore, as mindspore.dockerfile installed it." mindspore > /etc/runtime-pip/pinned.d/15-mindspore
rm -rf /root/.cache
EOF

USER ma-user
WORKDIR /home/ma-user
