"""Bytes real Debian servers sent to the xmlrpc and websocket probes, captured for the replay tests.

Captured on Debian 12 (bookworm) on 2026-12-04 by running netref's own probe (``run_probe``) through a
recording relay on 127.0.0.1 to each daemon, started by hand from its Debian package with a minimal
config (below). What the server sent is kept whole, exactly as sent (dates included); nothing was
edited. The WebSocket captures were made with the probe's key fixed to :data:`WS_KEY` (the replay
tests fix it the same way: the server's ``Sec-WebSocket-Accept`` answers that key), and end with the
server's Close reply to the probe's Close frame, sent after it.

- supervisord 4.2.5 (Debian ``supervisor`` 4.2.5-1; its HTTP server names itself ``Medusa/1.12``),
  ``[inet_http_server] port=127.0.0.1:PORT`` with the ``supervisor`` RPC interface; a second one with
  ``username``/``password`` set.
- Python's ``xmlrpc.server.SimpleXMLRPCServer`` run by ``/usr/bin/python3`` 3.11.2 (Debian
  ``python3.11`` 3.11.2-6+deb12u6), ``register_function(pow)``, with and without
  ``register_introspection_functions()``.
- websocketd 0.4.1 (Debian ``websocketd`` 0.4.1-1+b11), ``websocketd --address=127.0.0.1 --port=PORT cat``.
- python3-websockets 10.4 (Debian ``python3-websockets`` 10.4-1), ``websockets.serve(echo, ...)`` under
  ``/usr/bin/python3``.
- nginx 1.22.1 (Debian ``nginx-light`` 1.22.1-9+deb12u9): ``location /ws`` proxying websocketd
  (``proxy_http_version 1.1``, ``Upgrade``/``Connection`` headers passed), ``location / { return 200 "hi\\n"; }``.
"""

#: The probe's Sec-WebSocket-Key while capturing (the Accept below answers it).
WS_KEY = "bmV0cmVmLWNhcHR1cmUta2=="

#: supervisord 4.2.5 to the xmlrpc probe's ``system.listMethods`` at /RPC2: 41 methods.
SUPERVISORD = (
    b"HTTP/1.1 200 OK\r\nServer: Medusa/1.12\r\nDate: Fri, 04 Dec 2026 18:37:12 GMT\r\n"
    b"Content-Type: text/xml\r\nContent-Length: 2509\r\n\r\n<?xml version='1.0'?>\n<methodResponse>\n"
    b"<params>\n<param>\n<value><array><data>\n<value><string>supervisor.addProcessGroup</string></value>\n"
    b"<value><string>supervisor.clearAllProcessLogs</string></value>\n"
    b"<value><string>supervisor.clearLog</string></value>\n"
    b"<value><string>supervisor.clearProcessLog</string></value>\n"
    b"<value><string>supervisor.clearProcessLogs</string></value>\n"
    b"<value><string>supervisor.getAPIVersion</string></value>\n"
    b"<value><string>supervisor.getAllConfigInfo</string></value>\n"
    b"<value><string>supervisor.getAllProcessInfo</string></value>\n"
    b"<value><string>supervisor.getIdentification</string></value>\n"
    b"<value><string>supervisor.getPID</string></value>\n"
    b"<value><string>supervisor.getProcessInfo</string></value>\n"
    b"<value><string>supervisor.getState</string></value>\n"
    b"<value><string>supervisor.getSupervisorVersion</string></value>\n"
    b"<value><string>supervisor.getVersion</string></value>\n"
    b"<value><string>supervisor.readLog</string></value>\n"
    b"<value><string>supervisor.readMainLog</string></value>\n"
    b"<value><string>supervisor.readProcessLog</string></value>\n"
    b"<value><string>supervisor.readProcessStderrLog</string></value>\n"
    b"<value><string>supervisor.readProcessStdoutLog</string></value>\n"
    b"<value><string>supervisor.reloadConfig</string></value>\n"
    b"<value><string>supervisor.removeProcessGroup</string></value>\n"
    b"<value><string>supervisor.restart</string></value>\n"
    b"<value><string>supervisor.sendProcessStdin</string></value>\n"
    b"<value><string>supervisor.sendRemoteCommEvent</string></value>\n"
    b"<value><string>supervisor.shutdown</string></value>\n"
    b"<value><string>supervisor.signalAllProcesses</string></value>\n"
    b"<value><string>supervisor.signalProcess</string></value>\n"
    b"<value><string>supervisor.signalProcessGroup</string></value>\n"
    b"<value><string>supervisor.startAllProcesses</string></value>\n"
    b"<value><string>supervisor.startProcess</string></value>\n"
    b"<value><string>supervisor.startProcessGroup</string></value>\n"
    b"<value><string>supervisor.stopAllProcesses</string></value>\n"
    b"<value><string>supervisor.stopProcess</string></value>\n"
    b"<value><string>supervisor.stopProcessGroup</string></value>\n"
    b"<value><string>supervisor.tailProcessLog</string></value>\n"
    b"<value><string>supervisor.tailProcessStderrLog</string></value>\n"
    b"<value><string>supervisor.tailProcessStdoutLog</string></value>\n"
    b"<value><string>system.listMethods</string></value>\n"
    b"<value><string>system.methodHelp</string></value>\n"
    b"<value><string>system.methodSignature</string></value>\n"
    b"<value><string>system.multicall</string></value>\n</data></array></value>\n</param>\n</params>\n"
    b"</methodResponse>\n"
)
#: supervisord 4.2.5 with ``username``/``password``: the same call, no credentials.
SUPERVISORD_401 = (
    b"HTTP/1.1 401 Unauthorized\r\nServer: Medusa/1.12\r\nDate: Fri, 04 Dec 2026 18:37:12 GMT\r\n"
    b'Connection: close\r\nWWW-Authenticate: Basic realm="default"\r\nContent-Length: 137\r\n'
    b"Content-Type: text/html\r\n\r\n<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
    b"<h1>Error response</h1>\r\n<p>Error code 401.\r\n<p>Message: Unauthorized.\r\n</body>\r\n"
)
#: supervisord 4.2.5, ``--path /nope``: a 400 (Medusa's answer to a POST elsewhere).
SUPERVISORD_OTHER_PATH = (
    b"HTTP/1.1 400 Bad Request\r\nServer: Medusa/1.12\r\nDate: Fri, 04 Dec 2026 18:37:12 GMT\r\n"
    b"Content-Length: 136\r\nContent-Type: text/html\r\n\r\n<head>\r\n<title>Error response</title>\r\n"
    b"</head>\r\n<body>\r\n<h1>Error response</h1>\r\n<p>Error code 400.\r\n<p>Message: Bad Request.\r\n"
    b"</body>\r\n"
)
#: SimpleXMLRPCServer (Python 3.11.2) with introspection: 4 methods.
PYTHON_XMLRPC = (
    b"HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11.2\r\nDate: Fri, 04 Dec 2026 18:37:12 GMT\r\n"
    b"Content-type: text/xml\r\nContent-length: 330\r\n\r\n<?xml version='1.0'?>\n<methodResponse>\n"
    b"<params>\n<param>\n<value><array><data>\n<value><string>pow</string></value>\n"
    b"<value><string>system.listMethods</string></value>\n"
    b"<value><string>system.methodHelp</string></value>\n"
    b"<value><string>system.methodSignature</string></value>\n</data></array></value>\n</param>\n"
    b"</params>\n</methodResponse>\n"
)
#: SimpleXMLRPCServer (Python 3.11.2) without introspection: a Fault.
PYTHON_XMLRPC_FAULT = (
    b"HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6 Python/3.11.2\r\nDate: Fri, 04 Dec 2026 18:37:12 GMT\r\n"
    b"Content-type: text/xml\r\nContent-length: 325\r\n\r\n<?xml version='1.0'?>\n<methodResponse>\n"
    b"<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n"
    b"<member>\n<name>faultString</name>\n"
    b"<value><string>&lt;class 'Exception'&gt;:method \"system.listMethods\" is not supported</string></value>\n"
    b"</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
)
#: websocketd 0.4.1 to the xmlrpc probe's POST (no WebSocket upgrade asked): 404.
WEBSOCKETD_TO_XMLRPC = (
    b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"X-Content-Type-Options: nosniff\r\nDate: Fri, 04 Dec 2026 18:37:12 GMT\r\nContent-Length: 19\r\n\r\n"
    b"404 page not found\n"
)
#: websocketd 0.4.1 to the websocket probe: 101, then its Close reply (code 1000).
WEBSOCKETD = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: zquySgQgxNZIedC2XYqh0PBulWk=\r\n\r\n\x88\x02\x03\xe8"
)
#: python3-websockets 10.4 to the websocket probe: 101 with permessage-deflate, then Close 1000.
PYTHON_WEBSOCKETS = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: zquySgQgxNZIedC2XYqh0PBulWk=\r\n"
    b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12; client_max_window_bits=12\r\n"
    b"Date: Fri, 04 Dec 2026 18:37:12 GMT\r\nServer: Python/3.11 websockets/10.4\r\n\r\n\x88\x02\x03\xe8"
)
#: nginx 1.22.1 proxying websocketd 0.4.1 (``--path /ws``): 101, then websocketd's Close reply.
NGINX_WEBSOCKETD = (
    b"HTTP/1.1 101 Switching Protocols\r\nServer: nginx/1.22.1\r\nDate: Fri, 04 Dec 2026 18:37:12 GMT\r\n"
    b"Connection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: zquySgQgxNZIedC2XYqh0PBulWk=\r\n"
    b"\r\n\x88\x02\x03\xe8"
)
#: nginx 1.22.1 at ``/`` (``return 200``) to the websocket probe: a plain 200, no upgrade.
NGINX_200 = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Fri, 04 Dec 2026 18:37:12 GMT\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nhi\n"
)
#: supervisord 4.2.5 to the catalogue's xmlrpc hello (``POST /RPC2 HTTP/1.0``), the first 400 bytes.
SUPERVISORD_TO_HELLO = (
    b"HTTP/1.0 200 OK\r\nServer: Medusa/1.12\r\nDate: Fri, 04 Dec 2026 18:37:42 GMT\r\n"
    b"Content-Type: text/xml\r\nContent-Length: 2509\r\n\r\n<?xml version='1.0'?>\n<methodResponse>\n"
    b"<params>\n<param>\n<value><array><data>\n<value><string>supervisor.addProcessGroup</string></value>\n"
    b"<value><string>supervisor.clearAllProcessLogs</string></value>\n"
    b"<value><string>supervisor.clearLog</string></value>\n<value><string>supervisor."
)
#: websocketd 0.4.1 to the catalogue's websocket hello (its fixed key).
WEBSOCKETD_TO_HELLO = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: uQYxHZY4FoBPIu7h1R1HoQwDBHU=\r\n\r\n"
)
#: websocketd 0.4.1 to the catalogue's http hello (``GET / HTTP/1.0``).
WEBSOCKETD_TO_GET = (
    b"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"X-Content-Type-Options: nosniff\r\nDate: Fri, 04 Dec 2026 18:37:43 GMT\r\nContent-Length: 19\r\n\r\n"
    b"404 page not found\n"
)
