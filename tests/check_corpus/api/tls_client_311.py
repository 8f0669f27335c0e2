"""TLS client code of the Python 3.11 era, in the styles real projects used.

Expected findings: ``# 3.12: CODE`` and ``# 3.11: CODE`` on the line that is reported.
"""

import ftplib
import http.client
import imaplib
import poplib
import smtplib
import socket
import ssl
import urllib.request

try:  # urllib3 / requests style: the backport on old Pythons, nothing to report
    from ssl import match_hostname
except ImportError:
    from backports.ssl_match_hostname import match_hostname

from ssl import CertificateError, wrap_socket  # 3.12: NR112  3.11: NR111

HAS_SNI = getattr(ssl, "HAS_SNI", False)


def legacy_wrap(sock, keyfile=None, certfile=None, ca_certs=None):
    """The pre-3.7 idiom: one call, protocol negotiated by PROTOCOL_SSLv23."""
    return ssl.wrap_socket(sock, keyfile=keyfile, certfile=certfile,  # 3.12: NR112  3.11: NR111
                           cert_reqs=ssl.CERT_REQUIRED, ca_certs=ca_certs,
                           ssl_version=ssl.PROTOCOL_SSLv23)  # 3.12: NR111  3.11: NR111


def verify(tls, hostname):
    try:
        match_hostname(tls.getpeercert(), hostname)  # bound by the compatibility import: not reported
    except CertificateError:
        tls.close()
        raise
    return wrap_socket


def checked_wrap(sock, hostname):
    context = ssl.create_default_context()
    context.load_cert_chain("client.pem", "client.key")
    tls = context.wrap_socket(sock, server_hostname=hostname)
    ssl.match_hostname(tls.getpeercert(), hostname)  # 3.12: NR112  3.11: NR111
    return tls


def feature_detected(sock):
    if hasattr(ssl, "SSLContext"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).wrap_socket(sock)
    else:
        return ssl.wrap_socket(sock)  # the fallback never runs where SSLContext exists


def send_mail(host, port, keyfile, certfile, message):
    server = smtplib.SMTP(host, port, timeout=10)
    server.ehlo()
    server.starttls(keyfile=keyfile, certfile=certfile)  # 3.12: NR113  3.11: NR111
    server.sendmail("a@example.org", ["b@example.org"], message)
    server.quit()


def send_mail_ssl(host, keyfile, certfile):
    with smtplib.SMTP_SSL(host, 465, keyfile=keyfile, certfile=certfile) as smtp:  # 3.12: NR113  3.11: NR111
        smtp.noop()


def send_mail_compat(host, keyfile, certfile):
    server = smtplib.SMTP(host)
    try:
        server.starttls(keyfile=keyfile, certfile=certfile)
    except TypeError:  # Python 3.12: the parameters are gone
        context = ssl.create_default_context()
        context.load_cert_chain(certfile, keyfile)
        server.starttls(context=context)


def upgrade(connection, keyfile):
    connection.starttls(keyfile=keyfile)  # a parameter: its class is unknown here, nothing to say


def fetch(host, key, cert, path="/"):
    conn = http.client.HTTPSConnection(host, 443, key_file=key, cert_file=cert)  # 3.12: NR113  3.11: NR111
    conn.request("GET", path)
    return conn.getresponse().read()


def fetch_with_ca(url, ca_file):
    return urllib.request.urlopen(url, cafile=ca_file).read()  # 3.12: NR111  3.11: NR111


def mailboxes(host, keyfile, certfile):
    imap = imaplib.IMAP4_SSL(host, keyfile=keyfile, certfile=certfile)  # 3.12: NR113  3.11: NR111
    pop = poplib.POP3_SSL(host, keyfile=keyfile)  # 3.12: NR113  3.11: NR111
    ftp = ftplib.FTP_TLS(host, keyfile=keyfile, certfile=certfile)  # 3.12: NR113  3.11: NR111
    return imap, pop, ftp


def modern(host):
    context = ssl.create_default_context()
    with socket.create_connection((host, 443)) as raw, context.wrap_socket(raw, server_hostname=host) as tls:
        return tls.version()


def shadowed(ssl):
    return ssl.wrap_socket(None)  # a parameter named ssl: not the module
