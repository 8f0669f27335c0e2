# -*- coding: latin-1 -*-
import httplib  # expect: NR101
print "café"  # expect: NR301
