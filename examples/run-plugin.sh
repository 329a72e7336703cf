#!/bin/sh
# Runs the example plugin in directory $1: the compiled examples/dist/<name>/plugin.js when it is newer than plugin.ts
# and the SDK's sources (`npm run build` compiles it), otherwise plugin.ts with tsx from the repository root.
here=$1
root=$(cd "$here/../.." && pwd)
js="$root/examples/dist/$(basename "$here")/plugin.js"
if [ -f "$js" ] && [ "$js" -nt "$here/plugin.ts" ] && [ -z "$(find "$root/libs/plugin-sdk/src" "$root/libs/core/src" "$root/proto/src" -name '*.ts' -newer "$js" 2>/dev/null | head -n 1)" ]; then
  exec "${PLUGWAY_NODE:-node}" "$js"
fi
cd "$root" || exit 1
exec "${PLUGWAY_NODE:-node}" --import tsx "$here/plugin.ts"
