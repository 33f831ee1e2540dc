"""A TLS peer that is not Node: Python's ssl module (OpenSSL underneath).

client HOST PORT CAFILE          connects (checking the name "localhost"), sends a line, prints
                                 the protocol and everything it reads until the server's close
server CERT KEY CAFILE           serves one connection on 127.0.0.1 (port printed first): requires a
                                 client certificate from CAFILE, offers ALPN echo/1, reads a line and
                                 answers it reversed with the ALPN and the client's CN, then closes
"""
import socket
import ssl
import sys


def client(host, port, cafile):
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"hello from python\n")
            received = b""
            while True:
                data = tls.recv(65536)
                if not data:
                    break
                received += data
            print(f"{tls.version()} {received.decode()}", flush=True)


def server(certfile, keyfile, cafile):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    context.load_verify_locations(cafile)
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["echo/1"])
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)
        print(listener.getsockname()[1], flush=True)
        raw, _ = listener.accept()
        raw.settimeout(10)
        with context.wrap_socket(raw, server_side=True) as tls:
            line = b""
            while not line.endswith(b"\n"):
                data = tls.recv(65536)
                if not data:
                    break
                line += data
            subject = dict(item[0] for item in tls.getpeercert()["subject"])
            reply = f"{line.decode().strip()[::-1]} alpn={tls.selected_alpn_protocol()} peer={subject['commonName']}"
            tls.sendall(reply.encode())
            # close_notify, then wait for the client's
            tls.unwrap().close()
        print("served", flush=True)


if __name__ == "__main__":
    {"client": client, "server": server}[sys.argv[1]](*sys.argv[2:])
