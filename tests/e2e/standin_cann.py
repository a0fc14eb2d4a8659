"""Stand-ins for the CANN `.run` installers, for building cann.dockerfile without Huawei's
multi-gigabyte packages.

Each stand-in is a small bash script under the real file name (install-cann.sh picks the
file by name, as it would the real one). It behaves like the real installer where the
image depends on it:

- it accepts exactly the options install-cann.sh passes (`--quiet --install
  --install-for-all`) and refuses any other with exit 1; without `--quiet` it stops, as the
  real one waits for the licence agreement; without `--install-for-all` the installed files
  are for root only, as with the real one, so a ma-user container could not read them;
- it refuses a machine of the other architecture (`uname -m`);
- it writes the layout of its CANN line:
  - up to 8.3, the toolkit goes to /usr/local/Ascend/ascend-toolkit/<VER> with `latest`, and
    its set_env.sh to /usr/local/Ascend/ascend-toolkit/set_env.sh;
  - from 8.5.0 on (Ascend/cann-container-image, cann/8.5.0-*: ASCEND_TOOLKIT_HOME is
    /usr/local/Ascend/cann-8.5.0, ascend-toolkit/latest and ascend-toolkit/set_env.sh are
    still there; hiascend's 8.5.0 install guide sources /usr/local/Ascend/cann/set_env.sh),
    the toolkit goes to /usr/local/Ascend/cann-<VER>, with `cann` and `ascend-toolkit/latest`
    as links to it and set_env.sh in both places, plus AscendNPU IR's
    `share/info/ascendnpu-ir/bin/set_env.sh` (bisheng, which triton-ascend compiles with)
    and `tools/bishengir/bin/bishengir-compile`;
  - the runtime-only nnae goes to /usr/local/Ascend/nnae/<VER> with `latest` and
    /usr/local/Ascend/nnae/set_env.sh; the stand-in gives it the toolkit's folders (it does
    not know which development folders the real one leaves out);
  - inside a runtime: `bin`, `lib64` (a link to `<arch>-linux/lib64`),
    `python/site-packages`, `opp`, `compiler/ccec_compiler/bin`, `tools/...`, `toolkit`;
  - the operator package (kernels up to 8.3, ops from 8.5.0) goes into the runtime's `opp`
    and needs a toolkit or nnae of the same version;
  - NNAL goes to /usr/local/Ascend/nnal/atb/<VER>/atb/cxx_abi_{0,1}/{lib,bin} with `latest`
    and the `set_env.sh` scripts, and fails like the real one when no runtime (toolkit or
    nnae, as hiascend's ATB docs allow) is installed, or its set_env.sh was not sourced
    (ASCEND_HOME_PATH unset), or it is of another version;
- the set_env.sh scripts are written like the real ones (they expand LD_LIBRARY_PATH and
  PYTHONPATH unguarded, so they fail under `set -u`; NNAL's takes `--cxx_abi=0|1` and
  otherwise picks the ATB build from torch's C++ ABI, 1 without torch) and each exports a
  marker that only it sets: TOOLKIT_ENV_MARKER, NNAE_ENV_MARKER, BISHENG_ENV_MARKER and
  NNAL_ENV_MARKER (whose value ends in the ATB build it chose, `cxx_abi_N`).

Binaries are placeholder files, except `atc`, `ccec` and `bishengir-compile`, tiny scripts
that print the version and architecture they were installed for, and the Python package
`tbe`, which tells the same; tests use them to see PATH and PYTHONPATH reach the installed
files.
"""

from __future__ import annotations

import re
from pathlib import Path

TOOLKIT_ENV_MARKER = "BAKEGEN_STANDIN_TOOLKIT_SET_ENV"
NNAE_ENV_MARKER = "BAKEGEN_STANDIN_NNAE_SET_ENV"
BISHENG_ENV_MARKER = "BAKEGEN_STANDIN_BISHENG_SET_ENV"
NNAL_ENV_MARKER = "BAKEGEN_STANDIN_NNAL_SET_ENV"
ARCHES = ("aarch64", "x86_64")
DEFAULT_COMPONENTS = ("toolkit", "kernels", "nnal")

_INSTALLER = r"""#!/bin/bash
# Stand-in for @FILE@, written by bakegen's end-to-end tests
# (tests/e2e/standin_cann.py). Not CANN: the options, checks, directory layout and
# set_env.sh scripts of the real installer, with placeholder files for its binaries.
set -euo pipefail

COMPONENT=@COMPONENT@
VERSION=@VERSION@
ARCH=@ARCH@
CHIP=@CHIP@
FILE=@FILE@
# "versioned" from CANN 8.5.0 on (/usr/local/Ascend/cann-<VER>), "toolkit" before
LAYOUT=@LAYOUT@
ASCEND=/usr/local/Ascend
TOOLKIT=$ASCEND/ascend-toolkit
NNAE=$ASCEND/nnae
NNAL=$ASCEND/nnal/atb

die() {
    echo "[$FILE] [ERROR] $*" >&2
    exit 1
}

quiet=false install=false for_all=false
for arg in "$@"; do
    case "$arg" in
        --quiet) quiet=true ;;
        --install) install=true ;;
        --install-for-all) for_all=true ;;
        *) die "unknown option '$arg' (this stand-in accepts --quiet, --install, --install-for-all)" ;;
    esac
done
$install || die "no operation given: pass --install"
$quiet || die "without --quiet the installer asks to accept the license agreement; a build cannot answer"
[ "$(id -u)" = 0 ] || die "installing to $ASCEND needs root"
machine=$(uname -m)
[ "$machine" = "$ARCH" ] || die "this package is for $ARCH, the machine is $machine"

placeholder() { # path text
    mkdir -p "$(dirname "$1")"
    printf 'stand-in: %s (CANN %s, %s)\n' "$2" "$VERSION" "$ARCH" >"$1"
}

# --install-for-all: other users (ma-user) may read and run the files; otherwise root only.
permissions() { # path...
    if $for_all; then
        chmod -R u+rwX,go+rX,go-w "$@"
    else
        chmod -R go-rwx "$@"
    fi
}

toolkit_home() {
    if [ "$LAYOUT" = versioned ]; then echo "$ASCEND/cann-$VERSION"; else echo "$TOOLKIT/$VERSION"; fi
}

runtime_version() { # runtime home -> version of the toolkit or nnae installed there, or nothing
    local info
    for info in "$1/$ARCH-linux/ascend_toolkit_install.info" "$1/$ARCH-linux/ascend_nnae_install.info"; do
        if [ -f "$info" ]; then
            sed -n 's/^version=//p' "$info"
            return
        fi
    done
}

# The runtime folders: what set_env.sh and the image's ENV point at.
write_runtime() { # home package-name
    local home=$1
    mkdir -p "$home/$ARCH-linux/lib64/plugin/opskernel" "$home/$ARCH-linux/lib64/plugin/nnengine" \
        "$home/opp/built-in/op_impl/ai_core/tbe/op_tiling" "$home/opp/vendors" \
        "$home/tools/aml/lib64/plugin" "$home/tools/ccec_compiler/bin" "$home/toolkit"
    ln -s "$ARCH-linux/lib64" "$home/lib64"
    placeholder "$home/$ARCH-linux/lib64/libascendcl.so" libascendcl.so
    placeholder "$home/$ARCH-linux/lib64/plugin/opskernel/libfe.so" libfe.so
    placeholder "$home/opp/built-in/op_impl/ai_core/tbe/op_tiling/liboptiling.so" liboptiling.so
    placeholder "$home/tools/aml/lib64/libaml.so" libaml.so
    printf 'Version=%s\n' "$VERSION" >"$home/opp/version.info"
    printf 'Version=%s\n' "$VERSION" >"$home/toolkit/version.info"
    mkdir -p "$home/bin" "$home/compiler/ccec_compiler/bin" "$home/python/site-packages/tbe"
    printf '#!/bin/sh\necho "atc stand-in %s %s"\n' "$VERSION" "$ARCH" >"$home/bin/atc"
    printf '#!/bin/sh\necho "ccec stand-in %s %s"\n' "$VERSION" "$ARCH" >"$home/compiler/ccec_compiler/bin/ccec"
    chmod 0755 "$home/bin/atc" "$home/compiler/ccec_compiler/bin/ccec"
    printf 'VERSION = "%s"\nARCH = "%s"\n' "$VERSION" "$ARCH" >"$home/python/site-packages/tbe/__init__.py"
    printf 'package_name=%s\nversion=%s\narch=%s\ninstall_path=%s\n' \
        "$2" "$VERSION" "$ARCH" "$(dirname "$home")" >"$home/$ARCH-linux/ascend_${COMPONENT}_install.info"
}

# set_env.sh of a runtime whose home (ASCEND_TOOLKIT_HOME) is $2; extra export lines in $3.
write_set_env() { # file home extra marker-name
    cat >"$1" <<SETENV
# CANN $COMPONENT environment (stand-in of $FILE)
export LD_LIBRARY_PATH=$ASCEND/driver/lib64:$ASCEND/driver/lib64/common:$ASCEND/driver/lib64/driver:\$LD_LIBRARY_PATH
export ASCEND_TOOLKIT_HOME=$2
$3
export LD_LIBRARY_PATH=\${ASCEND_TOOLKIT_HOME}/lib64:\${ASCEND_TOOLKIT_HOME}/lib64/plugin/opskernel:\${ASCEND_TOOLKIT_HOME}/lib64/plugin/nnengine:\${ASCEND_TOOLKIT_HOME}/opp/built-in/op_impl/ai_core/tbe/op_tiling:\$LD_LIBRARY_PATH
export LD_LIBRARY_PATH=\${ASCEND_TOOLKIT_HOME}/tools/aml/lib64:\${ASCEND_TOOLKIT_HOME}/tools/aml/lib64/plugin:\$LD_LIBRARY_PATH
export PYTHONPATH=\${ASCEND_TOOLKIT_HOME}/python/site-packages:\${ASCEND_TOOLKIT_HOME}/opp/built-in/op_impl/ai_core/tbe:\$PYTHONPATH
export PATH=\${ASCEND_TOOLKIT_HOME}/bin:\${ASCEND_TOOLKIT_HOME}/compiler/ccec_compiler/bin:\${ASCEND_TOOLKIT_HOME}/tools/ccec_compiler/bin:\$PATH
export ASCEND_AICPU_PATH=\${ASCEND_TOOLKIT_HOME}
export ASCEND_OPP_PATH=\${ASCEND_TOOLKIT_HOME}/opp
export TOOLCHAIN_HOME=\${ASCEND_TOOLKIT_HOME}/toolkit
export ASCEND_HOME_PATH=\${ASCEND_TOOLKIT_HOME}
export $4=$VERSION
SETENV
}

install_toolkit() {
    local home
    home=$(toolkit_home)
    [ ! -e "$home" ] || die "CANN toolkit $VERSION is already installed in $home"
    write_runtime "$home" Ascend-cann-toolkit
    mkdir -p "$TOOLKIT"
    if [ "$LAYOUT" = versioned ]; then
        ln -sfn "../cann-$VERSION" "$TOOLKIT/latest"
        ln -sfn "cann-$VERSION" "$ASCEND/cann"
        write_set_env "$home/set_env.sh" "$home" \
            "export ASCEND_TOOLKIT_LATEST_HOME=$TOOLKIT/latest" "@TOOLKIT_MARKER@"
        cp "$home/set_env.sh" "$TOOLKIT/set_env.sh"
        # AscendNPU IR: bisheng, sourced on its own (the official images source it after the
        # toolkit's set_env.sh).
        local bisheng=$home/tools/bishengir/bin
        mkdir -p "$bisheng" "$home/share/info/ascendnpu-ir/bin"
        printf '#!/bin/sh\necho "bishengir-compile stand-in %s %s"\n' "$VERSION" "$ARCH" >"$bisheng/bishengir-compile"
        chmod 0755 "$bisheng/bishengir-compile"
        cat >"$home/share/info/ascendnpu-ir/bin/set_env.sh" <<SETENV
# AscendNPU IR (bisheng) environment (stand-in of $FILE)
export PATH=$bisheng:\$PATH
export @BISHENG_MARKER@=$VERSION
SETENV
    else
        ln -sfn "$VERSION" "$TOOLKIT/latest"
        write_set_env "$TOOLKIT/set_env.sh" "$TOOLKIT/latest" "" "@TOOLKIT_MARKER@"
    fi
    permissions "$home" "$TOOLKIT"
}

install_nnae() {
    local home=$NNAE/$VERSION
    [ ! -e "$home" ] || die "CANN nnae $VERSION is already installed in $home"
    write_runtime "$home" Ascend-cann-nnae
    ln -sfn "$VERSION" "$NNAE/latest"
    write_set_env "$NNAE/set_env.sh" "$NNAE/latest" "" "@NNAE_MARKER@"
    permissions "$NNAE"
}

install_kernels() {
    local home="" candidate found
    for candidate in "$(toolkit_home)" "$NNAE/$VERSION"; do
        found=$(runtime_version "$candidate")
        if [ -n "$found" ]; then home=$candidate; break; fi
    done
    [ -n "$home" ] ||
        die "no CANN toolkit or nnae $VERSION is installed: install Ascend-cann-toolkit_${VERSION}_linux-$ARCH.run first"
    [ "$found" = "$VERSION" ] || die "these operators are for CANN $VERSION, the runtime is $found"
    local kernel=$home/opp/built-in/op_impl/ai_core/tbe/kernel
    placeholder "$kernel/ascend$CHIP/standin_kernel.o" "operator kernels for $CHIP"
    placeholder "$kernel/config/ascend$CHIP/binary_info_config.json" "kernel config for $CHIP"
    printf 'package_name=%s\nversion=%s\narch=%s\n' "${FILE%%_*}" "$VERSION" "$ARCH" \
        >"$home/$ARCH-linux/ascend_kernels_install.info"
    permissions "$kernel" "$home/$ARCH-linux/ascend_kernels_install.info"
}

install_nnal() {
    [ -f "$TOOLKIT/set_env.sh" ] || [ -f "$NNAE/set_env.sh" ] ||
        die "no CANN toolkit or nnae in $ASCEND: install one first and source its set_env.sh"
    [ -n "${ASCEND_HOME_PATH:-}" ] ||
        die "ASCEND_HOME_PATH is not set: source $TOOLKIT/set_env.sh (or $NNAE/set_env.sh) before installing NNAL"
    local found
    found=$(runtime_version "$ASCEND_HOME_PATH")
    [ -n "$found" ] || die "ASCEND_HOME_PATH=$ASCEND_HOME_PATH holds no CANN toolkit or nnae"
    [ "$found" = "$VERSION" ] || die "NNAL $VERSION needs CANN $VERSION, ASCEND_HOME_PATH has $found"
    local home=$NNAL/$VERSION/atb
    [ ! -e "$NNAL/$VERSION" ] || die "NNAL $VERSION is already installed in $NNAL/$VERSION"
    local abi
    for abi in 0 1; do
        placeholder "$home/cxx_abi_$abi/lib/libatb.so" "libatb.so, C++ ABI $abi"
        mkdir -p "$home/cxx_abi_$abi/bin"
        printf '#!/bin/sh\necho "atb stand-in %s %s cxx_abi_%s"\n' "$VERSION" "$ARCH" "$abi" \
            >"$home/cxx_abi_$abi/bin/atb-info"
        chmod 0755 "$home/cxx_abi_$abi/bin/atb-info"
    done
    # As the real one: --cxx_abi=0|1 chooses the ATB build; without it, the C++ ABI of the
    # installed torch (1 without torch).
    cat >"$home/set_env.sh" <<'SETENV'
# NNAL/ATB environment (stand-in)
cxx_abi=""
for option in "$@"; do
    case "$option" in
        --cxx_abi=0) cxx_abi=0 ;;
        --cxx_abi=1) cxx_abi=1 ;;
    esac
done
if [[ -z "$cxx_abi" ]]; then
    if ! python3 -c "import torch" >/dev/null 2>&1; then
        cxx_abi=1
    elif [[ $(python3 -c 'import torch; print(torch.compiled_with_cxx11_abi())') == "True" ]]; then
        cxx_abi=1
    else
        cxx_abi=0
    fi
fi
atb_path=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ATB_HOME_PATH="${atb_path}/cxx_abi_${cxx_abi}"
export LD_LIBRARY_PATH=$ATB_HOME_PATH/lib:$LD_LIBRARY_PATH
export PATH=$ATB_HOME_PATH/bin:$PATH
export ATB_STREAM_SYNC_EVERY_KERNEL_ENABLE=0
export ATB_OPSRUNNER_KERNEL_CACHE_GLOABL_COUNT=5
export LCCL_DETERMINISTIC=0
SETENV
    printf 'export %s="%s cxx_abi_${cxx_abi}"\n' "@NNAL_MARKER@" "$VERSION" >>"$home/set_env.sh"
    ln -sfn "$VERSION" "$NNAL/latest"
    cat >"$NNAL/set_env.sh" <<SETENV
# NNAL environment (stand-in of $FILE): the ATB of the installed version
. $NNAL/latest/atb/set_env.sh "\$@"
SETENV
    permissions "$NNAL"
}

echo "[$FILE] installing $COMPONENT $VERSION for $ARCH (stand-in)"
"install_$COMPONENT"
echo "[$FILE] $COMPONENT $VERSION installed (stand-in)"
"""


def versioned_layout(version: str) -> bool:
    """CANN 8.5.0 and later install into /usr/local/Ascend/cann-<version> and name their
    operator package `<chip>-ops` instead of `kernels-<chip>`."""
    match = re.match(r"(\d+)\.(\d+)\.", version)
    if not match:
        raise ValueError(f"CANN version {version!r} does not look like 8.3.RC1 or 8.5.0")
    major, minor = int(match.group(1)), int(match.group(2))
    return (major, minor) >= (8, 5)


def package_files(version: str, chip: str, arch: str) -> dict[str, str]:
    """component -> real .run file name, as install-cann.sh looks for it. The operator
    package is the component `kernels` here, whatever its line calls it."""
    if versioned_layout(version):
        ops_chip = "A3" if chip == "a3" else chip
        operators = f"Ascend-cann-{ops_chip}-ops_{version}_linux-{arch}.run"
    elif chip == "a3":
        operators = f"Atlas-A3-cann-kernels_{version}_linux-{arch}.run"
    else:
        operators = f"Ascend-cann-kernels-{chip}_{version}_linux-{arch}.run"
    return {
        "toolkit": f"Ascend-cann-toolkit_{version}_linux-{arch}.run",
        "nnae": f"Ascend-cann-nnae_{version}_linux-{arch}.run",
        "kernels": operators,
        "nnal": f"Ascend-cann-nnal_{version}_linux-{arch}.run",
    }


def installer(component: str, *, version: str, chip: str, arch: str) -> str:
    name = package_files(version, chip, arch)[component]
    text = _INSTALLER
    for key, value in {
        "@COMPONENT@": component,
        "@VERSION@": version,
        "@ARCH@": arch,
        "@CHIP@": chip,
        "@FILE@": name,
        "@LAYOUT@": "versioned" if versioned_layout(version) else "toolkit",
        "@TOOLKIT_MARKER@": TOOLKIT_ENV_MARKER,
        "@NNAE_MARKER@": NNAE_ENV_MARKER,
        "@BISHENG_MARKER@": BISHENG_ENV_MARKER,
        "@NNAL_MARKER@": NNAL_ENV_MARKER,
    }.items():
        text = text.replace(key, value)
    return text


def write_packages(
    folder: Path, *, version: str, chip: str, arches=ARCHES, components=DEFAULT_COMPONENTS
) -> list[Path]:
    """The stand-in .run files of the given components (toolkit, nnae, kernels, nnal) for
    every architecture in folder."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for arch in arches:
        files = package_files(version, chip, arch)
        for component in components:
            path = folder / files[component]
            path.write_text(installer(component, version=version, chip=chip, arch=arch), encoding="utf-8")
            path.chmod(0o755)
            written.append(path)
    return written
