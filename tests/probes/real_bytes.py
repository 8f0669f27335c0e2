"""Bytes real Debian servers sent, captured for the identification tests (issue 18).

Captured on Debian 12 (bookworm) on 2026-12-04 by connecting with a plain ``socket`` to each
daemon, started by hand on 127.0.0.1 from its Debian package with a minimal config, sending the
bytes named (or nothing) and reading until the server closed or was silent for a second. Dates
are as sent; nothing else was edited.
"""

#: nginx 1.22.1 (nginx-light 1.22.1-9+deb12u12), ``listen 127.0.0.1:PORT ssl``, answering the
#: probe's plaintext ``HEAD / HTTP/1.1`` request (Host, User-Agent, Accept): a bare 400, no body
#: (the page that says "The plain HTTP request was sent to HTTPS port" only comes with GET).
NGINX_HTTPS_PORT_TO_HEAD = (
    b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nDate: Fri, 04 Dec 2026 14:37:36 GMT\r\n"
    b"Content-Type: text/html\r\nContent-Length: 255\r\nConnection: close\r\n\r\n"
)
#: The same nginx, same port, to ``GET / HTTP/1.0``.
NGINX_HTTPS_PORT_TO_GET = (
    b"HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nDate: Fri, 04 Dec 2026 14:37:36 GMT\r\n"
    b"Content-Type: text/html\r\nContent-Length: 255\r\nConnection: close\r\n\r\n"
    b"<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n"
    b"<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n"
    b"<center>The plain HTTP request was sent to HTTPS port</center>\r\n<hr><center>nginx/1.22.1</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
#: nginx 1.22.1, ``return 200 "hi\n"``, over TLS or plaintext, to ``GET / HTTP/1.0``.
NGINX_200 = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Fri, 04 Dec 2026 14:37:36 GMT\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nhi\n"
)
#: Apache httpd 2.4.71 (apache2 2.4.71-1~deb12u1), ``SSLEngine on``, to the probe's plaintext HEAD
#: (Apache sends the page even to HEAD).
APACHE_HTTPS_PORT_TO_HEAD = (
    b"HTTP/1.1 400 Bad Request\r\nDate: Fri, 04 Dec 2026 14:41:02 GMT\r\n"
    b"Server: Apache/2.4.71 (Debian) OpenSSL/3.0.19\r\nContent-Length: 402\r\nConnection: close\r\n"
    b"Content-Type: text/html; charset=iso-8859-1\r\n\r\n"
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">\n'
    b"<html><head>\n<title>400 Bad Request</title>\n</head><body>\n<h1>Bad Request</h1>\n"
    b"<p>Your browser sent a request that this server could not understand.<br />\n"
    b"Reason: You're speaking plain HTTP to an SSL-enabled server port.<br />\n"
    b" Instead use the HTTPS scheme to access this URL, please.<br />\n</p>\n</body></html>\n"
)
#: lighttpd 1.4.69 (lighttpd 1.4.69-1), document root without an index, to ``GET / HTTP/1.0``.
LIGHTTPD_403 = (
    b"HTTP/1.0 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 341\r\nConnection: close\r\n"
    b"Date: Fri, 04 Dec 2026 14:41:01 GMT\r\nServer: lighttpd/1.4.69\r\n\r\n"
)
#: Dovecot 2.3.19.1 (dovecot-imapd/dovecot-pop3d 1:2.3.19.1+dfsg1-2.1+deb12u7), the greetings.
DOVECOT_IMAP = (
    b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] "
    b"Dovecot (Debian) ready.\r\n"
)
DOVECOT_POP3 = b"+OK Dovecot (Debian) ready.\r\n"
#: vsftpd 3.0.3 (vsftpd 3.0.3-13+b2), anonymous enabled.
VSFTPD = b"220 (vsFTPd 3.0.3)\r\n"
#: OpenSSH 9.2p1 (openssh-server 1:9.2p1-2+deb12u10).
OPENSSH = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"
#: Dropbear 2022.83 (dropbear-bin 2022.83-1+deb12u3): its version line, then at once its KEXINIT
#: (the first bytes of it here).
DROPBEAR = b"SSH-2.0-dropbear_2022.83\r\n\x00\x00\x01\xfc\x07\x14"
#: The same Apache over TLS, to ``HEAD / HTTP/1.0`` (no index in its document root).
APACHE_TLS_404 = (
    b"HTTP/1.1 404 Not Found\r\nDate: Fri, 04 Dec 2026 14:46:02 GMT\r\n"
    b"Server: Apache/2.4.71 (Debian) OpenSSL/3.0.19\r\n"
    b"Connection: close\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n"
)
#: lighttpd 1.4.69 with mod_openssl (lighttpd-mod-openssl 1.4.69-1), ``ssl.engine = "enable"``, to the
#: probe's plaintext HEAD (and to GET): nothing; it closes the connection.
LIGHTTPD_HTTPS_PORT_TO_HEAD = b""
#: The same lighttpd over TLS, to ``GET / HTTP/1.0`` (its document root had no index): the head.
LIGHTTPD_TLS_403 = (
    b"HTTP/1.0 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: 341\r\nConnection: close\r\n"
    b"Date: Fri, 04 Dec 2026 15:24:44 GMT\r\nServer: lighttpd/1.4.69\r\n\r\n"
)
