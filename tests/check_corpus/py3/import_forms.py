"""Every import form netref check must see. Expected findings are on the lines marked "expect".

Decoys that must not be reported: import httplib in this docstring, and below in strings,
comments and relative imports.
"""
import httplib  # expect: NR101
import urllib2 as u  # expect: NR101
import os, SocketServer, sys  # expect: NR101
import xmlrpclib as rpc, cookielib  # expect: NR101 NR101
from SimpleHTTPServer import SimpleHTTPRequestHandler  # expect: NR101
from BaseHTTPServer import (  # expect: NR101
    HTTPServer,
    BaseHTTPRequestHandler,
)
from DocXMLRPCServer import \
    DocXMLRPCServer  # expect^1: NR101
import importlib
nntp = importlib.import_module("urlparse")  # expect: NR101
gopher = __import__('CGIHTTPServer')  # expect: NR101
from importlib import import_module
cookie = import_module(
    "Cookie")  # expect^1: NR101
if os: import rfc822  # expect: NR103
try: import mimetools  # expect: NR103
except ImportError: pass
x = 1; import gopherlib  # expect: NR103


def handler():
    import SimpleXMLRPCServer  # expect: NR101
    return SimpleXMLRPCServer


text = "import httplib"
other = '''
import urllib2
'''
# import cookielib
from . import httplib as local_one
from .urllib2 import thing
print("from httplib import HTTPConnection")
from http import client
import http.client, urllib.parse, xmlrpc.server, socketserver
import urllib.request as request
from urllib.parse import urlencode
