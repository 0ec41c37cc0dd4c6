#!/usr/bin/env bash
# Generates the test PKI into OUTDIR: CAs, server and client certificates in
# good and broken variants, keys of every algorithm, PKCS#12 bundles and OCSP
# responses. The tests run it through meson; its output is never committed.
#
#   tests/pki/make-pki.sh OUTDIR
#
# Needs only the openssl 3.0 command line and coreutils. Re-running is cheap:
# when OUTDIR/stamp is newer than this script nothing is done. A fresh PKI is
# built in a temporary directory beside OUTDIR and swapped in with rename(2),
# so an interrupted run never leaves a half PKI behind a stamp.
set -Eeuo pipefail
umask 022
trap 'echo "make-pki.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: make-pki.sh OUTDIR" >&2
  exit 2
fi
out=$(readlink -m "$1")
script=$(readlink -f "${BASH_SOURCE[0]}")

if [ -f "$out/stamp" ] && [ "$out/stamp" -nt "$script" ]; then
  exit 0
fi

command -v openssl >/dev/null || { echo "make-pki.sh: openssl not found" >&2; exit 1; }

parent=$(dirname "$out")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.$(basename "$out").new.XXXXXX")
old=
trap 'rm -rf "$work" ${old:+"$old"}' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 755 "$work"
cd "$work"
mkdir keys db
log=$work/db/openssl.log
: > "$log"

# ossl ARGS...: run openssl quietly; on failure show its output and stop.
ossl() {
  if ! openssl "$@" >>"$log" 2>&1 </dev/null; then
    echo "make-pki.sh: 'openssl $*' failed:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
}

# Validity of every certificate that is not deliberately out of date: from a
# day ago (clock skew) for ten years. Both ends from one reading of the clock,
# so that a second ticking between two `date` calls cannot make it ten years
# and a second.
now=$(date -u +%s)
not_before=$(date -u -d "@$((now - 86400))" +%Y%m%d%H%M%SZ)
not_after=$(date -u -d "$(date -u -d "@$((now - 86400))" '+%Y-%m-%d %H:%M:%S') UTC 10 years" +%Y%m%d%H%M%SZ)

subject_base="/C=DE/ST=Berlin/L=Berlin/O=libqssl tests/OU=Testing"
server_san="DNS:localhost,IP:127.0.0.1,IP:::1,email:server@example.test"
client_subject="$subject_base/CN=libqssl test client/emailAddress=client@example.test"

# A [req] section, so that the system openssl.cnf plays no part.
printf '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n' > db/req.cnf

# ---------------------------------------------------------------------------
# Keys. They are independent of each other, so generate them in parallel.

rsa_key() { ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"${2:-2048}" -out "$1"; }
ec_key() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"${2:-P-256}" -out "$1"; }
dsa_key() {
  ossl genpkey -genparam -algorithm DSA -pkeyopt pbits:2048 -out db/dsa-params.pem
  ossl genpkey -paramfile db/dsa-params.pem -out "$1"
}

pids=()
bg() { # run in the background, with a log of its own
  local log=$work/db/job-${#pids[@]}.log
  "$@" &
  pids+=($!)
}
for name in server-rsa client ocsp-responder; do bg rsa_key "$name.key"; done
for name in ca intermediate other-ca server-ec expired not-yet-valid wrong-host self-signed \
  wildcard ip-only cn-only unknown-ca revoked client-ec client-expired client-untrusted \
  deep-ca-1 deep-ca-2 deep nul-in-san nul-in-cn ip-in-cn ip-and-cn vhost-a vhost-b vhost-c; do
  bg ec_key "$name.key"
done
bg rsa_key keys/rsa-2048.key 2048
bg rsa_key keys/rsa-1024.key 1024
bg ec_key keys/ec-p256.key P-256
bg ec_key keys/ec-p384.key P-384
bg dsa_key keys/dsa-2048.key
bg ossl genpkey -algorithm DH -pkeyopt group:ffdhe2048 -out keys/dh-2048.key
bg ossl genpkey -algorithm ED25519 -out keys/ed25519.key
failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
[ "$failed" = 0 ] || exit 1

# ---------------------------------------------------------------------------
# Certificates, all issued with `openssl ca` (it can set any validity period,
# where OpenSSL 3.0's `x509` and `req -x509` cannot start in the past).

# ext_file FILE LINES...: an extension section [ext]
ext_file() {
  local file=$1; shift
  { printf '[ext]\n'; printf '%s\n' "$@"; } > "$file"
}

# issue NAME ISSUER SUBJECT EXTFILE [STARTDATE ENDDATE]: NAME.key -> NAME.pem
# ISSUER is the base name of a CA in this directory, or "self". The serial is
# a random positive 16-byte number.
issue() {
  local name=$1 issuer=$2 subject=$3 ext=$4 start=${5:-$not_before} end=${6:-$not_after}
  local db=db/ca-$issuer signer=(-cert "$issuer.pem" -keyfile "$issuer.key")
  if [ "$issuer" = self ]; then
    db=db/self-$name
    signer=(-selfsign -keyfile "$name.key")
  fi
  if [ ! -d "$db" ]; then
    mkdir "$db"
    : > "$db/index.txt"
    cat > "$db/ca.cnf" <<EOF
[ca]
default_ca = this
[this]
database = $db/index.txt
new_certs_dir = $db
serial = $db/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = yes
[anything]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
EOF
  fi
  local serial
  serial=$(od -An -v -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%02X%s\n' $(( (0x${serial:0:2} & 0x7f) | 0x40 )) "${serial:2}" > "$db/serial"
  ossl req -new -config db/req.cnf -key "$name.key" -subj "$subject" -out "db/$name.csr"
  ossl ca -batch -config "$db/ca.cnf" "${signer[@]}" -in "db/$name.csr" -out "$name.pem" \
    -extfile "$ext" -extensions ext -notext -preserveDN -startdate "$start" -enddate "$end"
}

# leaf NAME ISSUER SUBJECT EXTFILE [STARTDATE ENDDATE]: issue, plus NAME-chain.pem
leaf() {
  issue "$@"
  cat "$1.pem" "$2.pem" > "$1-chain.pem"
}

ca_ext=("basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign"
  "subjectKeyIdentifier=hash")

# server_ext FILE SAN KEYUSAGE [EKU]: a leaf profile; no SAN line when SAN is empty
server_ext() {
  local lines=("basicConstraints=CA:FALSE" "keyUsage=critical,$3" "extendedKeyUsage=${4:-serverAuth}"
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid")
  [ -n "$2" ] && lines+=("subjectAltName=$2")
  ext_file "$1" "${lines[@]}"
}
server_ext db/server-rsa.ext "$server_san" "digitalSignature,keyEncipherment"
server_ext db/server-ec.ext "$server_san" "digitalSignature"
server_ext db/wrong-host.ext "DNS:wrong.example.test" "digitalSignature"
server_ext db/wildcard.ext "DNS:*.example.test" "digitalSignature"
for host in a b; do server_ext "db/vhost-$host.ext" "DNS:$host.example.test" "digitalSignature"; done
server_ext db/vhost-c.ext "DNS:c.example.org" "digitalSignature"
server_ext db/ip-only.ext "IP:127.0.0.1,IP:::1" "digitalSignature"
server_ext db/cn-only.ext "" "digitalSignature"
server_ext db/client-rsa.ext "" "digitalSignature,keyEncipherment" clientAuth
server_ext db/client-ec.ext "" "digitalSignature" clientAuth
server_ext db/ocsp.ext "" "digitalSignature" OCSPSigning
ext_file db/ca.ext "${ca_ext[@]}"
ext_file db/intermediate.ext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  "keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" \
  "authorityInfoAccess=OCSP;URI:http://ocsp.example.test/,caIssuers;URI:http://ca.example.test/root.der"
# Self-signed leaf: no keyUsage, so that OpenSSL treats it as self-signed.
ext_file db/self-signed.ext "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" \
  "subjectKeyIdentifier=hash" "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"

# Roots and the intermediate.
issue ca self "$subject_base/CN=libqssl Test Root CA" db/ca.ext
issue other-ca self "$subject_base/CN=libqssl Other CA" db/ca.ext
issue intermediate ca "$subject_base/CN=libqssl Test Intermediate CA" db/intermediate.ext
cat ca.pem intermediate.pem > ca-bundle.pem
# A chain with two intermediates (root > deep-ca-1 > deep-ca-2 > deep), for
# peer-verify-depth.
ext_file db/deep-ca.ext "${ca_ext[@]}" "authorityKeyIdentifier=keyid"
issue deep-ca-1 ca "$subject_base/CN=libqssl Deep CA 1" db/deep-ca.ext
issue deep-ca-2 deep-ca-1 "$subject_base/CN=libqssl Deep CA 2" db/deep-ca.ext

past=(20200101000000Z 20210101000000Z)
future=(20900101000000Z 20910101000000Z)
localhost="$subject_base/CN=localhost"

# Servers.
leaf server-rsa intermediate "$localhost" db/server-rsa.ext
leaf server-ec intermediate "$localhost" db/server-ec.ext
leaf expired intermediate "$localhost" db/server-ec.ext "${past[@]}"
leaf not-yet-valid intermediate "$localhost" db/server-ec.ext "${future[@]}"
leaf wrong-host intermediate "$subject_base/CN=wrong.example.test" db/wrong-host.ext
leaf wildcard intermediate "$subject_base/CN=*.example.test" db/wildcard.ext
# Virtual hosts (SNI): one name each, beside the wildcard.
leaf vhost-a intermediate "$subject_base/CN=a.example.test" db/vhost-a.ext
leaf vhost-b intermediate "$subject_base/CN=b.example.test" db/vhost-b.ext
leaf vhost-c intermediate "$subject_base/CN=c.example.org" db/vhost-c.ext
leaf ip-only intermediate "/O=libqssl tests" db/ip-only.ext
leaf cn-only intermediate "$localhost" db/cn-only.ext
leaf unknown-ca other-ca "$localhost" db/server-ec.ext
leaf revoked intermediate "$localhost" db/server-ec.ext
leaf deep deep-ca-2 "$localhost" db/server-ec.ext
cat deep-ca-1.pem >> deep-chain.pem
issue self-signed self "$localhost" db/self-signed.ext
# An IP address as the only name, in the CN: never valid for that address.
leaf ip-in-cn intermediate "$subject_base/CN=127.0.0.1" db/cn-only.ext
# CN=localhost beside IP SANs only: the CN is no name of the host then (Qt's
# rule; OpenSSL's own check would take it, as there is no DNS SAN).
leaf ip-and-cn intermediate "$localhost" db/ip-only.ext

# Names with an embedded NUL, which a check that stops at the NUL takes for
# "localhost". The SAN is written as DER: the text syntax cannot hold a NUL.
nul_name='localhost\0.evil.test'
hex_of() { printf "$1" | od -An -v -tx1 | tr -d ' \n'; }
dns=$(hex_of "$nul_name")
dns=$(printf '82%02x%s' $(( ${#dns} / 2 )) "$dns")   # [2] dNSName, IA5String
server_ext db/nul-in-san.ext "DER:$(printf '30%02x%s' $(( ${#dns} / 2 )) "$dns")" "digitalSignature"
leaf nul-in-san intermediate "$subject_base/CN=nul-in-san.example.test" db/nul-in-san.ext
# No SAN, so that the CN is the name. `-subj` cannot hold a NUL either:
# issue the certificate for "localhostX.evil.test", turn the X into a NUL,
# then sign it again: self-signed first without extensions (`x509 -CA`
# only re-signs a self-signed input), then by the intermediate, keeping the
# dates and adding the extensions back.
leaf nul-in-cn intermediate "$subject_base/CN=localhostX.evil.test" db/cn-only.ext
ossl x509 -in nul-in-cn.pem -outform DER -out db/nul-in-cn.der
offset=$(grep -obUa 'localhostX\.evil\.test' db/nul-in-cn.der | cut -d: -f1)
[ -n "$offset" ] || { echo "make-pki.sh: no CN in nul-in-cn.der" >&2; exit 1; }
printf '\0' | dd of=db/nul-in-cn.der bs=1 seek=$((offset + 9)) conv=notrunc status=none
ossl x509 -inform DER -in db/nul-in-cn.der -key nul-in-cn.key -clrext -preserve_dates -out db/nul-in-cn-self.pem
ossl x509 -in db/nul-in-cn-self.pem -CA intermediate.pem -CAkey intermediate.key -preserve_dates \
  -extfile db/cn-only.ext -extensions ext -out nul-in-cn.pem
cat nul-in-cn.pem intermediate.pem > nul-in-cn-chain.pem
openssl x509 -in nul-in-cn.pem -outform DER | od -An -v -tx1 | tr -d ' \n' | grep -q "$(hex_of "$nul_name")" || {
  echo "make-pki.sh: nul-in-cn.pem has the wrong CN" >&2; exit 1
}

# Clients.
leaf client intermediate "$client_subject" db/client-rsa.ext
leaf client-ec intermediate "$client_subject" db/client-ec.ext
leaf client-expired intermediate "$client_subject" db/client-ec.ext "${past[@]}"
leaf client-untrusted other-ca "$client_subject" db/client-ec.ext

# ---------------------------------------------------------------------------
# OCSP, built offline. ocsp-index.txt lists server-rsa as valid and revoked as
# revoked (keyCompromise); nothing else, so server-ec is "unknown".

issue ocsp-responder intermediate "$subject_base/CN=libqssl OCSP responder" db/ocsp.ext
ossl ca -config db/ca-intermediate/ca.cnf -cert intermediate.pem -keyfile intermediate.key \
  -revoke revoked.pem -crl_reason keyCompromise

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
awk -F'\t' -v a="$(serial_of server-rsa.pem)" -v b="$(serial_of revoked.pem)" \
  '$4 == a || $4 == b' db/ca-intermediate/index.txt > ocsp-index.txt
# Both entries share a subject, which an index with unique subjects refuses.
echo "unique_subject = no" > ocsp-index.txt.attr
if [ "$(grep -c '^V' ocsp-index.txt)" != 1 ] || [ "$(grep -c '^R.*keyCompromise' ocsp-index.txt)" != 1 ]; then
  echo "make-pki.sh: unexpected ocsp-index.txt:" >&2
  cat ocsp-index.txt >&2
  exit 1
fi

ocsp_response() { # ocsp_response CERT OUT
  ossl ocsp -issuer intermediate.pem -cert "$1" -no_nonce -reqout "db/${2##*/}.req"
  ossl ocsp -index ocsp-index.txt -rsigner ocsp-responder.pem -rkey ocsp-responder.key \
    -CA intermediate.pem -rmd sha256 -reqin "db/${2##*/}.req" -respout "$2" -ndays 30
}
ocsp_response server-rsa.pem ocsp-good.der
ocsp_response revoked.pem ocsp-revoked.der
ocsp_response server-ec.pem ocsp-unknown.der
# Signed by a key nobody trusts (the self-signed leaf's), named by key hash:
# its subject is also the servers'.
ossl ocsp -index ocsp-index.txt -rsigner self-signed.pem -rkey self-signed.key -resp_key_id \
  -CA intermediate.pem -rmd sha256 -reqin db/ocsp-good.der.req -respout ocsp-untrusted.der -ndays 30

# ocsp-expired.der: "good" for server-rsa, but produced and updated two hours
# ago with its next update an hour ago. `openssl ocsp` only dates responses
# now (-ndays/-nmin must be positive), so rewrite the three GeneralizedTimes
# of a fresh response in place and sign the changed tbsResponseData again.
# The responder key is RSA, so the signature keeps its length and no DER
# length changes.
ocsp_response server-rsa.pem db/ocsp-fresh.der
# asn1 FILE [ARGS]: "offset depth header-length length type" per element
asn1() {
  openssl asn1parse -inform DER -in "$@" |
    sed -E 's/^ *([0-9]+):d= *([0-9]+) +hl= *([0-9]+) +l= *([0-9]+) +(prim|cons): +([A-Za-z]+( [A-Za-z]+)*).*/\1 \2 \3 \4 \6/'
}
read -r oct_off _ oct_hl _ < <(asn1 db/ocsp-fresh.der | awk '$5 == "OCTET" && $2 == 3')
ossl asn1parse -inform DER -in db/ocsp-fresh.der -strparse "$oct_off" -noout -out db/basic.der
read -r tbs_off _ tbs_hl tbs_len _ < <(asn1 db/basic.der | awk '$2 == 1' | head -n 1)
read -r sig_off _ sig_hl sig_len _ < <(asn1 db/basic.der | awk '$2 == 1 && $5 == "BIT"')
mapfile -t times < <(asn1 db/basic.der | awk -v end=$((tbs_off + tbs_hl + tbs_len)) \
  '$5 == "GENERALIZEDTIME" && $1 < end { print $1 + $3 }')
[ "${#times[@]}" = 3 ] || { echo "make-pki.sh: unexpected OCSP response layout" >&2; exit 1; }
patch() { # patch FILE OFFSET: stdin over FILE's bytes at OFFSET
  dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# producedAt, thisUpdate, nextUpdate
printf '%s' "$(date -u -d '2 hours ago' +%Y%m%d%H%M%SZ)" | patch db/basic.der "${times[0]}"
printf '%s' "$(date -u -d '2 hours ago' +%Y%m%d%H%M%SZ)" | patch db/basic.der "${times[1]}"
printf '%s' "$(date -u -d '1 hour ago' +%Y%m%d%H%M%SZ)" | patch db/basic.der "${times[2]}"
tail -c +$((tbs_off + 1)) db/basic.der | head -c $((tbs_hl + tbs_len)) > db/tbs.der
ossl dgst -sha256 -sign ocsp-responder.key -out db/tbs.sig db/tbs.der
# The BIT STRING holds an "unused bits" byte, then the signature.
[ "$(stat -c %s db/tbs.sig)" = $((sig_len - 1)) ] || {
  echo "make-pki.sh: OCSP signature length changed" >&2; exit 1
}
patch db/basic.der $((sig_off + sig_hl + 1)) < db/tbs.sig
{ head -c $((oct_off + oct_hl)) db/ocsp-fresh.der; cat db/basic.der; } > ocsp-expired.der
[ "$(stat -c %s ocsp-expired.der)" = "$(stat -c %s db/ocsp-fresh.der)" ] || {
  echo "make-pki.sh: ocsp-expired.der has the wrong size" >&2; exit 1
}
ossl ocsp -respin ocsp-expired.der -CAfile ca.pem -verify_other intermediate.pem -no_nonce

# ---------------------------------------------------------------------------
# Encrypted keys and PKCS#12 bundles (passphrase "secret").

ossl pkcs8 -topk8 -v2 aes-256-cbc -in server-rsa.key -passout pass:secret -out server-rsa-encrypted.key
ossl rsa -in server-rsa.key -aes256 -traditional -passout pass:secret -out server-rsa-encrypted-legacy.key
cat ca.pem intermediate.pem > db/p12-cas.pem
ossl pkcs12 -export -inkey server-rsa.key -in server-rsa.pem -certfile db/p12-cas.pem \
  -passout pass:secret -out server-rsa.p12
ossl pkcs12 -export -inkey server-rsa.key -in server-rsa.pem -certfile db/p12-cas.pem \
  -passout pass: -out server-rsa-nopass.p12

# Public keys and DER forms of the key-type test keys.
for k in rsa-2048 ec-p256 dsa-2048 dh-2048; do
  ossl pkey -in "keys/$k.key" -pubout -out "keys/$k.pub.pem"
done
for k in rsa-2048 ec-p256; do
  ossl pkey -in "keys/$k.key" -outform DER -out "keys/$k.key.der"
  ossl pkey -in "keys/$k.key" -pubout -outform DER -out "keys/$k.pub.der"
done

# ---------------------------------------------------------------------------
# Broken input.

printf 'This is not a certificate.\nNeither PEM nor DER, just some text.\n' > garbage.pem
head -c $(( $(stat -c %s server-rsa.pem) / 2 )) server-rsa.pem > truncated.pem
echo "-----BEGIN CERTIFICATE-----" > begin-only.pem
: > empty.pem
# A SEQUENCE header claiming exactly the 1020 random bytes that follow.
{ printf '\x30\x82\x03\xfc'; head -c 1020 /dev/urandom; } > random.der

# A DER copy of every certificate.
for pem in *.pem; do
  case "$pem" in
    *-chain.pem|ca-bundle.pem|garbage.pem|truncated.pem|begin-only.pem|empty.pem) continue ;;
  esac
  ossl x509 -in "$pem" -outform DER -out "${pem%.pem}.der"
done

chmod 644 ./*.key keys/*
rm -rf db

# Swap the new PKI in; the stamp goes with it.
date -u +%Y-%m-%dT%H:%M:%SZ > stamp
if [ -e "$out" ]; then
  old=$(mktemp -d "$parent/.$(basename "$out").old.XXXXXX")
  mv "$out" "$old/"
fi
mv "$work" "$out"
echo "test PKI written to $out"
