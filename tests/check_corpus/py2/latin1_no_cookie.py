import urllib2  # expect: NR101
GREETING = "café"  # expect: NR902
print GREETING  # expect: NR301
