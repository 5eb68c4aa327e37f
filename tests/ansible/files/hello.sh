#!/bin/sh
# run by the script action: arguments, environment, exit code
echo "script ran as $(id -un) with $1"
echo "$1" > "$2"
