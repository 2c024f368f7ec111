"""The server's HTTP side as the Python tests ask it: one request, the
error code of a refusal, /metrics as a dict, and polling until a
condition holds."""
import http.client
import json
import time


def request(port, method, path, headers=None, body=None, context=None, timeout=20):
    """(status, {lower-case header: value}, body bytes) of one request to
    127.0.0.1:@port (over TLS with @context)."""
    if context:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout,
                                           context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def failed_code(body):
    """meta.error of a {"status": "failed"} answer; False or None when
    @body is not one."""
    try:
        j = json.loads(body)
        return j.get("status") == "failed" and j["meta"]["error"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def metrics(port, headers=None):
    """{series with its labels: value} of /metrics."""
    _status, _h, body = request(port, "GET", "/metrics", headers)
    out = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def wait_for(pred, timeout, step=0.1):
    """Whether @pred () held within @timeout seconds (asked every @step)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()
