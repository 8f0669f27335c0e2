import http.client
import smtplib
import ssl


def fetch(host, key, cert):
    conn = http.client.HTTPSConnection(host, key_file=key, cert_file=cert)
    conn.request("GET", "/")
    return conn.getresponse().read()


def send(host, sock, key, cert, message):
    tls = ssl.wrap_socket(sock)
    ssl.match_hostname(tls.getpeercert(), host)
    server = smtplib.SMTP(host, 587)
    server.starttls(keyfile=key, certfile=cert)
    server.sendmail("a@example.org", ["b@example.org"], message)
