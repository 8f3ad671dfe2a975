#!/usr/bin/env python3
"""Writes the seed corpora of the fuzzers (fuzz/corpus/<target>/seed-*).

The seeds are committed; this script documents how they were made and
rebuilds them: python3 fuzz/make_corpus.py.  Regression inputs found by
fuzzing live next to them as crash-*/leak-*/timeout-* and are not touched.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def u16(v): return struct.pack('<H', v)
def u32(v): return struct.pack('<I', v & 0xFFFFFFFF)
def u64(v): return struct.pack('<Q', v & 0xFFFFFFFFFFFFFFFF)


def s(text):
    if text is None:
        return u32(0xFFFFFFFF)
    b = text.encode()
    return u32(len(b)) + b


def blob(data):
    return u32(0xFFFFFFFF) if data is None else u32(len(data)) + data


GUID = bytes(range(1, 17))
JOB0 = bytes(16)                    # fuzz_ipc placeholder: job 0
JOB1 = bytes(15) + b'\x01'          # job 1


def frame(type_, seq, payload):
    return u32(len(payload) + 8) + u16(type_) + u16(0) + u32(seq) + payload


def job_info(files=1):
    out = GUID + u32(1) + u32(0) + u32(2) + s('name') + s('desc') + s('S-1-5-21-1')
    out += u64(100) + u64(10) + u32(files) + u32(0) + u64(1) + u64(2) + u64(0)
    out += u32(3) + s('C:\\prog.exe') + s(None) + u32(600) + u32(1209600)
    out += u32(0) + u32(0) + u32(0) + u32(0xFFFFFFFF) + u64(0) + u64(0) + s(None)
    out += u32(0) + s(None) + s(None) + u32(files)
    for i in range(files):
        out += s('http://127.0.0.1/f%d' % i) + s('C:\\f%d' % i) + u64(100) + u64(10) + u32(0)
    out += u32(0) + u32(0) + u32(7776000) + s('X-A: 1') + u32(0) + u32(1) + u32(0)
    out += s('MY') + blob(bytes(20)) + s(None) + u32(0) + bytes(16) + u32(0) + u32(0)
    out += u64(0) + u32(0) + u32(500) + u32(0) + s('GET') + u32(0)
    for i in range(files):
        out += s('/tmp/x%d' % i) + u32(1) + u32(1) + u64(0) + u64(5)
    return out


def codec_seeds():
    return {
        'header': frame(5, 7, GUID),
        'job-info': job_info(1),
        'job-info-2files': job_info(2),
        'program': bytes([6, 4, 1, 5, 6, 2, 7]) + s('abc') + u32(5) + blob(b'xy') + GUID
                   + u64(9) + job_info(0),
        'guid-text': b'{01020304-0506-0708-090A-0B0C0D0E0F10}',
    }


def rec(type_, payload):
    return bytes([type_]) + u16(len(payload)) + payload


def ipc_seeds():
    create_dl = rec(2, s('dl') + u32(0))
    create_up = rec(2, s('up') + u32(1))
    create_reply = rec(2, s('reply') + u32(2))
    add = rec(7, JOB0 + s('http://127.0.0.1:1/a') + s('C:\\a') + s('/tmp/winebits-fuzz-a'))
    return {
        # flags 1: hello first; chunk 0
        'lifecycle': b'\x01\x00' + create_dl + add + rec(5, JOB0) + rec(8, JOB0 + u32(1))
                     + rec(8, JOB0 + u32(2)) + rec(8, JOB0 + u32(3)) + rec(4, u32(0)),
        'props': b'\x01\x00' + create_up
                 + rec(6, JOB0 + u32(1) + s('new name'))
                 + rec(6, JOB0 + u32(2) + s('description'))
                 + rec(6, JOB0 + u32(3) + u32(1))
                 + rec(6, JOB0 + u32(5) + s('C:\\n.exe') + s('a b'))
                 + rec(6, JOB0 + u32(9) + u32(2) + s('proxy:8080') + s('<local>'))
                 + rec(6, JOB0 + u32(14) + s('X-A: 1\r\nX-B: 2'))
                 + rec(6, JOB0 + u32(17) + u32(5) + u64(1000))
                 + rec(6, JOB0 + u32(16) + u32(1) + u32(1) + s('MY') + blob(bytes(20)) + s(None))
                 + rec(5, JOB0),
        'ranges': b'\x03\x00' + create_dl
                  + rec(15, JOB0 + s('http://127.0.0.1:1/r') + s('C:\\r') + s('/tmp/winebits-fuzz-r')
                        + u32(2) + u64(0) + u64(10) + u64(100) + u64(0xFFFFFFFFFFFFFFFF))
                  + rec(16, JOB0 + u32(0) + u32(2) + u32(1))
                  + rec(17, JOB0 + u32(0) + u32(3))
                  + rec(12, JOB0 + u32(1)) + rec(14, JOB0 + u32(1) + u32(0)),
        'creds': b'\x01\x05' + create_reply + create_dl
                 + rec(10, JOB1 + u32(0) + u32(1) + s('user') + s('pw'))
                 + rec(11, JOB1 + u32(0) + u32(1))
                 + rec(18, JOB0 + blob(b'cert') + blob(b'key'))
                 + rec(9, JOB0) + rec(3, JOB1) + rec(8, JOB1 + u32(5) + s('S-1-5-18')),
        'raw-hello': b'\x04\x00' + frame(1, 1, s('0' * 64) + u32(1) + u32(1) + s('S-1-5-18') + u32(0)),
    }


def http_seeds():
    return {
        'create-session': b'HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\n'
                          b'BITS-Protocol: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\n'
                          b'BITS-Session-Id: {11111111-2222-3333-4444-555555555555}\r\n'
                          b'BITS-Host-Id: 127.0.0.1:8081\r\nBITS-Host-Id-Fallback-Timeout: 30\r\n'
                          b'Content-Length: 0\r\n\r\n',
        'fragment-ack': b'HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\n'
                        b'BITS-Received-Content-Range: 1048576\r\nBITS-Reply-URL: /replies/42\r\n\r\n',
        'bits-error': b'HTTP/1.1 500 Internal Server Error\r\nBITS-Packet-Type: Ack\r\n'
                      b'BITS-Error-Code: 0x80200011\r\nBITS-Error-Context: 0x7\r\n\r\n',
        'partial': b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 206 Partial Content\r\n'
                   b'Content-Range: bytes 100-199/200\r\nContent-Length: 100\r\n'
                   b'ETag: "abc"\r\nLast-Modified: Sun, 22 Nov 2026 00:00:00 GMT\r\n\r\n',
        'redirect': b'HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/x\r\n\r\n'
                    b'HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */50\r\n\r\n',
    }


def answers(kind, *heads):
    out = bytes([kind])
    for a in heads:
        out += u16(len(a)) + a
    return out


ACK = (b'HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nContent-Length: 0\r\n')
SESSION = (ACK + b'BITS-Protocol: {7df0354d-249b-430f-820d-3d2a9bef4931}\r\n'
           b'BITS-Session-Id: {11111111-2222-3333-4444-555555555555}\r\n\r\n')


def engine_seeds():
    return {
        'upload': answers(0, SESSION, ACK + b'BITS-Received-Content-Range: 3000\r\n\r\n',
                          ACK + b'\r\n'),
        'upload-resync': answers(0, SESSION, ACK + b'BITS-Received-Content-Range: 1000\r\n\r\n',
                                 ACK + b'BITS-Received-Content-Range: 3000\r\n\r\n', ACK + b'\r\n'),
        'upload-reply': answers(1, SESSION, ACK + b'BITS-Received-Content-Range: 3000\r\n'
                                b'BITS-Reply-URL: /replies/1\r\n\r\n',
                                b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: "r"\r\n\r\nhello',
                                ACK + b'\r\n'),
        'upload-error': answers(0, SESSION, b'HTTP/1.1 500 Error\r\nBITS-Packet-Type: Ack\r\n'
                                b'BITS-Error-Code: 0x80200011\r\nBITS-Error-Context: 0x7\r\n'
                                b'Content-Length: 0\r\n\r\n'),
        'download': answers(2, b'HTTP/1.1 200 OK\r\nContent-Length: 10\r\nETag: "x"\r\n\r\n0123456789'),
        'download-resume': answers(3, b'HTTP/1.1 206 Partial Content\r\n'
                                   b'Content-Range: bytes 100-999/1000\r\nETag: "v1"\r\n'
                                   b'Content-Length: 900\r\n\r\n' + b'x' * 900),
        'download-truncated': answers(2, b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort',
                                      b'HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 5-9/10\r\n'
                                      b'Content-Length: 5\r\n\r\n56789'),
    }


def main():
    for target, seeds in (('codec', codec_seeds()), ('ipc', ipc_seeds()),
                          ('http_answer', http_seeds()), ('engine', engine_seeds())):
        d = os.path.join(HERE, 'corpus', target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, 'seed-' + name), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main()
