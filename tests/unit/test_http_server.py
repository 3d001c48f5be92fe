#!/usr/bin/env python3
# SPDX-License-Identifier: EUPL-1.2
# HTTPS test server for tests/unit/test_http: requires a client certificate
# from the test CA and answers per path (echo, SOAP faults, slow, big, a
# minimal isReachable/deliverSecure responder that logs each call).
# Usage: test_http_server.py PKI_DIR PORT_FILE
import http.server, os, re, ssl, sys, time
d, port_file = sys.argv[1], sys.argv[2]
SOAP = 'http://schemas.xmlsoap.org/soap/envelope/'
def env(x): return '<?xml version="1.0"?><s:Envelope xmlns:s="%s"><s:Body>%s</s:Body></s:Envelope>' % (SOAP, x)
FAULT = env('<s:Fault><faultcode>s:Server</faultcode><faultstring>bad</faultstring><detail>'
            '<c:applicationFault xmlns:c="http://minameddelanden.gov.se/schema/Common/v3"><c:ErrorCode>5006</c:ErrorCode>'
            '<c:Description>Signature incorrect</c:Description><c:CallId>abcdefghij0123456789</c:CallId>'
            '</c:applicationFault></detail></s:Fault>')
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def send(self, code, body, ctype='text/xml; charset=UTF-8', chunked=False):
        b = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        if chunked:
            self.send_header('Transfer-Encoding', 'chunked'); self.end_headers()
            for i in range(0, len(b), 65536):
                c = b[i:i + 65536]
                self.wfile.write(b'%x\r\n' % len(c) + c + b'\r\n')
            self.wfile.write(b'0\r\n\r\n')
        else:
            self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        data = self.rfile.read(n) if n else b''
        p = self.path
        if p == '/echo':
            cn = dict(x[0] for x in self.connection.getpeercert()['subject']).get('commonName', '')
            self.send(200, 'client=%s port=%d method=%s ct=%s soapaction=%s x=%s len=%d body=%s' % (
                cn, self.client_address[1], self.command, self.headers.get('Content-Type'),
                self.headers.get('SOAPAction'), self.headers.get('X-Test'), len(data), data.decode()), 'text/plain')
        elif p == '/soap-ok': self.send(200, env('<r:pong xmlns:r="urn:test">ok</r:pong>'))
        elif p == '/fault500': self.send(500, FAULT)
        elif p == '/plain503': self.send(503, '<html>Service Unavailable</html>', 'text/html')
        elif p == '/notfound': self.send(404, '<html>Not Found</html>', 'text/html')
        elif p == '/garbage': self.send(200, '<html><body>hello</body></html>', 'text/html')
        elif p == '/slow': time.sleep(4); self.send(200, 'late', 'text/plain')
        elif p == '/big': self.send(200, b'x' * (3 << 20), 'text/plain')
        elif p == '/bigchunked': self.send(200, b'x' * (3 << 20), 'text/plain', chunked=True)
        elif p == '/far':
            ids = re.findall(r'<rcp3:recipientId>(\d+)</rcp3:recipientId>', data.decode())
            with open(os.path.join(d, 'calls.log'), 'a') as f:
                f.write('%d|%s|%s\n' % (len(ids), self.headers.get('Content-Type'), self.headers.get('SOAPAction')))
            R = 'http://minameddelanden.gov.se/schema/Recipient'
            out = ''.join('<ns2:return><ns3:AccountStatus><ns3:RecipientId>%s</ns3:RecipientId><ns3:Type>%s</ns3:Type>'
                          '<ns3:Pending>false</ns3:Pending><ns3:ServiceSupplier><ns3:Id>165567828172</ns3:Id>'
                          '<ns3:Name>Op%s</ns3:Name><ns3:ServiceAdress>https://op.example/v3</ns3:ServiceAdress>'
                          '<ns3:InternalServiceAdress/></ns3:ServiceSupplier></ns3:AccountStatus>'
                          '<ns3:SenderAccepted>true</ns3:SenderAccepted></ns2:return>'
                          % (i, 'Not' if i.endswith('7') else 'Secure', i) for i in ids if not i.endswith('9'))
            self.send(200, env('<ns2:isReachableResponse xmlns:ns2="%s/v3" xmlns:ns3="%s">%s</ns2:isReachableResponse>'
                               % (R, R, out)))
        elif p == '/deliver':
            S = 'http://minameddelanden.gov.se/schema/Service'
            self.send(200, env('<a:deliverSecureResponse xmlns:a="%s/v3" xmlns:b="%s"><a:return><b:TransId>TX-%d</b:TransId>'
                               '<b:Status><b:RecipientId>191212121212</b:RecipientId><b:Delivered>true</b:Delivered>'
                               '</b:Status></a:return></a:deliverSecureResponse>' % (S, S, len(data))))
        else: self.send(404, 'no such path', 'text/plain')
    do_GET = do_POST = handle_any
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(d, 'server.crt'), os.path.join(d, 'server.key'))
ctx.load_verify_locations(os.path.join(d, 'ca.crt'))
ctx.verify_mode = ssl.CERT_REQUIRED
class S(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address): pass
srv = S(('127.0.0.1', 0), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(port_file + '.tmp', 'w') as f: f.write(str(srv.server_address[1]))
os.rename(port_file + '.tmp', port_file)
srv.serve_forever()
