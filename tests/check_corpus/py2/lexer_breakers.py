"""Python 2 code that Python 3's tokenizer refuses: octal, long and ur'' literals."""
import cookielib  # expect: NR101
MODE = 0755  # expect: NR301
BIG = 10L
PATTERN = ur"\d+"
from Cookie import SimpleCookie  # expect: NR101
import xmlrpclib as rpc  # expect: NR101
print >>sys.stderr, "done"
