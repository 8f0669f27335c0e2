import urllib2  # expect: NR101
GREETING = "café"
print GREETING  # expect: NR301
