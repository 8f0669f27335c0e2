"""Modules that left the standard library with no drop-in successor: --fix must not touch them."""
import gopherlib
import mimetools
import urllib2
opener = urllib2.build_opener()
handlers = urllib2  # the module object itself escapes: no safe rewrite of urllib2
