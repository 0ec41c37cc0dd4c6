#!/bin/sh
# make-cert.sh DIR: a bench CA and an ECDSA P-256 server certificate for
# localhost / 127.0.0.1, both made with the openssl command.
set -e
dir=$1
mkdir -p "$dir"
cd "$dir"
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=libqssl bench CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem
openssl ecparam -name prime256v1 -genkey -noout -out server.key.sec1
# PKCS#8: what every implementation reads
openssl pkcs8 -topk8 -nocrypt -in server.key.sec1 -out server.key
rm -f server.key.sec1
openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
cat > server.ext <<EOT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EOT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 3650 \
  -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
