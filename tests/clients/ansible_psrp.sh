#!/bin/bash
# ansible_psrp.sh: the client matrix's current Ansible (ansible-core and
# ansible.windows from PyPI, as ansible_current.sh) with its psrp
# connection (pypsrp of the same venv): the same playbook tests
# (ansible_site.sh), every script arriving as a PSRP pipeline and served
# by the same native Ansible layer as the winrm connection's.
WRT_TEST_TIMEOUT=${WRT_TEST_TIMEOUT:-600}
. "$(dirname "$0")/../interop/lib.sh"
. "$WRT_TEST_HERE/lib.sh"
clients_require

ANSIBLE_BIN=$CLIENTS_VENV/bin
ANSIBLE_SOURCE="PyPI: ansible $(venv_version ansible), pypsrp $(venv_version pypsrp)"
ANSIBLE_CONN=psrp
. "$WRT_TEST_HERE/ansible_site.sh"
