"""Modern networking code: nothing for netref check to say, on any Python 3 target."""
import socket
import http.client
from urllib.request import urlopen
from urllib.parse import urlencode, quote
import xmlrpc.client as rpc


def fetch(host: str) -> bytes:
    with socket.create_connection((host, 80), timeout=5) as sock:
        sock.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
        sock.send("GET / HTTP/1.0\r\n\r\n".encode())
        sock.shutdown(socket.SHUT_WR)
        return sock.recv(1024)


def close_later(sock: socket.socket) -> None:
    closer = sock.close  # a method kept for later is fine
    closer()
    try:
        sock.fileno
    except AttributeError:
        pass
