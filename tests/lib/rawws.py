"""A raw WebSocket client's bytes, for tests and benchmarks that speak to
the server over plain sockets (many at once, no client library)."""

# A Twilio upgrade request (the path Twilio streams use).
UPGRADE = (b"GET /telephone/handler HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\n\r\n")


def ws_frame(text, mask=b"\x01\x02\x03\x04"):
    """One masked text frame (a client's) holding @text, under 64 KiB."""
    data = text.encode()
    n = len(data)
    head = bytes([0x81, 0x80 | n]) if n < 126 else \
        bytes([0x81, 0x80 | 126, n >> 8, n & 0xff])
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))
