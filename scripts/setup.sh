#!/bin/bash
# setup.sh: install what tdpmmu needs on Debian 12 (run as root).
set -euo pipefail
[[ $(id -u) == 0 ]] || { echo "setup.sh: run as root (sudo scripts/setup.sh)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential bc bison flex libelf-dev libssl-dev ccache git rsync cpio \
	python3 python3-matplotlib qemu-system-x86 qemu-system-data liburcu-dev sparse \
	linux-source-6.12 xz-utils clang \
	python3-sphinx python3-yaml graphviz python3-ply python3-git
