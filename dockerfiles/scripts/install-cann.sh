#!/bin/bash
# Installs CANN from its .run packages; run by cann.dockerfile, bind-mounted, never copied.
#
# Inputs (environment; the build args of cann.dockerfile):
#   CANN_VERSION   e.g. 8.2.RC1, 8.3.RC1, 8.5.0
#   CHIP           910b | 310p | a3
#   COMPONENTS     comma list: toolkit|nnae (one of them), kernels|ops, nnal
#   TARGETARCH     arm64 | amd64 (set by BuildKit)
#   PACKAGES_DIR   folder holding the .run files: the `cann-packages` named context
#   CANN_BASE_URL  optional: download a file missing from PACKAGES_DIR from
#                  ${CANN_BASE_URL}/<file name>; then the matching *_SHA256 is required
#   TOOLKIT_SHA256, NNAE_SHA256, KERNELS_SHA256 (kernels or ops), NNAL_SHA256
#                  optional for local files (checked when given), required for downloads
#   DOWNLOAD_DIR   where downloads are kept (a cache mount, never a layer)
#   ASCEND_TOOLKIT_HOME, ATB_HOME_PATH
#                  what the image's ENV will say; ASCEND_TOOLKIT_HOME is checked against
#                  the layout of the version before anything is installed, both are
#                  checked to exist after the install
#
# Install order: toolkit|nnae, then kernels|ops, then nnal after sourcing the runtime's
# set_env.sh (the toolkit's, or nnae's: hiascend's ATB docs support NNAE + NNAL for
# deployment); each `--quiet --install --install-for-all` (the image runs as ma-user).
#
# Where the toolkit goes depends on the CANN line, as the official images show
# (Ascend/cann-container-image): up to 8.3 ASCEND_TOOLKIT_HOME is
# /usr/local/Ascend/ascend-toolkit/latest; from 8.5.0 on it is /usr/local/Ascend/cann-<version>
# (ascend-toolkit/latest and ascend-toolkit/set_env.sh are kept), and the toolkit brings
# AscendNPU IR's set_env.sh (bisheng, for triton-ascend), which the entrypoint sources.
set -euo pipefail

die() {
    echo "install-cann: error: $*" >&2
    exit 1
}

: "${CANN_VERSION:?set the build arg CANN_VERSION, e.g. 8.3.RC1}"
: "${CHIP:?set the build arg CHIP: 910b, 310p or a3}"
: "${COMPONENTS:?set the build arg COMPONENTS, e.g. toolkit,kernels,nnal}"
: "${TARGETARCH:?TARGETARCH is unset: build with BuildKit}"
PACKAGES_DIR=${PACKAGES_DIR:-/tmp/cann-packages}
DOWNLOAD_DIR=${DOWNLOAD_DIR:-/var/cache/cann-downloads}
CANN_BASE_URL=${CANN_BASE_URL:-}

case "$TARGETARCH" in
    arm64) arch=aarch64 ;;
    amd64) arch=x86_64 ;;
    *) die "unsupported TARGETARCH '$TARGETARCH': CANN is built for arm64 and amd64" ;;
esac

case "$CHIP" in
    910b | 310p | a3) ;;
    *) die "unknown CHIP '$CHIP': expected 910b, 310p or a3" ;;
esac

# From 8.5.0 on the operator package is `<chip>-ops` instead of `kernels-<chip>`, and the
# toolkit goes to /usr/local/Ascend/cann-<version>.
[[ "$CANN_VERSION" =~ ^([0-9]+)\.([0-9]+)\. ]] ||
    die "CANN_VERSION '$CANN_VERSION' does not look like 8.3.RC1 or 8.5.0"
major=${BASH_REMATCH[1]}
minor=${BASH_REMATCH[2]}
if ((major > 8 || (major == 8 && minor >= 5))); then
    ops_naming=ops
    toolkit_home=/usr/local/Ascend/cann-$CANN_VERSION
    bisheng_env=$toolkit_home/share/info/ascendnpu-ir/bin/set_env.sh
else
    ops_naming=kernels
    toolkit_home=/usr/local/Ascend/ascend-toolkit/latest
    bisheng_env=""
fi

base="" operators="" nnal=""
IFS=, read -r -a requested <<<"$COMPONENTS"
for component in "${requested[@]}"; do
    component=${component//[[:space:]]/}
    case "$component" in
        toolkit | nnae)
            [ -z "$base" ] || die "COMPONENTS '$COMPONENTS' names both $base and $component; pick one"
            base=$component
            ;;
        kernels | ops)
            [ -z "$operators" ] || die "COMPONENTS '$COMPONENTS' names the operator package twice"
            operators=$component
            ;;
        nnal) nnal=nnal ;;
        "") ;;
        *) die "unknown component '$component' in COMPONENTS '$COMPONENTS': expected toolkit|nnae, kernels|ops, nnal" ;;
    esac
done
[ -n "$base" ] || die "COMPONENTS '$COMPONENTS' needs toolkit or nnae"
# NNAL is installed against the runtime's environment.
if [ "$base" = toolkit ]; then
    runtime_env=/usr/local/Ascend/ascend-toolkit/set_env.sh
    expected_home=$toolkit_home
else
    runtime_env=/usr/local/Ascend/nnae/set_env.sh
    expected_home=/usr/local/Ascend/nnae/latest
fi
# The image's ENV says ASCEND_TOOLKIT_HOME; say now, not after the install, if it is not where
# this version puts the runtime.
if [ -n "${ASCEND_TOOLKIT_HOME:-}" ] && [ "$ASCEND_TOOLKIT_HOME" != "$expected_home" ]; then
    die "CANN $CANN_VERSION puts its $base in $expected_home, but the build arg ASCEND_TOOLKIT_HOME" \
        "is $ASCEND_TOOLKIT_HOME: set ASCEND_TOOLKIT_HOME=$expected_home"
fi
if [ -n "$operators" ] && [ "$operators" != "$ops_naming" ]; then
    echo "install-cann: note: CANN $CANN_VERSION calls the operator package '$ops_naming'; installing that for '$operators'"
fi

file_for() {
    case "$1" in
        toolkit | nnae) echo "Ascend-cann-${1}_${CANN_VERSION}_linux-${arch}.run" ;;
        nnal) echo "Ascend-cann-nnal_${CANN_VERSION}_linux-${arch}.run" ;;
        operators)
            if [ "$ops_naming" = ops ]; then
                if [ "$CHIP" = a3 ]; then
                    echo "Ascend-cann-A3-ops_${CANN_VERSION}_linux-${arch}.run"
                else
                    echo "Ascend-cann-${CHIP}-ops_${CANN_VERSION}_linux-${arch}.run"
                fi
            elif [ "$CHIP" = a3 ]; then
                echo "Atlas-A3-cann-kernels_${CANN_VERSION}_linux-${arch}.run"
            else
                echo "Ascend-cann-kernels-${CHIP}_${CANN_VERSION}_linux-${arch}.run"
            fi
            ;;
    esac
}

sha256_for() {
    case "$1" in
        toolkit) echo "${TOOLKIT_SHA256:-}" ;;
        nnae) echo "${NNAE_SHA256:-}" ;;
        operators) echo "${KERNELS_SHA256:-}" ;;
        nnal) echo "${NNAL_SHA256:-}" ;;
    esac
}

check_sha256() { # file expected
    echo "$2  $1" | sha256sum --check --status ||
        die "$(basename "$1"): sha256 $(sha256sum "$1" | cut -d' ' -f1), expected $2"
}

download() { # name expected-sha256 -> path
    local name=$1 expected=$2 dest
    [ -n "$expected" ] ||
        die "$name is not in the cann-packages context; downloading it from CANN_BASE_URL needs its *_SHA256 build arg"
    mkdir -p "$DOWNLOAD_DIR"
    dest="$DOWNLOAD_DIR/$name"
    if [ -f "$dest" ] && echo "$expected  $dest" | sha256sum --check --status; then
        echo "$dest"
        return
    fi
    local cacert=()
    if [ -s /run/secrets/cacert ]; then cacert=(--cacert /run/secrets/cacert); fi
    # Huawei's download bucket answers only requests that come from its download page.
    curl -fL --retry 3 --silent --show-error "${cacert[@]}" \
        -H "Referer: https://www.hiascend.com/" \
        -o "$dest.part" "${CANN_BASE_URL%/}/$name" >&2
    mv "$dest.part" "$dest"
    check_sha256 "$dest" "$expected"
    echo "$dest"
}

# Resolve every package before installing any, so that all missing files are named at once.
order=("$base")
[ -z "$operators" ] || order+=(operators)
[ -z "$nnal" ] || order+=(nnal)
declare -A path
missing=()
for component in "${order[@]}"; do
    name=$(file_for "$component")
    expected=$(sha256_for "$component")
    if [ -f "$PACKAGES_DIR/$name" ]; then
        [ -z "$expected" ] || check_sha256 "$PACKAGES_DIR/$name" "$expected"
        path[$component]="$PACKAGES_DIR/$name"
    elif [ -n "$CANN_BASE_URL" ]; then
        path[$component]=$(download "$name" "$expected")
    else
        missing+=("$name")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    {
        echo "install-cann: error: CANN $CANN_VERSION for $CHIP/$arch needs these files in the"
        echo "'cann-packages' build context (the folder that images.yaml gives as"
        echo "contexts.cann-packages, e.g. packages/cann/$CANN_VERSION/):"
        printf '  %s\n' "${missing[@]}"
        echo "Download them from https://www.hiascend.com/developer/download/community/result?module=cann"
        echo "or set CANN_BASE_URL and the *_SHA256 build args."
    } >&2
    exit 1
fi

# The installers unpack several GB; keep that out of /tmp and remove it afterwards.
export TMPDIR=/var/tmp/cann-install
mkdir -p "$TMPDIR"

install_package() {
    echo "install-cann: installing $(basename "$1")"
    bash "$1" --quiet --install --install-for-all
}

install_package "${path[$base]}"
[ -z "$operators" ] || install_package "${path[operators]}"
if [ -n "$nnal" ]; then
    [ -f "$runtime_env" ] || die "$base installed no $runtime_env, which NNAL's installer needs sourced"
    # set_env.sh is written for interactive shells.
    set +eu
    # shellcheck disable=SC1090
    . "$runtime_env"
    set -eu
    install_package "${path[nnal]}"
fi

rm -rf "$TMPDIR" /root/.cache

# The image's ENV points at these; fail now rather than at the first run on an NPU.
if [ -n "${ASCEND_TOOLKIT_HOME:-}" ] && [ ! -e "$ASCEND_TOOLKIT_HOME" ]; then
    die "ASCEND_TOOLKIT_HOME=$ASCEND_TOOLKIT_HOME does not exist after installing $base"
fi
if [ "$base" = toolkit ] && [ -n "$bisheng_env" ] && [ ! -f "$bisheng_env" ]; then
    die "the CANN $CANN_VERSION toolkit installed no $bisheng_env (AscendNPU IR), which the entrypoint sources"
fi
if [ -n "$nnal" ] && [ -n "${ATB_HOME_PATH:-}" ] && [ ! -d "$ATB_HOME_PATH" ]; then
    die "ATB_HOME_PATH=$ATB_HOME_PATH does not exist after installing nnal; available:" \
        "$(find /usr/local/Ascend/nnal/atb/latest/atb/ -maxdepth 1 -name 'cxx_abi_*' 2>/dev/null | tr '\n' ' ')" \
        "(set the build arg ATB_CXX_ABI)"
fi
echo "install-cann: CANN $CANN_VERSION ($COMPONENTS) for $CHIP/$arch installed"
