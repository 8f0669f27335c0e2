# try/except ImportError in the forms real projects use.
try:
    import httplib
except ImportError:
    import http.client as httplib

try:
    import http.cookiejar as cookielib
except ImportError:  # Python 2
    import cookielib

try:
    from urllib import urlencode, quote
except (ImportError, AttributeError):
    from urllib.parse import urlencode, quote

try:
    from urllib2 import urlopen
except ModuleNotFoundError:
    from urllib.request import urlopen

try: import xmlrpclib
except: import xmlrpc.client as xmlrpclib

try:
    import urllib2
except ImportError as error:
    import urllib.request as urllib2


def fetch(url):
    return urllib2.urlopen(url).read(), httplib.OK, xmlrpclib.ServerProxy, urlopen, cookielib


try:
    import telnetlib
except ImportError:
    telnetlib = None  # not a replacement: telnet support disappears

try:
    import nntplib
except ImportError:
    raise SystemExit("this tool needs nntplib")

try:  # from mechanize 0.2.5: the fallback is gone on Python 3 too, so both imports are reported
    from httplib import HTTPMessage
except:
    from mimetools import Message as HTTPMessage
