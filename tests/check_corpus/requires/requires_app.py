import telnetlib
import urllib.parse

HOST = urllib.parse.urlsplit("telnet://example.org").hostname
