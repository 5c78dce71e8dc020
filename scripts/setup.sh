#!/usr/bin/env bash
# Installs what Sprout's tests and samples need on a fresh Debian machine with the .NET 10 SDK:
# the Fashion-MNIST data set (Debian's dataset-fashion-mnist, IDX files in /usr/share/datasets/fashion-mnist) and
# Open MPI (openmpi-bin, libopenmpi-dev: mpirun and libmpi.so.40, for Sprout.Distributed) and Debian's fortunes
# (English text in /usr/share/games/fortunes, for the language-model sample).
# Safe to run again; skips what is already there.
set -euo pipefail

if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET 10 SDK (dotnet) is required and was not found on PATH." >&2
  exit 1
fi

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist >/dev/null \
      || echo "setup: could not install dataset-fashion-mnist; samples fall back to the embedded subset." >&2
  else
    echo "setup: Fashion-MNIST not found; run 'sudo apt-get install dataset-fashion-mnist' for the full data set." >&2
  fi
fi

if ! command -v mpirun >/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/libmpi.so.40 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq openmpi-bin libopenmpi-dev >/dev/null
  else
    echo "setup: Open MPI not found; run 'sudo apt-get install openmpi-bin libopenmpi-dev' for Sprout.Distributed." >&2
    exit 1
  fi
fi

if [ ! -d /usr/share/games/fortunes ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get install -y -qq fortunes >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq fortunes >/dev/null; }; } \
      || { echo "setup: could not install fortunes (the language-model sample's text)." >&2; exit 1; }
  else
    echo "setup: Debian's fortunes not found; run 'sudo apt-get install fortunes' for the language-model sample." >&2
  fi
fi
