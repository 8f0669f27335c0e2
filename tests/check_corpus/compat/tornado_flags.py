# From tornado 4.5.3 (tornado/auth.py): a flag imported from the project's compat module,
# one name bound in both branches.
from tornado.util import PY3

if PY3:
    import urllib.parse as urlparse
    import urllib.parse as urllib_parse
    long = int
else:
    import urlparse
    import urllib as urllib_parse


def oauth_url(url, args):
    return url + "?" + urllib_parse.urlencode(args) + urlparse.urljoin(url, "x")
