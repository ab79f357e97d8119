"""Running the real application as a subprocess: `govlotse` on a fresh database, `govlotse serve` on a free port.

Used by the browser tests (tests/e2e) and the production-mode tests (tests/operations). The working
directory is a temporary folder, so that a developer's .env does not leak into the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def govlotse() -> str:
    exe = Path(sys.executable).with_name("govlotse")
    return str(exe) if exe.exists() else "govlotse"


def environment(folder: Path, *, database_url: str, port: int, smtp_port: int, **extra: str) -> dict[str, str]:
    """The server's environment: nothing of the caller's GOVLOTSE_ settings, JSON logs, mail to the test SMTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVLOTSE_")}
    env.update(
        GOVLOTSE_DATABASE_URL=database_url,
        GOVLOTSE_VAR_DIR=str(folder / "var"),
        GOVLOTSE_HOST="127.0.0.1",
        GOVLOTSE_PORT=str(port),
        GOVLOTSE_SECRET_KEY="test-" + os.urandom(16).hex(),
        GOVLOTSE_BASE_URL=f"http://127.0.0.1:{port}",
        GOVLOTSE_SMTP_HOST="127.0.0.1",
        GOVLOTSE_SMTP_PORT=str(smtp_port),
        GOVLOTSE_LOG_FORMAT="json",
        **extra,
    )
    return env


def load_demo(folder: Path, env: dict[str, str]) -> None:
    """Migrate and load the demo data with the real CLI."""
    for args in (["db", "upgrade"], ["demo", "load"]):
        done = subprocess.run(
            [govlotse(), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"govlotse {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@contextmanager
def serving(
    folder: Path, env: dict[str, str], *, args: tuple[str, ...] = (), ready: Callable[[], bool], timeout: float = 90
) -> Iterator[Path]:
    """`govlotse serve ARGS` until the block ends; waits until ``ready()``; yields the path of its log."""
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([govlotse(), "serve", *args], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if proc.poll() is not None:
                pytest.fail(f"govlotse serve exited with {proc.returncode}:\n{log_path.read_text()}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"govlotse serve not ready within {timeout:.0f} s:\n{log_path.read_text()}", pytrace=False)
            time.sleep(0.05)
        yield log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
