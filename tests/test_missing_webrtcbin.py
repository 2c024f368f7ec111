#!/usr/bin/env python3
"""sessionsrc on a machine without webrtcbin (the gst-plugins-bad webrtc
plugin left out of the plugin path): an offer is answered with a failed
status, the server stays up and WebSocket sessions still work."""
import http.client
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from servers import free_port, stop_server, wait_listening  # noqa: E402

SYSTEM_PLUGINS = "/usr/lib/x86_64-linux-gnu/gstreamer-1.0"

OFFER_SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
             "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
             "a=mid:0\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n"
             "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
             "a=fingerprint:sha-256 " + ":".join(["00"] * 32) + "\r\n"
             "a=setup:actpass\r\n")


def post(port, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/webrtc/offer", json.dumps(body),
              {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def main():
    with tempfile.TemporaryDirectory() as tmp:
        plugins = os.path.join(tmp, "plugins")
        os.mkdir(plugins)
        for name in os.listdir(SYSTEM_PLUGINS):
            if name.endswith(".so") and name != "libgstwebrtc.so":
                os.symlink(os.path.join(SYSTEM_PLUGINS, name),
                           os.path.join(plugins, name))
        env = dict(os.environ, GST_PLUGIN_SYSTEM_PATH=plugins,
                   GST_REGISTRY=os.path.join(tmp, "registry.bin"))
        check = subprocess.run(["gst-inspect-1.0", "webrtcbin"], env=env,
                               capture_output=True)
        assert check.returncode != 0, "webrtcbin still found"

        port = free_port()
        proc = subprocess.Popen(
            ["gst-launch-1.0", "-e", "sessionsrc", "port=%d" % port,
             "address=127.0.0.1", "!", "sessionsink"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        try:
            assert wait_listening(port, proc=proc), "server did not start"
            for i in range(3):
                status, reply = post(port, {"webrtc_id": "no-webrtcbin-%d" % i,
                                            "type": "offer", "sdp": OFFER_SDP})
                assert status == 200, status
                assert reply.get("status") == "failed", reply
                assert reply.get("meta", {}).get("error") == "server_error", \
                    reply
            assert proc.poll() is None, "server died"
            # WebSocket sessions are unaffected.
            client = os.path.join(os.path.dirname(__file__), "clients",
                                  "fastrtc_ws_client.py")
            r = subprocess.run([sys.executable, client,
                                "ws://127.0.0.1:%d/websocket/offer" % port,
                                "--seconds", "0.5"], capture_output=True,
                               text=True, timeout=60)
            assert r.returncode == 0, r.stdout + r.stderr
        finally:
            out = stop_server(proc)
        assert proc.returncode == 0, out
        assert "webrtcbin is not installed" in out, out
    print("ok: offers without webrtcbin fail cleanly")


if __name__ == "__main__":
    main()
