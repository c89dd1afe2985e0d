#!/bin/sh
# Install jvs from a built tree: install.sh JAR DESTDIR PREFIX
#   JAR      the assembled jar (director/target/jvs.jar)
#   DESTDIR  staging root ("" for the live system)
#   PREFIX   /usr/local for `make install`, /usr for the Debian package
# Lays out PREFIX/sbin/jvs (the launcher), PREFIX/share/jvs/jvs.jar, jvs(8), the bash completion, the systemd
# unit and /etc/default/jvs (kept when it exists: it is the operator's).
set -eu
jar=$1 dest=$2 prefix=$3
here=$(dirname "$(readlink -f "$0")")
top=$here/../..
install -d "$dest$prefix/sbin" "$dest$prefix/share/jvs" "$dest$prefix/share/man/man8" \
    "$dest$prefix/share/bash-completion/completions" "$dest$prefix/share/doc/jvs" "$dest/etc/default"
install -m 0644 "$jar" "$dest$prefix/share/jvs/jvs.jar"
install -m 0755 "$top/bin/jvs" "$dest$prefix/sbin/jvs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
java -jar "$jar" gen-docs --man "$tmp/jvs.8" --completion "$tmp/jvs"
gzip -9n < "$tmp/jvs.8" > "$dest$prefix/share/man/man8/jvs.8.gz"
install -m 0644 "$tmp/jvs" "$dest$prefix/share/bash-completion/completions/jvs"
install -m 0644 "$top/LICENSE" "$dest$prefix/share/doc/jvs/copyright"
install -m 0644 "$top/README.md" "$dest$prefix/share/doc/jvs/README.md"
# A unit under /usr/local is found in /etc/systemd/system; the package's goes to /lib/systemd/system.
if [ "$prefix" = /usr ]; then unitdir=/lib/systemd/system; else unitdir=/etc/systemd/system; fi
install -d "$dest$unitdir"
sed "s|@SBINDIR@|$prefix/sbin|" "$here/jvs.service" > "$dest$unitdir/jvs.service"
chmod 0644 "$dest$unitdir/jvs.service"
# The class-data-sharing archive names the jar by its path: made where the jar will run, so only when installing
# in place (the package makes it in its postinst).
if [ -z "$dest" ]; then
    install -d /var/lib/jvs
    java -XX:ArchiveClassesAtExit=/var/lib/jvs/jvs.jsa -Xlog:cds=off -Xlog:cds+dynamic=off \
        -jar "$prefix/share/jvs/jvs.jar" load-classes >/dev/null || echo "no CDS archive: the JVM would not make one"
fi
if [ ! -e "$dest/etc/default/jvs" ]; then
    install -m 0644 "$here/default" "$dest/etc/default/jvs"
fi
echo "installed jvs under $dest$prefix (unit $dest$unitdir/jvs.service)"
