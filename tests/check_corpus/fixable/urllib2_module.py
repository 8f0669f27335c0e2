import urllib2


def get(url):
    request = urllib2.Request(url)
    try:
        return urllib2.urlopen(request, timeout=5).read()
    except urllib2.URLError:
        return b""
