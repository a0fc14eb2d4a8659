"""Stand-ins for torch, torch_npu and torchvision, for building pytorch-npu.dockerfile without
the real wheels (torch alone is about 200 MB per platform).

Each stand-in is a pure-Python wheel under the real distribution name and version, so that
pip installs it as pytorch-npu.dockerfile asks (`torch==X`, then `torch_npu==Y --no-deps`)
and importlib.metadata reports the version. `import torch` works as far as the Dockerfile's
own check and NNAL's set_env.sh go: `torch.__version__` and `torch.compiled_with_cxx11_abi()`
(True, as torch 2.7.1's manylinux_2_28 wheels). torch_npu is never imported (it would need
the driver), and the stand-in says so if it is.

``WheelServer`` serves the wheels as a pip find-links page on 127.0.0.1 (RUN steps share
the host's network here); the build gets a pip.conf pointing at it through the pipconf
secret, which is not part of BuildKit's cache key.
"""

from __future__ import annotations

import base64
import hashlib
import html
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TORCH = "2.7.1+cpu"  # the local label of the x86 CPU build; bakegen's check ignores it
TORCH_NPU = "2.7.1"
TORCHVISION = "0.22.1"

_MODULES = {
    # torch.version.cuda is None: the CPU build, as pytorch-npu.dockerfile checks
    "torch": 'STANDIN = True\n__version__ = "{version}"\n\n\nclass version:\n    cuda = None\n\n\n'
    'def compiled_with_cxx11_abi():\n    return True\n',
    "torch_npu": 'raise ImportError("stand-in torch_npu: importing the real one needs the NPU driver")\n',
    "torchvision": '__version__ = "{version}"\n',
}


def write_wheel(folder: Path, name: str, version: str) -> Path:
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": _MODULES[module].format(version=version),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        "Summary: bakegen e2e stand-in\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: bakegen-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), text)
    return wheel


def write_wheels(folder: Path) -> list[Path]:
    return [
        write_wheel(folder, "torch", TORCH),
        write_wheel(folder, "torch_npu", TORCH_NPU),
        # the CPU build's local label: amd64 asks for torchvision==X+cpu, arm64's ==X matches it too
        write_wheel(folder, "torchvision", f"{TORCHVISION}+cpu"),
    ]


class WheelServer:
    """A find-links page of some wheels on 127.0.0.1; at most MAX_REQUESTS answers."""

    MAX_REQUESTS = 200

    def __init__(self, wheels: list[Path]):
        self.files = {wheel.name: wheel.read_bytes() for wheel in wheels}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                status, body, kind = server.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def pip_conf(self) -> str:
        """Only these wheels: what the image needs besides is installed already."""
        return f"[global]\nno-index = true\nfind-links = {self.url}\n"

    def answer(self, path: str) -> tuple[int, bytes, str]:
        self.requests.append(path)
        if len(self.requests) > self.MAX_REQUESTS:
            return 503, b"too many requests for a test\n", "text/plain"
        name = path.split("?", 1)[0].lstrip("/")
        if not name:
            links = "".join(
                f'<a href="{html.escape(f)}#sha256={hashlib.sha256(data).hexdigest()}">{html.escape(f)}</a>\n'
                for f, data in sorted(self.files.items())
            )
            return 200, f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode(), "text/html"
        from urllib.parse import unquote

        if unquote(name) in self.files:
            return 200, self.files[unquote(name)], "application/octet-stream"
        return 404, b"not found\n", "text/plain"

    def __enter__(self) -> WheelServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
