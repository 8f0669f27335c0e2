"""Python 3 syntax with Python 2 module names: everything here has a mechanical fix."""
import os, httplib
import SocketServer as ss
from urllib2 import urlopen, HTTPError
from urllib import urlencode, quote  # the query string
import urllib
from BaseHTTPServer import (HTTPServer,
                            BaseHTTPRequestHandler)
import cookielib; import Cookie
from SimpleXMLRPCServer import SimpleXMLRPCServer as Server
import importlib
rpc = importlib.import_module("xmlrpclib")
server_module = __import__("SocketServer")


def fetch(url):
    try:
        return urllib.urlopen(url + "?" + urllib.urlencode({"q": 1})).read()
    except HTTPError:
        return None


class Handler(BaseHTTPRequestHandler, ss.BaseRequestHandler):
    jar = cookielib.CookieJar()
    cookie = Cookie.SimpleCookie()
    connection_class = httplib.HTTPConnection
