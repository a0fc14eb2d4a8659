# ModelArts variant of the official vllm-ascend image: adds the ModelArts user.
#
# Parent: quay.io/ascend/vllm-ascend:<tag> (external; CANN, torch_npu and vLLM come with it).
# Its ENTRYPOINT, which sources the CANN environment, is kept. VLLM_ASCEND_VERSION only
# labels the image; the parent's tag decides what is inside.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

ARG VLLM_ASCEND_VERSION=""
LABEL com.huawei.ascend.vllm-ascend.version="${VLLM_ASCEND_VERSION}"

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN --mount=type=bind,source=dockerfiles/scripts/add-ma-user.sh,target=/tmp/add-ma-user.sh \
    sh /tmp/add-ma-user.sh

# Model downloads and compile caches go to ma-user's home (~/.cache).
USER ma-user
WORKDIR /home/ma-user
