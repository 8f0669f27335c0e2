# Python 2, and nothing about networking: only the syntax is worth a finding.
name = raw_input("name? ")
print "hello,", name  # expect: NR301
