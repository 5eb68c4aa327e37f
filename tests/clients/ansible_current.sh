#!/bin/bash
# ansible_current.sh: the client matrix's current Ansible: the newest
# ansible-core for the machine's Python with the ansible.windows collection
# of the matching ansible package, both from PyPI (requirements.txt), in
# the venv scripts/install-clients made; the same playbook tests as
# Debian's (ansible_site.sh).
WRT_TEST_TIMEOUT=${WRT_TEST_TIMEOUT:-600}
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require

ANSIBLE_BIN=$CLIENTS_VENV/bin
ANSIBLE_SOURCE="PyPI: ansible $(venv_version ansible)"
. "$WRT_TEST_HERE/ansible_site.sh"
