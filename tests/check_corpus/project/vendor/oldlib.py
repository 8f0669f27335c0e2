import httplib  # excluded by [tool.netref] exclude
