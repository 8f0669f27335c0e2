from urlparse import urljoin  # expect: NR101
exec "base = 'http://example.invalid/'"  # expect: NR301
if base <> urljoin(base, "x"):
    pass
