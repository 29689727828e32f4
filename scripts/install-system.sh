#!/usr/bin/env bash
# Installs the Debian packages childguard and its tests need, only those missing.
# ffmpeg + libav*-dev + pkg-config: vPDQ (the vpdq wheel builds against libav).
# postgresql: the test suite also runs on PostgreSQL, started locally by scripts/pg-test.sh.
# tesseract-ocr + language packs: text in images (media intelligence) in Khmer, Vietnamese, English.
# fonts-dejavu-core, fonts-khmeros: free fonts the OCR bench and tests render text with.
# libpango + libharfbuzz(-subset): WeasyPrint renders PDFs (the Cambodian referral package,
# transparency and gap reports, posters); fonts-khmeros
# and fonts-noto-core: free Khmer fonts, so Khmer is shaped correctly in them.
# chromium: the console's browser tests (Playwright drives the Debian Chromium).
# npm: the API docs pages' scripts (swagger-ui, redoc) come from npm, served by the app itself;
# Debian's npm only where no npm is on the PATH (it conflicts with a Node.js that ships its own).
set -euo pipefail
pkgs=(ffmpeg pkg-config libavdevice-dev libavfilter-dev libavformat-dev libavcodec-dev
      libswresample-dev libswscale-dev libavutil-dev postgresql
      tesseract-ocr tesseract-ocr-khm tesseract-ocr-vie tesseract-ocr-eng
      fonts-dejavu-core fonts-khmeros fonts-noto-core
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 chromium)
command -v npm >/dev/null || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "childguard needs these Debian packages: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
else SUDO=""; fi
echo "installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
