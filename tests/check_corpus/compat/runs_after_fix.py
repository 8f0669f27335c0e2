# The alias pattern (it runs on Python 3 as it is) and one Python 2 function that --fix
# can rewrite. After --fix, the file must still run and print the same.
import sys

PY3 = sys.version_info[0] >= 3

if PY3:
    import urllib.parse as urllib_parse
else:
    import urllib as urllib_parse

try:
    from urllib import quote_plus
except ImportError:
    from urllib.parse import quote_plus


def legacy_opener():
    import urllib2
    return urllib2.urlopen


print(urllib_parse.quote("a b"), quote_plus("a b"))
if len(sys.argv) > 1:
    print(legacy_opener().__module__)
