// A peer in another process: opens `connections` sockets to 127.0.0.1:`port`, sends on each a
// 4-byte big-endian length header announcing more than it will send, then `bytes` body bytes as
// 1-byte writes with Nagle off, so that they leave as 1-byte segments. The frames never complete.
// Prints "done <sent>" when every byte was handed to the kernel, then idles until killed.
import * as Net from "node:net"

const [port, connections, bytes] = process.argv.slice(2).map(Number)
const header = Buffer.alloc(4)
header.writeUInt32BE(bytes + 1_000)
const one = Buffer.from([0x61])
let finished = 0
let sent = 0

const drip = (socket) => {
  let left = bytes
  const step = () => {
    // A burst per turn of the event loop: each write is its own syscall, so its own segment.
    for (let i = 0; i < 16 && left > 0; i++, left--) {
      sent++
      if (!socket.write(one)) {
        left--
        return socket.once("drain", step)
      }
    }
    if (left > 0) return setImmediate(step)
    if (++finished === connections) console.log(`done ${sent}`)
  }
  socket.write(header, step)
}

for (let i = 0; i < connections; i++) {
  const socket = Net.createConnection({ host: "127.0.0.1", port, noDelay: true }, () => drip(socket))
  socket.on("error", (e) => {
    console.log(`error ${e.code ?? e.message}`)
  })
}
console.log("ready")
