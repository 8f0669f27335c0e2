import socket

ADDRESS = ("example.org", 80
