#!/bin/bash
# ansible_debian.sh: the client matrix's Ansible from Debian 12: ansible-core
# 2.14 (ansible-core) with the ansible.windows collection of Debian's
# ansible package, through tests/ansible/site.yml (ansible_site.sh).
WRT_TEST_TIMEOUT=${WRT_TEST_TIMEOUT:-600}
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"

ANSIBLE_BIN=/usr/bin
ANSIBLE_SOURCE="Debian 12: ansible-core, ansible $(dpkg-query -W -f='${Version}' ansible 2>/dev/null)"
. "$WRT_TEST_HERE/ansible_site.sh"
