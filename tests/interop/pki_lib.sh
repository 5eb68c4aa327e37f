# pki_lib.sh: sourced after lib.sh by the tests that need client
# certificates (auth_cert.sh, tests/clients/pywinrm.sh): a throw-away CA
# made with openssl(1) in $PKI.
#
#   pki_ca NAME                           $PKI/NAME.key, $PKI/NAME.crt
#   pki_client NAME CA SUBJECT [UPN] [EKU]
#                                         a client certificate signed by CA
#                                         (UPN: subjectAltName otherName
#                                         1.3.6.1.4.1.311.20.2.3; EKU
#                                         default clientAuth)
#   pki_thumbprint NAME                   its SHA-1 thumbprint
command -v openssl >/dev/null || missing_tool "openssl is not installed"
PKI=$WORK/pki
mkdir -p "$PKI"

pki_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" \
	    -out "$PKI/$1.crt" -days 2 -subj "/CN=winrmd test $1" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign >/dev/null 2>&1 ||
	    hard_error "openssl: CA $1"
}

pki_client() {
	local name=$1 cafile=$2 subj=$3 upn=${4:-} eku=${5:-clientAuth}
	local ext=(-addext "extendedKeyUsage=$eku" -addext keyUsage=critical,digitalSignature,keyEncipherment)
	[ -n "$upn" ] && ext+=(-addext "subjectAltName=otherName:1.3.6.1.4.1.311.20.2.3;UTF8:$upn")
	openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" \
	    -out "$PKI/$name.csr" -subj "$subj" "${ext[@]}" >/dev/null 2>&1 &&
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$cafile.crt" \
	    -CAkey "$PKI/$cafile.key" -CAcreateserial -days 1 \
	    -copy_extensions copy -out "$PKI/$name.crt" >/dev/null 2>&1 ||
	    hard_error "openssl: client certificate $name"
}

pki_thumbprint() {
	openssl x509 -in "$PKI/$1.crt" -noout -fingerprint -sha1 | sed 's/.*=//'
}
