import socket


def test_echo(server):
    s = socket.create_connection(server)
    s.send("hello")  # NR201, ignored here by per-file-ignores
    assert s.recv(5) == b"hello"
