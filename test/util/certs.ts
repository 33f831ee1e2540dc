/**
 * Throwaway certificates made with the `openssl` CLI at test time, so no
 * private key is ever committed: a CA, a server and a client certificate it
 * signed, one it signed that expired in 2020, and a self-signed server
 * certificate. EC P-256 keys, because they are made in milliseconds.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"

export interface KeyPair {
  readonly key: Buffer
  readonly cert: Buffer
  readonly keyPath: string
  readonly certPath: string
}

export interface Certs {
  readonly dir: string
  /** The CA certificate that signed `server`, `client` and `expired`. */
  readonly ca: Buffer
  readonly caPath: string
  /** subjectAltName IP:127.0.0.1, DNS:localhost; serverAuth. */
  readonly server: KeyPair
  /** CN=client; clientAuth. */
  readonly client: KeyPair
  /** As `server`, but valid only in January 2020. */
  readonly expired: KeyPair
  /** As `server`, but signed by its own key. */
  readonly selfSigned: KeyPair
  readonly remove: () => void
}

const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
const serverAltNames = "subjectAltName=IP:127.0.0.1,DNS:localhost"

const caConfig = `[ca]
default_ca = test
[test]
database = db/index.txt
new_certs_dir = db
serial = db/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[server]
${serverAltNames}
extendedKeyUsage = serverAuth
`

/** Makes every certificate in a fresh temp dir (synchronously: once per test file). */
export const makeCerts = (): Certs => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-net-certs-"))
  const openssl = (...args: ReadonlyArray<string>) =>
    ChildProcess.execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] })
  const file = (name: string) => Path.join(dir, name)
  const pair = (name: string): KeyPair => ({
    key: Fs.readFileSync(file(`${name}.key`)),
    cert: Fs.readFileSync(file(`${name}.crt`)),
    keyPath: file(`${name}.key`),
    certPath: file(`${name}.crt`)
  })
  const request = (name: string, cn: string) =>
    openssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`)
  const sign = (name: string, extensions: string, serial: string) => {
    Fs.writeFileSync(file(`${name}.ext`), extensions)
    openssl(
      "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", serial,
      "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`
    )
  }
  try {
    openssl(
      "req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=effect-net test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"
    )
    request("server", "localhost")
    sign("server", `${serverAltNames}\nextendedKeyUsage=serverAuth\n`, "2")
    request("client", "client")
    sign("client", "extendedKeyUsage=clientAuth\n", "3")
    // `x509 -req` cannot backdate on OpenSSL 3.0; `ca` takes explicit dates.
    request("expired", "localhost")
    Fs.mkdirSync(file("db"))
    Fs.writeFileSync(file("db/index.txt"), "")
    Fs.writeFileSync(file("db/serial"), "04\n")
    Fs.writeFileSync(file("ca.cnf"), caConfig)
    openssl(
      "ca", "-batch", "-config", "ca.cnf", "-cert", "ca.crt", "-keyfile", "ca.key", "-in", "expired.csr",
      "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-extensions", "server", "-notext",
      "-out", "expired.crt"
    )
    openssl(
      "req", "-x509", ...ec, "-keyout", "selfSigned.key", "-out", "selfSigned.crt", "-days", "2", "-subj",
      "/CN=localhost", "-addext", serverAltNames
    )
  } catch (error) {
    Fs.rmSync(dir, { recursive: true, force: true })
    const stderr = (error as { readonly stderr?: Buffer }).stderr?.toString() ?? ""
    throw new Error(`openssl failed making test certificates: ${stderr}`, { cause: error })
  }
  return {
    dir,
    ca: Fs.readFileSync(file("ca.crt")),
    caPath: file("ca.crt"),
    server: pair("server"),
    client: pair("client"),
    expired: pair("expired"),
    selfSigned: pair("selfSigned"),
    remove: () => Fs.rmSync(dir, { recursive: true, force: true })
  }
}
