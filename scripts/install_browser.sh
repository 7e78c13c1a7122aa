#!/usr/bin/env bash
# Chromium and a CJK font for the browser tests (tests/browser: Playwright for Python driving the SYSTEM Chromium,
# never `playwright install`) and for scripts/console_screenshots.py: Debian's `chromium` (/usr/bin/chromium) and
# `fonts-noto-cjk` (without it Chinese renders as empty boxes).
#
#   scripts/install_browser.sh        exit 0 when both are there (installing them with apt-get when we are root),
#                                     else say why on stderr and exit 1
#
# Idempotent: nothing is downloaded when both are installed. scripts/run_tests.sh calls it before pytest and goes
# on when it fails; the browser tests then skip and name this script.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
FONT_DIR=/usr/share/fonts

log() { echo "install_browser: $*" >&2; }

have_chromium() { [ -x "$CHROMIUM" ]; }
have_cjk_font() { [ -n "$(find "$FONT_DIR" -name 'NotoSansCJK*' -print -quit 2>/dev/null)" ]; }

if have_chromium && have_cjk_font; then
    exit 0
fi
missing=()
have_chromium || missing+=(chromium)
have_cjk_font || missing+=(fonts-noto-cjk)
if [ "$(id -u)" -ne 0 ]; then
    log "missing ${missing[*]}; run as root (or: sudo apt-get install -y --no-install-recommends chromium fonts-noto-cjk)"
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    log "missing ${missing[*]} and there is no apt-get here: install Chromium at $CHROMIUM and the Noto CJK fonts by hand"
    exit 1
fi
log "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update >&2 || ! apt-get install -y --no-install-recommends chromium fonts-noto-cjk >&2; then
    log "apt-get could not install chromium fonts-noto-cjk"
    exit 1
fi
if ! have_chromium || ! have_cjk_font; then
    log "apt-get finished but $CHROMIUM or the Noto CJK font is still missing"
    exit 1
fi
log "installed"
