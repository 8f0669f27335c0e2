import socket
import SocketServer  # expect: NR101

try:
    server = SocketServer.TCPServer(("127.0.0.1", 0), None)
except socket.error, error:  # expect: NR301
    server = None
