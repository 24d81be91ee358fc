#!/usr/bin/env bash
# make-pki.sh OUTDIR: a throw-away test PKI (EC P-256, SHA-256), generated at test time with the
# openssl command line tool. Nothing it makes is ever committed: ctest runs it into
# ${CMAKE_BINARY_DIR}/pki (fixture pki_setup), the interop scripts into their temp directory.
#
# OUTDIR receives (PEM unless named .der):
#   ca.crt ca.key                 the test CA ("secure_sock test CA")
#   server.crt                    CN server.test, SAN DNS:server.test IP:127.0.0.1 IP:::1,
#                                 serverAuth; issued by ca
#   server.key                    its key, SEC1 PEM ("BEGIN EC PRIVATE KEY")
#   server.p8.key                 the same key, PKCS#8 PEM ("BEGIN PRIVATE KEY")
#   server.key.der server.p8.der  the same key, SEC1 DER and PKCS#8 DER
#   server.crt.der server.pub     the certificate in DER; its public key (SubjectPublicKeyInfo PEM)
#   client.crt client.key         CN client.test, clientAuth; issued by ca
#   client.p8.key                 the client key in PKCS#8 PEM
#   expired.crt expired.key       server.test, valid 2020-01-01 to 2020-01-02 only; issued by ca
#   future.crt future.key         server.test, valid from 2049-01-01 only (not yet valid)
#   other-ca.crt other-ca.key     a second, unrelated CA ("secure_sock other CA")
#   other-server.crt/.key         server.test issued by other-ca (unknown to clients trusting ca)
#   other-client.crt/.key         client.test issued by other-ca
#   int-ca.crt int-ca.key         an intermediate CA issued by ca
#   chain-server.crt              server.test issued by int-ca, then int-ca.crt (a 2-cert chain)
#   chain-server.key              its key
#   mismatch.key                  a P-256 key that matches no certificate here
#   client.pub mismatch.pub       public keys (SubjectPublicKeyInfo PEM) of client.key and
#   server.pub.der                mismatch.key, and server.pub in DER: raw public keys (RFC 7250)
#   rsa.key p384.key              keys the drivers refuse (not P-256): RSA 2048 and P-384
#   corrupt.crt                   server.crt with its base64 damaged (not valid PEM/DER)
#   both.pem                      ca.crt and other-ca.crt in one file (two trust anchors)
# and, issued by ca with their keys (.key), for the check of an address target (no server name):
#   ip-server.crt                 SAN IP:127.0.0.1 IP:::1 only (no DNS name at all)
#   evil.crt                      CN evil.example, SAN DNS:evil.example only (no address)
#   wrong-ip.crt                  CN server.test, SAN DNS:server.test IP:192.0.2.1 IP:2001:db8::1
#   ip-as-dns.crt                 CN 127.0.0.1, SAN DNS:127.0.0.1 DNS:::1: addresses written as
#                                 names, which must never match an address (RFC 6125)
#   mapped-ip.crt                 SAN IP:::ffff:127.0.0.1 (IPv4-mapped: matches 127.0.0.1)
set -euo pipefail

OUT=${1:?usage: make-pki.sh OUTDIR}
command -v openssl >/dev/null || { echo "make-pki.sh: openssl not installed" >&2; exit 77; }
mkdir -p "$OUT"
cd "$OUT"
umask 077

gen_key() { # $1 file: a P-256 key in SEC1 PEM
    openssl ecparam -name prime256v1 -genkey -noout -out "$1"
}

cat >ext.cnf <<'EOF'
[ int_ext ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ server_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.test, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ client_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ip_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1
[ evil_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:evil.example
[ wrong_ip_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:server.test, IP:192.0.2.1, IP:2001:db8::1
[ ip_as_dns_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:127.0.0.1, DNS:::1
[ mapped_ip_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:::ffff:127.0.0.1
EOF

make_ca() { # $1 name, $2 CN
    gen_key "$1.key"
    openssl req -new -x509 -sha256 -key "$1.key" -subj "/O=secure_sock tests/CN=$2" -days 3650 \
        -addext "basicConstraints = critical, CA:true" \
        -addext "keyUsage = critical, keyCertSign, cRLSign" -out "$1.crt"
}

issue() { # $1 name, $2 CN, $3 extension section, $4 issuer name, [$5 $6 start end dates]
    gen_key "$1.key"
    openssl req -new -sha256 -key "$1.key" -subj "/O=secure_sock tests/CN=$2" -out "$1.csr"
    if [ $# -ge 6 ]; then
        # openssl 3.0's `x509` cannot set notBefore: `ca` can.
        mkdir -p "ca-db-$4"
        : >"ca-db-$4/index.txt"
        echo 1000 >"ca-db-$4/serial"
        cat >"ca-$4.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = ca-db-$4
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
organizationName = supplied
commonName = supplied
EOF
        openssl ca -batch -notext -config "ca-$4.cnf" -cert "$4.crt" -keyfile "$4.key" \
            -startdate "$5" -enddate "$6" -extfile ext.cnf -extensions "$3" \
            -in "$1.csr" -out "$1.crt" 2>/dev/null
    else
        openssl x509 -req -sha256 -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" -set_serial "0x$(openssl rand -hex 8)" \
            -days 3650 -extfile ext.cnf -extensions "$3" -out "$1.crt" 2>/dev/null
    fi
    rm -f "$1.csr"
}

make_ca ca "secure_sock test CA"
make_ca other-ca "secure_sock other CA"
issue server server.test server_ext ca
issue client client.test client_ext ca
issue expired server.test server_ext ca 20200101000000Z 20200102000000Z
issue future server.test server_ext ca 20490101000000Z 20491231000000Z
issue other-server server.test server_ext other-ca
issue other-client client.test client_ext other-ca
issue int-ca "secure_sock intermediate CA" int_ext ca
issue chain-leaf server.test server_ext int-ca
issue ip-server "secure_sock ip server" ip_ext ca
issue evil evil.example evil_ext ca
issue wrong-ip server.test wrong_ip_ext ca
issue ip-as-dns 127.0.0.1 ip_as_dns_ext ca
issue mapped-ip "secure_sock mapped ip server" mapped_ip_ext ca
cat chain-leaf.crt int-ca.crt >chain-server.crt
mv chain-leaf.key chain-server.key
rm -f chain-leaf.crt

# the same server key in every encoding the store accepts
openssl pkcs8 -topk8 -nocrypt -in server.key -out server.p8.key
openssl pkcs8 -topk8 -nocrypt -in server.key -outform DER -out server.p8.der
openssl ec -in server.key -outform DER -out server.key.der 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in client.key -out client.p8.key
openssl x509 -in server.crt -outform DER -out server.crt.der
openssl x509 -in server.crt -pubkey -noout >server.pub

gen_key mismatch.key
openssl pkey -in client.key -pubout -out client.pub
openssl pkey -in mismatch.key -pubout -out mismatch.pub
openssl pkey -in server.key -pubout -outform DER -out server.pub.der
openssl genrsa -out rsa.key 2048 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out p384.key

# damage the base64 body of the certificate (line 3), keeping the PEM frame
awk 'NR == 3 { gsub(/[A-Za-z]/, "!") } { print }' server.crt >corrupt.crt
cat ca.crt other-ca.crt >both.pem

rm -rf ca-db-* ca-*.cnf ext.cnf
echo "make-pki.sh: test PKI in $OUT"
