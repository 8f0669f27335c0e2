import httplib  # expect: NR101

def describe(response):
    return "status " + `response.status`  # expect: NR301
