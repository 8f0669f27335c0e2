"""The tutorial's two porting bugs, in the shapes they take in real code."""
import socket

conn = socket.create_connection(("127.0.0.1", 9))
conn.sendall("HELO example.invalid\r\n")  # expect: NR201
conn.sendto('ping', ("127.0.0.1", 9))  # expect: NR201
conn.send("%s\r\n" % "QUIT")  # expect: NR201
conn.send(b"QUIT\r\n")
conn.send("QUIT\r\n".encode("ascii"))
message = "QUIT"
conn.send(message)


class Client:
    def __init__(self):
        self.sock = socket.socket()

    def done(self):
        self.sock.close  # expect: NR202
        self.sock.shutdown  # expect: NR202


conn.close  # expect: NR202
values = [
    conn.close
]


class LineProtocol:
    """A class with its own send(str): self.send("...") is not a socket call."""

    def send(self, text):
        conn.sendall(text.encode())

    def quit(self):
        self.send("QUIT\r\n")
