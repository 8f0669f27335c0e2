#!/usr/bin/env python
# The tutorial's server as Python 2 code looked before the tutorial added parentheses.
import socket
import SocketServer  # expect: NR101
import urllib2  # expect: NR101

s = socket.socket()
s.bind((socket.gethostname(), 12345))
s.listen(5)
while True:
    c, addr = s.accept()
    print 'Got connection from', addr  # expect: NR301
    c.send('Thank you for connecting')  # expect: NR201
    c.close  # expect: NR202
