# A guard for a PEP 594 removal is judged on the target: dead on 3.13, deprecated before.
import sys

if sys.version_info < (3, 13):
    import telnetlib
else:
    telnetlib = None

if sys.version_info >= (3, 12):
    import asyncio as asyncore_replacement
else:
    import asyncore as asyncore_replacement
