# Version tests in the spellings libraries use; every Python 2 branch imports a Python 2 name.
import sys
import six
from six import PY2

if sys.version_info[0] == 2:
    import httplib
else:
    import http.client as httplib

if sys.version_info.major >= 3:
    import socketserver
else:
    import SocketServer as socketserver

if sys.version_info < (3,):
    import urlparse
if sys.version_info >= (3, 0):
    pass
else:
    import Cookie

if six.PY2:
    import cookielib
if not six.PY3:
    import xmlrpclib
if PY2: import urllib2

IS_PY3 = sys.hexversion >= 0x3000000
if not IS_PY3:
    import BaseHTTPServer

py = sys.version_info
py3k = py >= (3, 0, 0)
if py3k:
    from html.parser import HTMLParser
elif py < (2, 6, 0):
    import sgmllib
else:
    from HTMLParser import HTMLParser

if sys.version_info[:2] >= (3, 12):
    from . import _asyncore as asyncore
else:
    import asyncore

if PY2 and sys.platform == "win32":
    import _winreg

if some_setting:  # not a version test: judged as usual
    import urllib2
