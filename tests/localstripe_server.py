"""localstripe (a fake Stripe API) on loopback, for the payment adapter tests.

localstripe has no flags for its address or its state file: run as it is, it listens on all
interfaces at a fixed port and pickles its state to /tmp/localstripe.pickle, which would
expose it to the network and mix the state of parallel test workers. So it is started from a
few lines of Python in a subprocess: its aiohttp app on 127.0.0.1, on a port the OS picks,
with its pickle in the caller's directory. Each xdist worker starts its own."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx

# Run in the subprocess: argv[1] is the working directory. The socket is bound (port 0: any
# free one) and listening before its port is written, so the parent never races for a port.
_SERVER = """
import os, pickle, socket, sys, threading
from pathlib import Path
from aiohttp import web
from localstripe import resources, server

# Stop when the test process goes, even killed: its end of our stdin closes.
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
work = Path(sys.argv[1])

def dump_to_disk(store):
    with open(work / "localstripe.pickle", "wb") as f:
        pickle.dump(store, f, protocol=pickle.HIGHEST_PROTOCOL)

resources.Store.dump_to_disk = dump_to_disk
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind(("127.0.0.1", 0))
sock.listen(128)
(work / "port.tmp").write_text(str(sock.getsockname()[1]))
(work / "port.tmp").rename(work / "port")
web.run_app(server.app, sock=sock, print=None, access_log=None)
"""

PUBLISHABLE_KEY = "pk_test_stadtkern"  # localstripe takes any pk_/sk_ key
SECRET_KEY = "sk_test_stadtkern"


@contextlib.contextmanager
def running_localstripe(work: Path, *, timeout: float = 20.0) -> Iterator[str]:
    """localstripe's base URL (http://127.0.0.1:PORT) while the block runs; stopped after."""
    log = (work / "localstripe.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVER, str(work)],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = _wait_until_answering(process, work, timeout)
        yield url
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_answering(process: subprocess.Popen[bytes], work: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    port_file = work / "port"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"localstripe exited ({process.returncode}): "
                f"{(work / 'localstripe.log').read_text(errors='replace')[-2000:]}"
            )
        if port_file.exists():
            url = f"http://127.0.0.1:{port_file.read_text().strip()}"
            try:  # the one route that needs no key: the fake Stripe.js
                with urllib.request.urlopen(f"{url}/js.stripe.com/v3/", timeout=2):
                    return url
            except (urllib.error.URLError, OSError):
                pass
        time.sleep(0.05)
    raise RuntimeError(f"localstripe did not answer within {timeout} s")


async def confirm_setup_as_stripe_js(
    api_base: str, setup_intent_id: str, client_secret: str, card_number: str
) -> dict:
    """What Stripe.js's confirmCardSetup sends from the backer's browser: the card's data,
    the SetupIntent's client secret and the publishable key (never the secret key). Returns
    the SetupIntent as answered; raises httpx.HTTPStatusError when it is refused."""
    form = {
        "key": PUBLISHABLE_KEY,
        "client_secret": client_secret,
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": card_number,
        "payment_method_data[card][exp_month]": "12",
        "payment_method_data[card][exp_year]": "2034",
        "payment_method_data[card][cvc]": "123",
    }
    async with httpx.AsyncClient(base_url=api_base, timeout=10) as http:
        answer = await http.post(f"/v1/setup_intents/{setup_intent_id}/confirm", data=form)
    answer.raise_for_status()
    return answer.json()
