#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/ from the test vectors of
tests/unit/, tests/sessionsrc/, tests/webrtc/, tests/common/ and
docs/PROTOCOL.md. Run it again after adding a vector; crash inputs kept as
regression seeds (corpus/*/crash-*) are not touched.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import base64
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = [b"\x37\xfa\x21\x3d", b"\x00\x00\x00\x00", b"\xff\x00\xaa\x55"]


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def b64(raw):
    return base64.b64encode(raw).decode()


# ------------------------------------------------------------ messages
def fastrtc_start(sid):
    return '{"event":"start","websocket_id":"%s"}' % sid


def fastrtc_media(mulaw):
    return '{"event":"media","media":{"payload":"%s"}}' % b64(mulaw)


def twilio_start(sid, custom='{"caller":"+15550001","lang":"en"}',
                 fmt='{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}'):
    return ('{"event":"start","sequenceNumber":"1","streamSid":"%s","start":'
            '{"accountSid":"AC123","streamSid":"%s","callSid":"CA456",'
            '"tracks":["inbound"],"customParameters":%s,"mediaFormat":%s}}'
            % (sid, sid, custom, fmt))


def twilio_media(sid, seq, mulaw):
    return ('{"event":"media","sequenceNumber":"%d","streamSid":"%s","media":'
            '{"track":"inbound","chunk":"%d","timestamp":"%d","payload":"%s"}}'
            % (seq, sid, seq, seq * 20, b64(mulaw)))


FASTRTC = [
    ("start", fastrtc_start("k3j4h5")),
    ("start-128", fastrtc_start("x" * 128)),
    ("start-spaced", '{"event": "start", "websocket_id": "a b"}'),
    ("media", fastrtc_media(bytes(range(10)))),
    ("media-160", fastrtc_media(b"\xff" * 160)),
    ("media-python", '{"event": "media", "media": {"payload": "AAECAwQFBgcICQ=="}}'),
    ("ping", '{"event":"ping"}'),
    ("stop", '{"event":"stop"}'),
    ("type", '{"type":"send_input","data":{"x":1}}'),
    ("custom", '{"event":"custom","x":1}'),
    ("binary-media", '{"event":"binary_media"}'),
    ("binary-media-s16le", '{"event":"binary_media","encoding":"s16le"}'),
    ("binary-media-null", '{"event":"binary_media","encoding":null}'),
    ("pretty", '{\n\t"event" : "mark",\r\n  "mark" : { "name" : "m 1" }\n}\n'),
    ("escapes", '{"event":"start","websocket_id":"a\\u00e9\\/\\"b"}'),
    ("array", " [ 1 , 2 ] "),
    ("bad-payload", '{"event":"media","media":{"payload":"AA A"}}'),
    ("pad-only", '{"event":"media","media":{"payload":"=="}}'),
    ("truncated", '{"event":'),
    ("control-char", '{"event":"start","websocket_id":"a\\u0001b"}'),
]
TWILIO = [
    ("connected", '{"event":"connected","protocol":"Call","version":"1.0.0"}'),
    ("start", twilio_start("MZ1", '{"caller":"+1555","n":3,"bad key!":true,'
                           '"f":1.5,"z":null,"o":{"a":[1]}}')),
    ("start-inner-sid", '{"event":"start","start":{"streamSid":"MZ9"}}'),
    ("start-l16", '{"event":"start","streamSid":"MZ2","start":{"mediaFormat":'
     '{"encoding":"audio/x-l16","sampleRate":"16000","channels":1}}}'),
    ("start-opus", twilio_start("MZ3", "{}", '{"encoding":"audio/opus"}')),
    ("start-rate", twilio_start("MZ3", "{}", '{"sampleRate":4000}')),
    ("media", twilio_media("MZ1", 3, b"\x7f" * 12)),
    ("media-160", twilio_media("MZ1", 4, bytes(range(160)))),
    ("dtmf", '{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5",'
     '"dtmf":{"track":"inbound_track","digit":"1"}}'),
    ("mark", '{"event":"mark","sequenceNumber":"4","streamSid":"MZ1",'
     '"mark":{"name":"greeting"}}'),
    ("stop", '{"event":"stop","sequenceNumber":"9","streamSid":"MZ1",'
     '"stop":{"accountSid":"AC1","callSid":"CA1"}}'),
    ("binary-media", '{"event":"binary_media","encoding":"mulaw"}'),
]
for name, text in FASTRTC:
    write("messages", "fastrtc-" + name, b"\x00" + text.encode())
for name, text in TWILIO:
    write("messages", "twilio-" + name, b"\x01" + text.encode())


# ------------------------------------------------------------ websocket
def frame(first, payload, masked=True, len64=False, key=KEYS[0]):
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload)
    m = 0x80 if masked else 0
    f = bytes([first])
    if n < 126 and not len64:
        f += bytes([m | n])
    elif n < 65536 and not len64:
        f += bytes([m | 126]) + struct.pack(">H", n)
    else:
        f += bytes([m | 127]) + struct.pack(">Q", n)
    if masked:
        f += key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    else:
        f += payload
    return f


# Settings byte: bits 0-1 max message (16, 125, 1024, 65536), bits 2-7 the
# chunk size - 1.
S1024_WHOLE = bytes([2 | (63 << 2)])
S1024_BYTE = bytes([2])
S65536_7 = bytes([3 | (6 << 2)])
S16_3 = bytes([0 | (2 << 2)])
WS = [
    ("frames", S65536_7, frame(0x81, "hello") + frame(0x81, "a" * 300) +
     frame(0x82, b"x" * 2000, key=KEYS[2]) + frame(0x81, "", len64=True)),
    ("utf8", S1024_BYTE, frame(0x81, "a\0b \U0001f3b5 caf\u00e9") +
     frame(0x01, b"caf\xc3") + frame(0x80, b"\xa9")),
    ("fragments-ping", S1024_BYTE, frame(0x01, '{"event":') +
     frame(0x89, "p1") + frame(0x00, '"media"') + frame(0x80, "}")),
    ("close", S1024_WHOLE, frame(0x88, b"\x03\xe8bye") + frame(0x88, "")),
    ("pong-close", S1024_WHOLE, frame(0x8A, "") + frame(0x88, b"\x0f\xa0")),
    ("fastrtc-session", S1024_WHOLE, frame(0x81, fastrtc_start("abc")) +
     frame(0x81, fastrtc_media(b"\xff" * 160), key=KEYS[1]) +
     frame(0x81, '{"event":"binary_media","encoding":"s16le"}') +
     frame(0x82, b"\x00\x01" * 160) + frame(0x81, '{"event":"stop"}') +
     frame(0x88, b"\x03\xe8")),
    ("twilio-session", S65536_7, frame(0x81, twilio_start("MZ1")) +
     frame(0x81, twilio_media("MZ1", 2, b"\x7f" * 160)) +
     frame(0x81, '{"event":"mark","mark":{"name":"m"}}') +
     frame(0x88, b"\x03\xe9going")),
    ("limit-16", S16_3, frame(0x81, "x" * 16) + frame(0x01, "x" * 8) +
     frame(0x80, "x" * 9)),
    ("unmasked", S1024_WHOLE, frame(0x81, "hi", masked=False)),
    ("rsv1", S1024_WHOLE, frame(0xC1, "hi")),
    ("rsv3", S1024_WHOLE, frame(0x91, "hi")),
    ("opcode-3", S1024_WHOLE, frame(0x83, "hi")),
    ("opcode-b", S1024_WHOLE, frame(0x8B, "hi")),
    ("fragmented-ping", S1024_WHOLE, frame(0x09, "hi")),
    ("long-ping", S1024_WHOLE, frame(0x89, "p" * 126)),
    ("lone-continuation", S1024_WHOLE, frame(0x80, "hi")),
    ("nested-message", S1024_WHOLE, frame(0x01, "a") + frame(0x81, "b")),
    ("len64-top-bit", S1024_WHOLE, b"\x81\xff\x80" + b"\0" * 7),
    ("len64-huge", S1024_WHOLE, b"\x81\xff\0\0\0\x01\0\0\0\0"),
    ("too-big", S1024_WHOLE, frame(0x81, "a" * 1025)),
    ("fragments-too-big", S1024_WHOLE, frame(0x01, "a" * 600) +
     frame(0x80, "a" * 600)),
    ("bad-utf8", S1024_WHOLE, frame(0x81, b"caf\xc3")),
    ("bad-utf8-fragments", S1024_WHOLE, frame(0x01, "caf") +
     frame(0x80, b"\xff")),
    ("close-1-byte", S1024_WHOLE, frame(0x88, b"\x03")),
    ("close-1005", S1024_WHOLE, frame(0x88, b"\x03\xed")),
    ("close-999", S1024_WHOLE, frame(0x88, b"\x03\xe7")),
    ("close-5000", S1024_WHOLE, frame(0x88, b"\x13\x88")),
    ("close-bad-reason", S1024_WHOLE, frame(0x88, b"\x03\xe8\xff")),
]
for name, settings, stream in WS:
    write("websocket", name, settings + stream)


# ------------------------------------------------------------ SDP
CHROME = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host generation 0\r\n"
    "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:"
    "2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
    "a=setup:actpass\r\na=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=sendrecv\r\na=msid:stream track\r\na=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\na=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:3570614608 cname:4TOk42mSjXCkVIa6\r\n")
AIORTC = (
    "v=0\r\no=- 3900000000 3900000000 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0 1\r\na=msid-semantic:WMS *\r\n"
    "m=audio 40000 UDP/TLS/RTP/SAVPF 96 0 8\r\nc=IN IP4 192.0.2.1\r\n"
    "a=sendrecv\r\na=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=mid:0\r\na=msid:a b\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=rtcp-mux\r\n"
    "a=ssrc:1 cname:x\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=candidate:1 1 udp 2130706431 192.0.2.1 40000 typ host\r\n"
    "a=end-of-candidates\r\na=ice-ufrag:aaaa\r\na=ice-pwd:bbbbbbbbbbbbbbbbbbbbbb\r\n"
    "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\na=setup:actpass\r\n"
    "m=application 40001 DTLS/SCTP 5000\r\nc=IN IP4 192.0.2.1\r\na=mid:1\r\n"
    "a=sctpmap:5000 webrtc-datachannel 65535\r\na=max-message-size:65536\r\n"
    "a=ice-ufrag:cccc\r\na=ice-pwd:dddddddddddddddddddddd\r\n"
    "a=setup:actpass\r\n")
VIDEO_ONLY = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
              "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
              "a=rtpmap:96 VP8/90000\r\na=sendrecv\r\n")
NO_OPUS = CHROME.replace("opus/48000/2", "PCMU/8000")
# Safari's order: H.264 (High, then constrained baseline) before VP8.
H264_FIRST = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
              "m=video 9 UDP/TLS/RTP/SAVPF 96 98 100 101\r\n"
              "c=IN IP4 0.0.0.0\r\na=rtpmap:96 H264/90000\r\n"
              "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;"
              "profile-level-id=640c1f\r\na=rtpmap:98 H264/90000\r\n"
              "a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;"
              "profile-level-id=42e01f\r\na=rtpmap:100 VP8/90000\r\n"
              "a=rtpmap:101 rtx/90000\r\na=fmtp:101 apt=100\r\n"
              "a=sendrecv\r\n")
SDPS = [
    ("chrome", CHROME),
    ("aiortc-bundle", AIORTC),
    ("video-only", VIDEO_ONLY),
    ("h264-first", H264_FIRST),
    ("no-opus", NO_OPUS),
    ("recvonly", CHROME.replace("a=sendrecv", "a=recvonly")),
    ("sendonly", AIORTC.replace("a=sendrecv", "a=sendonly")),
    ("port-0", CHROME.replace("m=audio 9", "m=audio 0") + VIDEO_ONLY[VIDEO_ONLY.index("m="):]),
    ("session-ufrag", "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
     "a=group:BUNDLE a b\r\na=ice-ufrag:one\r\nm=audio 9 RTP/AVP 111\r\n"
     "a=rtpmap:111 OPUS/48000\r\na=mid:a\r\nm=audio 9 RTP/AVP 111\r\n"
     "a=ice-ufrag:two\r\na=mid:b\r\na=inactive\r\n"),
    ("minimal", "v=0"),
]
for name, sdp in SDPS:
    write("sdp", name, sdp)


# ------------------------------------------------------------ signalling
def offer(sdp, wid="my-id"):
    return json.dumps({"sdp": sdp, "type": "offer", "webrtc_id": wid})


SIGNALS = [
    ("offer-chrome", offer(CHROME)),
    ("offer-aiortc", offer(AIORTC)),
    ("offer-video-only", offer(VIDEO_ONLY)),
    ("offer-v0", '{"type":"offer","sdp":"v=0","webrtc_id":"x"}'),
    ("offer-no-id", '{"type":"offer","sdp":"v=0"}'),
    ("offer-no-sdp", '{"webrtc_id":"x","type":"offer"}'),
    ("sdp-no-type", '{"webrtc_id":"x","sdp":"v=0"}'),
    ("candidate", '{"type":"ice-candidate","webrtc_id":"my-id","candidate":'
     '{"candidate":"candidate:1 1 UDP 2122252543 192.0.2.1 40000 typ host",'
     '"sdpMid":"0","sdpMLineIndex":0}}'),
    ("candidate-string-index", '{"type":"ice-candidate","webrtc_id":"a",'
     '"candidate":{"candidate":"candidate:2 1 udp 1 ::1 9 typ host",'
     '"sdpMLineIndex":"3"}}'),
    ("candidate-end", '{"type":"ice-candidate","webrtc_id":"a","candidate":'
     '{"candidate":"","sdpMid":"0","sdpMLineIndex":0}}'),
    ("candidate-null", '{"type":"ice-candidate","webrtc_id":"a","candidate":null}'),
    ("candidate-missing", '{"type":"ice-candidate","webrtc_id":"a"}'),
    ("candidate-not-object", '{"type":"ice-candidate","webrtc_id":"a","candidate":"x"}'),
    ("candidate-bad-prefix", '{"type":"ice-candidate","webrtc_id":"a",'
     '"candidate":{"candidate":"host 1"}}'),
    ("candidate-index-65", '{"type":"ice-candidate","webrtc_id":"a",'
     '"candidate":{"candidate":"candidate:1","sdpMLineIndex":65}}'),
    ("unknown-type", '{"type":"answer","webrtc_id":"a","sdp":"v=0"}'),
    ("bad-id", '{"type":"offer","webrtc_id":"a\\u0001","sdp":"v=0"}'),
    ("long-id", offer("v=0", "i" * 129)),
    ("malformed", '{"type":'),
    ("not-object", '["offer"]'),
    ("empty", ""),
]
for name, body in SIGNALS:
    write("signalling", name, body)

# The session API (fuzz_signalling parses each input as a path, a message
# body and a Content-Type too): paths as sent, bodies, types.
API = [
    ("api-list", "/sessions"),
    ("api-get", "/sessions/alice"),
    ("api-message", "/sessions/a%2Fb/message"),
    ("api-clear", "/sessions/%C3%A9l%C3%A8ve/clear"),
    ("api-escapes", "/sessions/%2e%2E%20%22%5C%7e"),
    ("api-bad-escape", "/sessions/a%ZZ/message"),
    ("api-nul", "/sessions/a%00b"),
    ("api-long", "/sessions/" + "%41" * 129),
    ("api-unknown", "/sessions/a/hangup"),
    ("api-body", '{"type":"log","data":{"text":"hi","n":[1,2.5e3,null,true]}}'),
    ("api-body-array", "[1,2]"),
    ("api-body-surrogate", '{"a":"\\ud83d\\ude00","b":"\\ud800"}'),
    ("api-type", "application/json; charset=UTF-8"),
    ("api-type-quoted", 'Application/JSON;charset="utf-8";x=y'),
]
for name, text in API:
    write("signalling", name, text)

# The cluster directory (fuzz_signalling reads each input as a value read
# back from Redis, a `directory` URL and an `instance-url` too).
CLUSTER = [
    ("cluster-entry", 'http://127.0.0.1:8081\n{"id":"x","transport":"websocket",'
     '"started":true,"frames-received":25,"media":"audio"}'),
    ("cluster-entry-escapes", 'https://a.example/v\n{"a":"\\"{[","b":[[{}]]}'),
    ("cluster-entry-deep", "http://h\n" + '{"a":' * 9 + "1" + "}" * 9),
    ("cluster-redis", "redis://[::1]:6380/2"),
    ("cluster-redis-host", "redis://redis.internal"),
    ("cluster-instance", "http://10.0.0.11:8081//"),
]
for name, text in CLUSTER:
    write("signalling", name, text)


# ------------------------------------------------------------ base64
B64 = [
    ("hello", "aGVsbG8="), ("unpadded", "aGVsbG8"), ("hi", "aGk="),
    ("hi-unpadded", "aGk"), ("plus-slash", "+/+/"), ("empty", ""),
    ("one", "a"), ("excess-pad", "aGVsbG8=="), ("inner-pad", "aG=k"),
    ("space", "aGVs bG8="), ("newline", "aGVs\nbG8="), ("bangs", "!!!!"),
    ("a-pad3", "a==="), ("pads", "===="), ("urlsafe", "-_-_"),
    ("two-padded", "aGVsbG8=aGk="), ("six", "aGVsbG"),
    ("media-160", b64(b"\xff" * 160)), ("bytes", b64(bytes(range(256)))),
    ("raw", bytes(range(256))),
]
for name, text in B64:
    write("base64", name, text)


# ------------------------------------------------------------ mulaw
write("mulaw", "codes", bytes(range(256)))
write("mulaw", "extremes", struct.pack("<8h", 32767, -32768, 32124, -32124,
                                       0, -1, 1, 8159))
write("mulaw", "ramp", struct.pack("<64h", *range(-32768, 32767, 1024)))


# ------------------------------------------------------------ rtphdrext
# A form byte (0: one-byte, 1: two-byte), then an extension element's bytes.
RTPHDREXT = [
    ("alice", b"\x00alice"), ("sixteen", b"\x00" + b"o" * 16),
    ("streamsid", b"\x01MZ" + b"0123456789abcdef" * 2), ("max", b"\x01" + b"z" * 255),
    ("too-long", b"\x01" + b"z" * 256), ("utf8", b"\x00" + "naïve-日本".encode()),
    ("empty", b"\x01"), ("nul", b"\x00a\x00b"), ("newline", b"\x00a\nb"),
    ("cut-utf8", b"\x00caf\xc3"), ("not-utf8", b"\x01\xff\xfe\xfd"),
]
for name, data in RTPHDREXT:
    write("rtphdrext", name, data)
# ------------------------------------------------------------ twilio
# fuzz_twilio: "URL\nTOKEN\nFORM BODY" (tests/unit/twilio.cpp's vectors).
DOCS_FORM = ("CallSid=CA1234567890ABCDE&Caller=%2B14158675310&Digits=1234"
             "&From=%2B14158675310&To=%2B18005551212")
TWILIO = [
    ("docs", "https://mycompany.com/myapp.php?foo=1&bar=2\n12345\n" + DOCS_FORM),
    ("port", "https://mycompany.com:443/myapp.php?foo=1&bar=2\n12345\n" + DOCS_FORM),
    ("upgrade", "wss://[::1]:8443/voice/telephone/handler\nk\n"),
    ("public", "http://127.0.0.1:8080/voice/\n\n"),
    ("escapes", "ws://h\ntok\na+b=c+d%20e&&=x&flag&e=&%41%62=%e2%82%ac&n=%00&a=b=c"),
    ("bad-escape", "https://h/p\nt\na=%zz&b=%4"),
    ("no-url", "h\"><x:99999\n\n="),
]
for name, text in TWILIO:
    write("twilio", name, text)
