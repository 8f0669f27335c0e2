"""Python 2's urllib layout in a file that otherwise parses as Python 3."""
import urllib
import urllib2  # expect: NR101

query = urllib.urlencode({"q": "netref"})  # expect: NR104
page = urllib.urlopen("http://example.invalid/?" + query)  # expect: NR104
safe = urllib.quote("a b")  # expect: NR104
try:
    urllib2.urlopen("http://example.invalid/")  # expect: NR104
except urllib2.HTTPError:  # expect: NR104
    pass
