#!/usr/bin/env bash
# The package as a user meets it: `npm pack`, then a scratch app with only effect-net, effect,
# @effect/platform and @types/node installed, type-checked with `tsc --strict --skipLibCheck false`,
# runs the README's first program, imports every entry point, and compiles every ts block of the README.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
app="$(mktemp -d)"
trap 'rm -rf "$app"' EXIT
cd "$root"
npm run -s build
tarball="$(npm pack --silent --pack-destination "$app" | tail -n 1)"
cd "$app"
# as the README's Install says: an app made by `npm init -y` (CommonJS by default), turned into an ES module
npm init -y >/dev/null
npm pkg set type=module
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
# every ts block of the README compiles against the package as installed, each as a file named for the README
# line it starts on; two blocks need the optional peer @effect/rpc and the test helpers' @effect/vitest
npm install --no-audit --no-fund --silent "@effect/rpc@$(versions @effect/rpc)" "@effect/vitest@$(versions @effect/vitest)" \
  "vitest@$(versions vitest)"
mkdir readme
node -e '
  const s = require("fs").readFileSync(process.argv[1], "utf8")
  let n = 0
  for (const m of s.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
    const line = s.slice(0, m.index).split("\n").length + 1
    require("fs").writeFileSync(`readme/README.md-line-${line}.ts`, m[1])
    n++
  }
  if (n === 0) throw new Error("no ts block found in the README")
' "$root/README.md"
cat > tsconfig.readme.json <<'JSON'
{ "compilerOptions": { "strict": true, "exactOptionalPropertyTypes": true, "skipLibCheck": true, "module": "NodeNext",
  "moduleResolution": "NodeNext", "target": "ES2022", "lib": ["ES2022"], "types": ["node"], "noEmit": true },
  "include": ["readme"] }
JSON
npx tsc -p tsconfig.readme.json
echo "README: $(ls readme | wc -l) ts blocks compile"
echo "installed packages: $(ls node_modules | tr '\n' ' ')"
du -sh node_modules/effect-net | sed 's/^/effect-net package on disk: /'
