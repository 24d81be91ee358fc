# scripts/debian-source.sh: sourced by scripts/mbedtls-source.sh and scripts/wolfssl-source.sh.
#
# debian_source PACKAGE VERSION-GLOB PROBE DIR: prints the path of Debian bookworm's source of
# PACKAGE, unpacked under DIR/src (the newest PACKAGE-VERSION-GLOB tree holding the file PROBE),
# fetching it first if there is none. The source comes through a private sources list given to
# apt-get with -o options (nothing under /etc/apt is read or changed; lists and cache live in
# DIR/apt): apt verifies the files against the signed Release, then dpkg-source extracts them
# (with Debian's patches). Returns 0, or 77 if the source cannot be had (no network, no apt-get or
# dpkg-source: callers report their check as skipped).
debian_source_fetch() { # PACKAGE VERSION-GLOB DIR
    local pkg=$1 ver=$2 w=$3
    local apt=$w/apt
    command -v apt-get >/dev/null && command -v dpkg-source >/dev/null ||
        { echo "$pkg-source: apt-get and dpkg-source are needed" >&2; return 1; }
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$w/src" || return 1
    printf 'deb-src http://deb.debian.org/debian bookworm main\n' >"$apt/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
                -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache")
    apt-get "${opts[@]}" update >&2 || return 1
    (cd "$w/src" && apt-get "${opts[@]}" --download-only source "$pkg" >&2) || return 1
    local dscs=("$w"/src/${pkg}_${ver}.dsc) dsc
    dsc=${dscs[-1]}
    [ -f "$dsc" ] || return 1
    # apt checked the files against the signed InRelease; the .dsc's own OpenPGP signature needs
    # Debian's keyring, which is not installed: hence --no-check.
    (cd "$w/src" && dpkg-source --no-check -x "$(basename "$dsc")" >&2) || return 1
}

debian_source_tree() { # PACKAGE VERSION-GLOB DIR: the newest unpacked tree
    local trees=("$3"/src/$1-$2/)
    local t=${trees[-1]}
    echo "${t%/}"
}

debian_source() { # PACKAGE VERSION-GLOB PROBE DIR
    local t
    t=$(debian_source_tree "$1" "$2" "$4")
    if [ ! -f "$t/$3" ]; then
        if ! debian_source_fetch "$1" "$2" "$4"; then
            echo "$1-source: could not download Debian's $1 source package" >&2
            return 77
        fi
        t=$(debian_source_tree "$1" "$2" "$4")
    fi
    echo "$t"
}
