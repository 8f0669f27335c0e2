"""PEP 594 modules: deprecated on 3.11 and 3.12, removed on 3.12 or 3.13 (the catalogue says which)."""
import telnetlib
import nntplib
import cgi
import smtpd
import asyncore
import asynchat
from telnetlib import Telnet
