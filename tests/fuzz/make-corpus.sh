#!/usr/bin/env bash
# Builds the seed corpus of the fuzz targets from the test PKI:
#
#   tests/fuzz/make-corpus.sh PKI_DIR CAPTURE_PROGRAM OUTDIR
#
# OUTDIR/<target>/ gets one seed per file: certificates and keys of the PKI
# with the option byte each harness reads first (see the comment at the top
# of fuzz-<target>.c), patterns and cipher strings, and for the socket
# targets the byte streams CAPTURE_PROGRAM (fuzz-capture-handshake) records
# from real OpenSSL handshakes. meson runs it into the build tree; the corpus
# is never committed (only tests/fuzz/regressions is).
set -Eeuo pipefail
trap 'echo "make-corpus.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

if [ $# -ne 3 ]; then
  echo "usage: make-corpus.sh PKI_DIR CAPTURE_PROGRAM OUTDIR" >&2
  exit 2
fi
pki=$(readlink -f "$1")
capture=$(readlink -f "$2")
out=$(readlink -m "$3")

# Built beside OUTDIR and renamed into place: never half a corpus.
work=$(mktemp -d "$(dirname "$out")/.corpus.new.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir certificate key pkcs12 path cipher socket-client socket-server proxy-header

# seed TARGET NAME BYTE FILE: BYTE (two hex digits) followed by FILE
seed() {
  { printf "\\x$3"; cat "$4"; } > "$1/$2"
}
# text TARGET NAME BYTE STRING: BYTE followed by STRING
text() {
  { printf "\\x$3"; printf '%s' "$4"; } > "$1/$2"
}

# Certificates: bit 0 DER, bit 1 a list.
for name in ca server-rsa server-ec self-signed wildcard ip-only cn-only nul-in-san nul-in-cn client expired \
  garbage truncated begin-only empty; do
  seed certificate "$name.pem" 00 "$pki/$name.pem"
done
for name in ca-bundle server-rsa-chain deep-chain client-chain; do
  seed certificate "list-$name.pem" 02 "$pki/$name.pem"
done
for name in ca server-rsa server-ec intermediate; do
  seed certificate "$name.der" 01 "$pki/$name.der"
done
seed certificate list-server-ec.der 03 "$pki/server-ec.der"
seed certificate random.der 01 "$pki/random.der"

# Keys: bit 0 DER, bits 1-3 the algorithm (1 RSA, 2 DSA, 3 EC, 4 DH), bit 4
# public, bits 5-6 the passphrase (1 "secret", 3 "wrong"), bit 7 re-encrypt.
seed key rsa.pem 02 "$pki/server-rsa.key"
seed key rsa-1024.pem 02 "$pki/keys/rsa-1024.key"
seed key rsa-reencrypt.pem 82 "$pki/keys/rsa-1024.key"
seed key ec.pem 06 "$pki/keys/ec-p256.key"
seed key ec-p384.pem 86 "$pki/keys/ec-p384.key"
seed key dsa.pem 04 "$pki/keys/dsa-2048.key"
seed key dh.pem 08 "$pki/keys/dh-2048.key"
seed key ed25519.pem 00 "$pki/keys/ed25519.key"
seed key rsa.der 03 "$pki/keys/rsa-2048.key.der"
seed key ec.der 07 "$pki/keys/ec-p256.key.der"
seed key rsa-public.pem 12 "$pki/keys/rsa-2048.pub.pem"
seed key ec-public.pem 16 "$pki/keys/ec-p256.pub.pem"
seed key dsa-public.pem 14 "$pki/keys/dsa-2048.pub.pem"
seed key dh-public.pem 18 "$pki/keys/dh-2048.pub.pem"
seed key rsa-public.der 13 "$pki/keys/rsa-2048.pub.der"
seed key ec-public.der 17 "$pki/keys/ec-p256.pub.der"
seed key rsa-encrypted.pem 22 "$pki/server-rsa-encrypted.key"
seed key rsa-encrypted-legacy.pem 22 "$pki/server-rsa-encrypted-legacy.key"
seed key rsa-encrypted-wrong.pem 62 "$pki/server-rsa-encrypted.key"
seed key rsa-encrypted-none.pem 02 "$pki/server-rsa-encrypted-legacy.key"

# PKCS#12: the first byte's low two bits choose the passphrase (0 none,
# 1 "secret", 2 "", 3 "wrong").
seed pkcs12 secret.p12 01 "$pki/server-rsa.p12"
seed pkcs12 wrong.p12 03 "$pki/server-rsa.p12"
seed pkcs12 nopass.p12 00 "$pki/server-rsa-nopass.p12"
seed pkcs12 nopass-empty.p12 02 "$pki/server-rsa-nopass.p12"
seed pkcs12 not-pkcs12.der 00 "$pki/ca.der"

# Patterns below the fuzzer's temporary tree (see fuzz-path.c): syntax 0
# regular expression, 1 wildcard, 2 fixed string; bit 2 DER.
text path regex-pem 00 'certs/.*\.pem'
text path regex-any 00 '.*'
text path regex-alternation 00 '(certs|c[0-9])/[a-z-]+\.pem'
text path regex-der 04 'sub/deeper/.*\.der'
text path regex-invalid 00 'certs/(.*'
text path wildcard-pem 01 'certs/*.pem'
text path wildcard-dirs 01 'c?/*.pem'
text path wildcard-class 01 'c[0-9]/*'
text path wildcard-negated 01 'c[!1]/*.pem'
text path wildcard-deep 01 '*/*/*.pem'
text path wildcard-der 05 'certs/*.der'
text path fixed-pem 02 'certs/bundle.pem'
text path fixed-der 06 'certs/server-ec.der'
text path fixed-dir 02 'certs'

# Cipher strings: the first byte chooses the protocol for
# qssl_cipher_new_with_protocol (0 unknown, 3 TLS 1.2, 13 TLS 1.3).
text cipher tls12-name 03 'ECDHE-RSA-AES128-GCM-SHA256'
text cipher tls13-name 0d 'TLS_AES_128_GCM_SHA256'
text cipher list 00 'ECDHE-ECDSA-AES256-GCM-SHA384:TLS_CHACHA20_POLY1305_SHA256:AES128-SHA'
text cipher rules 05 'HIGH:!aNULL:!MD5:@STRENGTH'
text cipher mixed 05 ' TLS_AES_256_GCM_SHA384 : DEFAULT:+RSA:-DHE '
text cipher unknown 03 'NO-SUCH-CIPHER'
text cipher empty 00 ''

# PROXY protocol headers: the first byte is the size of the pieces they are
# sent in (0: at once); a ClientHello's first bytes follow some of them.
hello='\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03'
v2='\x0d\x0a\x0d\x0a\x00\x0d\x0a\x51\x55\x49\x54\x0a'
printf "\x00PROXY TCP4 203.0.113.7 192.0.2.1 40001 443\r\n$hello" > proxy-header/v1-tcp4
printf '\x01PROXY TCP6 2001:db8::7 2001:db8::1 40002 443\r\n' > proxy-header/v1-tcp6-bytewise
printf "\x05PROXY UNKNOWN\r\n$hello" > proxy-header/v1-unknown
printf "\x00$v2\x21\x11\x00\x0c\xc6\x33\x64\x09\xc0\x00\x02\x01\x9c\x43\x01\xbb$hello" > proxy-header/v2-inet
printf "\x03$v2\x21\x21\x00\x24\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x9c\x44\x01\xbb" > proxy-header/v2-inet6
printf "\x07$v2\x21\x11\x00\x14\xc6\x33\x64\x09\xc0\x00\x02\x01\x9c\x43\x01\xbb\x01\x00\x02h2\x04\x00\x01\x00$hello" > proxy-header/v2-tlvs
printf "\x00$v2\x20\x00\x00\x00$hello" > proxy-header/v2-local
printf "\x00$hello" > proxy-header/no-header

# Socket targets: recorded handshakes, plus an immediate EOF and an alert.
"$capture" "$pki" "$work"
: > socket-client/empty
: > socket-server/empty
printf '\x15\x03\x03\x00\x02\x02\x28' > socket-client/alert
printf '\x15\x03\x03\x00\x02\x02\x28' > socket-server/alert

chmod 755 "$work"
cd /
rm -rf "$out"
mv "$work" "$out"
trap - EXIT
echo "fuzz corpus written to $out"
