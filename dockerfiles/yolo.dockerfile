# YOLO application layer: Ultralytics and headless OpenCV on a PyTorch image (CPU or NPU).
#
# Parent: an image built from pytorch-cpu.dockerfile or pytorch-npu.dockerfile. Whatever
# torch, torch_npu, torchvision and numpy the parent has stay exactly as they are: pip runs
# with a constraints file made from `pip freeze`, and the build fails if any of them moved.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

ARG ULTRALYTICS_VERSION=8.3.253
# 4.11 is the last OpenCV that works with numpy<2 (needed on CANN 8.x)
ARG OPENCV_VERSION=4.11.0.86

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
pinned='^(torch|torch[-_]npu|torchvision|numpy)=='
constraints=/tmp/framework-constraints.txt
python -m pip freeze | grep -iE "$pinned" | sort > "$constraints"
cat "$constraints"
grep -qi '^torch==' "$constraints" || { echo "error: the parent image has no torch" >&2; exit 1; }

pip-install --constraint "$constraints" \
    "ultralytics==${ULTRALYTICS_VERSION}" "opencv-python-headless==${OPENCV_VERSION}"
# ultralytics depends on opencv-python, the GUI build (needs libGL); both provide cv2, so
# remove it and put the headless files back.
python -m pip uninstall -y opencv-python
pip-install --constraint "$constraints" --force-reinstall --no-deps \
    "opencv-python-headless==${OPENCV_VERSION}"

python -m pip freeze | grep -iE "$pinned" | sort > /tmp/framework-after.txt
changed=$(comm -23 "$constraints" /tmp/framework-after.txt)
if [ -n "$changed" ]; then
    echo "error: installing moved the parent's framework packages:" $changed >&2
    exit 1
fi
rm -f "$constraints" /tmp/framework-after.txt

# Import check, without torch_npu's backend autoload (it needs the driver) and with the
# settings Ultralytics and matplotlib write on import kept out of the layer.
check_home=$(mktemp -d)
TORCH_DEVICE_BACKEND_AUTOLOAD=0 YOLO_CONFIG_DIR="$check_home" MPLCONFIGDIR="$check_home" \
    python -c 'import cv2, ultralytics; print("opencv", cv2.__version__, "ultralytics", ultralytics.__version__)'
rm -rf "$check_home"
EOF

USER ma-user
WORKDIR /home/ma-user
