#!/usr/bin/env bash
# Install what nianbao needs from Debian when it is missing:
#   - CJK fonts: FandolFang/FandolKai/FandolSong/FandolHei (texlive-lang-chinese),
#     Noto CJK SC (fonts-noto-cjk), AR PL UKai (fonts-arphic-ukai)
#   - poppler-utils (pdftotext, pdffonts, pdftoppm) for the tests and for looking at PDFs
#   - for tests: LibreOffice Writer (headless) and Chromium (headless); NIANBAO_TEST_TOOLS=0 skips them
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

# Tests that open the DOCX in LibreOffice, and the site in a browser, need these
# (those tests skip without them). NIANBAO_TEST_TOOLS=0 leaves them out.
if [ "${NIANBAO_TEST_TOOLS:-1}" = "1" ]; then
  # soffice alone is not enough: without Writer it converts nothing
  if command -v dpkg-query >/dev/null 2>&1; then
    status=$(dpkg-query -W -f='${Status} ' libreoffice-writer-nogui libreoffice-writer 2>/dev/null || true)
    case "$status" in *"install ok installed"*) ;; *) need+=(libreoffice-writer-nogui) ;; esac
  else
    command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
  fi
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi

FANDOL=/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol
FCCONF=/etc/fonts/conf.d/09-nianbao-fandol.conf
register_fandol() {
  # Debian keeps the Fandol fonts outside fontconfig's folders: register them, so
  # that LibreOffice and other programs see the same fonts as typst.
  if [ -d "$FANDOL" ] && [ ! -f "$FCCONF" ] && [ -w /etc/fonts/conf.d ]; then
    printf '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>%s</dir></fontconfig>\n' "$FANDOL" > "$FCCONF"
    fc-cache -f >/dev/null 2>&1 || true
    echo "系统软件包：已向 fontconfig 登记 Fandol 字体"
  fi
}

if [ ${#need[@]} -eq 0 ]; then
  register_fandol
  echo "系统软件包：均已安装"
  exit 0
fi
echo "系统软件包：正在安装 ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "没有 apt-get：请手动安装 ${need[*]}（或同等的中文字体）" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "不是 root 用户，也没有 sudo：请手动安装 ${need[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
register_fandol
echo "系统软件包：安装完成"
