"""A TCP listener on 127.0.0.1 that never accepts, with its backlog already full,
so a further connect gets no answer (SYNs are dropped) until the client gives up.
Prints the port, then sleeps until killed (at most a minute)."""
import socket
import time

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen(0)
port = server.getsockname()[1]
fillers = []
for _ in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    fillers.append(s)
print(port, flush=True)
time.sleep(60)
