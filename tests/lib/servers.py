"""Helpers shared by the Python tests: free loopback ports and waiting for a
server to listen."""
import os
import shutil
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, timeout=10, proc=None):
    """True once 127.0.0.1:port accepts connections; False on timeout or
    when @proc exits first."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def _sockets_on(port):
    """'state inode' of every IPv4 TCP socket bound to 127.0.0.1:@port or
    0.0.0.0:@port (/proc/net/tcp; 0A is LISTEN)."""
    found = []
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                addr, hexport = fields[1].split(":")
                if int(hexport, 16) == port and addr in ("0100007F", "00000000"):
                    found.append("%s inode %s" % (fields[3], fields[9]))
    except OSError as e:
        found.append(str(e))
    return found


def _inodes_of(pid):
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        pass
    return inodes


def why_not_listening(proc, port):
    """What a server that did not come to listen on 127.0.0.1:@port was
    doing: its exit status, or its threads (state, kernel wait channel)
    and, when gdb is installed, their stacks; and which sockets hold the
    port. For a failure message: a start that hangs once in hundreds of
    runs is explained by the run that hit it. A process still alive is
    killed after the look (a hung one would outlive the test)."""
    lines = ["sockets on port %d: %s" % (port, _sockets_on(port) or "none")]
    if proc.poll() is not None:
        lines.append("exited with status %d" % proc.returncode)
        return "\n".join(lines)
    try:
        _describe_alive(proc, lines)
    finally:
        proc.kill()
        proc.wait()
    return "\n".join(lines)


def _describe_alive(proc, lines):
    """@proc's sockets and threads (and their stacks) appended to @lines."""
    lines.append("pid %d alive; its sockets: %s"
                 % (proc.pid, sorted(_inodes_of(proc.pid)) or "none"))
    try:
        for tid in sorted(os.listdir("/proc/%d/task" % proc.pid), key=int):
            base = "/proc/%d/task/%s/" % (proc.pid, tid)
            with open(base + "stat") as f:
                stat = f.read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            state = stat[stat.rindex(")") + 2]
            with open(base + "wchan") as f:
                wchan = f.read().strip()
            lines.append("thread %s %s: %s %s" % (tid, name, state, wchan))
    except (OSError, ValueError) as e:
        lines.append("threads: %s" % e)
    if shutil.which("gdb"):
        try:
            out = subprocess.run(
                ["gdb", "-p", str(proc.pid), "-batch", "-nx",
                 "-ex", "thread apply all bt 30"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                timeout=60).stdout
            lines += [l for l in out.splitlines()
                      if l.startswith(("Thread ", "#"))]
        except (OSError, subprocess.TimeoutExpired) as e:
            lines.append("gdb: %s" % e)


def stop_server(proc, timeout=20):
    """SIGINT (gst-launch-1.0 -e sends EOS and stops), then its output."""
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out
