# From a Python 2 project: the same module imported inside two functions.
class M:
    def a(self, k):
        import urllib
        return urllib.quote(k)

    def b(self, k):
        import urllib
        return urllib.unquote(k)
