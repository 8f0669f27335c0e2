"""A client half ported to Python 3: what [tool.netref] and # noqa comments change."""
import socket
import telnetlib
import urllib2
import xmlrpclib  # noqa: NR101
import nntplib  # noqa


def fetch(url):
    return urllib2.urlopen(url).read()


def ping(host):
    s = socket.create_connection((host, 7))
    s.send("ping\n")
    s.close
