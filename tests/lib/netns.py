"""A private network namespace for the aiortc tests: aiortc never gathers
loopback, so the test re-runs itself under `unshare -n` with a veth pair of
its own (tnet0/tnet1, 10.201.0.1-2/24; libnice ignores veth* names, so not
those). Nothing leaves the namespace."""
import os
import subprocess
import sys

SKIP = 77  # meson's "skipped"
SERVER_ADDRESS = "10.201.0.1"


def set_up():
    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "link", "add", "tnet0", "type", "veth", "peer", "name", "tnet1"],
                ["ip", "addr", "add", "10.201.0.1/24", "dev", "tnet0"],
                ["ip", "addr", "add", "10.201.0.2/24", "dev", "tnet1"],
                ["ip", "link", "set", "tnet0", "up"],
                ["ip", "link", "set", "tnet1", "up"]):
        subprocess.run(cmd, check=True)


def run_inside(script, body):
    """Runs body() (returning an exit status) inside a fresh namespace:
    @script re-executes itself there, with the same arguments after
    "--inside" (removed from sys.argv there before body() runs). Exits with
    body's status, or 77 when not root."""
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        del sys.argv[1]
        set_up()
        sys.exit(body())
    if os.geteuid() != 0:
        print("needs root for a private network namespace")
        sys.exit(SKIP)
    sys.exit(subprocess.run(["unshare", "-n", sys.executable, script, "--inside"]
                            + sys.argv[1:]).returncode)
