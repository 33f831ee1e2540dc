#!/usr/bin/env bash
# The package as a user meets it: `npm pack`, then a scratch app with only effect-net, effect,
# @effect/platform and @types/node installed, type-checked with `tsc --strict --skipLibCheck false`,
# runs the README's first program and imports every entry point.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app="$(mktemp -d)"
trap 'rm -rf "$app"' EXIT
cd "$root"
npm run -s build
tarball="$(npm pack --silent --pack-destination "$app" | tail -n 1)"
cd "$app"
cat > package.json <<'JSON'
{ "name": "scratch-app", "private": true, "type": "module" }
JSON
versions() { node -p "const p=require('$root/package.json'); p.devDependencies['$1']"; }
npm install --no-audit --no-fund --silent "./$tarball" "effect@$(versions effect)" "@effect/platform@$(versions @effect/platform)" \
  "@types/node@$(versions @types/node)" "typescript@$(versions typescript)"
# the README's first program, taken from the README itself
node -e '
  const s = require("fs").readFileSync(process.argv[1], "utf8")
  const blocks = [...s.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1])
  require("fs").writeFileSync("main.ts", blocks.find((b) => b.includes("Effect.runPromise(program)")))
' "$root/README.md"
cat > entries.ts <<'TS'
import { Address, Bytes, Client, Connection, Framing, Message, Server, Transport, Utf8 } from "effect-net"
import * as Testing from "effect-net/testing"
import pkg from "effect-net/package.json" with { type: "json" }
export const all = [Address, Bytes, Client, Connection, Framing, Message, Server, Transport, Utf8, Testing, pkg.name]
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "exactOptionalPropertyTypes": true, "skipLibCheck": false, "module": "NodeNext",
  "moduleResolution": "NodeNext", "target": "ES2022", "lib": ["ES2022"], "types": ["node"], "outDir": "out",
  "resolveJsonModule": true }, "include": ["main.ts", "entries.ts"] }
JSON
npx tsc -p .
node out/main.js
node -e 'import("effect-net/testing").then((t) => console.log("effect-net/testing:", Object.keys(t).length, "exports"))'
echo "installed packages: $(ls node_modules | tr '\n' ' ')"
du -sh node_modules/effect-net | sed 's/^/effect-net package on disk: /'
