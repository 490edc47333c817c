#!/usr/bin/env bash
# Install what nianbao needs from Debian when it is missing:
#   - CJK fonts: FandolFang/FandolKai/FandolSong/FandolHei (texlive-lang-chinese),
#     Noto CJK SC (fonts-noto-cjk), AR PL UKai (fonts-arphic-ukai)
#   - poppler-utils (pdftotext, pdffonts, pdftoppm) for the tests and for looking at PDFs
# Nothing is installed when everything is present. Without root or apt-get it
# says what to install and stops.
set -euo pipefail

need=()
have_font() { fc-list : family 2>/dev/null | grep -i "$1" >/dev/null || ls /usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/"$1"* >/dev/null 2>&1; }
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
have_font "Noto Sans CJK SC" || need+=(fonts-noto-cjk)
have_font "FandolFang" || need+=(texlive-lang-chinese)
have_font "AR PL UKai" || need+=(fonts-arphic-ukai)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)

if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get is not available: install ${need[*]} (or equivalent CJK fonts) by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "not root and no sudo: install ${need[*]} by hand" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system packages: done"
