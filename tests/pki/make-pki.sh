#!/usr/bin/env bash
# Generates the test PKI into OUTDIR: CAs, server and client certificates in
# good and broken variants, keys of every algorithm, PKCS#12 bundles and OCSP
# responses. The tests run it through meson; its output is never committed.
#
#   tests/pki/make-pki.sh OUTDIR
#
# Re-running is cheap: when OUTDIR/stamp is newer than this script nothing is
# done. A fresh PKI is built in a temporary directory and moved into place, so
# an interrupted run never leaves a half PKI behind a stamp.
set -euo pipefail

out=${1:?usage: make-pki.sh OUTDIR}
script=$(readlink -f "$0")

if [ -f "$out/stamp" ] && [ "$out/stamp" -nt "$script" ]; then
  exit 0
fi

parent=$(dirname "$(readlink -m "$out")")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.pki.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir keys
log=$work/openssl.log
: > "$log"

ossl() {
  if ! openssl "$@" >>"$log" 2>&1; then
    echo "make-pki.sh: openssl $* failed:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}

subject_base="/C=DE/ST=Berlin/L=Berlin/O=libqssl tests/OU=Testing"
server_san="DNS:localhost,IP:127.0.0.1,IP:::1,email:server@example.test"

rsa_key() { ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"${2:-2048}" -out "$1"; }
ec_key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"${2:-P-256}" -out "$1"; }

# ext_file NAME LINES...: an extension section [ext] for openssl x509 -extfile
ext_file() {
  local name=$1; shift
  printf '[ext]\n' > "$name"
  printf '%s\n' "$@" >> "$name"
}

# sign NAME ISSUER EXTFILE [startdate enddate]: NAME.csr -> NAME.pem
# Uses `openssl ca` so that past and future validity periods can be set.
sign() {
  local name=$1 issuer=$2 ext=$3 start=${4:-} end=${5:-}
  local db=ca-db-$issuer
  if [ ! -d "$db" ]; then
    mkdir "$db"
    : > "$db/index.txt"
    cat > "$db/ca.cnf" <<EOF
[ca]
default_ca = this
[this]
database = $db/index.txt
new_certs_dir = $db
rand_serial = yes
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = optional
organizationName = optional
organizationalUnitName = optional
countryName = optional
stateOrProvinceName = optional
localityName = optional
emailAddress = optional
EOF
  fi
  local dates=(-days 3650)
  if [ -n "$start" ]; then
    dates=(-startdate "$start" -enddate "$end")
  fi
  ossl ca -batch -config "$db/ca.cnf" -cert "$issuer.pem" -keyfile "$issuer.key" \
    -in "$name.csr" -out "$name.pem" -extfile "$ext" -extensions ext -notext \
    -preserveDN "${dates[@]}"
  rm -f "$name.csr"
}

csr() { # csr NAME SUBJECT
  ossl req -new -key "$1.key" -subj "$2" -out "$1.csr"
}

# self_signed NAME SUBJECT EXTLINES...: a self-signed certificate with exactly
# the given extensions (no defaults from the system openssl.cnf).
self_signed() {
  local name=$1 subject=$2; shift 2
  { printf '[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n[dn]\n'
    printf '[ext]\n'; printf '%s\n' "$@"; } > "$name.req.cnf"
  ossl req -new -x509 -config "$name.req.cnf" -key "$name.key" -subj "$subject" -days 3650 \
    -sha256 -out "$name.pem"
  rm -f "$name.req.cnf"
}

# Root CA (self-signed, valid for ten years).
ec_key ca.key
self_signed ca "$subject_base/CN=libqssl Test Root CA" "basicConstraints=critical,CA:TRUE" \
  "keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash"

# Intermediate CA, with authorityInfoAccess so extension decoding has a case.
ec_key intermediate.key
csr intermediate "$subject_base/CN=libqssl Test Intermediate CA"
ext_file intermediate.ext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  "keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash" \
  "authorityKeyIdentifier=keyid" \
  "authorityInfoAccess=OCSP;URI:http://ocsp.example.test/,caIssuers;URI:http://ca.example.test/root.der"
sign intermediate ca intermediate.ext
cat ca.pem intermediate.pem > ca-bundle.pem

# A second, untrusted root.
ec_key other-ca.key
self_signed other-ca "$subject_base/CN=libqssl Other CA" "basicConstraints=critical,CA:TRUE" \
  "keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash"

server_ext() { # server_ext FILE SAN KEYUSAGE
  local san=$2
  local lines=("basicConstraints=CA:FALSE" "keyUsage=critical,$3" "extendedKeyUsage=serverAuth"
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid")
  [ -n "$san" ] && lines+=("subjectAltName=$san")
  ext_file "$1" "${lines[@]}"
}
client_ext() {
  ext_file "$1" "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=clientAuth" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
}
server_ext rsa-server.ext "$server_san" "digitalSignature,keyEncipherment"
server_ext ec-server.ext "$server_san" "digitalSignature"
client_ext client.ext

# leaf NAME KEYTYPE SUBJECT EXTFILE ISSUER [start end]
leaf() {
  local name=$1 keytype=$2 subject=$3 ext=$4 issuer=$5
  if [ "$keytype" = rsa ]; then rsa_key "$name.key"; else ec_key "$name.key"; fi
  csr "$name" "$subject"
  sign "$name" "$issuer" "$ext" "${6:-}" "${7:-}"
  if [ "$issuer" = intermediate ]; then
    cat "$name.pem" intermediate.pem > "$name-chain.pem"
  elif [ "$issuer" = other-ca ]; then
    cat "$name.pem" other-ca.pem > "$name-chain.pem"
  fi
}

leaf server-rsa rsa "$subject_base/CN=localhost" rsa-server.ext intermediate
leaf server-ec ec "$subject_base/CN=localhost" ec-server.ext intermediate
leaf expired ec "$subject_base/CN=localhost" ec-server.ext intermediate 20200101000000Z 20210101000000Z
leaf not-yet-valid ec "$subject_base/CN=localhost" ec-server.ext intermediate 20900101000000Z 20910101000000Z
server_ext wrong-host.ext "DNS:wrong.example.test" "digitalSignature"
leaf wrong-host ec "$subject_base/CN=wrong.example.test" wrong-host.ext intermediate
server_ext wildcard.ext "DNS:*.example.test" "digitalSignature"
leaf wildcard ec "$subject_base/CN=*.example.test" wildcard.ext intermediate
server_ext ip-only.ext "IP:127.0.0.1,IP:::1" "digitalSignature"
leaf ip-only ec "/O=libqssl tests" ip-only.ext intermediate
server_ext cn-only.ext "" "digitalSignature"
leaf cn-only ec "$subject_base/CN=localhost" cn-only.ext intermediate
leaf unknown-ca ec "$subject_base/CN=localhost" ec-server.ext other-ca
leaf revoked ec "$subject_base/CN=localhost" ec-server.ext intermediate

client_subject="$subject_base/CN=libqssl test client/emailAddress=client@example.test"
leaf client rsa "$client_subject" client.ext intermediate
leaf client-ec ec "$client_subject" client.ext intermediate
leaf client-expired ec "$client_subject" client.ext intermediate 20200101000000Z 20210101000000Z
leaf client-untrusted ec "$client_subject" client.ext other-ca

# Self-signed leaf (not a CA).
ec_key self-signed.key
self_signed self-signed "$subject_base/CN=localhost" "basicConstraints=CA:FALSE" \
  "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" "extendedKeyUsage=serverAuth"

# OCSP responder and responses, built offline with an index database.
ext_file ocsp.ext "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
  "extendedKeyUsage=OCSPSigning"
leaf ocsp-responder ec "$subject_base/CN=libqssl OCSP responder" ocsp.ext intermediate
ossl ca -config ca-db-intermediate/ca.cnf -cert intermediate.pem -keyfile intermediate.key \
  -revoke revoked.pem -crl_reason keyCompromise
ocsp_response() { # ocsp_response CERT OUT INDEX
  ossl ocsp -issuer intermediate.pem -cert "$1" -reqout "$2.req" -no_nonce
  ossl ocsp -index "$3" -rsigner ocsp-responder.pem \
    -rkey ocsp-responder.key -CA intermediate.pem -reqin "$2.req" -respout "$2" -ndays 30
  rm -f "$2.req"
}
ocsp_response server-rsa.pem ocsp-good.der ca-db-intermediate/index.txt
ocsp_response revoked.pem ocsp-revoked.der ca-db-intermediate/index.txt
# "unknown": the responder's database does not list the certificate.
grep -v "CN=\*.example.test" ca-db-intermediate/index.txt > unknown-index.txt
echo "unique_subject = no" > unknown-index.txt.attr
ocsp_response wildcard.pem ocsp-unknown.der unknown-index.txt
rm -f unknown-index.txt unknown-index.txt.attr

# Encrypted keys and PKCS#12 bundles (passphrase "secret").
ossl pkcs8 -topk8 -v2 aes-256-cbc -in server-rsa.key -passout pass:secret -out server-rsa-encrypted.key
ossl pkey -in server-rsa.key -traditional -aes256 -passout pass:secret -out server-rsa-encrypted-legacy.key
cat ca.pem > p12-cas.pem
cat intermediate.pem >> p12-cas.pem
ossl pkcs12 -export -inkey server-rsa.key -in server-rsa.pem -certfile p12-cas.pem \
  -passout pass:secret -out server-rsa.p12
ossl pkcs12 -export -inkey server-rsa.key -in server-rsa.pem -certfile p12-cas.pem \
  -passout pass: -out server-rsa-nopass.p12
rm -f p12-cas.pem

# Keys of each algorithm, private and public, PEM and DER.
rsa_key keys/rsa-2048.key 2048
rsa_key keys/rsa-1024.key 1024
ec_key keys/ec-p256.key P-256
ec_key keys/ec-p384.key P-384
ossl genpkey -genparam -algorithm DSA -pkeyopt pbits:2048 -out dsa-params.pem
ossl genpkey -paramfile dsa-params.pem -out keys/dsa-2048.key
rm -f dsa-params.pem
ossl genpkey -algorithm DH -pkeyopt group:ffdhe2048 -out keys/dh-2048.key
ossl genpkey -algorithm ED25519 -out keys/ed25519.key
for k in rsa-2048 ec-p256 dsa-2048 dh-2048; do
  ossl pkey -in "keys/$k.key" -pubout -out "keys/$k.pub.pem"
done
for k in rsa-2048 ec-p256; do
  ossl pkey -in "keys/$k.key" -outform DER -out "keys/$k.key.der"
  ossl pkey -in "keys/$k.key" -pubout -outform DER -out "keys/$k.pub.der"
done

# Broken inputs.
printf 'This is not a certificate.\nNeither PEM nor DER, just text.\n' > garbage.pem
head -c 700 server-rsa.pem > truncated.pem
echo "-----BEGIN CERTIFICATE-----" > begin-only.pem
: > empty.pem
{ printf '\x30\x82\x03\xe8'; head -c 1020 /dev/urandom; } > random.der

# A DER copy of every certificate.
for pem in *.pem; do
  case "$pem" in
    *-chain.pem|ca-bundle.pem|garbage.pem|truncated.pem|begin-only.pem|empty.pem) continue ;;
  esac
  ossl x509 -in "$pem" -outform DER -out "${pem%.pem}.der"
done

rm -rf ca-db-* ./*.ext "$log"
chmod 644 ./*.key keys/*.key

mkdir -p "$out"
rm -rf "${out:?}"/*
mv ./* "$out"/
date -u +%Y-%m-%dT%H:%M:%SZ > "$out/stamp"
echo "test PKI written to $out"
