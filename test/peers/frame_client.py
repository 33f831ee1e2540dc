"""A foreign peer: sends length-prefixed frames (4-byte big-endian length, then
the body) one byte per send, half-closes, reads the echo until EOF and checks
that the same frames came back.

usage: frame_client.py tcp HOST PORT | unix PATH
Prints "ok <frames> <bytes>" and exits 0, or exits 1 with the reason."""
import socket
import struct
import sys

frames = [("frame %d " % i).encode() + bytes(range(i % 7, i % 7 + i * 3 % 50)) for i in range(40)] + [b""]
wire = b"".join(struct.pack(">I", len(f)) + f for f in frames)

if sys.argv[1] == "tcp":
    s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sys.argv[2])

for i in range(len(wire)):
    s.sendall(wire[i:i + 1])
s.shutdown(socket.SHUT_WR)

received = b""
while True:
    data = s.recv(65536)
    if not data:
        break
    received += data
s.close()

got = []
offset = 0
while offset + 4 <= len(received):
    (length,) = struct.unpack(">I", received[offset:offset + 4])
    got.append(received[offset + 4:offset + 4 + length])
    offset += 4 + length
if offset != len(received) or got != frames:
    print("mismatch: sent %d frames, got %d (%d of %d bytes)" % (len(frames), len(got), len(received), len(wire)), file=sys.stderr)
    sys.exit(1)
print("ok %d %d" % (len(frames), len(wire)))
